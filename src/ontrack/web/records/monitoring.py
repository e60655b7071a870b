"""Between the care records and ``ontrack.monitoring``: one referral as the engine sees it.

``episode_history`` reads a referral's contacts, scores, alliance ratings, goal ratings and
homework (a fixed handful of queries) into a ``monitoring.EpisodeHistory``; ``judge``
evaluates it with the shipped default parameters (or the bundle named by the
``ONTRACK_MONITORING_BUNDLE`` setting) and never turns a failure into "on track";
``expected_course`` draws each measure's expected course, spread and failure boundary
for the client timeline with ``monitoring.expected_course`` (the engine's own drawing,
so the chart matches the judgement at the latest session).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db.models import Count

from ontrack import monitoring
from ontrack.measures import MeasureError, get_measure
from ontrack.web.common.codes import EpisodeStatus, SignalStatus
from ontrack.web.records.models import (
    AllianceResponse,
    Contact,
    Episode,
    GoalRating,
    Homework,
    QuestionnaireResponse,
    Referral,
)

log = logging.getLogger(__name__)


@cache
def _bundle_from(path: str) -> monitoring.ModelBundle:
    return monitoring.load_bundle(path)


def bundle() -> monitoring.ModelBundle:
    """Return the model bundle the service uses: its own if configured, else the default."""
    path = getattr(settings, "ONTRACK_MONITORING_BUNDLE", "")
    return _bundle_from(str(path)) if path else monitoring.default_bundle()


def config() -> monitoring.MonitoringConfig:
    """Return the monitoring thresholds (the documented defaults)."""
    return monitoring.MonitoringConfig()


def _risk_answer(response: QuestionnaireResponse) -> monitoring.RiskAnswer:
    if response.risk:
        return monitoring.RiskAnswer.POSITIVE
    if response.items is None:
        return monitoring.RiskAnswer.NOT_RECORDED
    try:
        risk_items = get_measure(response.measure).risk_items
    except MeasureError:
        return monitoring.RiskAnswer.NOT_RECORDED
    if not risk_items:
        return monitoring.RiskAnswer.NOT_RECORDED
    items = list(response.items)
    if any(i > len(items) or items[i - 1] is None for i in risk_items):
        return monitoring.RiskAnswer.UNANSWERED
    return monitoring.RiskAnswer.NEGATIVE


@dataclass(frozen=True)
class RecordRows:
    """A referral's records as the timeline and the engine read them (one query each)."""

    referral: Referral
    contacts: list[Contact]
    questionnaires: list[QuestionnaireResponse]
    alliance: list[AllianceResponse]
    goal_ratings: list[GoalRating]
    homework: list[Homework]
    caseload: tuple[int | None, int | None]

    @classmethod
    def load(cls, referral: Referral, *, caseload_now: bool = True) -> RecordRows:
        """Read the rows (five queries, and one for the therapist's caseload now).

        ``caseload_now=False`` leaves out the therapist's current caseload (the timeline
        draws courses, which do not use it).
        """
        contacts = list(
            Contact.unscoped.filter(referral=referral, entered_in_error_at__isnull=True)
            .select_related("therapist")
            .order_by("contact_date", "pk")
        )
        caseload: tuple[int | None, int | None] = (None, None)
        last = contacts[-1] if contacts else None
        if caseload_now and last is not None and last.therapist is not None:
            # Only the latest contact carries the therapist's load: what they carry now.
            open_now = Episode.unscoped.filter(
                therapist_id=last.therapist_id, status=EpisodeStatus.OPEN
            ).aggregate(n=Count("pk"))["n"]
            caseload = (int(open_now), last.therapist.caseload_limit or None)
        return cls(
            referral=referral,
            contacts=contacts,
            questionnaires=list(
                QuestionnaireResponse.unscoped.filter(
                    contact__referral=referral, contact__entered_in_error_at__isnull=True
                ).order_by("contact__contact_date", "contact_id", "measure")
            ),
            alliance=list(
                AllianceResponse.unscoped.filter(
                    contact__referral=referral, contact__entered_in_error_at__isnull=True
                ).order_by("contact__contact_date", "contact_id", "measure")
            ),
            goal_ratings=list(
                GoalRating.unscoped.filter(
                    goal__referral=referral, contact__entered_in_error_at__isnull=True
                )
                .select_related("goal")
                .order_by("contact__contact_date", "goal__number")
            ),
            # Homework set at a contact entered in error goes with that contact.
            homework=list(
                Homework.unscoped.filter(
                    referral=referral, set_contact__entered_in_error_at__isnull=True
                ).order_by("pk")
            ),
            caseload=caseload,
        )

    def history(self) -> monitoring.EpisodeHistory:
        """Return the referral as the engine's episode.

        Contact, homework and referral ids are the records' primary keys as text, so a
        signal's ``contact_id`` leads straight back to its ``Contact``.
        """
        referral, client = self.referral, self.referral.client
        last = self.contacts[-1] if self.contacts else None
        contacts = tuple(
            monitoring.Contact(
                contact_id=str(c.pk),
                date=c.contact_date,
                app_type=c.app_type,
                attendance=c.attendance,
                therapist_id=c.therapist.practitioner_id if c.therapist else None,
                therapy=c.therapy or None,
                step=c.step,
                # Only an attended contact is a session, whatever number it carries.
                session_number=c.session_number if c.attended else None,
                therapist_caseload=self.caseload[0] if c is last else None,
                therapist_caseload_limit=self.caseload[1] if c is last else None,
                therapist_gender=(c.therapist.gender or None) if c.therapist else None,
            )
            for c in self.contacts
        )
        return monitoring.EpisodeHistory(
            referral_id=str(referral.pk),
            referral_date=referral.referral_date,
            contacts=contacts,
            scores=tuple(
                monitoring.ScoreRecord(
                    str(q.contact_id), q.measure, float(q.total), _risk_answer(q)
                )
                for q in self.questionnaires
            ),
            alliance=tuple(
                monitoring.AllianceRecord(str(a.contact_id), a.measure, float(a.total))
                for a in self.alliance
            ),
            goal_ratings=tuple(
                monitoring.GoalRating(str(g.contact_id), g.goal.number, g.rating)
                for g in self.goal_ratings
            ),
            homework=_homework_records(self.homework, self.contacts),
            age=referral.age_at_referral,
            imd_decile=client.imd_decile,
            problem_descriptor=referral.problem_descriptor or None,
            gender=client.gender or None,
            therapist_gender_preference=client.preferred_therapist_gender or None,
        )


def _homework_records(
    homework: list[Homework], contacts: list[Contact]
) -> tuple[monitoring.HomeworkRecord, ...]:
    """Homework as the engine reads it, on the contacts that stand: homework set at a
    contact marked entered in error goes with it, and a review at such a contact no longer
    counts (the task is open again), so nothing points outside the episode."""
    standing = {c.pk for c in contacts}
    records = []
    for h in homework:
        if h.set_contact_id not in standing:
            continue
        reviewed = h.reviewed_contact_id in standing
        records.append(
            monitoring.HomeworkRecord(
                homework_id=str(h.pk),
                set_contact_id=str(h.set_contact_id),
                reviewed_contact_id=str(h.reviewed_contact_id) if reviewed else None,
                criteria_met=h.criteria_met,
                outcome=(h.outcome or None) if reviewed else None,
            )
        )
    return tuple(records)


def episode_history(referral: Referral) -> monitoring.EpisodeHistory:
    """Return everything recorded in ``referral`` as the engine's episode."""
    return RecordRows.load(referral).history()


@dataclass(frozen=True)
class Judgement:
    """What the engine said about an episode, or why it could not say.

    ``evaluation`` is None when it could not judge; ``signal`` is then ``unknown`` and
    ``reasons`` say why, and ``risk`` still carries every risk signal the engine found.
    """

    signal: SignalStatus
    reasons: tuple[str, ...]
    evaluation: monitoring.Evaluation | None
    risk: tuple[monitoring.Signal, ...]
    contact_id: int | None

    @property
    def signals(self) -> tuple[monitoring.Signal, ...]:
        if self.evaluation is not None:
            return self.evaluation.signals
        return self.risk

    def detail(self) -> dict[str, object]:
        """Return what is kept on the episode: the evaluation as JSON, or the error."""
        if self.evaluation is not None:
            return self.evaluation.to_json()
        return {"error": list(self.reasons), "signals": [s.to_json() for s in self.risk]}


_STATUS = {
    monitoring.ProgressStatus.RECOVERED: SignalStatus.RECOVERED,
    monitoring.ProgressStatus.ON_TRACK: SignalStatus.ON_TRACK,
    monitoring.ProgressStatus.BEHIND: SignalStatus.BEHIND,
    monitoring.ProgressStatus.OFF_TRACK: SignalStatus.OFF_TRACK,
    monitoring.ProgressStatus.BASELINE: SignalStatus.BASELINE,
}


def _latest_contact(history: monitoring.EpisodeHistory) -> int | None:
    """Return the contact a judgement is tied to: the latest attended one.

    A cancelled or missed appointment is never shown as the last session nor used as
    a signal point; with nothing attended yet, the latest contact of any kind.
    """
    last = history.last_attended_contact or history.last_contact
    return int(last.contact_id) if last is not None else None


def judge(history: monitoring.EpisodeHistory) -> Judgement:
    """Evaluate an episode; a failure gives ``unknown`` with the reason, never on track."""
    contact_id = _latest_contact(history)
    if not history.contacts:
        return Judgement(SignalStatus.UNKNOWN, ("No contacts recorded yet.",), None, (), contact_id)
    try:
        evaluation = monitoring.evaluate_episode(history, bundle(), config())
    except monitoring.MonitoringError as exc:
        reason = f"Progress could not be judged: {exc}"
        return Judgement(SignalStatus.UNKNOWN, (reason,), None, tuple(exc.risk_signals), contact_id)
    except Exception:
        # A fault in the engine must not stop a session being recorded, and must not
        # pass for "on track": say so on the caseload and log it for the administrators.
        log.exception("evaluating referral %s failed", history.referral_id)
        risk = tuple(monitoring.risk_signals(history))
        reason = (
            "Progress could not be judged because the early-warning checks failed; "
            "the error was logged for the service's administrators."
        )
        return Judgement(SignalStatus.UNKNOWN, (reason,), None, risk, contact_id)
    reasons = monitoring.unique_reasons([r for p in evaluation.progress for r in p.reasons])
    return Judgement(
        _STATUS[evaluation.status],
        reasons,
        evaluation,
        tuple(s for s in evaluation.signals if s.kind is monitoring.SignalKind.RISK),
        contact_id,
    )


# -- the expected course, for the timeline chart ----------------------------------------------


@dataclass(frozen=True)
class Course:
    """One measure's expected course for this client, with its fixed reference lines.

    ``points`` are the engine's own (``monitoring.CoursePoint``: session, expected,
    spread, boundary); the lines come from the bundle's facts about the measure.
    """

    measure: str
    intake: float
    points: tuple[monitoring.CoursePoint, ...]
    caseness: float | None
    reliable_change: float | None
    higher_is_better: bool
    model: str
    label: str


def expected_course(
    history: monitoring.EpisodeHistory, measure: str, sessions: int
) -> Course | None:
    """Return the expected course of ``measure`` over sessions 1..``sessions``, or None.

    None when the measure has no intake score or no model. The points are
    ``monitoring.expected_course``'s, drawn with the bundle and thresholds the
    engine judges with, so the chart and the signal cannot disagree.
    """
    models = bundle()
    try:
        course = monitoring.expected_course(history, measure, sessions, models, config())
        facts = models.facts(measure)
    except monitoring.MonitoringError:
        return None
    return Course(
        measure=measure,
        intake=course.intake,
        points=course.points,
        caseness=facts.clinical_cutoff,
        reliable_change=facts.reliable_change,
        higher_is_better=facts.higher_is_better,
        model=course.model,
        label=models.label,
    )


# -- the why-review ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewResult:
    """The why-review of an episode as it stands, or why it could not be put together."""

    review: monitoring.WhyReview | None
    error: str | None
    contact_id: int | None


def review_for(history: monitoring.EpisodeHistory) -> ReviewResult:
    """Rank the reasons the episode may be failing, from the record so far."""
    contact_id = _latest_contact(history)
    if not history.contacts:
        return ReviewResult(None, "No contacts recorded yet: there is nothing to review.", None)
    try:
        review = monitoring.why_review(history, bundle(), config())
        return ReviewResult(review, None, contact_id)
    except monitoring.MonitoringError as exc:
        return ReviewResult(None, f"The review cannot be put together: {exc}", contact_id)
