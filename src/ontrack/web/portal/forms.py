"""The client's questionnaire form: every question of one measure, on one page."""

from __future__ import annotations

from typing import Any

from django import forms

from ontrack.measures import Measure
from ontrack.web.common.actions import ActionError
from ontrack.web.common.forms import AccessibleFormMixin, measure_key

Answer = int | float | None


class OnlineQuestionnaireForm(AccessibleFormMixin, forms.Form):
    """One questionnaire as the client answers it online: every question, one at a time."""

    def __init__(self, *args: Any, measure: Measure, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{measure_key(measure.code)}-%s")
        super().__init__(*args, **kwargs)
        self.measure = measure
        labels = measure.answer_labels
        values = range(measure.item_min, measure.item_max + 1)
        choices = [(str(v), labels[i] if i < len(labels) else str(v)) for i, v in enumerate(values)]
        for item in measure.items:
            self.fields[f"item_{item.number}"] = forms.TypedChoiceField(
                label=f"{item.number}. {item.text}",
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Answer question {item.number}.",
                    "invalid_choice": f"Question {item.number}: choose one of the answers "
                    f"({measure.item_min} to {measure.item_max}).",
                },
            )
        self.style_widgets()

    def answers(self) -> list[Answer]:
        """The answers as given, None where a question was left blank or answered badly."""
        out: list[Answer] = []
        for item in self.measure.items:
            raw = self.data.get(f"item_{item.number}", "")
            try:
                value = int(raw)
            except (TypeError, ValueError):
                out.append(None)
                continue
            ok = self.measure.item_min <= value <= self.measure.item_max
            out.append(value if ok else None)
        return out

    def add_action_errors(self, error: ActionError) -> None:
        """Put the action's messages on the questions they are about."""
        for key, message in error.errors.items():
            name = f"item_{key.split(':', 1)[1]}" if key.startswith("item:") else None
            self.add_error(name if name in self.fields else None, message)
        self.wire_errors()


class ConcernForm(AccessibleFormMixin, forms.Form):
    """Raise a concern or a complaint, to the therapist or straight to the manager."""

    kind = forms.ChoiceField(
        label="What would you like to do?",
        choices=[
            ("concern", "Tell the service about something that is not right"),
            ("complaint", "Make a complaint"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether this is a concern or a complaint."},
    )
    addressed_to = forms.ChoiceField(
        label="Who would you like to deal with it?",
        choices=[
            ("therapist", "My therapist"),
            ("manager", "The service manager (your therapist will not see it)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who you would like to deal with it."},
    )
    summary = forms.CharField(
        label="What happened, and what would help?",
        help_text="Say it in your own words. Nobody is in trouble for a concern being raised.",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        strip=False,
    )


class AnotherTherapistForm(AccessibleFormMixin, forms.Form):
    """Ask for another therapist, to the therapist or straight to the manager."""

    addressed_to = ConcernForm.base_fields["addressed_to"]
    summary = forms.CharField(
        label="What would you like to be different?",
        help_text="For example: a therapist of a particular gender, someone who speaks your "
        "language, or simply a fresh start. You do not have to give a reason.",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        strip=False,
    )


class NoteForm(AccessibleFormMixin, forms.Form):
    """A short note: why a concern is being escalated or withdrawn."""

    note = forms.CharField(
        label="Why are you taking it to the next step?",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        strip=False,
    )


class AppointmentForm(AccessibleFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="What would you like to do?",
        choices=[("cancel", "Cancel this appointment"), ("rebook", "Ask for another time")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose cancel or ask for another time."},
    )
    reason = forms.CharField(
        label="Anything the team should know (optional)",
        help_text="For example, times that suit you better.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        strip=False,
    )


class HomeworkReportForm(AccessibleFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label="How did it go?",
        choices=[("done", "Done"), ("partly", "Partly done"), ("not_done", "Not done")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose done, partly done or not done."},
    )
    obstacles = forms.CharField(
        label="What got in the way? (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        strip=False,
    )


class EndingReviewForm(AccessibleFormMixin, forms.Form):
    helped = forms.CharField(
        label="What helped?", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    did_not_help = forms.CharField(
        label="What did not help?", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    next_steps = forms.CharField(
        label="What next? What will you keep doing, or would you like help with?",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )


class RatingForm(OnlineQuestionnaireForm):
    """The service's session rating, every question on one page (as a questionnaire)."""


class ChoicesForm(AccessibleFormMixin, forms.Form):
    """Radio questions built from (code, text, answers) triples: the PEQ."""

    def __init__(
        self, *args: Any, questions: list[tuple[str, str, list[tuple[str, str]]]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for n, (code, text, answers) in enumerate(questions, 1):
            self.fields[code] = forms.ChoiceField(
                label=f"{n}. {text}",
                choices=answers,
                widget=forms.RadioSelect,
                required=False,
            )
        self.style_widgets()


class OnlineSettingsForm(AccessibleFormMixin, forms.Form):
    """What the therapist decides for a client's online questionnaires."""

    measures = forms.MultipleChoiceField(
        label="Questionnaires asked online",
        help_text="None ticked: PHQ-9, GAD-7 and the measure the problem descriptor calls for.",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    frequency = forms.ChoiceField(label="How often", widget=forms.RadioSelect)
    show_alliance = forms.TypedChoiceField(
        label="Can the client see their own session ratings?",
        choices=[("yes", "Yes"), ("no", "No, keep them for the therapist")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, measure_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        from ontrack.web.common.codes import OnlineFrequency

        super().__init__(*args, **kwargs)
        self.fields["measures"].choices = measure_choices  # type: ignore[attr-defined]
        self.fields["frequency"].choices = OnlineFrequency.choices  # type: ignore[attr-defined]
        self.style_widgets()
