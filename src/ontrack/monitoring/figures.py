"""Per-episode summaries of a replay and the figures built on them.

Sensitivity, deterioration sensitivity and false-alarm rate at any boundary shift,
and the shift that meets a false-alarm target; shared by ``calibrate`` (in-sample)
and ``validate`` (held out).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ontrack.monitoring.history import ServiceHistory
from ontrack.monitoring.replay import Outcomes, PointMatrices

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass
class EpisodeSummary:
    """Per replayed episode: the largest margin beyond the boundary, and deterioration."""

    max_before_last: FloatArray
    det_before_last: BoolArray
    max_any: FloatArray
    det_any: BoolArray


def summarise(points: PointMatrices) -> EpisodeSummary:
    width = points.margin.shape[1]
    sessions = np.arange(1, width + 1)[None, :]
    before = points.evaluated & (sessions < points.last_session[:, None])
    anywhere = points.evaluated
    return EpisodeSummary(
        max_before_last=np.where(before, points.margin, -np.inf).max(axis=1, initial=-np.inf),
        det_before_last=np.asarray((points.d & before).any(axis=1), dtype=bool),
        max_any=np.where(anywhere, points.margin, -np.inf).max(axis=1, initial=-np.inf),
        det_any=np.asarray((points.d & anywhere).any(axis=1), dtype=bool),
    )


@dataclass
class Cohorts:
    """Which replayed episodes count for each figure (by position in the replay)."""

    failing: BoolArray  # finished, 3+ sessions, no reliable improvement
    deteriorated: BoolArray  # finished, 3+ sessions, reliable deterioration
    improved: BoolArray  # finished, reliable improvement


def cohorts(
    history: ServiceHistory, rows: IntArray, labels: Outcomes, points: PointMatrices
) -> Cohorts:
    ok = ~points.unevaluable
    finished = labels.finished[rows] & ok
    three = history.sessions_attended[rows] >= 3
    return Cohorts(
        failing=finished & three & ~labels.improved[rows],
        deteriorated=finished & three & labels.deteriorated[rows],
        improved=finished & labels.improved[rows],
    )


def rates_at(
    summary: EpisodeSummary, groups: Cohorts, shift: float | FloatArray
) -> dict[str, float]:
    """Return sensitivity, deterioration sensitivity and false-alarm rate.

    ``shift`` moves the boundary: 0 is as replayed, positive is stricter; an array
    gives each episode its own shift.
    """
    early = summary.det_before_last | (summary.max_before_last > shift)
    ever = summary.det_any | (summary.max_any > shift)

    def share(flag: BoolArray, cohort: BoolArray) -> float:
        return float(flag[cohort].mean()) if cohort.any() else float("nan")

    return {
        "sensitivity": share(early, groups.failing),
        "deterioration_sensitivity": share(early, groups.deteriorated),
        "false_alarm_rate": share(ever, groups.improved),
    }


def choose_shift(
    summary: EpisodeSummary, groups: Cohorts, target: float, bounds: tuple[float, float]
) -> tuple[float, bool]:
    """Return the smallest boundary shift whose false-alarm rate is at most ``target``.

    Also return whether the target could be met at all (reliable deterioration
    alone may already exceed it).
    """
    improved = groups.improved
    total = int(improved.sum())
    if total == 0:
        return bounds[1], False
    forced = int((summary.det_any & improved).sum())
    allowed = int(np.floor(target * total + 1e-9)) - forced
    values = np.sort(summary.max_any[improved & ~summary.det_any])
    values = values[np.isfinite(values)]
    if allowed < 0:
        return bounds[1], False
    if allowed >= values.size:
        return bounds[0], True
    shift = float(values[values.size - allowed - 1])
    return float(np.clip(shift, *bounds)), True
