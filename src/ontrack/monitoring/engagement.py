"""Rules about the course of care rather than scores: dropout, stalled, focus, goals,
homework and caseload. Each takes the episode as it stood (never later data).
"""

from __future__ import annotations

import math

import numpy as np

from ontrack.monitoring.bundle import ModelBundle
from ontrack.monitoring.config import MonitoringConfig
from ontrack.monitoring.episode import EpisodeHistory
from ontrack.monitoring.exposure import HIGH_INTENSITY
from ontrack.monitoring.facts import MeasureFacts
from ontrack.monitoring.models.base import FloatArray
from ontrack.monitoring.models.dropout import DROPOUT_FEATURES
from ontrack.monitoring.progress import previous_score, progress_points
from ontrack.monitoring.signals import (
    MeasureProgress,
    ReliableChange,
    Severity,
    Signal,
    SignalKind,
)

DEPRESSION = frozenset({"F32", "F33"})
MIXED = "F41.2"
PHQ9 = "PHQ-9"


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if math.isfinite(x) else "n/a"


def dropout_features(
    episode: EpisodeHistory,
    first_measure: str | None,
    first_facts: MeasureFacts | None,
    alliance_max: float | None,
) -> FloatArray:
    """Return the dropout model's features (``DROPOUT_FEATURES`` order) as of now."""
    contacts = [c for c in episode.contacts if c.attendance != "4"]  # provider cancellations
    row = np.zeros(len(DROPOUT_FEATURES))
    row[0] = sum(c.missed for c in contacts)
    row[1] = sum(c.client_cancelled for c in contacts)
    row[2] = 1.0 if contacts and contacts[-1].missed else 0.0
    row[3] = episode.sessions_attended
    alliance = episode.alliance_series()
    if alliance and alliance_max:
        row[4] = alliance[0][1] / alliance_max
        row[5] = 0.0
    else:
        row[4] = 0.0
        row[5] = 1.0
    if first_measure is not None and first_facts is not None and first_facts.reliable_change:
        series = episode.series(first_measure)
        later = progress_points(episode, first_measure)
        if series and later:
            row[6] = -first_facts.worsening(series[0].total, later[-1].total) / (
                first_facts.reliable_change
            )
    wait = episode.wait_days()
    row[7] = 0.0 if wait is None else wait / 7.0
    row[8] = float(episode.age) if episode.age is not None else 40.0
    if episode.imd_decile is not None:
        row[9] = float(episode.imd_decile)
    else:
        row[9] = 5.5
        row[10] = 1.0
    _course_features(row, episode, first_measure, first_facts, alliance_max)
    return row


def _course_features(
    row: FloatArray,
    episode: EpisodeHistory,
    first_measure: str | None,
    first_facts: MeasureFacts | None,
    alliance_max: float | None,
) -> None:
    """Fill the ADR 0128 features (``DROPOUT_FEATURES[11:]``) of ``row`` in place."""
    sessions = episode.treatment_sessions
    row[11] = missed_in_a_row(episode)
    row[12] = 1.0 if len(sessions) == 1 else 0.0
    row[13] = 1.0 if not sessions else 0.0
    row[14] = math.log1p(len(sessions))
    row[15] = 1.0 if sessions and sessions[-1].step == HIGH_INTENSITY else 0.0
    alliance = episode.alliance_series()
    if alliance and alliance_max:
        row[16] = alliance[-1][1] / alliance_max
        row[17] = (alliance[-1][1] - alliance[0][1]) / alliance_max
    if first_measure is not None and first_facts is not None and first_facts.reliable_change:
        series = episode.series(first_measure)
        later = progress_points(episode, first_measure)
        if series and later:
            before = previous_score(series[0], later)
            row[18] = -first_facts.worsening(before, later[-1].total) / (
                first_facts.reliable_change
            )
    row[19] = 1.0 if episode.contacts and episode.contacts[-1].attended else 0.0


def missed_in_a_row(episode: EpisodeHistory) -> int:
    """Return how many of the latest appointments in a row were missed."""
    run = 0
    for contact in reversed(episode.contacts):
        if contact.attendance == "4":
            continue  # a provider cancellation is not the client's miss
        if not contact.missed:
            break
        run += 1
    return run


def dropout_signals(
    episode: EpisodeHistory, probability: float | None, config: MonitoringConfig
) -> list[Signal]:
    """Return the dropout signal: the rule of missed appointments in a row, or the model."""
    run = missed_in_a_row(episode)
    reasons: list[str] = []
    severity: Severity | None = None
    if run >= config.missed_in_a_row:
        severity = Severity.HIGH
        reasons.append(f"{run} appointments missed in a row without warning.")
    if probability is not None and probability >= config.dropout_threshold:
        severity = severity or Severity.ROUTINE
        reasons.append(
            f"Estimated chance of dropping out is {probability:.0%} "
            f"(threshold {config.dropout_threshold:.0%}), from attendance, early alliance, "
            "early change, wait, age and deprivation."
        )
    if severity is None:
        return []
    return [
        Signal(
            kind=SignalKind.DROPOUT,
            severity=severity,
            reasons=tuple(reasons),
            observed=probability,
            boundary=config.dropout_threshold,
            details={"missed_in_a_row": run},
        )
    ]


def stalled_signals(
    episode: EpisodeHistory, progress: tuple[MeasureProgress, ...], config: MonitoringConfig
) -> list[Signal]:
    """No reliable improvement on any tracked measure after N treatment sessions."""
    sessions = episode.sessions_attended
    if sessions < config.stalled_after_sessions or not progress:
        return []
    if any(p.reliable_change is ReliableChange.IMPROVEMENT for p in progress):
        return []
    changes = ", ".join(f"{p.measure} {_fmt(p.intake)} to {_fmt(p.observed)}" for p in progress)
    return [
        Signal(
            kind=SignalKind.STALLED,
            severity=Severity.ROUTINE,
            reasons=(
                f"No reliable improvement after {sessions} treatment sessions "
                f"(threshold {config.stalled_after_sessions}): {changes}.",
            ),
            session=sessions,
            observed=float(sessions),
            boundary=float(config.stalled_after_sessions),
        )
    ]


def treated_measures(episode: EpisodeHistory, anxiety_measure: str) -> frozenset[str]:
    """Return the measures the problem descriptor says are being treated."""
    descriptor = episode.problem_descriptor
    if descriptor is None:
        return frozenset()
    if descriptor in DEPRESSION:
        return frozenset({PHQ9})
    if descriptor == MIXED:
        return frozenset({PHQ9, anxiety_measure})
    return frozenset({anxiety_measure})


def latest_elevations(episode: EpisodeHistory, bundle: ModelBundle) -> dict[str, float]:
    """Return each measure's latest elevation over its cut-off, in reliable-change units."""
    out: dict[str, float] = {}
    for measure in episode.measures:
        facts = bundle.measures.get(measure)
        series = episode.series(measure)
        if facts is None or not series:
            continue
        value = facts.elevation(series[-1].total)
        if math.isfinite(value):
            out[measure] = value
    return out


def focus_signals(
    episode: EpisodeHistory, bundle: ModelBundle, anxiety_measure: str, config: MonitoringConfig
) -> list[Signal]:
    """The most elevated measure (relative to its cut-off) is not the one being treated."""
    treated = treated_measures(episode, anxiety_measure)
    elevations = latest_elevations(episode, bundle)
    if not treated or not elevations:
        return []
    top = max(elevations, key=lambda m: elevations[m])
    treated_best = max((elevations[m] for m in treated if m in elevations), default=-math.inf)
    facts = bundle.measures[top]
    latest = episode.series(top)[-1].total
    if top in treated or not facts.is_case(latest):
        return []
    gap = elevations[top] - treated_best
    if gap < config.focus_margin:
        return []
    descriptor = episode.problem_descriptor or "not stated"
    return [
        Signal(
            kind=SignalKind.FOCUS,
            severity=Severity.ROUTINE,
            reasons=(
                f"{top} ({_fmt(latest)}) is the most elevated measure relative to its cut-off, "
                f"but the problem being treated ({descriptor}) is tracked by "
                f"{', '.join(sorted(treated))}. Check the focus together.",
            ),
            measure=top,
            observed=elevations[top],
            boundary=treated_best + config.focus_margin if math.isfinite(treated_best) else None,
        )
    ]


def goals_signals(episode: EpisodeHistory, config: MonitoringConfig) -> list[Signal]:
    """No goals agreed (no goal rated) by session N (default 2)."""
    if episode.sessions_attended < config.goals_by_session or episode.goal_ratings:
        return []
    return [
        Signal(
            kind=SignalKind.NO_GOALS,
            severity=Severity.ROUTINE,
            reasons=(
                f"No goals agreed and rated by session {episode.sessions_attended} "
                f"(expected by session {config.goals_by_session}).",
            ),
            session=episode.sessions_attended,
        )
    ]


def homework_signals(episode: EpisodeHistory, config: MonitoringConfig) -> list[Signal]:
    """No homework set or reviewed in the last N CBT sessions (default 3)."""
    recent = episode.treatment_sessions[-config.homework_gap_sessions :]
    if len(recent) < config.homework_gap_sessions or not all(c.is_cbt for c in recent):
        return []
    ids = {c.contact_id for c in recent}
    touched = any(
        h.set_contact_id in ids
        or (h.reviewed_contact_id is not None and h.reviewed_contact_id in ids)
        for h in episode.homework
    )
    if touched:
        return []
    return [
        Signal(
            kind=SignalKind.NO_HOMEWORK,
            severity=Severity.ROUTINE,
            reasons=(f"No homework set or reviewed in the last {len(recent)} CBT sessions.",),
            session=recent[-1].session_number,
        )
    ]


def caseload_signals(episode: EpisodeHistory, config: MonitoringConfig) -> list[Signal]:
    """The therapist at the latest contact has more open cases than their limit."""
    for contact in reversed(episode.contacts):
        if contact.therapist_caseload is None or contact.therapist_caseload_limit is None:
            continue
        limit = contact.therapist_caseload_limit + config.caseload_tolerance
        if contact.therapist_caseload <= limit:
            return []
        return [
            Signal(
                kind=SignalKind.CASELOAD,
                severity=Severity.ROUTINE,
                reasons=(
                    f"The therapist had {contact.therapist_caseload} open cases on "
                    f"{contact.date.isoformat()}, over their limit of "
                    f"{contact.therapist_caseload_limit}.",
                ),
                observed=float(contact.therapist_caseload),
                boundary=float(contact.therapist_caseload_limit),
                details={"therapist_id": contact.therapist_id},
            )
        ]
    return []
