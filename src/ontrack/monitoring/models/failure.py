"""The failure boundary: where past clients like this one mostly ended without reliable improvement.

For each measure a logistic regression, fitted on a service's finished courses,
gives the chance that a course ends without reliable improvement from what is
known at a session: how far the latest score lies from the expected course (in
spreads, from the curve or nearest-neighbour model), the change since intake and
the intake's elevation (both in reliable-change units), the session number, the
change since intake at the client's previous score (the intake itself at the
first progress point), and intake covariates (the other tracked measure's
elevation, WSAS, age, step; see ``COVARIATES``). The intake's elevation also
interacts with the change, the distance from expected and the previous change
(the same shortfall means something different to a client who started at 25
and one who started just over the cut-off), with squares of the elevation and
of log session for curvature. One questionnaire is a noisy reading, so the
previous score tells the model whether a poor score is a blip or a pattern.
Everything but the latest score is known before it, and the latest score is
only ever multiplied by such terms, so the chance stays linear in the latest
score and the boundary is still one score: the score
at which that chance reaches the calibrated threshold. Because the chance rises
with the score, a score beyond the boundary means "on course to end without
reliable improvement" (Lambert's red signal: predicted treatment failure; Finch,
Lambert & Schaalje 2001).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ontrack.monitoring.facts import MeasureFacts
from ontrack.monitoring.models.base import FEATURES, FloatArray

FAILURE_FEATURES = (
    "excess",
    "change",
    "elevation",
    "log_session",
    "change_x_log",
    "excess_x_log",
    "previous_change",
    "previous_change_x_log",
    "change_x_elevation",
    "excess_x_elevation",
    "elevation_sq",
    "log_session_sq",
    "previous_change_x_elevation",
)
# Bundles fitted before the previous score and the interactions with the intake's
# elevation were used: read with those coefficients 0.
LEGACY_FEATURES = FAILURE_FEATURES[:6]
# Intake covariates (names from models.base.FEATURES) that shift the chance of failure:
# each enters with its value (the training mean where missing) and a missing flag. The
# IMD decile is left out on purpose: deprivation should not move anyone's boundary.
COVARIATES = ("other", "wsas", "age", "step")
_COVARIATE_INDEX = tuple(FEATURES.index(name) for name in COVARIATES)
# Evidence from the course so far (ADR 0126), known before the latest score:
# - best_change: the change since intake at the client's best earlier score (the intake
#   itself if none was better), in reliable-change units; with ``change`` it gives how far
#   the latest score has fallen back from the best so far (a relapse);
# - missed: ln(1 + appointments missed or cancelled by the client before this session).
# - exposure: 1 in the exposure phase of CBT for an anxiety problem (``exposure.py``),
#   where symptoms may rise before they fall; with exposure_x_excess (the distance from
#   expected in that phase) the model learns how much a rise then means.
EVIDENCE = ("best_change", "missed", "exposure", "exposure_x_excess")
EVIDENCE_INPUTS = EVIDENCE[:3]  # the columns callers pass; the interaction is made here
NO_EVIDENCE = (0.0, 0.0, 0.0)  # the intake is the best, nothing missed, not in exposure


def covariate_columns(features: FloatArray, fill: tuple[float, ...]) -> FloatArray:
    """Return [..., 2 * len(COVARIATES)]: each covariate (``fill`` where missing), then flags.

    ``features`` is [..., len(FEATURES)] intake features.
    """
    raw = np.asarray(features, dtype=np.float64)[..., list(_COVARIATE_INDEX)]
    missing = np.isnan(raw)
    values = np.where(missing, np.asarray(fill, dtype=np.float64), raw)
    return np.concatenate([values, missing.astype(np.float64)], axis=-1)


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
    coef: tuple[float, ...]  # in FAILURE_FEATURES order; the legacy six are padded with 0
    intercept: float
    rows: int
    # Empty, or 2 * len(COVARIATES) coefficients (values, then missing flags) and the
    # training means that fill a missing covariate.
    covariate_coef: tuple[float, ...] = ()
    covariate_fill: tuple[float, ...] = ()
    # Empty, or one coefficient per EVIDENCE name.
    evidence_coef: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if len(self.coef) == len(LEGACY_FEATURES):
            padding = (0.0,) * (len(FAILURE_FEATURES) - len(LEGACY_FEATURES))
            object.__setattr__(self, "coef", (*self.coef, *padding))
        if len(self.coef) != len(FAILURE_FEATURES):
            raise ValueError(
                f"a failure model needs {len(FAILURE_FEATURES)} coefficients, got {len(self.coef)}"
            )
        if self.covariate_coef and (
            len(self.covariate_coef) != 2 * len(COVARIATES)
            or len(self.covariate_fill) != len(COVARIATES)
        ):
            raise ValueError(
                f"a failure model needs {2 * len(COVARIATES)} covariate coefficients and "
                f"{len(COVARIATES)} fill values, got {len(self.covariate_coef)} and "
                f"{len(self.covariate_fill)}"
            )
        if self.evidence_coef and len(self.evidence_coef) != len(EVIDENCE):
            raise ValueError(
                f"a failure model needs {len(EVIDENCE)} evidence coefficients, "
                f"got {len(self.evidence_coef)}"
            )

    def evidence_term(self, evidence: FloatArray | None) -> FloatArray | float:
        """Return the course evidence's part of the linear predictor.

        ``evidence`` is [..., len(EVIDENCE)] (see ``EVIDENCE``); None is a client with
        no better score than the intake and nothing missed.
        """
        if not self.evidence_coef:
            return 0.0
        coef = np.asarray(self.evidence_coef[: len(EVIDENCE_INPUTS)], dtype=np.float64)
        if evidence is None:
            return float(coef @ np.asarray(NO_EVIDENCE))
        return np.asarray(np.asarray(evidence, dtype=np.float64) @ coef)

    def _exposure(self, evidence: FloatArray | None) -> FloatArray | float:
        """Return the exposure-phase flag times its interaction coefficient (0 if none)."""
        if not self.evidence_coef or evidence is None:
            return 0.0
        flag = np.asarray(evidence, dtype=np.float64)[..., EVIDENCE.index("exposure")]
        return np.asarray(self.evidence_coef[EVIDENCE.index("exposure_x_excess")] * flag)

    def covariate_term(self, features: FloatArray | None) -> FloatArray | float:
        """Return the intake covariates' part of the linear predictor.

        ``features`` is [..., len(FEATURES)]; None takes a client with every
        covariate at the training mean (used where no client is at hand).
        """
        if not self.covariate_coef:
            return 0.0
        coef = np.asarray(self.covariate_coef, dtype=np.float64)
        if features is None:
            return float(coef[: len(COVARIATES)] @ np.asarray(self.covariate_fill))
        return np.asarray(covariate_columns(features, self.covariate_fill) @ coef)

    def _parts(
        self,
        mean: FloatArray | float,
        sd: FloatArray | float,
        intake: FloatArray | float,
        facts: MeasureFacts,
        session: FloatArray | float,
        previous: FloatArray | float | None = None,
        features: FloatArray | None = None,
        evidence: FloatArray | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        """Return (a, b) with the linear predictor eta(y) = a + b * y.

        ``previous`` is the score before the latest one (the intake at the first
        progress point); None assumes it lay on the expected course, which is how a
        boundary is drawn ahead of scores not yet recorded. ``features`` are the
        client's intake features (see ``covariate_term``), shaped to broadcast.
        """
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
        before = mean_a if previous is None else np.asarray(previous, dtype=np.float64)
        previous_change = d * (intake_a - before) / change_rc
        a = (
            self.intercept
            + c[0] * excess_a
            + c[1] * change_a
            + c[2] * elevation
            + c[3] * lt
            + c[4] * change_a * lt
            + c[5] * excess_a * lt
            + c[6] * previous_change
            + c[7] * previous_change * lt
            + c[8] * change_a * elevation
            + c[9] * excess_a * elevation
            + c[10] * elevation**2
            + c[11] * lt**2
            + c[12] * previous_change * elevation
            + self.covariate_term(features)
            + self.evidence_term(evidence)
            + self._exposure(evidence) * excess_a
        )
        b = (
            self._exposure(evidence) * excess_b
            + c[0] * excess_b
            + c[1] * change_b
            + c[4] * change_b * lt
            + c[5] * excess_b * lt
            + c[8] * change_b * elevation
            + c[9] * excess_b * elevation
        )
        return np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)

    def logit_probability(
        self,
        y: FloatArray | float,
        mean: FloatArray | float,
        sd: FloatArray | float,
        intake: FloatArray | float,
        facts: MeasureFacts,
        session: FloatArray | float,
        previous: FloatArray | float | None = None,
        features: FloatArray | None = None,
        evidence: FloatArray | None = None,
    ) -> FloatArray:
        a, b = self._parts(mean, sd, intake, facts, session, previous, features, evidence)
        return np.asarray(a + b * np.asarray(y, dtype=np.float64), dtype=np.float64)

    def probability(
        self,
        y: FloatArray | float,
        mean: FloatArray | float,
        sd: FloatArray | float,
        intake: FloatArray | float,
        facts: MeasureFacts,
        session: FloatArray | float,
        previous: FloatArray | float | None = None,
        features: FloatArray | None = None,
        evidence: FloatArray | None = None,
    ) -> FloatArray:
        eta = self.logit_probability(
            y, mean, sd, intake, facts, session, previous, features, evidence
        )
        return np.atleast_1d(1.0 / (1.0 + np.exp(-eta)))

    def boundary(
        self,
        mean: float,
        sd: float,
        intake: float,
        facts: MeasureFacts,
        session: float,
        threshold: float,
        previous: float | None = None,
        features: FloatArray | None = None,
        evidence: FloatArray | None = None,
    ) -> float | None:
        """Return the score at which the chance of failure reaches ``threshold``.

        ``previous``, ``features`` and ``evidence`` as for ``_parts``. None when the
        fitted chance does not rise with a worse score here (no boundary).
        """
        a, b = self._parts(mean, sd, intake, facts, session, previous, features, evidence)
        slope = float(b) * facts.direction
        if slope <= 1e-9:
            return None
        return float((logit(threshold) - float(a)) / float(b))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "measure": self.measure,
            "features": list(FAILURE_FEATURES),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "rows": self.rows,
        }
        if self.evidence_coef:
            out["evidence"] = {"names": list(EVIDENCE), "coef": list(self.evidence_coef)}
        if self.covariate_coef:
            out["covariates"] = {
                "names": list(COVARIATES),
                "coef": list(self.covariate_coef),
                "fill": list(self.covariate_fill),
            }
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FailureModel:
        features = list(data["features"])
        if features not in (list(FAILURE_FEATURES), list(LEGACY_FEATURES)):
            raise ValueError("failure model features do not match this version of OnTrack")
        coef = tuple(float(x) for x in data["coef"])
        if len(coef) != len(features) or not all(math.isfinite(x) for x in coef):
            raise ValueError("failure model coefficients are damaged")
        covariates = data.get("covariates") or {}
        cov_coef: tuple[float, ...] = ()
        cov_fill: tuple[float, ...] = ()
        if covariates:
            if list(covariates["names"]) != list(COVARIATES):
                raise ValueError("failure model covariates do not match this version of OnTrack")
            cov_coef = tuple(float(x) for x in covariates["coef"])
            cov_fill = tuple(float(x) for x in covariates["fill"])
            if not all(math.isfinite(x) for x in (*cov_coef, *cov_fill)):
                raise ValueError("failure model covariate coefficients are damaged")
        evidence = data.get("evidence") or {}
        ev_coef: tuple[float, ...] = ()
        if evidence:
            if list(evidence["names"]) != list(EVIDENCE):
                raise ValueError("failure model evidence does not match this version of OnTrack")
            ev_coef = tuple(float(x) for x in evidence["coef"])
            if not all(math.isfinite(x) for x in ev_coef):
                raise ValueError("failure model evidence coefficients are damaged")
        return cls(
            str(data["measure"]),
            coef,
            float(data["intercept"]),
            int(data["rows"]),
            cov_coef,
            cov_fill,
            ev_coef,
        )


def failure_features(
    y: FloatArray,
    mean: FloatArray,
    sd: FloatArray,
    intake: FloatArray,
    facts: MeasureFacts,
    session: FloatArray,
    previous: FloatArray | None = None,
) -> FloatArray:
    """Return [rows, len(FAILURE_FEATURES)] features for fitting (same algebra as _parts).

    ``previous`` is each row's score before the latest (the intake at the first
    progress point); None assumes the expected course, as ``_parts`` does.
    """
    d = facts.direction
    rc = float(facts.reliable_change or 1.0)
    cut = float(facts.clinical_cutoff or 0.0)
    excess = d * (y - mean) / sd
    change = d * (intake - y) / rc
    elevation = d * (intake - cut) / rc
    lt = np.log(np.maximum(session, 1.0))
    before = mean if previous is None else previous
    previous_change = d * (intake - before) / rc
    return np.column_stack(
        [
            excess,
            change,
            elevation,
            lt,
            change * lt,
            excess * lt,
            previous_change,
            previous_change * lt,
            change * elevation,
            excess * elevation,
            elevation**2,
            lt**2,
            previous_change * elevation,
        ]
    )


def fit_failure(
    measure: str, features: FloatArray, failed: NDArray[np.bool_], *, max_rows: int = 60_000,
    seed: int = 0, intake: FloatArray | None = None, evidence: FloatArray | None = None,
) -> FailureModel:  # fmt: skip
    """Fit the failure model on (session, course) rows and whether the course failed.

    ``intake`` gives each row's intake features ([rows, len(FEATURES)]) to fit the
    covariates' coefficients too; without it the model has none.
    """
    from sklearn.linear_model import LogisticRegression

    if features.shape[0] < 50 or failed.all() or not failed.any():
        raise ValueError(f"too few finished courses to fit a failure boundary for {measure}")
    if features.shape[0] > max_rows:
        pick = np.random.default_rng(seed).choice(features.shape[0], max_rows, replace=False)
        features, failed = features[pick], failed[pick]
        intake = None if intake is None else intake[pick]
        evidence = None if evidence is None else evidence[pick]
    fill: tuple[float, ...] = ()
    design = features
    if intake is not None:
        raw = intake[:, list(_COVARIATE_INDEX)]
        seen = ~np.isnan(raw)
        fill = tuple(
            float(raw[seen[:, j], j].mean()) if seen[:, j].any() else 0.0
            for j in range(raw.shape[1])
        )
        design = np.column_stack([features, covariate_columns(intake, fill)])
    covariates_end = design.shape[1]
    if evidence is not None:
        exposure = evidence[:, EVIDENCE.index("exposure")] * features[:, 0]  # x excess
        design = np.column_stack([design, evidence, exposure])
    model = LogisticRegression(C=1.0, max_iter=200, solver="newton-cholesky")
    model.fit(design, failed.astype(np.int64))
    coef = tuple(float(x) for x in model.coef_[0])
    width = features.shape[1]
    return FailureModel(
        measure=measure,
        coef=coef[:width],
        intercept=float(model.intercept_[0]),
        rows=int(features.shape[0]),
        covariate_coef=coef[width:covariates_end],
        covariate_fill=fill,
        evidence_coef=coef[covariates_end:],
    )
