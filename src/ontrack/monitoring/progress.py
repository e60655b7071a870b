"""Progress against the expected course: recovered, on track, behind or off track.

The failure boundary is expected + z * spread (for a measure where higher is
worse; mirrored where higher is better). Off track = strictly beyond the
boundary, or reliable deterioration since intake, whichever model is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from ontrack.monitoring.deterioration import (
    DEFAULT_RULE,
    Deterioration,
    DeteriorationRule,
    deterioration,
)
from ontrack.monitoring.episode import EpisodeHistory, ScorePoint
from ontrack.monitoring.errors import NoIntakeScoreError
from ontrack.monitoring.exposure import hi_cbt_sessions, in_exposure_phase
from ontrack.monitoring.facts import MeasureFacts
from ontrack.monitoring.models.base import FEATURES, FloatArray
from ontrack.monitoring.models.curve import CurveModel
from ontrack.monitoring.models.failure import FailureModel
from ontrack.monitoring.models.neighbours import NeighbourModel
from ontrack.monitoring.signals import (
    STATUS_ORDER,
    MeasureProgress,
    ProgressStatus,
    ReliableChange,
)

WSAS = "WSAS"
BoolArray = NDArray[np.bool_]


def intake_point(episode: EpisodeHistory, measure: str) -> ScorePoint:
    """Return the measure's first score, or raise NoIntakeScoreError."""
    series = episode.series(measure)
    if not series:
        raise NoIntakeScoreError(
            f"referral {episode.referral_id}: no intake score for {measure}, so progress "
            "cannot be judged; record the questionnaire at assessment or the first session"
        )
    return series[0]


def progress_points(episode: EpisodeHistory, measure: str) -> tuple[ScorePoint, ...]:
    """Return the scores after intake that lie on the treatment-session axis (session >= 1)."""
    series = episode.series(measure)
    return tuple(p for p in series[1:] if p.session >= 1)


def previous_score(intake: ScorePoint, later: tuple[ScorePoint, ...]) -> float:
    """Return the score before the latest progress point: the last at an earlier session.

    The intake where there is none. One score per session counts, the last, as on
    the replay's session axis.
    """
    latest = later[-1].session
    earlier = [p for p in later if p.session < latest]
    return earlier[-1].total if earlier else intake.total


# As ``replay.CLIENT_MISSED``: appointments the client missed or cancelled.
CLIENT_MISSED = frozenset({"2", "3", "7"})


def course_evidence(
    episode: EpisodeHistory,
    facts: MeasureFacts,
    intake: ScorePoint,
    earlier: tuple[ScorePoint, ...],
    position: int,
) -> FloatArray:
    """Return the failure model's course evidence (``models.failure.EVIDENCE``) at a session.

    ``earlier`` are the progress points before it (one score per session counts, the
    last, as on the replay's session axis); ``position`` is the session's contact.
    """
    rc = float(facts.reliable_change or 1.0)
    by_session = {p.session: p.total for p in earlier}
    best = max(
        (facts.direction * (intake.total - total) / rc for total in by_session.values()),
        default=0.0,
    )
    missed = sum(1 for c in episode.contacts[:position] if c.attendance in CLIENT_MISSED)
    exposure = in_exposure_phase(episode.problem_descriptor, hi_cbt_sessions(episode, position))
    return np.array([max(best, 0.0), math.log1p(missed), float(exposure)])


def intake_features(
    episode: EpisodeHistory,
    measure: str,
    partners: tuple[tuple[str, MeasureFacts | None], ...],
) -> FloatArray:
    """Return the intake features (``FEATURES`` order) for one measure's models.

    ``partners`` are the measures whose intake elevation may fill the ``other``
    feature, in order of preference; the first with a score by session 1 is used.
    Only what was known by the first treatment session is read, so the features
    never change later in the episode.
    """
    row = np.full(len(FEATURES), np.nan)
    row[0] = intake_point(episode, measure).total
    for other, other_facts in partners:
        early = [p for p in episode.series(other) if p.session <= 1]
        if early and other_facts is not None:
            row[1] = other_facts.elevation(early[0].total)
            break
    wsas = [p for p in episode.series(WSAS) if p.session <= 1]
    if wsas:
        row[2] = wsas[0].total
    if episode.age is not None:
        row[3] = episode.age
    if episode.imd_decile is not None:
        row[4] = episode.imd_decile
    sessions = episode.treatment_sessions
    if sessions and sessions[0].step is not None:
        row[5] = sessions[0].step
    return row


def reliable_change(facts: MeasureFacts, intake: float, observed: float) -> ReliableChange:
    """Classify change since intake against the measure's reliable-change threshold."""
    worse = facts.worsening(intake, observed)
    if not facts.is_reliable(worse):
        return ReliableChange.NONE
    return ReliableChange.DETERIORATION if worse > 0 else ReliableChange.IMPROVEMENT


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if math.isfinite(x) else "n/a"


@dataclass(frozen=True)
class Boundary:
    """How one measure's failure boundary is drawn at this evaluation.

    Either a failure model and the chance ``threshold`` at which the boundary lies,
    or (``failure`` None) the spread boundary expected + ``z`` spreads.
    """

    failure: FailureModel | None
    threshold: float
    z: float


def assess_measure(
    episode: EpisodeHistory,
    measure: str,
    facts: MeasureFacts,
    model: CurveModel | NeighbourModel,
    features: FloatArray,
    boundary: Boundary,
    min_session_for_boundary: int,
    rule: DeteriorationRule = DEFAULT_RULE,
) -> MeasureProgress:
    """Judge the measure's latest score against its expected course and failure boundary.

    A measure beyond its boundary is provisionally ``behind``; ``combine`` decides
    whether the episode is off track (every judged measure beyond its boundary).
    """
    intake = intake_point(episode, measure)
    later = progress_points(episode, measure)
    if not later:
        return MeasureProgress(
            measure=measure,
            status=ProgressStatus.BASELINE,
            session=intake.session,
            intake=intake.total,
            observed=intake.total,
            expected=None,
            spread=None,
            failure_boundary=None,
            reliable_change=ReliableChange.NONE,
            is_case=facts.is_case(intake.total),
            model=model.name,
            reasons=(f"{measure}: only the intake score ({_fmt(intake.total)}) so far.",),
            contact_id=intake.contact_id,
        )
    latest = later[-1]
    mean_arr, sd_arr = model.expect(features, np.array([float(latest.session)]))
    expected, spread = float(mean_arr[0]), float(sd_arr[0])
    chance: float | None = None
    line: float | None
    if boundary.failure is not None:
        previous = previous_score(intake, later)
        earlier = tuple(p for p in later if p.session < latest.session)
        evidence = course_evidence(episode, facts, intake, earlier, latest.position)
        chance = float(
            boundary.failure.probability(
                latest.total, expected, spread, intake.total, facts, latest.session, previous,
                features, evidence,
            )[0]
        )  # fmt: skip
        line = boundary.failure.boundary(
            expected, spread, intake.total, facts, latest.session, boundary.threshold, previous,
            features, evidence,
        )  # fmt: skip
        beyond = chance > boundary.threshold
    else:
        line = expected + facts.direction * boundary.z * spread
        beyond = facts.worsening(line, latest.total) > 0
    if line is not None:
        line = facts.within_scale(line)
    beyond = beyond and latest.session >= min_session_for_boundary
    change = reliable_change(facts, intake.total, latest.total)
    worse = _deterioration(episode, intake, later, facts, rule)
    case = facts.is_case(latest.total)
    where = f"{measure} {_fmt(latest.total)} at session {latest.session}"
    band = (
        f"expected {_fmt(expected)} (spread {_fmt(spread)}) for clients like this starting at "
        f"{_fmt(intake.total)}"
    )
    if line is not None:
        band += f", failure boundary {_fmt(line)}"
    reasons: list[str] = []
    rc = _fmt(facts.reliable_change or math.nan)
    if worse.any[0, -1] and not worse.from_best[0, -1]:
        status = ProgressStatus.OFF_TRACK
        reasons.append(
            f"{where} is reliably worse than at intake ({_fmt(intake.total)}; reliable change "
            f"is {rc} points), {_confirmed(later, facts, intake.total, rule)}."
        )
    elif worse.any[0, -1]:
        status = ProgressStatus.OFF_TRACK
        best = float(worse.best[0, -1])
        reasons.append(
            f"{where} is reliably worse than the best score so far ({_fmt(best)}; reliable "
            f"change is {rc} points): the gains made earlier are being lost."
        )
    elif beyond:
        status = ProgressStatus.BEHIND
        if chance is not None:
            reasons.append(
                f"{where} is beyond the failure boundary: {band}. Past clients in this position "
                f"ended without reliable improvement about {chance:.0%} of the time "
                f"(boundary {boundary.threshold:.0%})."
            )
        else:
            reasons.append(f"{where} is beyond the failure boundary: {band}.")
    elif not case and change is ReliableChange.IMPROVEMENT:
        status = ProgressStatus.RECOVERED
        reasons.append(
            f"{where} is below the clinical cut-off with reliable improvement from "
            f"{_fmt(intake.total)}."
        )
    elif facts.worsening(expected, latest.total) <= 0:
        status = ProgressStatus.ON_TRACK
        reasons.append(f"{where} is at or better than expected: {band}.")
    else:
        status = ProgressStatus.BEHIND
        reasons.append(f"{where} is worse than expected but within the boundary: {band}.")
    if change is ReliableChange.DETERIORATION and status is not ProgressStatus.OFF_TRACK:
        reasons.append(
            f"{where} is a reliable change worse than at intake ({_fmt(intake.total)}) at this "
            "one reading; one questionnaire can be a bad week, so it counts as deterioration "
            f"when confirmed ({rule.describe()})."
        )
    return MeasureProgress(
        measure=measure,
        status=status,
        session=latest.session,
        intake=intake.total,
        observed=latest.total,
        expected=expected,
        spread=spread,
        failure_boundary=line,
        reliable_change=change,
        is_case=case,
        model=model.name,
        reasons=tuple(reasons),
        contact_id=latest.contact_id,
        beyond_boundary=beyond,
        failure_chance=chance,
    )


def _by_session(later: tuple[ScorePoint, ...]) -> tuple[FloatArray, BoolArray]:
    """Return the progress points as one row, one score per session (the last)."""
    totals = {p.session: p.total for p in later}
    y = np.array([[totals[k] for k in sorted(totals)]], dtype=np.float64)
    return y, np.ones(y.shape, dtype=bool)


def _deterioration(
    episode: EpisodeHistory,
    intake: ScorePoint,
    later: tuple[ScorePoint, ...],
    facts: MeasureFacts,
    rule: DeteriorationRule,
) -> Deterioration:
    """The deterioration rule at every progress point, exactly as the replay applies it."""
    y, points = _by_session(later)
    last = {p.session: p.position for p in later}
    phase = np.array(
        [[
            in_exposure_phase(episode.problem_descriptor, hi_cbt_sessions(episode, last[k]))
            for k in sorted(last)
        ]],
        dtype=bool,
    )  # fmt: skip
    return deterioration(y, points, np.array([intake.total]), facts, rule, phase)


def _confirmed(
    later: tuple[ScorePoint, ...], facts: MeasureFacts, intake: float, rule: DeteriorationRule
) -> str:
    """Say how a deterioration from intake was confirmed."""
    if rule.confirm == 1:
        return "at this reading"
    y, _ = _by_session(later)
    rc = float(facts.reliable_change or 1.0)
    if y.shape[1] >= 2 and facts.worsening(intake, float(y[0, -2])) >= rc - 1e-9:
        return f"and was at the previous session too ({_fmt(float(y[0, -2]))})"
    return f"by more than {rule.wide:g} reliable changes at once"


def combine(
    progress: tuple[MeasureProgress, ...],
) -> tuple[ProgressStatus, tuple[MeasureProgress, ...]]:
    """Return the episode's status and the measures with their final status.

    Off track: any measure reliably deteriorated, or every judged measure beyond
    its failure boundary (reliable improvement on either measure counts, as in
    NHS TT, so one measure on course keeps the episode out of "off track").
    Recovered needs every tracked measure below its cut-off, at least one reliable
    improvement and no reliable deterioration (NHS TT reliable recovery).
    """
    judged = [p for p in progress if p.status is not ProgressStatus.BASELINE]
    if not judged:
        return ProgressStatus.BASELINE, progress
    all_beyond = all(p.beyond_boundary for p in judged)
    if all_beyond:
        others = [p.measure for p in judged]
        note = (
            f"Every tracked measure ({', '.join(others)}) is beyond its failure boundary."
            if len(others) > 1
            else ""
        )
        progress = tuple(
            replace(
                p,
                status=ProgressStatus.OFF_TRACK,
                reasons=(*p.reasons, note) if note else p.reasons,
            )
            if p.beyond_boundary
            else p
            for p in progress
        )
    else:
        on_course = [p.measure for p in judged if not p.beyond_boundary]
        progress = tuple(
            replace(
                p,
                reasons=(
                    *p.reasons,
                    f"Not off track: {', '.join(on_course)} is within its failure boundary.",
                ),
            )
            if p.beyond_boundary and p.status is not ProgressStatus.OFF_TRACK
            else p
            for p in progress
        )
    judged = [p for p in progress if p.status is not ProgressStatus.BASELINE]
    if any(p.status is ProgressStatus.OFF_TRACK for p in judged):
        return ProgressStatus.OFF_TRACK, progress
    # Recovered only where nothing said is against it: a measure behind its expected
    # course ("worse than expected") keeps the episode "behind", never "recovered".
    behind = any(p.status is ProgressStatus.BEHIND for p in judged)
    if (
        not behind
        and all(not p.is_case for p in progress)
        and any(p.status is ProgressStatus.RECOVERED for p in judged)
    ):
        return ProgressStatus.RECOVERED, progress
    worst = min(judged, key=lambda p: STATUS_ORDER[p.status]).status
    return (ProgressStatus.ON_TRACK if worst is ProgressStatus.RECOVERED else worst), progress
