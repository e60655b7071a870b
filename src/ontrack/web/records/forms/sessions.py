"""The session form: it parses what was typed or ticked and shows what is wrong with it.

What a session may hold (dates, attendance, answers, totals, ratings, reviews, homework)
is decided by the action's ``validate_session``; ``SessionForm.clean`` runs it on what the
form could read and puts each message beside its field, so a page shows every problem at
once and the rules are written in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import Any

from django import forms
from django.forms.utils import ErrorDict
from django.utils import timezone

from ontrack.measures import Measure, MeasureError, get_measure, risk_answers
from ontrack.measures.nhstt import anxiety_measure_for
from ontrack.web.common.actions import ActionError
from ontrack.web.common.codes import (
    ATTENDED,
    AppType,
    Attendance,
    ConsMechanism,
    HomeworkOutcome,
    ProblemDescriptor,
    Therapy,
)
from ontrack.web.common.forms import AccessibleFormMixin, measure_key
from ontrack.web.records.actions import HomeworkPlan, HomeworkReview
from ontrack.web.records.actions.sessions import Session, validate_session
from ontrack.web.records.forms.questionnaires import (
    Answer,
    MeasureGroup,
    measure_fields,
    parse_quick,
    quick_text,
    total_field,
)
from ontrack.web.records.models import Episode, Goal, Homework, OnlineSubmission
from ontrack.web.records.models.measures import BECK_CRITERIA


def _goal_field(goal: Goal) -> forms.IntegerField:
    # The 0-10 range is the action's rule; the browser is told it too.
    return forms.IntegerField(
        label=f"Goal {goal.number}: {goal.description or 'description not recorded'}",
        required=False,
        help_text=(
            "0 = no progress, 5 = half way, 10 = goal reached. Leave blank if not rated today."
        ),
        error_messages={"invalid": "Rate progress as a whole number from 0 to 10."},
        widget=forms.NumberInput(attrs={"min": "0", "max": "10"}),
    )


def _text(label: str, rows: int, limit: int) -> forms.CharField:
    return forms.CharField(
        label=label,
        widget=forms.Textarea(attrs={"rows": rows}),
        required=False,
        max_length=limit,
    )


class SessionForm(AccessibleFormMixin, forms.Form):
    """Record a session: attendance, questionnaires, alliance, goals, homework and notes."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    # One-time token: going back and sending the form again cannot save a second session.
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)
    same_day_confirmed = forms.BooleanField(
        label="Yes, this is a second session on the same day",
        required=False,
    )
    # The anxiety-disorder-specific measure this form asks (chosen above the form).
    adsm = forms.CharField(widget=forms.HiddenInput, required=False)
    # Whether a date was given is the action's rule; the browser still asks for one.
    contact_date = forms.DateField(
        label="Date of the session",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "required": True}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date, for example 27 3 2026."},
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
        self.group_errors: dict[str, str] = {}
        self.groups = [self._add_measure(m, "questionnaire") for m in questionnaires]
        self.alliance_group = self._add_measure(alliance, "alliance")
        self.goals = list(goals)
        self.homework_due = list(homework_due)
        self._add_goals_and_homework()
        self.initial.setdefault("adsm", adsm)
        self.initial.setdefault("contact_date", timezone.localdate())
        self.initial.setdefault("app_type", AppType.TREATMENT)
        self.initial.setdefault("cons_mechanism", ConsMechanism.FACE_TO_FACE)
        self.initial.setdefault("version", episode.version)

    def _add_measure(self, measure: Measure, kind: str) -> MeasureGroup:
        group, measure_fields_ = measure_fields(measure, kind)
        self.fields.update(measure_fields_)
        if kind == "questionnaire":
            self._add_online(group)
            if not measure.has_text and not measure.risk_items:
                self.fields[f"{measure_key(measure.code)}_total"] = total_field(measure)
        return group

    def _add_goals_and_homework(self) -> None:
        for goal in self.goals:
            self.fields[f"goal_{goal.pk}"] = _goal_field(goal)
        for item in self.homework_due:
            self.fields[f"homework_{item.pk}_outcome"] = forms.ChoiceField(
                label=f"How much of “{item.behaviour or item}” was done?",
                choices=[("", "Not reviewed today"), *HomeworkOutcome.choices],
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"homework_{item.pk}_summary"] = _text("Progress summary", 2, 5000)
        for name, label in BECK_CRITERIA:
            self.fields[f"hw_{name}"] = _text(label, 2, 2000)

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

    @property
    def all_groups(self) -> list[MeasureGroup]:
        return [*self.groups, self.alliance_group]

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

    def _parsed(self) -> dict[str, Any]:
        return self.cleaned_data if hasattr(self, "cleaned_data") else {}

    def ticked(self, group: MeasureGroup) -> list[Answer]:
        """Return the answers ticked with the radios (None for each blank)."""
        data = self._parsed()
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
        quick = self._parsed().get(group.quick) or ""
        if quick and group.quick not in self.errors:
            try:
                return parse_quick(group, quick)
            except ValueError:
                return None
        values = self.ticked(group)
        return None if all(v is None for v in values) else values

    def raw_questionnaires(self) -> dict[str, list[Answer]]:
        """Every questionnaire's answers as typed, even on a form that did not validate:
        quick entry where it can be read, else the radios; anything unreadable is None."""
        found: dict[str, list[Answer]] = {}
        for group in self.groups:
            values = [self._raw_answer(item.name) for item in group.items]
            quick = self.data.get(group.quick, "") if self.is_bound else ""
            if quick:
                try:
                    typed = parse_quick(group, str(quick))
                except ValueError:
                    typed = [None] * len(values)
                values = [t if t is not None else v for t, v in zip(typed, values, strict=True)]
            found[group.measure.code] = values
        return found

    def risk_items(self) -> list[str]:
        """Name every risk item answered positively, even on a form that did not validate."""
        found = []
        for code, values in self.raw_questionnaires().items():
            try:
                found += [f"{code} item {n}" for n in risk_answers(code, values)]
            except MeasureError:
                continue
        return found

    def _raw_answer(self, name: str) -> Answer:
        raw = self.data.get(name, "") if self.is_bound else ""
        try:
            return int(raw) if raw != "" else None
        except (TypeError, ValueError):
            return None

    def _check_quick(self, group: MeasureGroup) -> None:
        """Read quick entry, and refuse it when it disagrees with what was ticked."""
        quick = self._parsed().get(group.quick) or ""
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
        for group in self.all_groups:
            self._check_quick(group)
        # The rules are the action's: show its messages for whatever could be read.
        check = validate_session(episode=self.episode, session=self.session())
        self.show_errors(check.errors)
        return data

    def add_group_error(self, key: str, message: str) -> None:
        """Attach an error to a whole questionnaire, shown above its items."""
        self.group_errors[key] = message
        self.add_error(None, message)

    def questionnaires(self) -> dict[str, list[Answer]]:
        return {g.measure.code: v for g in self.groups if (v := self.answers(g)) is not None}

    def totals(self) -> dict[str, float]:
        """Totals typed for scoring-only measures."""
        data = self._parsed()
        return {
            g.measure.code: float(total)
            for g in self.groups
            if (total := data.get(f"{measure_key(g.measure.code)}_total")) is not None
        }

    def online_answers(self) -> dict[str, int]:
        """The online submissions used, by measure code (only where answers are recorded)."""
        data = self._parsed()
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
        data = self._parsed()
        return {
            goal.pk: data[f"goal_{goal.pk}"]
            for goal in self.goals
            if data.get(f"goal_{goal.pk}") is not None
        }

    def homework_reviews(self) -> dict[int, HomeworkReview]:
        """Every review begun: a progress summary without an outcome goes to the action too."""
        data = self._parsed()
        reviews = {}
        for item in self.homework_due:
            outcome = data.get(f"homework_{item.pk}_outcome") or ""
            summary = data.get(f"homework_{item.pk}_summary") or ""
            if outcome or summary:
                reviews[item.pk] = HomeworkReview(outcome, summary)
        return reviews

    def homework_plan(self) -> HomeworkPlan | None:
        data = self._parsed()
        texts = {name: (data.get(f"hw_{name}") or "") for name, _ in BECK_CRITERIA}
        if not any(t.strip() for t in texts.values()):
            return None
        return HomeworkPlan(**texts)

    def session(self) -> Session:
        """Return the session as far as the form could read it."""
        data = self._parsed()
        return Session(
            contact_date=data.get("contact_date"),
            attendance=data.get("attendance") or "",
            app_type=data.get("app_type") or "",
            cons_mechanism=data.get("cons_mechanism") or "",
            therapy=data.get("therapy") or None,
            questionnaires=self.questionnaires(),
            totals=self.totals(),
            alliance=self.alliance(),
            goal_ratings=self.goal_ratings(),
            homework_reviews=self.homework_reviews(),
            new_homework=self.homework_plan(),
            notes=data.get("notes") or "",
            next_session_on=data.get("next_session_on"),
            same_day_confirmed=bool(data.get("same_day_confirmed")),
        )

    def action_arguments(self) -> dict[str, Any]:
        """Return the keyword arguments for ``record_session_with_online`` from a valid form."""
        session = self.session()
        return {
            "expected_version": self.cleaned_data["version"],
            **{f.name: getattr(session, f.name) for f in fields(session)},
            "online": self.online_answers(),
        }

    # -- errors from the action --------------------------------------------------------------

    def show_unchecked(self) -> None:
        """Show what was typed without checking it (the ADSM was changed, nothing sent)."""
        self._errors = ErrorDict()
        self.cleaned_data = {}
        self.style_widgets()

    def add_action_errors(self, error: ActionError) -> None:
        """Put each of the action's messages next to the field it is about."""
        self.show_errors(error.errors)
        self.wire_errors()

    def show_errors(self, errors: Mapping[str, str]) -> None:
        """Show the action's messages, except where the form already says what is wrong."""
        for key, message in errors.items():
            group = next((g for g in self.all_groups if g.key == key), None)
            if group is not None:
                if group.quick not in self.errors and key not in self.group_errors:
                    self.add_group_error(key, message)
                continue
            field = self._field_for(key)
            if field is None or field not in self.errors:
                self.add_error(field, message)

    def _field_for(self, key: str) -> str | None:
        """The field an action's input name is shown on (None: at the top of the form)."""
        if key.startswith("goal:"):
            name = f"goal_{key.split(':', 1)[1]}"
        elif key.startswith("homework:"):
            name = f"homework_{key.split(':', 1)[1]}_outcome"
        elif key.startswith("new_homework."):
            name = f"hw_{key.split('.', 1)[1]}"
        else:
            name = key
        return name if name in self.fields and name != "version" else None

    def error_summary(self) -> list[tuple[str, str]]:
        """Return (link, message) for every error, for the summary at the top of the page."""
        links: list[tuple[str, str]] = []
        group_messages = {
            self.group_errors[g.key]: f"#{g.anchor}"
            for g in self.all_groups
            if g.key in self.group_errors
        }
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
