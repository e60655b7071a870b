"""The why-review: for an off-track or stalled episode, each reason therapy fails
(DESIGN §1) with the evidence for and against from the record, ranked, with
questions to talk through and a structure to record what was decided.

Each reason's strength is a noisy-OR of the weights of the evidence for it,
reduced by half the noisy-OR of the evidence against. The weights are stated
beside each piece of evidence in ``evidence.py``; a bundle may scale a whole
reason (``review_weights``), which ``calibrate`` leaves at 1 unless told otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from ontrack.monitoring.bundle import ModelBundle, default_bundle
from ontrack.monitoring.config import MonitoringConfig
from ontrack.monitoring.episode import EpisodeHistory
from ontrack.monitoring.evaluate import Evaluation, evaluate_episode
from ontrack.monitoring.evidence import gather_evidence
from ontrack.monitoring.reasons import Evidence, Reason
from ontrack.monitoring.signals import ProgressStatus, SignalKind


class Decision(StrEnum):
    """What therapist and client decided after the review (DESIGN §4)."""

    CONTINUE = "continue"  # carry on as planned and review again
    CHANGE_FOCUS = "change_focus"
    CHANGE_PACE = "change_pace"
    CHANGE_APPROACH = "change_approach"
    CHANGE_STEP = "change_step"
    CHANGE_THERAPIST = "change_therapist"
    REPAIR_ALLIANCE = "repair_alliance"
    AGREE_GOALS = "agree_goals"
    SET_HOMEWORK = "set_homework"
    PAUSE = "pause"
    SIGNPOST = "signpost"
    END = "end"


TITLES = {
    Reason.WRONG_THERAPY: "Wrong therapy for the person or problem",
    Reason.WRONG_FOCUS: "Wrong focus",
    Reason.WRONG_TIME: "Wrong time (life circumstances, readiness)",
    Reason.WRONG_THERAPIST: "Wrong therapist match",
    Reason.WRONG_PACE: "Wrong pace",
    Reason.WRONG_PLACE: "Wrong place (therapist overloaded)",
    Reason.RUPTURE: "Ruptured relationship",
    Reason.NO_GOALS: "No agreed goals",
    Reason.NO_HOMEWORK: "Talking, not doing: homework missing",
    Reason.DROPOUT_RISK: "Risk of dropping out",
}

QUESTIONS: dict[Reason, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Reason.WRONG_THERAPY: (
        (
            "Is this therapy recommended for this problem and severity?",
            "Has the client had an adequate dose to judge it?",
            "Would stepping up, stepping down or another approach fit better?",
        ),
        (
            "Does the way we are working make sense to you?",
            "Is there anything about this approach that is not working for you?",
        ),
    ),
    Reason.WRONG_FOCUS: (
        (
            "Is the most elevated measure the problem we are treating?",
            "Has the main problem changed since assessment?",
        ),
        (
            "What is troubling you most at the moment?",
            "Are we spending our time on what matters most to you?",
        ),
    ),
    Reason.WRONG_TIME: (
        (
            "Are housing, money, work, relationships or safety getting in the way?",
            "Would signposting, or a pause with a planned return, serve the client better?",
        ),
        (
            "Has anything happened in your life recently that makes therapy harder?",
            "Is now a good time for this work, or would another time suit you better?",
        ),
    ),
    Reason.WRONG_THERAPIST: (
        (
            "How do my outcomes with clients like this compare with what is expected?",
            "Would the client be better matched with a colleague (preferences, experience)?",
        ),
        (
            "How comfortable are you working with me?",
            "Would you prefer to see someone else? (You can ask without any blame.)",
        ),
    ),
    Reason.WRONG_PACE: (
        (
            "Are sessions too far apart, or the course too short or too long?",
            "Am I pushing too fast, or being too cautious?",
        ),
        (
            "How do you feel about the pace of our sessions?",
            "Would meeting more or less often help?",
        ),
    ),
    Reason.WRONG_PLACE: (
        (
            "Is my caseload above its limit, and is that affecting this client's care?",
            "Should this case be discussed in supervision or reallocated?",
        ),
        ("Have sessions felt rushed, or hard to get?",),
    ),
    Reason.RUPTURE: (
        (
            "Was there a moment of tension or withdrawal in recent sessions?",
            "Have I invited the client to say what is not working between us?",
        ),
        (
            "Is there anything about our sessions or about me that has not felt right?",
            "What would make our work together more helpful?",
        ),
    ),
    Reason.NO_GOALS: (
        ("Have we agreed specific goals together and do we rate them each session?",),
        ("What would you like to be different by the end of our work?",),
    ),
    Reason.NO_HOMEWORK: (
        (
            "Is homework set every session with a clear behaviour, rationale, coping plan "
            "and a way to monitor it, and reviewed the next time?",
        ),
        (
            "How did the between-session task go? What got in the way?",
            "What would make it easier to practise between sessions?",
        ),
    ),
    Reason.DROPOUT_RISK: (
        (
            "Has attendance dropped, and have I followed up missed appointments?",
            "Would a different time, format or contact method help?",
        ),
        ("Is anything making it hard to come to sessions?",),
    ),
}

OPTIONS = {
    Reason.WRONG_THERAPY: (Decision.CHANGE_APPROACH, Decision.CHANGE_STEP),
    Reason.WRONG_FOCUS: (Decision.CHANGE_FOCUS,),
    Reason.WRONG_TIME: (Decision.PAUSE, Decision.SIGNPOST),
    Reason.WRONG_THERAPIST: (Decision.CHANGE_THERAPIST,),
    Reason.WRONG_PACE: (Decision.CHANGE_PACE,),
    Reason.WRONG_PLACE: (Decision.CHANGE_THERAPIST, Decision.CHANGE_PACE),
    Reason.RUPTURE: (Decision.REPAIR_ALLIANCE, Decision.CHANGE_THERAPIST),
    Reason.NO_GOALS: (Decision.AGREE_GOALS,),
    Reason.NO_HOMEWORK: (Decision.SET_HOMEWORK,),
    Reason.DROPOUT_RISK: (Decision.CHANGE_PACE, Decision.PAUSE),
}

# Ties are broken in this order: the strongest predictors of outcome first.
PRIORITY = (
    Reason.RUPTURE,
    Reason.WRONG_FOCUS,
    Reason.WRONG_THERAPY,
    Reason.WRONG_TIME,
    Reason.NO_HOMEWORK,
    Reason.NO_GOALS,
    Reason.WRONG_THERAPIST,
    Reason.WRONG_PLACE,
    Reason.WRONG_PACE,
    Reason.DROPOUT_RISK,
)


@dataclass(frozen=True)
class ReasonAssessment:
    """One reason with its evidence, strength (0-1), questions and options."""

    reason: Reason
    title: str
    strength: float
    evidence_for: tuple[str, ...]
    evidence_against: tuple[str, ...]
    questions_for_therapist: tuple[str, ...]
    questions_for_client: tuple[str, ...]
    options: tuple[Decision, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason.value,
            "title": self.title,
            "strength": round(self.strength, 4),
            "evidence_for": list(self.evidence_for),
            "evidence_against": list(self.evidence_against),
            "questions_for_therapist": list(self.questions_for_therapist),
            "questions_for_client": list(self.questions_for_client),
            "options": [o.value for o in self.options],
        }


@dataclass(frozen=True)
class ReviewDecision:
    """What therapist and client decided, by whom and when."""

    decisions: tuple[Decision, ...]
    reasons_agreed: tuple[Reason, ...]
    note: str
    decided_by: str
    decided_on: dt.date

    def to_json(self) -> dict[str, Any]:
        return {
            "decisions": [d.value for d in self.decisions],
            "reasons_agreed": [r.value for r in self.reasons_agreed],
            "note": self.note,
            "decided_by": self.decided_by,
            "decided_on": self.decided_on.isoformat(),
        }


@dataclass(frozen=True)
class WhyReview:
    """The ranked reasons for one episode at one contact, and the decision once made."""

    referral_id: str
    contact_id: str | None
    triggered_by: tuple[str, ...]
    reasons: tuple[ReasonAssessment, ...]
    decision: ReviewDecision | None = None

    def top(self, n: int = 2) -> tuple[Reason, ...]:
        return tuple(a.reason for a in self.reasons[:n])

    def record_decision(
        self,
        *,
        decisions: tuple[Decision, ...],
        decided_by: str,
        decided_on: dt.date,
        reasons_agreed: tuple[Reason, ...] = (),
        note: str = "",
    ) -> WhyReview:
        """Return a copy with the decision recorded (the caller stores it).

        >>> review = WhyReview("r1", "c5", ("off track",), ())
        >>> done = review.record_decision(decisions=(Decision.CHANGE_FOCUS,),
        ...     decided_by="therapist-7", decided_on=dt.date(2025, 3, 4))
        >>> done.decision.decisions
        (<Decision.CHANGE_FOCUS: 'change_focus'>,)
        """
        if not decisions:
            raise ValueError("record at least one decision (use 'continue' for no change)")
        if not decided_by.strip():
            raise ValueError("say who made the decision (decided_by)")
        decision = ReviewDecision(
            decisions=tuple(Decision(d) for d in decisions),
            reasons_agreed=tuple(Reason(r) for r in reasons_agreed),
            note=note,
            decided_by=decided_by,
            decided_on=decided_on,
        )
        return replace(self, decision=decision)

    def to_json(self) -> dict[str, Any]:
        return {
            "referral_id": self.referral_id,
            "contact_id": self.contact_id,
            "triggered_by": list(self.triggered_by),
            "reasons": [a.to_json() for a in self.reasons],
            "decision": None if self.decision is None else self.decision.to_json(),
            "decision_options": [d.value for d in Decision],
        }


def _noisy_or(weights: list[float]) -> float:
    miss = 1.0
    for w in weights:
        miss *= 1.0 - max(0.0, min(1.0, w))
    return 1.0 - miss


def assess(reason: Reason, evidence: list[Evidence], scale: float = 1.0) -> ReasonAssessment:
    """Combine one reason's evidence into its strength and text."""
    supporting = [e for e in evidence if e.supports]
    opposing = [e for e in evidence if not e.supports]
    strength = _noisy_or([e.weight for e in supporting]) - 0.5 * _noisy_or(
        [e.weight for e in opposing]
    )
    therapist_qs, client_qs = QUESTIONS[reason]
    return ReasonAssessment(
        reason=reason,
        title=TITLES[reason],
        strength=max(0.0, min(1.0, strength * scale)),
        evidence_for=tuple(e.text for e in sorted(supporting, key=lambda e: -e.weight)),
        evidence_against=tuple(e.text for e in sorted(opposing, key=lambda e: -e.weight)),
        questions_for_therapist=therapist_qs,
        questions_for_client=client_qs,
        options=OPTIONS[reason],
    )


def _trigger(evaluation: Evaluation) -> tuple[str, ...]:
    out: list[str] = []
    if evaluation.status is ProgressStatus.OFF_TRACK:
        out += [r for s in evaluation.of_kind(SignalKind.OFF_TRACK) for r in s.reasons]
    out += [r for s in evaluation.of_kind(SignalKind.STALLED) for r in s.reasons]
    return tuple(out) or ("Review requested: the episode is neither off track nor stalled.",)


def why_review(
    episode: EpisodeHistory,
    models: ModelBundle | None = None,
    config: MonitoringConfig | None = None,
    *,
    as_of: str | None = None,
    evaluation: Evaluation | None = None,
) -> WhyReview:
    """Rank the reasons an episode may be failing, from the record up to ``as_of``.

    Pass ``evaluation`` when you already have it for the same contact, to save work.

    >>> import datetime as dt
    >>> from ontrack.monitoring.episode import Contact, ScoreRecord, AllianceRecord
    >>> from ontrack.monitoring.testing import toy_bundle
    >>> day = lambda d: dt.date(2025, 1, 1) + dt.timedelta(days=7 * d)
    >>> contacts = (Contact("a", day(0), "01", "5"),) + tuple(
    ...     Contact(f"s{i}", day(i), "02", "5", session_number=i) for i in range(1, 4))
    >>> scores = tuple(ScoreRecord(c, m, t) for c, m, t in [
    ...     ("a", "PHQ-9", 16), ("a", "GAD-7", 12), ("s1", "PHQ-9", 16), ("s1", "GAD-7", 12),
    ...     ("s2", "PHQ-9", 19), ("s2", "GAD-7", 13), ("s3", "PHQ-9", 23), ("s3", "GAD-7", 14)])
    >>> alliance = tuple(AllianceRecord(c, "OSR", t) for c, t in
    ...     [("s1", 36), ("s2", 30), ("s3", 27)])
    >>> ep = EpisodeHistory("r1", day(0), contacts, scores=scores, alliance=alliance)
    >>> why_review(ep, toy_bundle()).top(1)
    (<Reason.RUPTURE: 'rupture'>,)
    """
    if as_of is not None:
        episode = episode.up_to(as_of)
    bundle = models if models is not None else default_bundle()
    config = config or MonitoringConfig()
    if evaluation is None:
        evaluation = evaluate_episode(episode, bundle, config)
    gathered = gather_evidence(episode, evaluation, bundle, config)
    weights = bundle.calibration.get("review_weights", {})
    assessments = [
        assess(reason, gathered.get(reason, []), float(weights.get(reason.value, 1.0)))
        for reason in PRIORITY
    ]
    order = {r: i for i, r in enumerate(PRIORITY)}
    ranked = sorted(assessments, key=lambda a: (-round(a.strength, 6), order[a.reason]))
    last = episode.last_contact
    return WhyReview(
        referral_id=episode.referral_id,
        contact_id=last.contact_id if last else None,
        triggered_by=_trigger(evaluation),
        reasons=tuple(ranked),
    )
