"""Dropout risk: a logistic regression on what the record shows so far.

Features (all known at the time of the evaluation): missed and cancelled
appointments, whether the last appointment was missed and how many in a row, whether
the latest contact was attended, sessions attended (with the first session and none
yet marked: most dropping out happens after the first), high-intensity care, the first
and latest alliance ratings, early and recent change, waiting time, age and
deprivation (ADR 0128). Fitted
by ``calibrate`` on a service's own history with scikit-learn; only the
coefficients are kept, so a prediction is one dot product.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ontrack.monitoring.models.base import FloatArray

DROPOUT_FEATURES = (
    "missed",  # appointments missed without warning so far
    "cancelled",  # appointments the client cancelled so far
    "last_missed",  # 1 if the latest appointment was missed
    "sessions",  # treatment sessions attended so far
    "alliance_first",  # first alliance rating as a share of the scale maximum (0-1)
    "alliance_missing",  # 1 if no alliance rating yet
    "early_change",  # improvement since intake on the first tracked measure, reliable-change units
    "wait_weeks",  # weeks from referral to first attended appointment
    "age",
    "imd",  # IMD decile, 1 = most deprived
    "imd_missing",
    # ADR 0128: the course so far, as the record shows it.
    "missed_in_a_row",  # latest appointments missed in a row (provider cancellations skipped)
    "session_one",  # 1 if exactly one treatment session attended so far
    "no_session",  # 1 if no treatment session attended yet
    "log_sessions",  # ln(1 + treatment sessions attended)
    "high_intensity",  # 1 if the latest treatment session was high-intensity (step 3)
    "alliance_latest",  # latest alliance rating as a share of the scale maximum (0 if none)
    "alliance_change",  # latest minus first alliance rating, as a share of the scale maximum
    "recent_change",  # improvement from the previous to the latest score, reliable-change units
    "last_attended",  # 1 if the latest contact was attended
)
# Bundles fitted before ADR 0128 have the first eleven; the rest read with coefficient 0.
LEGACY_DROPOUT_FEATURES = DROPOUT_FEATURES[:11]


@dataclass(frozen=True)
class DropoutModel:
    """Standardised logistic regression; ``probability`` is the calibrated risk.

    >>> n = len(DROPOUT_FEATURES)
    >>> m = DropoutModel((0.0,) * n, (1.0,) * n, (1.0,) + (0.0,) * (n - 1), -1.0, {})
    >>> round(m.probability(np.array([1.0] + [0.0] * (n - 1))), 3)
    0.5
    """

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    quality: dict[str, float]

    def probability(self, features: FloatArray) -> float:
        return float(self.probabilities(features.reshape(1, -1))[0])

    def probabilities(self, features: FloatArray) -> FloatArray:
        mean = np.asarray(self.mean)
        scale = np.asarray(self.scale)
        z = ((features - mean) / scale) @ np.asarray(self.coef) + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(DROPOUT_FEATURES),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "quality": dict(self.quality),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DropoutModel:
        features = list(data["features"])
        if features not in (list(DROPOUT_FEATURES), list(LEGACY_DROPOUT_FEATURES)):
            raise ValueError("dropout model features do not match this version of OnTrack")
        values = {k: tuple(float(x) for x in data[k]) for k in ("mean", "scale", "coef")}
        if any(len(v) != len(features) for v in values.values()):
            raise ValueError("dropout model arrays have the wrong length")
        if not all(math.isfinite(x) for v in values.values() for x in v):
            raise ValueError("dropout model arrays are damaged")
        # A legacy model: the newer features enter with coefficient 0.
        extra = len(DROPOUT_FEATURES) - len(features)
        values["mean"] += (0.0,) * extra
        values["scale"] += (1.0,) * extra
        values["coef"] += (0.0,) * extra
        if min(values["scale"]) <= 0:
            raise ValueError("dropout model scales must be positive")
        return cls(
            mean=values["mean"],
            scale=values["scale"],
            coef=values["coef"],
            intercept=float(data["intercept"]),
            quality={str(k): float(v) for k, v in data.get("quality", {}).items()},
        )


def fit_dropout(
    features: FloatArray, dropped: NDArray[np.bool_], *, max_rows: int = 300_000, seed: int = 0
) -> DropoutModel:
    """Fit the dropout model on landmark rows (one per contact) and their outcome."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import brier_score_loss, roc_auc_score

    if features.shape[0] < 50 or dropped.all() or not dropped.any():
        raise ValueError("too few rows, or only one outcome, to fit a dropout model")
    rng = np.random.default_rng(seed)
    if features.shape[0] > max_rows:
        pick = rng.choice(features.shape[0], size=max_rows, replace=False)
        features, dropped = features[pick], dropped[pick]
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    model = LogisticRegression(C=1.0, max_iter=200, solver="newton-cholesky")
    model.fit((features - mean) / scale, dropped.astype(np.int64))
    fitted = DropoutModel(
        mean=tuple(float(x) for x in mean),
        scale=tuple(float(x) for x in scale),
        coef=tuple(float(x) for x in model.coef_[0]),
        intercept=float(model.intercept_[0]),
        quality={},
    )
    p = fitted.probabilities(features)
    quality = {
        "rows": float(features.shape[0]),
        "base_rate": float(dropped.mean()),
        "mean_predicted": float(p.mean()),
        "auc_training": float(roc_auc_score(dropped, p)),
        "brier_training": float(brier_score_loss(dropped, p)),
    }
    return DropoutModel(fitted.mean, fitted.scale, fitted.coef, fitted.intercept, quality)
