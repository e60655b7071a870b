"""Forms of the care-record pages. They shape input; the actions decide what is valid."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone

from ontrack.measures import Measure, MeasureError, get_measure, risk_answers, score
from ontrack.measures.nhstt import anxiety_measure_for
from ontrack.web.common.codes import (
    ATTENDED,
    AlertActionKind,
    AppType,
    Attendance,
    ConsMechanism,
    GoalStatus,
    HomeworkOutcome,
    ProblemDescriptor,
    ReviewDecisionKind,
    Therapy,
)
from ontrack.web.common.forms import AccessibleFormMixin, measure_key
from ontrack.web.records.actions import ActionError, HomeworkPlan, HomeworkReview
from ontrack.web.records.models import Episode, Goal, Homework, OnlineSubmission
from ontrack.web.records.models.measures import BECK_CRITERIA

Answer = int | float | None


@dataclass(frozen=True)
class ItemField:
    """One questionnaire item as the template renders it."""

    number: int
    text: str
    name: str


@dataclass(frozen=True)
class MeasureGroup:
    """A questionnaire on the form: its measure, item fields and where its errors go."""

    measure: Measure
    key: str  # "questionnaire:PHQ-9" or "alliance:OSR", as the action names it
    anchor: str
    items: tuple[ItemField, ...]
    quick: str  # name of the quick-entry field

    @property
    def single_digits(self) -> bool:
        """Whether every answer is one digit, so answers can be typed without separators."""
        return self.measure.item_min >= 0 and self.measure.item_max <= 9


QUICK_MISSING = "-"


def parse_quick(group: MeasureGroup, text: str) -> list[Answer]:
    """Read a quick-entry string: digits in order ("2101"), or numbers separated by spaces
    or commas ("9 9 8 9"); "-" marks an unanswered question. Raise ValueError naming the
    problem in words a clinician can act on."""
    measure = group.measure
    cleaned = text.strip()
    if re.search(r"[\s,;]", cleaned):
        tokens = [t for t in re.split(r"[\s,;]+", cleaned) if t]
    elif group.single_digits:
        tokens = list(cleaned)
    else:
        tokens = [cleaned]
    answers: list[Answer] = []
    for position, token in enumerate(tokens, 1):
        if token == QUICK_MISSING:
            answers.append(None)
            continue
        if not token.isdigit():
            raise ValueError(
                f"Question {position}: {token!r} is not an answer; type numbers "
                f"{measure.item_min} to {measure.item_max}, or - for unanswered."
            )
        value = int(token)
        if not measure.item_min <= value <= measure.item_max:
            raise ValueError(
                f"Question {position}: {value} is outside {measure.item_min} to {measure.item_max}."
            )
        answers.append(value)
    if len(answers) != measure.n_items:
        raise ValueError(
            f"Type {measure.n_items} answers, one per question (you typed {len(answers)})."
        )
    return answers


def quick_text(group: MeasureGroup, answers: Iterable[Answer]) -> str:
    """Write answers the way quick entry reads them (the inverse of ``parse_quick``)."""
    tokens = [QUICK_MISSING if a is None else f"{a:g}" for a in answers]
    return ("" if group.single_digits else " ").join(tokens)


class SessionForm(AccessibleFormMixin, forms.Form):
    """Record a session: attendance, questionnaires, alliance, goals, homework and notes."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    # The anxiety-disorder-specific measure this form asks (chosen above the form).
    adsm = forms.CharField(widget=forms.HiddenInput, required=False)
    contact_date = forms.DateField(
        label="Date of the session",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Enter the date of the session.",
            "invalid": "Enter a real date, for example 27 3 2026.",
        },
    )
    attendance = forms.ChoiceField(
        label="Attendance",
        # Attended first: most contacts recorded are sessions that happened.
        choices=sorted(Attendance.choices, key=lambda c: c[0] not in ATTENDED),
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the client attended."},
    )
    app_type = forms.ChoiceField(label="Kind of contact", choices=AppType.choices)
    cons_mechanism = forms.ChoiceField(label="How it took place", choices=ConsMechanism.choices)
    therapy = forms.ChoiceField(
        label="Therapy delivered",
        choices=[("", "As planned for this episode"), *Therapy.choices],
        required=False,
    )
    notes = forms.CharField(
        label="Session notes",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=20000,
        help_text="Seen by staff only.",
    )
    next_session_on = forms.DateField(
        label="Next session",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Leave blank if it is not booked yet.",
        error_messages={"invalid": "Enter a real date, for example 3 4 2026."},
    )

    def __init__(
        self,
        *args: Any,
        episode: Episode,
        questionnaires: Iterable[Measure],
        alliance: Measure,
        goals: Iterable[Goal],
        homework_due: Iterable[Homework],
        online: Mapping[str, OnlineSubmission] | None = None,
        adsm: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.episode = episode
        # Answers the client completed online, by measure code: they pre-fill the fields.
        self.online = dict(online or {})
        self.initial.setdefault("adsm", adsm)
        self.group_errors: dict[str, str] = {}
        self.groups: list[MeasureGroup] = [
            self._add_measure(m, "questionnaire") for m in questionnaires
        ]
        self.alliance_group = self._add_measure(alliance, "alliance")
        self.goals = list(goals)
        for goal in self.goals:
            self.fields[f"goal_{goal.pk}"] = forms.IntegerField(
                label=f"Goal {goal.number}: {goal.description or 'description not recorded'}",
                min_value=0,
                max_value=10,
                required=False,
                help_text=(
                    "0 = no progress, 5 = half way, 10 = goal reached. "
                    "Leave blank if not rated today."
                ),
                error_messages={
                    "invalid": "Rate progress as a whole number from 0 to 10.",
                    "min_value": "Rate progress as a whole number from 0 to 10.",
                    "max_value": "Rate progress as a whole number from 0 to 10.",
                },
            )
        self.homework_due = list(homework_due)
        for item in self.homework_due:
            self.fields[f"homework_{item.pk}_outcome"] = forms.ChoiceField(
                label=f"How much of “{item.behaviour or item}” was done?",
                choices=[("", "Not reviewed today"), *HomeworkOutcome.choices],
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"homework_{item.pk}_summary"] = forms.CharField(
                label="Progress summary",
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                max_length=5000,
            )
        for name, label in BECK_CRITERIA:
            self.fields[f"hw_{name}"] = forms.CharField(
                label=label,
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                max_length=2000,
            )
        self.initial.setdefault("contact_date", timezone.localdate())
        self.initial.setdefault("app_type", AppType.TREATMENT)
        self.initial.setdefault("cons_mechanism", ConsMechanism.FACE_TO_FACE)
        self.initial.setdefault("version", episode.version)

    def _add_measure(self, measure: Measure, kind: str) -> MeasureGroup:
        key = measure_key(measure.code)
        labels = measure.answer_labels
        values = range(measure.item_min, measure.item_max + 1)
        choices = [(str(v), labels[i] if i < len(labels) else str(v)) for i, v in enumerate(values)]
        items = []
        for item in measure.items:
            name = f"{key}_{item.number}"
            text = item.text or f"Item {item.number}"
            self.fields[name] = forms.ChoiceField(
                label=f"{item.number}. {text}",
                choices=choices,
                # A compact grid of native radios, not NHS.UK's large ones: a questionnaire
                # is answered many times a day.
                widget=forms.RadioSelect(attrs={"class": "app-grid__input", "data-plain": "1"}),
                required=False,
            )
            items.append(ItemField(item.number, text, name))
        quick = f"{key}_quick"
        group = MeasureGroup(measure, f"{kind}:{measure.code}", f"group-{key}", tuple(items), quick)
        if kind == "questionnaire":
            self._add_online(group)
            if not measure.has_text and not measure.risk_items:
                self.fields[f"{key}_total"] = forms.FloatField(
                    label=f"Or the {measure.code} total",
                    required=False,
                    min_value=measure.min,
                    max_value=measure.max,
                    help_text=(
                        f"{measure.min:g} to {measure.max:g}, when only the total was scored "
                        "(leave the answers blank)."
                    ),
                    error_messages={
                        "invalid": f"Enter the {measure.code} total as a number.",
                        "min_value": f"The {measure.code} total must be from {measure.min:g} "
                        f"to {measure.max:g}.",
                        "max_value": f"The {measure.code} total must be from {measure.min:g} "
                        f"to {measure.max:g}.",
                    },
                    widget=forms.NumberInput(attrs={"class": "app-total", "step": "any"}),
                )
        example = "".join(str(min(i % 3, measure.item_max)) for i in range(measure.n_items))
        self.fields[quick] = forms.CharField(
            label=f"{measure.code} answers in order",
            required=False,
            max_length=4 * measure.n_items,
            help_text=(
                f"Type {measure.n_items} answers, {measure.item_min} to {measure.item_max}, "
                + (
                    f"one digit per question (for example {example})"
                    if group.single_digits
                    else "separated by spaces"
                )
                + "; - for an unanswered question. Or tick the answers below."
            ),
            widget=forms.TextInput(
                attrs={
                    "class": "app-quick",
                    "inputmode": "numeric",
                    "autocomplete": "off",
                    "spellcheck": "false",
                    "data-quick": key,
                    "data-items": str(measure.n_items),
                    "data-min": str(measure.item_min),
                    "data-max": str(measure.item_max),
                    "data-digits": "1" if group.single_digits else "0",
                }
            ),
        )
        return group

    def _add_online(self, group: MeasureGroup) -> None:
        """Pre-fill a questionnaire with the answers the client completed online."""
        key = measure_key(group.measure.code)
        self.fields[f"{key}_online"] = forms.IntegerField(widget=forms.HiddenInput, required=False)
        submission = self.online.get(group.measure.code)
        if submission is None:
            return
        self.initial[f"{key}_online"] = submission.pk
        self.initial[group.quick] = quick_text(group, submission.items)

    def online_used(self, group: MeasureGroup) -> OnlineSubmission | None:
        """Return the online submission this questionnaire carries, if any."""
        submission = self.online.get(group.measure.code)
        if submission is None:
            return None
        name = f"{measure_key(group.measure.code)}_online"
        if self.is_bound and str(self.data.get(name) or "") != str(submission.pk):
            return None
        return submission

    # -- what the template renders ----------------------------------------------------------

    def _section(self, group: MeasureGroup) -> dict[str, Any]:
        ticked = self.is_bound and any(self.data.get(item.name) for item in group.items)
        error = self.group_errors.get(group.key)
        key = measure_key(group.measure.code)
        total = f"{key}_total"
        return {
            "group": group,
            "quick": self[group.quick],
            "total": self[total] if total in self.fields else None,
            "online": self.online_used(group),
            "online_field": self[f"{key}_online"] if f"{key}_online" in self.fields else None,
            "fields": [self[item.name] for item in group.items],
            "error": error,
            # Show the questions when answers were ticked or something needs correcting.
            "open": bool(ticked or error or self[group.quick].errors),
            "scoring_only": not group.measure.has_text,
        }

    @property
    def questionnaire_sections(self) -> list[dict[str, Any]]:
        return [self._section(g) for g in self.groups]

    @property
    def alliance_section(self) -> dict[str, Any]:
        return self._section(self.alliance_group)

    @property
    def goal_fields(self) -> list[forms.BoundField]:
        return [self[f"goal_{goal.pk}"] for goal in self.goals]

    @property
    def homework_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"homework_{h.pk}_outcome"], self[f"homework_{h.pk}_summary"])
            for h in self.homework_due
        ]

    @property
    def has_plan(self) -> bool:
        return self.is_bound and any(self.data.get(f"hw_{name}") for name, _ in BECK_CRITERIA)

    @property
    def plan_errors(self) -> bool:
        return any(f"hw_{name}" in self.errors for name, _ in BECK_CRITERIA)

    @property
    def plan_fields(self) -> list[forms.BoundField]:
        return [self[f"hw_{name}"] for name, _ in BECK_CRITERIA]

    # -- reading the answers -----------------------------------------------------------------

    def ticked(self, group: MeasureGroup) -> list[Answer]:
        """Return the answers ticked with the radios (None for each blank)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        values: list[Answer] = []
        for item in group.items:
            raw = data.get(item.name, "")
            values.append(int(raw) if raw not in ("", None) else None)
        return values

    def answers(self, group: MeasureGroup) -> list[Answer] | None:
        """Return the group's answers (None for each blank), or None if all are blank.

        Quick entry, when given (and valid), is the answer; ``clean`` has checked that it
        agrees with anything ticked.
        """
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        quick = data.get(group.quick) or ""
        if quick and group.quick not in self.errors:
            try:
                return parse_quick(group, quick)
            except ValueError:
                return None
        values = self.ticked(group)
        return None if all(v is None for v in values) else values

    def risk_items(self) -> list[str]:
        """Name every risk item answered positively, even on a form that did not validate."""
        found = []
        for group in self.groups:
            values: list[Answer] = []
            for item in group.items:
                raw = self.data.get(item.name, "") if self.is_bound else ""
                try:
                    values.append(int(raw) if raw != "" else None)
                except (TypeError, ValueError):
                    values.append(None)
            quick = self.data.get(group.quick, "") if self.is_bound else ""
            if quick:
                try:
                    typed = parse_quick(group, str(quick))
                except ValueError:
                    typed = [None] * len(values)
                values = [t if t is not None else v for t, v in zip(typed, values, strict=True)]
            try:
                found += [
                    f"{group.measure.code} item {n}" for n in risk_answers(group.measure, values)
                ]
            except MeasureError:
                continue
        return found

    def _check_quick(self, group: MeasureGroup, data: dict[str, Any]) -> None:
        quick = data.get(group.quick) or ""
        if not quick:
            return
        try:
            typed = parse_quick(group, quick)
        except ValueError as exc:
            self.add_error(group.quick, str(exc))
            return
        for item, ticked, value in zip(group.items, self.ticked(group), typed, strict=True):
            if ticked is not None and ticked != value:
                self.add_error(
                    group.quick,
                    f"Question {item.number} is typed as {value if value is not None else '-'} "
                    f"but ticked as {ticked}; correct one of them.",
                )
                return

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        attended = data.get("attendance") in ATTENDED
        for group in [*self.groups, self.alliance_group]:
            self._check_quick(group, data)
            if group.quick in self.errors:
                continue
            values = self.answers(group)
            total = data.get(f"{measure_key(group.measure.code)}_total")
            if total is not None and values is not None:
                self.add_group_error(
                    group.key, f"Give the {group.measure.code} answers or its total, not both."
                )
                continue
            if total is not None and "attendance" in data and not attended:
                self.add_group_error(
                    group.key, "Answers can only be recorded for a session the client attended."
                )
                continue
            if values is None:
                continue
            if "attendance" in data and not attended:
                self.add_group_error(
                    group.key, "Answers can only be recorded for a session the client attended."
                )
                continue
            try:
                score(group.measure, values)
            except MeasureError as exc:
                self.add_group_error(group.key, str(exc))
        plan = self.homework_plan()
        if plan is not None and not plan.behaviour.strip():
            self.add_error(
                "hw_behaviour",
                "Say what the client will do: the specific behaviour, when, where and how often.",
            )
        for item in self.homework_due:
            summary = data.get(f"homework_{item.pk}_summary")
            if summary and not data.get(f"homework_{item.pk}_outcome"):
                self.add_error(
                    f"homework_{item.pk}_outcome",
                    "Say whether the homework was done, partly done or not done.",
                )
        return data

    def add_group_error(self, key: str, message: str) -> None:
        """Attach an error to a whole questionnaire, shown above its items."""
        self.group_errors[key] = message
        self.add_error(None, message)

    def questionnaires(self) -> dict[str, list[Answer]]:
        return {g.measure.code: v for g in self.groups if (v := self.answers(g)) is not None}

    def totals(self) -> dict[str, float]:
        """Totals typed for scoring-only measures whose answers were not typed."""
        data = self.cleaned_data
        return {
            g.measure.code: float(total)
            for g in self.groups
            if (total := data.get(f"{measure_key(g.measure.code)}_total")) is not None
        }

    def online_answers(self) -> dict[str, int]:
        """The online submissions used, by measure code (only where answers are recorded)."""
        data = self.cleaned_data
        recorded = self.questionnaires()
        return {
            g.measure.code: pk
            for g in self.groups
            if g.measure.code in recorded
            and (pk := data.get(f"{measure_key(g.measure.code)}_online")) is not None
        }

    def alliance(self) -> dict[str, list[Answer]]:
        values = self.answers(self.alliance_group)
        return {} if values is None else {self.alliance_group.measure.code: values}

    def goal_ratings(self) -> dict[int, int]:
        return {
            goal.pk: self.cleaned_data[f"goal_{goal.pk}"]
            for goal in self.goals
            if self.cleaned_data.get(f"goal_{goal.pk}") is not None
        }

    def homework_reviews(self) -> dict[int, HomeworkReview]:
        reviews = {}
        for item in self.homework_due:
            outcome = self.cleaned_data.get(f"homework_{item.pk}_outcome")
            if outcome:
                reviews[item.pk] = HomeworkReview(
                    outcome, self.cleaned_data.get(f"homework_{item.pk}_summary", "")
                )
        return reviews

    def homework_plan(self) -> HomeworkPlan | None:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        texts = {name: (data.get(f"hw_{name}") or "") for name, _ in BECK_CRITERIA}
        if not any(t.strip() for t in texts.values()):
            return None
        return HomeworkPlan(**texts)

    def action_arguments(self) -> dict[str, Any]:
        """Return the keyword arguments for ``record_session`` from a valid form."""
        data = self.cleaned_data
        return {
            "expected_version": data["version"],
            "contact_date": data["contact_date"],
            "attendance": data["attendance"],
            "app_type": data["app_type"],
            "cons_mechanism": data["cons_mechanism"],
            "therapy": data["therapy"] or None,
            "questionnaires": self.questionnaires(),
            "alliance": self.alliance(),
            "goal_ratings": self.goal_ratings(),
            "homework_reviews": self.homework_reviews(),
            "new_homework": self.homework_plan(),
            "notes": data["notes"],
            "next_session_on": data.get("next_session_on"),
            "online": self.online_answers(),
            "totals": self.totals(),
        }

    # -- errors from the action --------------------------------------------------------------

    def add_action_errors(self, error: ActionError) -> None:
        """Put each of the action's messages next to the field it is about."""
        for key, message in error.errors.items():
            if key.startswith(("questionnaire:", "alliance:")) and self._has_group(key):
                self.add_group_error(key, message)
            elif key.startswith("goal:"):
                self.add_error(f"goal_{key.split(':', 1)[1]}", message)
            elif key.startswith("homework:"):
                self.add_error(f"homework_{key.split(':', 1)[1]}_outcome", message)
            elif key.startswith("new_homework."):
                self.add_error(f"hw_{key.split('.', 1)[1]}", message)
            elif key in self.fields and key != "version":
                self.add_error(key, message)
            else:
                self.add_error(None, message)
        self.wire_errors()

    def _has_group(self, key: str) -> bool:
        return any(g.key == key for g in [*self.groups, self.alliance_group])

    def error_summary(self) -> list[tuple[str, str]]:
        """Return (link, message) for every error, for the summary at the top of the page."""
        links: list[tuple[str, str]] = []
        group_messages = {}
        for group in [*self.groups, self.alliance_group]:
            if group.key in self.group_errors:
                group_messages[self.group_errors[group.key]] = f"#{group.anchor}"
        for error in self.non_field_errors():
            message = str(error)
            links.append((group_messages.get(message, ""), message))
        for name, errors in self.errors.items():
            if name == "__all__":
                continue
            bound = self[name]
            target = (
                bound.auto_id
                if not isinstance(bound.field.widget, forms.RadioSelect)
                else f"{bound.auto_id}_0"
            )
            links.extend((f"#{target}", str(error)) for error in errors)
        return links


class AlertAcknowledgeForm(AccessibleFormMixin, forms.Form):
    """Acknowledge an alert: the version guards against a double click or a race."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class AlertActionForm(AccessibleFormMixin, forms.Form):
    """Record what was done about an alert."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "action-%s")
        super().__init__(*args, **kwargs)

    version = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label="What was done",
        choices=[("", "Choose…"), *AlertActionKind.choices],
        error_messages={"required": "Choose what was done."},
    )
    note = forms.CharField(
        label="Note", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000
    )


class AlertCloseForm(AccessibleFormMixin, forms.Form):
    """Close an alert."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "close-%s")
        super().__init__(*args, **kwargs)

    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label="Why it can close",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
    )


class ReviewDecisionForm(AccessibleFormMixin, forms.Form):
    """Record what therapist and client decided at a why-review."""

    as_of = forms.IntegerField(widget=forms.HiddenInput, required=False)
    alert_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reasons_agreed = forms.MultipleChoiceField(
        label="Which reasons did you agree apply?",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Tick any that you and the client think are part of it.",
    )
    decisions = forms.MultipleChoiceField(
        label="What did you decide together?",
        choices=ReviewDecisionKind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one decision (choose 'Carry on as planned' if "
            "nothing changes)."
        },
    )
    note = forms.CharField(
        label="Notes on the decision",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )

    def __init__(self, *args: Any, reasons: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reasons_agreed"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(r.reason.value, r.title) for r in reasons]
        self.style_widgets()


def apply_action_errors(
    form: forms.Form, error: ActionError, mapping: Mapping[str, str] | None = None
) -> None:
    """Put an action's messages on a simple form's fields (or at the top)."""
    mapping = mapping or {}
    for key, message in error.errors.items():
        name = mapping.get(key, key)
        form.add_error(name if name in form.fields and name != "version" else None, message)
    if isinstance(form, AccessibleFormMixin):
        form.wire_errors()


def today() -> dt.date:
    return timezone.localdate()


class GoalForm(AccessibleFormMixin, forms.Form):
    """Agree a new goal with the client."""

    description = forms.CharField(
        label="The goal, in the client's own words",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text="Something they would like to be different, e.g. 'Go to the shops on my own'.",
        error_messages={"required": "Describe the goal in the client's own words."},
    )
    agreed_on = forms.DateField(
        label="Agreed on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Enter the date the goal was agreed.",
            "invalid": "Enter a real date, for example 27 3 2026.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "goal-new-%s")
        super().__init__(*args, **kwargs)
        self.initial.setdefault("agreed_on", timezone.localdate())


class GoalUpdateForm(AccessibleFormMixin, forms.Form):
    """Change a goal's status or wording."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label="Status", choices=GoalStatus.choices)
    description = forms.CharField(
        label="Wording",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        error_messages={"required": "Describe the goal in the client's own words."},
    )


class HomeworkForm(AccessibleFormMixin, forms.Form):
    """Set a between-session task to Beck's criteria, at an attended contact."""

    contact = forms.TypedChoiceField(
        label="Set at the session on",
        coerce=int,
        error_messages={
            "required": "Choose the session at which the task was agreed.",
            "invalid_choice": "Choose one of the client's attended sessions.",
        },
    )

    def __init__(self, *args: Any, contacts: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (
                c.pk,
                f"{c.contact_date:%-d %b %Y}"
                + (f" (session {c.session_number})" if c.session_number else ""),
            )
            for c in contacts
        ]
        field = self.fields["contact"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = choices
        if choices:
            self.initial.setdefault("contact", choices[0][0])
        for name, label in BECK_CRITERIA:
            self.fields[name] = forms.CharField(
                label=label,
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                max_length=2000,
            )
        self.style_widgets()

    def plan(self) -> HomeworkPlan:
        return HomeworkPlan(**{name: self.cleaned_data.get(name, "") for name, _ in BECK_CRITERIA})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("behaviour") or "").strip() and "behaviour" not in self.errors:
            self.add_error(
                "behaviour",
                "Say what the client will do: the specific behaviour, when, where and how often.",
            )
        return data


class SupervisionNoteForm(AccessibleFormMixin, forms.Form):
    """Write what was discussed about a case in supervision."""

    note = forms.CharField(
        label="What was discussed",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
        error_messages={"required": "Write what was discussed."},
    )
    agreed_actions = forms.CharField(
        label="What was agreed",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
        help_text="Actions for the therapist, with dates where there are any.",
    )


def adsm_choices() -> list[tuple[str, str]]:
    """The anxiety-disorder-specific measures, each with the problem descriptor it is for
    (read from ``ontrack.measures.nhstt``, so the form and the outcome rules agree)."""
    out: list[tuple[str, str]] = [("", "None: GAD-7 is the anxiety measure")]
    for code, label in ProblemDescriptor.choices:
        measure = anxiety_measure_for(code)
        if measure != "GAD-7" and all(measure != c for c, _ in out):
            wording = "" if get_measure(measure).has_text else ", scoring only"
            out.append((measure, f"{measure}: for {str(label).lower()} ({code}{wording})"))
    return out


class AdsmChoiceForm(AccessibleFormMixin, forms.Form):
    """Choose which anxiety-disorder-specific measure the session form asks."""

    adsm = forms.ChoiceField(
        label="Anxiety-disorder-specific measure",
        required=False,
        help_text="Defaults to the one the referral's problem descriptor calls for.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "adsm-%s")
        super().__init__(*args, **kwargs)
        field = self.fields["adsm"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = adsm_choices()
        self.wire_errors()
