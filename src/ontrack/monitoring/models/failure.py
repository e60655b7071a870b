"""The failure boundary: where past clients like this one mostly ended without reliable improvement.

For each measure a logistic regression, fitted on a service's finished courses,
gives the chance that a course ends without reliable improvement from what is
known at a session: how far the latest score lies from the expected course (in
spreads, from the curve or nearest-neighbour model), the change since intake and
the intake's elevation (both in reliable-change units), and the session number.
The failure boundary is the score at which that chance reaches the calibrated
threshold; because the chance rises with the score, a score beyond the boundary
means "on course to end without reliable improvement" (Lambert's red signal:
predicted treatment failure; Finch, Lambert & Schaalje 2001).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ontrack.monitoring.facts import MeasureFacts
from ontrack.monitoring.models.base import FloatArray

FAILURE_FEATURES = ("excess", "change", "elevation", "log_session", "change_x_log", "excess_x_log")


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


@dataclass(frozen=True)
class FailureModel:
    """Chance of ending without reliable improvement, from the position at one session.

    >>> from ontrack.monitoring.facts import MeasureFacts
    >>> phq9 = MeasureFacts("PHQ-9", 10, True, 6, False)
    >>> m = FailureModel("PHQ-9", (0.5, -1.0, 0.0, 0.0, 0.0, 0.0), 0.0, 100)
    >>> round(float(m.probability(12.0, 12.0, 4.0, 18.0, phq9, 3)[0]), 3)
    0.269
    >>> round(m.boundary(12.0, 4.0, 18.0, phq9, 3, 0.5), 2)
    15.43
    """

    measure: str
    coef: tuple[float, ...]
    intercept: float
    rows: int

    def _parts(
        self,
        mean: FloatArray | float,
        sd: FloatArray | float,
        intake: FloatArray | float,
        facts: MeasureFacts,
        session: FloatArray | float,
    ) -> tuple[FloatArray, FloatArray]:
        """Return (a, b) with the linear predictor eta(y) = a + b * y."""
        change_rc = float(facts.reliable_change or 1.0)
        cut = float(facts.clinical_cutoff or 0.0)
        d = facts.direction
        mean_a = np.asarray(mean, dtype=np.float64)
        sd_a = np.asarray(sd, dtype=np.float64)
        intake_a = np.asarray(intake, dtype=np.float64)
        lt = np.log(np.maximum(np.asarray(session, dtype=np.float64), 1.0))
        c = self.coef
        # excess = d (y - mean) / sd; change = d (intake - y) / rc;
        # elevation = d (intake - cut) / rc; each is a + b * y.
        excess_a, excess_b = -d * mean_a / sd_a, d / sd_a
        change_a, change_b = d * intake_a / change_rc, -d / change_rc
        elevation = d * (intake_a - cut) / change_rc
        a = (
            self.intercept
            + c[0] * excess_a
            + c[1] * change_a
            + c[2] * elevation
            + c[3] * lt
            + c[4] * change_a * lt
            + c[5] * excess_a * lt
        )
        b = c[0] * excess_b + c[1] * change_b + c[4] * change_b * lt + c[5] * excess_b * lt
        return np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)

    def logit_probability(
        self,
        y: FloatArray | float,
        mean: FloatArray | float,
        sd: FloatArray | float,
        intake: FloatArray | float,
        facts: MeasureFacts,
        session: FloatArray | float,
    ) -> FloatArray:
        a, b = self._parts(mean, sd, intake, facts, session)
        return np.asarray(a + b * np.asarray(y, dtype=np.float64), dtype=np.float64)

    def probability(
        self,
        y: FloatArray | float,
        mean: FloatArray | float,
        sd: FloatArray | float,
        intake: FloatArray | float,
        facts: MeasureFacts,
        session: FloatArray | float,
    ) -> FloatArray:
        eta = self.logit_probability(y, mean, sd, intake, facts, session)
        return np.atleast_1d(1.0 / (1.0 + np.exp(-eta)))

    def boundary(
        self,
        mean: float,
        sd: float,
        intake: float,
        facts: MeasureFacts,
        session: float,
        threshold: float,
    ) -> float | None:
        """Return the score at which the chance of failure reaches ``threshold``.

        None when the fitted chance does not rise with a worse score here (no boundary).
        """
        a, b = self._parts(mean, sd, intake, facts, session)
        slope = float(b) * facts.direction
        if slope <= 1e-9:
            return None
        return float((logit(threshold) - float(a)) / float(b))

    def to_json(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "features": list(FAILURE_FEATURES),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "rows": self.rows,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FailureModel:
        if list(data["features"]) != list(FAILURE_FEATURES):
            raise ValueError("failure model features do not match this version of OnTrack")
        coef = tuple(float(x) for x in data["coef"])
        if len(coef) != len(FAILURE_FEATURES) or not all(math.isfinite(x) for x in coef):
            raise ValueError("failure model coefficients are damaged")
        return cls(str(data["measure"]), coef, float(data["intercept"]), int(data["rows"]))


def failure_features(
    y: FloatArray,
    mean: FloatArray,
    sd: FloatArray,
    intake: FloatArray,
    facts: MeasureFacts,
    session: FloatArray,
) -> FloatArray:
    """Return [rows, len(FAILURE_FEATURES)] features for fitting (same algebra as _parts)."""
    d = facts.direction
    rc = float(facts.reliable_change or 1.0)
    cut = float(facts.clinical_cutoff or 0.0)
    excess = d * (y - mean) / sd
    change = d * (intake - y) / rc
    elevation = d * (intake - cut) / rc
    lt = np.log(np.maximum(session, 1.0))
    return np.column_stack([excess, change, elevation, lt, change * lt, excess * lt])


def fit_failure(
    measure: str, features: FloatArray, failed: NDArray[np.bool_], *, max_rows: int = 60_000,
    seed: int = 0,
) -> FailureModel:  # fmt: skip
    """Fit the failure model on (session, course) rows and whether the course failed."""
    from sklearn.linear_model import LogisticRegression

    if features.shape[0] < 50 or failed.all() or not failed.any():
        raise ValueError(f"too few finished courses to fit a failure boundary for {measure}")
    if features.shape[0] > max_rows:
        pick = np.random.default_rng(seed).choice(features.shape[0], max_rows, replace=False)
        features, failed = features[pick], failed[pick]
    model = LogisticRegression(C=1.0, max_iter=200, solver="newton-cholesky")
    model.fit(features, failed.astype(np.int64))
    return FailureModel(
        measure=measure,
        coef=tuple(float(x) for x in model.coef_[0]),
        intercept=float(model.intercept_[0]),
        rows=int(features.shape[0]),
    )
