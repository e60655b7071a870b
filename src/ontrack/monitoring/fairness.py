"""Validation figures beyond the headline: groups with intervals, early flags, relapses.

Used by ``validate`` (``ontrack validate --json``); definitions in docs/validation.md.
The client groups are those of the analytics breakdowns (NHS England's ethnic groups
and OnTrack's age bands); ``ontrack.analytics`` is not imported here because it pulls
in ibis, and a unit test keeps the two lists equal.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ontrack.monitoring.facts import MeasureFacts
from ontrack.monitoring.history import ServiceHistory

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
NOT_KNOWN = "not known"
# As ontrack.analytics.breakdowns.ETHNIC_GROUPS (NHS England's grouping).
ETHNIC_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("White", ("A", "B", "C")),
    ("Mixed", ("D", "E", "F", "G")),
    ("Asian or Asian British", ("H", "J", "K", "L")),
    ("Black or Black British", ("M", "N", "P")),
    ("Other ethnic groups", ("R", "S")),
)
NOT_STATED = "Not stated"
# As ontrack.analytics.breakdowns.AGE_BANDS.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("Under 18", 0, 17),
    ("18-25", 18, 25),
    ("26-35", 26, 35),
    ("36-45", 36, 45),
    ("46-55", 46, 55),
    ("56-64", 56, 64),
    ("65+", 65, 200),
)
# NHS Data Dictionary Person Stated Gender Code.
GENDERS = {"1": "Male", "2": "Female", "9": "Indeterminate", "X": "Not known"}
Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Return the Wilson score interval of a proportion (95% by default); None if n = 0.

    Wilson rather than the normal approximation because groups can be small and shares
    near 0 or 1, where the normal interval leaves [0, 1] or collapses to a point.

    >>> [round(v, 3) for v in wilson(8, 10)]
    [0.49, 0.943]
    """
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def share_with_interval(flag: BoolArray, cohort: BoolArray) -> dict[str, Any]:
    """Return the share of ``cohort`` that is ``flag``, its Wilson interval and the count."""
    n = int(cohort.sum())
    hits = int((flag & cohort).sum())
    interval = wilson(hits, n)
    return {
        "share": hits / n if n else None,
        "interval": [round(v, 4) for v in interval] if interval else None,
        "courses": n,
    }


def group_figures(
    labels: NDArray[np.object_],
    early: BoolArray,
    ever: BoolArray,
    failing: BoolArray,
    improved: BoolArray,
    overall: float | None,
) -> dict[str, dict[str, Any]]:
    """Return sensitivity and false-alarm rate with 95% intervals for each group label."""
    out: dict[str, dict[str, Any]] = {}
    for label in sorted({str(v) for v in labels.tolist()}):
        here = labels == label
        sens = share_with_interval(early, failing & here)
        false = share_with_interval(ever, improved & here)
        out[label] = {
            "sensitivity": sens["share"],
            "sensitivity_interval": sens["interval"],
            "false_alarm_rate": false["share"],
            "false_alarm_interval": false["interval"],
            "failing_courses": sens["courses"],
            "improved_courses": false["courses"],
            "gap_from_overall": (
                None if sens["share"] is None or overall is None else sens["share"] - overall
            ),
        }
    return out


def client_groups(history: ServiceHistory, rows: IntArray) -> dict[str, NDArray[np.object_]]:
    """Return each replayed referral's ethnic group, age band and gender, as text."""
    table = history.tables["referral"]
    n = rows.size

    def column(name: str) -> NDArray[np.object_]:
        if name not in table.column_names:
            return np.full(n, None, dtype=object)
        values = table.column(name).to_pandas().to_numpy(dtype=object)
        return np.asarray(values[rows], dtype=object)

    ethnic = np.full(n, NOT_STATED, dtype=object)
    codes = column("ethnicity")
    for label, members in ETHNIC_GROUPS:
        ethnic[np.isin(codes, members)] = label
    age = history.age[rows]
    band = np.full(n, NOT_KNOWN, dtype=object)
    for label, low, high in AGE_BANDS:
        band[(age >= low) & (age <= high)] = label
    gender_codes = column("gender")
    gender = np.array([GENDERS.get(str(c), NOT_KNOWN) for c in gender_codes], dtype=object)
    return {"by_ethnicity": ethnic, "by_age_band": band, "by_gender": gender}


def course_shapes(history: ServiceHistory, rows: IntArray) -> NDArray[np.object_] | None:
    """Return the simulator's ground-truth course shape of each row, or None without truth.

    The ``course_shape`` column where the truth table has it, else the trajectory class.
    """
    truth = history.truth
    if truth is None:
        return None
    for name in ("course_shape", "trajectory_class"):
        if name in truth.columns:
            values = truth[name].astype(object).to_numpy()[rows]
            return np.array(
                [NOT_KNOWN if pd.isna(v) else str(v) for v in values.tolist()], dtype=object
            )
    return None


def improved_before_last(
    history: ServiceHistory,
    facts: dict[str, MeasureFacts],
    intended: NDArray[np.object_],
    rows: IntArray,
) -> BoolArray:
    """Whether the PHQ-9 or the anxiety measure reliably improved on intake before the end.

    With a course that then ends without reliable improvement this is a relapse after
    an early improvement, read from the data alone (no simulator truth needed).
    """
    last = history.sessions_attended[rows]
    out = np.zeros(rows.size, dtype=bool)
    codes = {"PHQ-9", "GAD-7", *{str(c) for c in set(intended[rows].tolist())}}
    for code in sorted(codes):
        arrays = history.measure(code)
        f = facts.get(code)
        if arrays is None or f is None or not f.reliable_change:
            continue
        everyone = code in ("PHQ-9", "GAD-7")
        mine = np.ones(rows.size, dtype=bool) if everyone else intended[rows] == code
        y = arrays.by_session[rows, 1:]
        points = arrays.progress_mask()[rows, 1:]
        sessions = np.arange(1, y.shape[1] + 1)[None, :]
        better = (arrays.intake[rows][:, None] - y) * f.direction
        reliable = (
            better >= f.reliable_change
            if f.reliable_change_inclusive
            else (better > f.reliable_change)
        )
        hit = points & reliable & (sessions < last[:, None])
        out |= mine & hit.any(axis=1)
    return out


def lead_figures(first: IntArray, last: IntArray, cohort: BoolArray) -> dict[str, Any]:
    """Lead time (last session minus first flag) among the cohort's courses.

    Courses never flagged count in ``never_flagged`` and not in the median; a flag at
    the last session is a lead of 0.
    """
    flagged = cohort & (first > 0)
    lead = (last - first)[flagged]
    n = int(cohort.sum())
    return {
        "courses": n,
        "median_lead_sessions": float(np.median(lead)) if lead.size else None,
        "flagged_only_at_last_session": (float((lead == 0).mean()) if lead.size else None),
        "never_flagged": float((~flagged[cohort]).mean()) if n else None,
    }


def dropout_calibration(p: FloatArray, y: BoolArray, bins: int = 10) -> dict[str, Any]:
    """Calibration of the dropout model: intercept and slope, and observed by decile.

    Slope and intercept come from a logistic regression of the outcome on the logit
    of the predicted chance (1 and 0 when perfectly calibrated).
    """
    from sklearn.linear_model import LogisticRegression

    clipped = np.clip(p, 1e-6, 1 - 1e-6)
    x = np.log(clipped / (1 - clipped))[:, None]
    fit = LogisticRegression(C=1e6, max_iter=200).fit(x, y)
    edges = np.quantile(p, np.linspace(0, 1, bins + 1))
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    table = []
    for b in range(bins):
        here = which == b
        if here.any():
            table.append(
                {
                    "bin": b + 1,
                    "landmarks": int(here.sum()),
                    "mean_predicted": round(float(p[here].mean()), 4),
                    "observed_rate": round(float(y[here].mean()), 4),
                }
            )
    return {
        "slope": float(fit.coef_[0, 0]),
        "intercept": float(fit.intercept_[0]),
        "by_decile_of_prediction": table,
    }
