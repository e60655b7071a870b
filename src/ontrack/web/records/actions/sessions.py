"""Record a session: the contact, its questionnaires, alliance, goals, homework and notes.

Everything is checked before anything is written, and everything is written in one
transaction, so a bad answer anywhere leaves no half-saved session and no orphan score.
A positive answer on a risk item opens an urgent risk alert in the same transaction; there
is no argument, setting or code path that skips it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ontrack.measures import Measure, MeasureError, ScoreResult, get_measure, score
from ontrack.measures.definition import Kind
from ontrack.web.accounts.models import User
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import (
    ActionError,
    check_choice,
    check_text,
    claim_version,
    new_external_id,
)
from ontrack.web.common.codes import (
    ATTENDED,
    TREATMENT_APP_TYPES,
    AlertKind,
    AlertSeverity,
    AppType,
    Attendance,
    ConsMechanism,
    GoalStatus,
    HomeworkOutcome,
    Therapy,
)
from ontrack.web.records import permissions
from ontrack.web.records.actions.alerts import open_alert
from ontrack.web.records.actions.homework import HomeworkPlan, check_plan, create_homework
from ontrack.web.records.actions.signals import refresh_signal
from ontrack.web.records.models import (
    AllianceResponse,
    Contact,
    Episode,
    Goal,
    GoalRating,
    Homework,
    QuestionnaireResponse,
)

Answers = Sequence[int | float | None]
_WHAT = {Kind.OUTCOME: "an outcome", Kind.ALLIANCE: "an alliance", Kind.GOALS: "a goals"}
NOT_ATTENDED = "Answers can only be recorded for a session the client attended."


@dataclass(frozen=True)
class HomeworkReview:
    """How much of a homework task was done, and what the client made of it."""

    outcome: str
    progress_summary: str = ""


@dataclass(frozen=True)
class _Scored:
    code: str
    answers: list[int | float | None]
    result: ScoreResult


def _score_all(
    errors: dict[str, str], measures: Mapping[str, Answers], kind: Kind, key: str
) -> list[_Scored]:
    scored: list[_Scored] = []
    for code, answers in measures.items():
        name = f"{key}:{code}"
        try:
            measure = get_measure(code)
            if measure.kind is not kind:
                errors[name] = f"{measure.code} is not {_WHAT[kind]} measure."
                continue
            result = score(measure, list(answers))
        except MeasureError as exc:
            errors[name] = str(exc)
            continue
        scored.append(_Scored(measure.code, list(answers), result))
    return scored


def _check_totals(
    errors: dict[str, str], totals: Mapping[str, object], questionnaires: Mapping[str, Answers]
) -> list[tuple[Measure, float]]:
    """Check totals given without answers: only scoring-only outcome measures (no wording
    to show and no risk item to miss), in range, and not beside that measure's answers."""
    checked: list[tuple[Measure, float]] = []
    for code, total in totals.items():
        name = f"questionnaire:{code}"
        try:
            measure = get_measure(code)
        except MeasureError:
            errors[name] = f"{code!r} is not a questionnaire OnTrack knows."
            continue
        if measure.has_text or measure.risk_items or measure.kind is not Kind.OUTCOME:
            errors[name] = (
                f"Type the {measure.code} answers; a total alone is taken only for "
                "scoring-only measures."
            )
        elif code in questionnaires:
            errors[name] = f"Give the {measure.code} answers or its total, not both."
        elif isinstance(total, bool) or not isinstance(total, int | float):
            errors[name] = f"Enter the {measure.code} total as a number."
        elif not math.isfinite(total) or not measure.min <= total <= measure.max:
            low, high = f"{measure.min:g}", f"{measure.max:g}"
            errors[name] = f"The {measure.code} total must be from {low} to {high}."
        else:
            checked.append((measure, float(total)))
    return checked


def _risk_reasons(scored: _Scored, contact_date: dt.date) -> list[str]:
    reasons = [
        f"{scored.code} item {item} answered {scored.answers[item - 1]:g} "
        f"at the session on {contact_date:%d %b %Y}."
        for item in scored.result.risk_items
    ]
    reasons += [note for note in scored.result.notes if note.lower().startswith("risk")]
    reasons.append("Review risk with the client today, whatever the total score.")
    return reasons


@transaction.atomic
def record_session(
    *,
    episode: Episode,
    expected_version: int,
    contact_date: dt.date,
    attendance: str,
    app_type: str = AppType.TREATMENT,
    cons_mechanism: str = ConsMechanism.FACE_TO_FACE,
    therapy: str | None = None,
    questionnaires: Mapping[str, Answers] | None = None,
    totals: Mapping[str, float] | None = None,
    alliance: Mapping[str, Answers] | None = None,
    goal_ratings: Mapping[int, int] | None = None,
    homework_reviews: Mapping[int, HomeworkReview] | None = None,
    new_homework: HomeworkPlan | None = None,
    notes: str = "",
    next_session_on: dt.date | None = None,
    by: User,
) -> Contact:
    """Record one contact of an episode with everything measured and agreed at it.

    ``questionnaires`` and ``alliance`` map a measure code to its item answers (``None``
    for a missing answer); ``totals`` maps a scoring-only measure (no wording shipped, no
    risk item) to a total given without its answers; ``goal_ratings`` maps a goal id to
    0-10; ``homework_reviews`` maps a homework id to its review; ``next_session_on`` books
    the next session. After saving, the episode is evaluated (``refresh_signal``) in the
    same transaction, so its signal and alerts are current the moment the page shows them.
    Raises ``ActionError`` (nothing saved) on bad input and ``ConcurrencyError`` when
    someone else recorded a session first.
    """
    questionnaires = questionnaires or {}
    totals = totals or {}
    alliance = alliance or {}
    goal_ratings = goal_ratings or {}
    homework_reviews = homework_reviews or {}
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_record_session(viewer, episode), "record sessions for this episode"
    )
    referral = episode.referral
    errors: dict[str, str] = {}

    if not isinstance(contact_date, dt.date) or isinstance(contact_date, dt.datetime):
        errors["contact_date"] = "Enter the date of the session."
    elif contact_date > timezone.localdate():
        errors["contact_date"] = "The session date cannot be in the future."
    elif contact_date < episode.started_on:
        errors["contact_date"] = (
            "The session date cannot be before the episode started "
            f"({episode.started_on:%d %b %Y})."
        )
    attendance = check_choice(errors, "attendance", attendance, Attendance, "attendance")
    app_type = check_choice(errors, "app_type", app_type, AppType, "kind of contact")
    cons_mechanism = check_choice(
        errors, "cons_mechanism", cons_mechanism, ConsMechanism, "consultation mechanism"
    )
    therapy = check_choice(
        errors,
        "therapy",
        episode.therapy if therapy is None else therapy,
        Therapy,
        "therapy",
        required=False,
    )
    notes = check_text(errors, "notes", notes, limit=20000)
    if next_session_on is not None:
        if not isinstance(next_session_on, dt.date) or isinstance(next_session_on, dt.datetime):
            errors["next_session_on"] = "Enter the date of the next session."
        elif isinstance(contact_date, dt.date) and next_session_on <= contact_date:
            errors["next_session_on"] = "The next session must be after this one."
        elif next_session_on > timezone.localdate() + dt.timedelta(days=366):
            errors["next_session_on"] = "Book the next session within a year."
    if not referral.is_open:
        errors["__all__"] = "This referral has ended; sessions can no longer be recorded."

    attended = attendance in ATTENDED
    if attendance and not attended:
        for code in (*questionnaires, *totals):
            errors[f"questionnaire:{code}"] = NOT_ATTENDED
        for code in alliance:
            errors[f"alliance:{code}"] = NOT_ATTENDED
        for goal_id in goal_ratings:
            errors[f"goal:{goal_id}"] = NOT_ATTENDED
        for homework_id in homework_reviews:
            errors[f"homework:{homework_id}"] = "Homework is reviewed at an attended session."
        if new_homework is not None:
            errors["new_homework"] = "Homework is set at an attended session."
    scored = _score_all(errors, questionnaires, Kind.OUTCOME, "questionnaire")
    totalled = _check_totals(errors, totals, questionnaires)
    rated = _score_all(errors, alliance, Kind.ALLIANCE, "alliance")

    goals = {g.pk: g for g in Goal.unscoped.filter(referral=referral, pk__in=list(goal_ratings))}
    for goal_id, rating in goal_ratings.items():
        if goal_id not in goals:
            errors[f"goal:{goal_id}"] = "That goal belongs to another referral."
        elif goals[goal_id].status != GoalStatus.ACTIVE:
            errors[f"goal:{goal_id}"] = "That goal is no longer being worked on."
        elif isinstance(rating, bool) or not isinstance(rating, int) or not 0 <= rating <= 10:
            errors[f"goal:{goal_id}"] = "Rate progress as a whole number from 0 to 10."

    homework = {
        h.pk: h for h in Homework.unscoped.filter(referral=referral, pk__in=list(homework_reviews))
    }
    for homework_id, review in homework_reviews.items():
        name = f"homework:{homework_id}"
        if homework_id not in homework:
            errors[name] = "That homework belongs to another referral."
        elif homework[homework_id].is_reviewed:
            errors[name] = "That homework has already been reviewed."
        elif review.outcome not in HomeworkOutcome.values:
            errors[name] = "Say whether the homework was done, partly done or not done."
        else:
            check_text(errors, name, review.progress_summary, limit=5000)
    if new_homework is not None:
        check_plan(errors, new_homework)

    if errors:
        raise ActionError(errors)
    claim_version(episode, expected_version)
    booked = episode.next_session_on
    if next_session_on is not None or (booked is not None and booked <= contact_date):
        # A new booking replaces the old one; a booking on or before this contact is used up.
        episode.next_session_on = next_session_on
        Episode.unscoped.filter(pk=episode.pk).update(next_session_on=next_session_on)

    session_number = None
    if attended and app_type in TREATMENT_APP_TYPES:
        last = Contact.unscoped.filter(referral=referral).aggregate(n=Max("session_number"))["n"]
        session_number = (last or 0) + 1
    contact = Contact.unscoped.create(
        referral=referral,
        episode=episode,
        external_id=new_external_id("C"),
        contact_date=contact_date,
        app_type=app_type,
        attendance=attendance,
        cons_mechanism=cons_mechanism,
        therapist=episode.therapist,
        therapy=therapy if attended else "",
        step=episode.step,
        session_number=session_number,
        notes=notes,
        recorded_by=by,
    )
    QuestionnaireResponse.unscoped.bulk_create(
        QuestionnaireResponse(
            contact=contact,
            measure=s.code,
            items=s.answers,
            total=s.result.total,
            band=s.result.band or "",
            caseness=s.result.caseness,
            risk=s.result.risk,
            prorated=s.result.prorated,
            missing=s.result.missing,
        )
        for s in scored
    )
    QuestionnaireResponse.unscoped.bulk_create(
        QuestionnaireResponse(
            contact=contact,
            measure=measure.code,
            items=None,
            total=total,
            band=measure.band(total) or "",
            caseness=measure.is_case(total),
        )
        for measure, total in totalled
    )
    AllianceResponse.unscoped.bulk_create(
        AllianceResponse(contact=contact, measure=s.code, items=s.answers, total=s.result.total)
        for s in rated
    )
    GoalRating.unscoped.bulk_create(
        GoalRating(goal_id=goal_id, contact=contact, rating=rating)
        for goal_id, rating in goal_ratings.items()
    )
    client_id = referral.client_id
    for homework_id, review in homework_reviews.items():
        item = homework[homework_id]
        old = snapshot(item, ("reviewed_contact", "outcome", "progress_summary"))
        item.reviewed_contact = contact
        item.outcome = review.outcome
        item.progress_summary = review.progress_summary.strip()
        item.version += 1
        item.save(update_fields=["reviewed_contact", "outcome", "progress_summary", "version"])
        record_change(
            by=by,
            action="review_homework",
            target=item,
            client_id=client_id,
            old=old,
            new=snapshot(item, ("reviewed_contact", "outcome", "progress_summary")),
        )
    set_homework = (
        create_homework(referral=referral, contact=contact, plan=new_homework, by=by)
        if new_homework is not None
        else None
    )

    record_change(
        by=by,
        action="record_session",
        target=contact,
        client_id=client_id,
        new={
            **snapshot(
                contact,
                (
                    "episode",
                    "contact_date",
                    "app_type",
                    "attendance",
                    "cons_mechanism",
                    "therapist",
                    "therapy",
                    "session_number",
                    "notes",
                ),
            ),
            "next_session_on": next_session_on,
            "questionnaires": {
                s.code: {"items": s.answers, "total": s.result.total, "risk": s.result.risk}
                for s in scored
            },
            "totals": {measure.code: total for measure, total in totalled},
            "alliance": {s.code: {"items": s.answers, "total": s.result.total} for s in rated},
            "goal_ratings": {str(k): v for k, v in goal_ratings.items()},
            "homework_reviews": {str(k): asdict(v) for k, v in homework_reviews.items()},
            "new_homework": set_homework.pk if set_homework is not None else None,
        },
    )

    # Clinical safety: every positive risk answer opens an urgent alert, here, in the same
    # transaction; if it cannot be opened the whole session is rolled back.
    for s in scored:
        if s.result.risk:
            open_alert(
                referral=referral,
                contact=contact,
                kind=AlertKind.RISK,
                severity=AlertSeverity.URGENT,
                reasons=_risk_reasons(s, contact_date),
                by=None,
            )
    refresh_signal(episode=episode, by=by)
    return contact
