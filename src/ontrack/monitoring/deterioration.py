"""Deterioration that holds: confirmed, and measured from the best score so far (ADR 0127).

One questionnaire is a noisy reading: a single score a reliable-change amount above intake
marked a course off track whatever else was known, and courses that swing week to week or
get worse before they get better (exposure work) spent most of the false-alarm budget that
way. Deterioration now counts when it is

- **confirmed**: two readings in a row each a reliable-change amount worse, or one reading
  ``wide`` reliable changes worse (too large to be noise); and
- measured **from intake and from the best score so far**: a client who improved and then
  lost it (a reliable change worse than their best, and no longer a reliable improvement on
  intake) has deteriorated even while still near where they started (relapse).

The same function serves the vectorised replay (many episodes) and ``assess_measure``
(one episode, passed as one row), so both read the rule identically.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ontrack.monitoring.facts import MeasureFacts

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class DeteriorationRule:
    """When a measure has deteriorated (see the module docstring).

    ``confirm`` 1 is the NHS TT single reading; ``wide`` in reliable-change units
    (``inf``: never on one reading unless ``confirm`` is 1); ``from_best`` also measures
    from the best earlier score.

    >>> DeteriorationRule(exposure_aware=False).describe().split(", ")[:2]
    ['two readings in a row a reliable change worse', 'or one 1.5 reliable changes worse']
    """

    confirm: int = 2
    wide: float = 1.5
    from_best: bool = False
    # In the exposure phase of CBT for an anxiety problem (``exposure.py``) a rise may
    # last two sessions before it falls: there two readings are not yet confirmation;
    # three in a row, or one ``wide`` reading, are.
    exposure_aware: bool = True

    def __post_init__(self) -> None:
        if self.confirm not in (1, 2):
            raise ValueError(f"confirm must be 1 or 2 readings, got {self.confirm}")
        if not self.wide >= 1.0:
            raise ValueError(f"wide must be at least one reliable change, got {self.wide}")

    def describe(self) -> str:
        if self.confirm == 1:
            text = "one reading a reliable change worse"
        else:
            text = "two readings in a row a reliable change worse"
            if self.exposure_aware:
                text += " (three in the exposure phase of CBT for anxiety)"
            if math.isfinite(self.wide):
                text += f", or one {self.wide:g} reliable changes worse"
        where = "from intake or from the best score so far" if self.from_best else "from intake"
        return f"{text}, {where}"


SINGLE_READING = DeteriorationRule(confirm=1, wide=math.inf, from_best=False, exposure_aware=False)
DEFAULT_RULE = DeteriorationRule()


@dataclass(frozen=True)
class Deterioration:
    """Per point: deteriorated by the rule, and from where ([k, S] arrays)."""

    any: BoolArray  # deteriorated by the rule
    from_intake: BoolArray  # ... measured from intake
    from_best: BoolArray  # ... measured from the best earlier score (not from intake)
    best: FloatArray  # the best earlier score (the intake where none was better)


def _reliable(worse: FloatArray, facts: MeasureFacts, times: float = 1.0) -> BoolArray:
    rc = float(facts.reliable_change or 0.0)
    if rc <= 0:
        return np.zeros(worse.shape, dtype=bool)
    if facts.reliable_change_inclusive:
        return np.asarray(worse >= times * rc - 1e-9, dtype=bool)
    return np.asarray(worse > times * rc, dtype=bool)


def _previous(flag: BoolArray, points: BoolArray) -> BoolArray:
    """Return, at each point, the flag at the previous point (False at the first)."""
    index = np.where(points, np.arange(points.shape[1])[None, :], -1)
    latest = np.maximum.accumulate(index, axis=1)
    before = np.full(points.shape, -1, dtype=np.int64)
    before[:, 1:] = latest[:, :-1]
    taken = np.take_along_axis(flag, np.maximum(before, 0), axis=1)
    return np.asarray((before >= 0) & taken, dtype=bool)


def deterioration(
    y: FloatArray,
    points: BoolArray,
    intake: FloatArray,
    facts: MeasureFacts,
    rule: DeteriorationRule,
    exposure: BoolArray | None = None,
) -> Deterioration:
    """Apply the rule at every progress point.

    ``y`` and ``points`` are [k, S] scores and progress points at sessions 1..S (one
    score per session), ``intake`` is [k]; ``exposure`` [k, S] marks sessions in the
    exposure phase.
    """
    d = facts.direction
    worse = np.where(points, d * (y - intake[:, None]), np.nan)
    # Best earlier score, as worse-than-intake (<= 0 where one beat the intake).
    running = np.fmin.accumulate(np.where(points, worse, np.inf), axis=1)
    best_before = np.zeros(y.shape)
    best_before[:, 1:] = np.minimum(running[:, :-1], 0.0)
    from_best = worse - best_before
    single_i = points & _reliable(np.nan_to_num(worse, nan=-np.inf), facts)
    # From the best so far only once the gains are lost: no longer a reliable improvement
    # on intake (a client still well below intake who has a worse week has not relapsed).
    improved_now = _reliable(np.nan_to_num(-worse, nan=-np.inf), facts)
    single_b = points & _reliable(np.nan_to_num(from_best, nan=-np.inf), facts) & ~improved_now
    if not rule.from_best:
        single_b = np.zeros_like(single_b)
    if rule.confirm == 1:
        by_intake, by_best = single_i, single_b
    else:
        wide = rule.wide
        twice = single_i & _previous(single_i, points)
        if rule.exposure_aware and exposure is not None:
            thrice = twice & _previous(twice, points)
            twice = np.where(exposure, thrice, twice)
        by_intake = twice | (single_i & _reliable(np.nan_to_num(worse, nan=-np.inf), facts, wide))
        by_best = single_b & (
            _previous(single_b, points)
            | _reliable(np.nan_to_num(from_best, nan=-np.inf), facts, wide)
        )
    best_score = intake[:, None] + d * best_before
    return Deterioration(
        any=np.asarray(by_intake | by_best, dtype=bool),
        from_intake=np.asarray(by_intake, dtype=bool),
        from_best=np.asarray(by_best & ~by_intake, dtype=bool),
        best=np.asarray(best_score, dtype=np.float64),
    )
