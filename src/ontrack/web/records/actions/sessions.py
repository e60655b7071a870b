"""Record a session: the contact, its questionnaires, alliance, goals, homework and notes.

Three steps, each its own function: ``validate_session`` checks every input and returns
every message (the session form shows them too, so the rule is written once, here);
``_write_session`` writes the contact and everything measured and agreed at it, with its
audit rows; then the episode is evaluated (``refresh_signal``). All in one transaction,
so a bad answer anywhere leaves no half-saved session and no orphan score. A positive
answer on a risk item opens an urgent risk alert in the same transaction; there is no
argument, setting or code path that skips it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace

from django.db import transaction
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
    AppType,
    Attendance,
    ConsMechanism,
    GoalStatus,
    HomeworkOutcome,
    Therapy,
)
from ontrack.web.records import permissions
from ontrack.web.records.actions.homework import HomeworkPlan, check_plan, create_homework
from ontrack.web.records.actions.numbering import attend_booked_appointment, renumber_sessions
from ontrack.web.records.actions.risk import (
    findings_from_answers,
    raise_risk_alert,
    risk_first,
    session_where,
)
from ontrack.web.records.actions.signals import refresh_signal
from ontrack.web.records.models import (
    Alert,
    AllianceResponse,
    Contact,
    Episode,
    Goal,
    GoalRating,
    Homework,
    QuestionnaireResponse,
    Referral,
)

Answers = Sequence[int | float | None]
_WHAT = {Kind.OUTCOME: "an outcome", Kind.ALLIANCE: "an alliance", Kind.GOALS: "a goals"}
NOT_ATTENDED = "Answers can only be recorded for a session the client attended."
_CONTACT_FIELDS = (
    "episode",
    "contact_date",
    "app_type",
    "attendance",
    "cons_mechanism",
    "therapist",
    "therapy",
    "session_number",
    "notes",
)
_REVIEW_FIELDS = ("reviewed_contact", "outcome", "progress_summary")


@dataclass(frozen=True)
class HomeworkReview:
    """How much of a homework task was done, and what the client made of it."""

    outcome: str
    progress_summary: str = ""


@dataclass(frozen=True)
class Session:
    """What was recorded at one contact, as given (``record_session`` documents each)."""

    contact_date: dt.date | None
    attendance: str
    app_type: str = AppType.TREATMENT
    cons_mechanism: str = ConsMechanism.FACE_TO_FACE
    therapy: str | None = None
    questionnaires: Mapping[str, Answers] = field(default_factory=dict)
    totals: Mapping[str, float] = field(default_factory=dict)
    alliance: Mapping[str, Answers] = field(default_factory=dict)
    goal_ratings: Mapping[int, int] = field(default_factory=dict)
    homework_reviews: Mapping[int, HomeworkReview] = field(default_factory=dict)
    new_homework: HomeworkPlan | None = None
    notes: str = ""
    next_session_on: dt.date | None = None
    # The session form asks before a second attended session on one day (it is usually the
    # same form sent twice); other callers (imports, the API) record what happened.
    same_day_confirmed: bool = True

    @property
    def attended(self) -> bool:
        return self.attendance in ATTENDED


@dataclass
class SessionCheck:
    """What ``validate_session`` found: every message, and the checked session to write."""

    session: Session
    errors: dict[str, str] = field(default_factory=dict)
    scored: list[Scored] = field(default_factory=list)
    totalled: list[tuple[Measure, float]] = field(default_factory=list)
    rated: list[Scored] = field(default_factory=list)
    homework: dict[int, Homework] = field(default_factory=dict)


def validate_session(*, episode: Episode, session: Session) -> SessionCheck:
    """Check everything recorded at a session of ``episode``; write nothing.

    The result's ``errors`` maps each bad input to its message: ``contact_date``,
    ``questionnaire:PHQ-9``, ``alliance:OSR``, ``goal:<id>``, ``homework:<id>``,
    ``new_homework.<criterion>``, or ``__all__``. ``record_session`` raises them as an
    ``ActionError``; the session form shows them beside its fields.
    """
    errors: dict[str, str] = {}
    session = _check_contact(errors, episode, session)
    if session.attendance and not session.attended:
        _refuse_unattended(errors, session)
        scored, totalled, rated = [], [], []
    else:
        scored = _score_all(errors, session.questionnaires, Kind.OUTCOME, "questionnaire")
        totalled = _check_totals(errors, session.totals, session.questionnaires)
        rated = _score_all(errors, session.alliance, Kind.ALLIANCE, "alliance")
    _check_goal_ratings(errors, episode, session.goal_ratings)
    homework = _check_homework_reviews(errors, episode, session.homework_reviews)
    if session.new_homework is not None:
        check_plan(errors, session.new_homework)
    return SessionCheck(session, errors, scored, totalled, rated, homework)


def _check_contact(errors: dict[str, str], episode: Episode, session: Session) -> Session:
    """Check the contact's own fields; return the session with its codes cleaned."""
    when = session.contact_date
    if not isinstance(when, dt.date) or isinstance(when, dt.datetime):
        errors["contact_date"] = "Enter the date of the session."
    elif when > timezone.localdate():
        errors["contact_date"] = "The session date cannot be in the future."
    elif when < episode.started_on:
        errors["contact_date"] = (
            "The session date cannot be before the episode started "
            f"({episode.started_on:%d %b %Y})."
        )
    planned = episode.therapy if session.therapy is None else session.therapy
    cleaned = replace(
        session,
        attendance=check_choice(errors, "attendance", session.attendance, Attendance, "attendance"),
        app_type=check_choice(errors, "app_type", session.app_type, AppType, "kind of contact"),
        cons_mechanism=check_choice(
            errors,
            "cons_mechanism",
            session.cons_mechanism,
            ConsMechanism,
            "consultation mechanism",
        ),
        therapy=check_choice(errors, "therapy", planned, Therapy, "therapy", required=False),
        notes=check_text(errors, "notes", session.notes, limit=20000),
    )
    _check_next_session(errors, cleaned)
    _check_same_day(errors, episode, cleaned)
    if not episode.referral.is_open:
        errors["__all__"] = "This referral has ended; sessions can no longer be recorded."
    return cleaned


def _check_next_session(errors: dict[str, str], session: Session) -> None:
    booked, when = session.next_session_on, session.contact_date
    if booked is None:
        return
    if not isinstance(booked, dt.date) or isinstance(booked, dt.datetime):
        errors["next_session_on"] = "Enter the date of the next session."
    elif isinstance(when, dt.date) and booked <= when:
        errors["next_session_on"] = "The next session must be after this one."
    elif booked > timezone.localdate() + dt.timedelta(days=366):
        errors["next_session_on"] = "Book the next session within a year."


def _check_same_day(errors: dict[str, str], episode: Episode, session: Session) -> None:
    """A second attended session on one day is usually a form sent twice: ask first."""
    when = session.contact_date
    if session.same_day_confirmed or not session.attended or "contact_date" in errors:
        return
    if not isinstance(when, dt.date):
        return
    if (
        Contact.unscoped.filter(
            referral=episode.referral,
            contact_date=when,
            attendance__in=list(ATTENDED),
            entered_in_error_at__isnull=True,
        )
        .exclude(app_type=AppType.FOLLOW_UP)
        .exists()
    ):
        errors["same_day_confirmed"] = (
            f"A session on {when:%d %b %Y} is already recorded for this client. If this is "
            "a second session that day, tick to confirm; otherwise go back to the first one."
        )


def _refuse_unattended(errors: dict[str, str], session: Session) -> None:
    """Nothing is measured, rated, reviewed or set at a session the client missed."""
    for code in (*session.questionnaires, *session.totals):
        errors[f"questionnaire:{code}"] = NOT_ATTENDED
    for code in session.alliance:
        errors[f"alliance:{code}"] = NOT_ATTENDED
    for goal_id in session.goal_ratings:
        errors[f"goal:{goal_id}"] = NOT_ATTENDED
    for homework_id in session.homework_reviews:
        errors[f"homework:{homework_id}"] = "Homework is reviewed at an attended session."
    if session.new_homework is not None:
        errors["new_homework"] = "Homework is set at an attended session."


@dataclass(frozen=True)
class Scored:
    code: str
    answers: list[int | float | None]
    result: ScoreResult


def _score_all(
    errors: dict[str, str], measures: Mapping[str, Answers], kind: Kind, key: str
) -> list[Scored]:
    scored: list[Scored] = []
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
        scored.append(Scored(measure.code, list(answers), result))
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


def _check_goal_ratings(
    errors: dict[str, str], episode: Episode, ratings: Mapping[int, int]
) -> None:
    goals = {g.pk: g for g in Goal.unscoped.filter(referral=episode.referral, pk__in=list(ratings))}
    for goal_id, rating in ratings.items():
        name = f"goal:{goal_id}"
        if name in errors:
            continue
        if goal_id not in goals:
            errors[name] = "That goal belongs to another referral."
        elif goals[goal_id].status != GoalStatus.ACTIVE:
            errors[name] = "That goal is no longer being worked on."
        elif isinstance(rating, bool) or not isinstance(rating, int) or not 0 <= rating <= 10:
            errors[name] = "Rate progress as a whole number from 0 to 10."


def _check_homework_reviews(
    errors: dict[str, str], episode: Episode, reviews: Mapping[int, HomeworkReview]
) -> dict[int, Homework]:
    """Check each review; return the homework reviewed, by id."""
    homework = {
        h.pk: h for h in Homework.unscoped.filter(referral=episode.referral, pk__in=list(reviews))
    }
    for homework_id, review in reviews.items():
        name = f"homework:{homework_id}"
        if name in errors:
            continue
        if homework_id not in homework:
            errors[name] = "That homework belongs to another referral."
        elif homework[homework_id].is_reviewed:
            errors[name] = "That homework has already been reviewed."
        elif review.outcome not in HomeworkOutcome.values:
            errors[name] = "Say whether the homework was done, partly done or not done."
        else:
            check_text(errors, name, review.progress_summary, limit=5000)
    return homework


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
    same_day_confirmed: bool = True,
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
    someone else recorded a session first; either way, every positive risk answer that
    can be read from ``questionnaires`` has opened or updated the client's risk alert first
    (``alert_risk_answers``; a caller holding its own transaction calls that after it).
    """
    return risk_first(
        lambda: _record_session(
            episode=episode, expected_version=expected_version, contact_date=contact_date,
            attendance=attendance, app_type=app_type, cons_mechanism=cons_mechanism,
            therapy=therapy, questionnaires=questionnaires, totals=totals, alliance=alliance,
            goal_ratings=goal_ratings, homework_reviews=homework_reviews,
            new_homework=new_homework, notes=notes, next_session_on=next_session_on,
            same_day_confirmed=same_day_confirmed, by=by,
        ),
        referral=episode.referral,
        questionnaires=questionnaires,
        where=session_where(contact_date),
        by=by,
    )  # fmt: skip


@transaction.atomic
def _record_session(
    *,
    episode: Episode,
    expected_version: int,
    contact_date: dt.date,
    attendance: str,
    app_type: str,
    cons_mechanism: str,
    therapy: str | None,
    questionnaires: Mapping[str, Answers] | None,
    totals: Mapping[str, float] | None,
    alliance: Mapping[str, Answers] | None,
    goal_ratings: Mapping[int, int] | None,
    homework_reviews: Mapping[int, HomeworkReview] | None,
    new_homework: HomeworkPlan | None,
    notes: str,
    next_session_on: dt.date | None,
    same_day_confirmed: bool,
    by: User,
) -> Contact:
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_record_session(viewer, episode), "record sessions for this episode"
    )
    session = Session(
        contact_date, attendance, app_type, cons_mechanism, therapy,
        questionnaires or {}, totals or {}, alliance or {}, goal_ratings or {},
        homework_reviews or {}, new_homework, notes, next_session_on, same_day_confirmed,
    )  # fmt: skip
    check = validate_session(episode=episode, session=session)
    if check.errors:
        raise ActionError(check.errors)
    claim_version(episode, expected_version)
    contact = _write_session(episode, check, by)
    # Clinical safety: every positive risk answer opens an urgent alert, here, in the same
    # transaction; if it cannot be opened the whole session is rolled back.
    open_risk_alerts(
        referral=episode.referral,
        contact=contact,
        scored=check.scored,
        where=session_where(contact.contact_date),
    )
    refresh_signal(episode=episode, by=by)
    return contact


def score_questionnaires(
    errors: dict[str, str], questionnaires: Mapping[str, Answers], key: str = "questionnaire"
) -> list[Scored]:
    """Score outcome questionnaires as a session does (every input path scores this way)."""
    return _score_all(errors, questionnaires, Kind.OUTCOME, key)


def open_risk_alerts(
    *, referral: Referral, contact: Contact | None, scored: Sequence[Scored], where: str
) -> list[Alert]:
    """The risk rule for scored questionnaires: every positive risk answer opens or updates
    the client's one risk alert (``raise_risk_alert``).

    Used by the session form, the assessment and the waiting-well check-in alike; there is
    no argument that skips it. ``where`` says in words where the answer was given.
    """
    findings = [f for item in scored for f in findings_from_answers(item.code, item.answers, where)]
    alert = raise_risk_alert(referral=referral, contact=contact, findings=findings)
    return [alert] if alert is not None else []


def _write_session(episode: Episode, check: SessionCheck, by: User) -> Contact:
    """Write a checked session: the contact, its measures, reviews, homework, audit rows."""
    session = check.session
    when = session.contact_date
    assert when is not None  # validate_session refuses a session without a date
    _book_next(episode, when, session.next_session_on)
    contact = _create_contact(episode, session, when, by)
    _store_measures(contact, check)
    GoalRating.unscoped.bulk_create(
        GoalRating(goal_id=goal_id, contact=contact, rating=rating)
        for goal_id, rating in session.goal_ratings.items()
    )
    for homework_id, review in session.homework_reviews.items():
        _review_homework(check.homework[homework_id], review, contact, by)
    set_homework = (
        create_homework(referral=episode.referral, contact=contact, plan=plan, by=by)
        if (plan := session.new_homework) is not None
        else None
    )
    record_change(
        by=by,
        action="record_session",
        target=contact,
        client_id=episode.referral.client_id,
        new={
            **snapshot(contact, _CONTACT_FIELDS),
            "next_session_on": session.next_session_on,
            "questionnaires": {
                s.code: {"items": s.answers, "total": s.result.total, "risk": s.result.risk}
                for s in check.scored
            },
            "totals": {measure.code: total for measure, total in check.totalled},
            "alliance": {
                s.code: {"items": s.answers, "total": s.result.total} for s in check.rated
            },
            "goal_ratings": {str(k): v for k, v in session.goal_ratings.items()},
            "homework_reviews": {str(k): asdict(v) for k, v in session.homework_reviews.items()},
            "new_homework": set_homework.pk if set_homework is not None else None,
        },
    )
    return contact


def _book_next(episode: Episode, contact_date: dt.date, next_session_on: dt.date | None) -> None:
    """A new booking replaces the old one; a booking on or before this contact is used up."""
    booked = episode.next_session_on
    if next_session_on is not None or (booked is not None and booked <= contact_date):
        episode.next_session_on = next_session_on
        Episode.unscoped.filter(pk=episode.pk).update(next_session_on=next_session_on)


def _create_contact(episode: Episode, session: Session, when: dt.date, by: User) -> Contact:
    referral = episode.referral
    contact = Contact.unscoped.create(
        referral=referral,
        episode=episode,
        external_id=new_external_id("C"),
        contact_date=when,
        app_type=session.app_type,
        attendance=session.attendance,
        cons_mechanism=session.cons_mechanism,
        therapist=episode.therapist,
        therapy=(session.therapy or "") if session.attended else "",
        step=episode.step,
        notes=session.notes,
        recorded_by=by,
    )
    contact.session_number = renumber_sessions(referral)[contact.pk]
    attend_booked_appointment(episode, contact)
    return contact


def check_totals(
    errors: dict[str, str], totals: Mapping[str, object], questionnaires: Mapping[str, Answers]
) -> list[tuple[Measure, float]]:
    """Check totals given without answers, as a session does (scoring-only measures)."""
    return _check_totals(errors, totals, questionnaires)


def store_questionnaires(
    contact: Contact,
    scored: Sequence[Scored],
    totalled: Sequence[tuple[Measure, float]] = (),
) -> None:
    """Store scored questionnaires as the contact's responses (assessment, follow-up)."""
    check = SessionCheck(
        Session(contact.contact_date, ""), scored=list(scored), totalled=list(totalled)
    )
    _store_measures(contact, check)


def _store_measures(contact: Contact, check: SessionCheck) -> None:
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
        for s in check.scored
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
        for measure, total in check.totalled
    )
    AllianceResponse.unscoped.bulk_create(
        AllianceResponse(contact=contact, measure=s.code, items=s.answers, total=s.result.total)
        for s in check.rated
    )


def _review_homework(item: Homework, review: HomeworkReview, contact: Contact, by: User) -> None:
    old = snapshot(item, _REVIEW_FIELDS)
    item.reviewed_contact = contact
    item.outcome = review.outcome
    item.progress_summary = review.progress_summary.strip()
    item.version += 1
    item.save(update_fields=[*_REVIEW_FIELDS, "version"])
    record_change(
        by=by,
        action="review_homework",
        target=item,
        client_id=contact.referral.client_id,
        old=old,
        new=snapshot(item, _REVIEW_FIELDS),
    )
