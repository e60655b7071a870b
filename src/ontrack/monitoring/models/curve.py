"""The curve model: y_t = (g00 + g01*y0) + (g10 + g11*y0)*ln(t), with a predictive SD per session.

Fixed effects come from least squares on every observation. The predictive SD
has the form a random intercept and slope on ln t implies (Finch, Lambert &
Schaalje 2001): sd_t^2 = var_u0 + ln(t)^2 var_u1 + 2 ln(t) cov + var_e, i.e. a
quadratic in ln t. Three ways to fit it:

- ``moments`` (default): least squares of the squared residuals on
  [1, ln t, ln(t)^2] over every observation; milliseconds, and what ``validate``
  uses in every fold;
- ``mixedlm``: statsmodels MixedLM (REML) on a sample of episodes; seconds per
  measure, so kept for ``ontrack calibrate --curve-method mixedlm``;
- ``empirical``: the SD of residuals at each session, pooled where sparse.

Where a method cannot be fitted the next one is used, and the bundle records which.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ontrack.monitoring.models.base import FloatArray

MAX_SESSIONS = 30  # spreads are stored for sessions 1..30; later sessions reuse the last


@dataclass(frozen=True)
class CurveModel:
    """Log-session growth curve conditioned on the intake score.

    >>> m = CurveModel("PHQ-9", 1.0, 0.8, -1.0, -0.1, (3.0, 3.5), "mixedlm", 100)
    >>> mean, sd = m.expect(np.array([16.0]), np.array([1.0, 2.0]))
    >>> [round(float(x), 2) for x in mean], [float(x) for x in sd]
    ([13.8, 12.0], [3.0, 3.5])
    """

    measure: str
    g00: float
    g01: float
    g10: float
    g11: float
    sd_by_session: tuple[float, ...]
    method: str
    episodes: int
    name: str = "curve"

    def _sd(self, sessions: FloatArray) -> FloatArray:
        sd = np.asarray(self.sd_by_session, dtype=np.float64)
        index = np.clip(sessions.astype(np.int64) - 1, 0, len(sd) - 1)
        return np.asarray(sd[index], dtype=np.float64)

    def expect(self, features: FloatArray, sessions: FloatArray) -> tuple[FloatArray, FloatArray]:
        intake = float(features[0])
        log_t = np.log(np.maximum(sessions, 1.0))
        mean = (self.g00 + self.g01 * intake) + (self.g10 + self.g11 * intake) * log_t
        return mean.astype(np.float64), self._sd(sessions)

    def expect_many(
        self,
        features: FloatArray,
        max_session: int,
        exclude: NDArray[np.intp] | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        del exclude  # the curve has no per-client reference rows
        intake = features[:, 0:1]
        sessions = np.arange(1, max_session + 1, dtype=np.float64)
        log_t = np.log(sessions)[None, :]
        mean = (self.g00 + self.g01 * intake) + (self.g10 + self.g11 * intake) * log_t
        sd = np.broadcast_to(self._sd(sessions)[None, :], mean.shape).copy()
        return mean, sd

    def to_json(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "g00": self.g00,
            "g01": self.g01,
            "g10": self.g10,
            "g11": self.g11,
            "sd_by_session": list(self.sd_by_session),
            "method": self.method,
            "episodes": self.episodes,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CurveModel:
        sds = tuple(float(x) for x in data["sd_by_session"])
        if not sds or not all(np.isfinite(sds)) or min(sds) <= 0:
            raise ValueError("sd_by_session must be positive finite numbers")
        coefs = [float(data[k]) for k in ("g00", "g01", "g10", "g11")]
        if not all(np.isfinite(coefs)):
            raise ValueError("curve coefficients must be finite")
        return cls(
            measure=str(data["measure"]),
            g00=coefs[0],
            g01=coefs[1],
            g10=coefs[2],
            g11=coefs[3],
            sd_by_session=sds,
            method=str(data["method"]),
            episodes=int(data["episodes"]),
        )


def _design(intake: FloatArray, sessions: FloatArray) -> FloatArray:
    log_t = np.log(sessions)
    return np.column_stack([np.ones_like(intake), intake, log_t, intake * log_t])


def _empirical_sd(residual: FloatArray, sessions: FloatArray) -> tuple[float, ...]:
    """Return the residual SD at each session 1..MAX_SESSIONS, pooling sparse sessions."""
    out: list[float] = []
    pooled = float(np.std(residual)) if residual.size else 1.0
    carry = pooled
    for t in range(1, MAX_SESSIONS + 1):
        at_t = residual[sessions == t]
        if at_t.size >= 30:
            carry = float(np.sqrt(np.mean(at_t**2)))
        out.append(max(carry, 1e-6))
    return tuple(out)


def _moment_sd(residual: FloatArray, sessions: FloatArray) -> tuple[float, ...] | None:
    """Fit sd_t^2 = a + b ln t + c ln(t)^2 to squared residuals (the mixed model's form)."""
    if residual.size < 30:
        return None
    log_t = np.log(sessions)
    design = np.column_stack([np.ones_like(log_t), log_t, log_t**2])
    coef, *_ = np.linalg.lstsq(design, residual**2, rcond=None)
    seen = int(min(np.max(sessions), MAX_SESSIONS))
    grid = np.log(np.minimum(np.arange(1, MAX_SESSIONS + 1, dtype=np.float64), seen))
    var = coef[0] + coef[1] * grid + coef[2] * grid**2
    floor = 0.1 * float(np.mean(residual**2))
    if not np.all(np.isfinite(var)) or floor <= 0:
        return None
    return tuple(float(x) for x in np.sqrt(np.maximum(var, floor)))


def _mixed_sd(
    episode: NDArray[np.int64],
    intake: FloatArray,
    sessions: FloatArray,
    score: FloatArray,
    max_episodes: int,
    seed: int,
) -> tuple[float, ...] | None:
    """Fit the random-intercept-and-slope model on a sample; None if it will not fit."""
    import pandas as pd
    import statsmodels.formula.api as smf

    episodes = np.unique(episode)
    if episodes.size < 20:
        return None
    rng = np.random.default_rng(seed)
    chosen = rng.choice(episodes, size=min(max_episodes, episodes.size), replace=False)
    keep = np.isin(episode, chosen)
    frame = pd.DataFrame(
        {
            "y": score[keep],
            "y0": intake[keep],
            "lt": np.log(sessions[keep]),
            "g": episode[keep],
        }
    )
    with warnings.catch_warnings():
        # Convergence chatter is judged below from the fitted values themselves.
        warnings.simplefilter("ignore")
        try:
            fit = smf.mixedlm("y ~ y0 * lt", frame, groups=frame["g"], re_formula="~lt").fit(
                method=["lbfgs"]
            )
        except (np.linalg.LinAlgError, ValueError):
            return None
    cov = np.asarray(fit.cov_re, dtype=np.float64)
    scale = float(fit.scale)
    if cov.shape != (2, 2) or not np.all(np.isfinite(cov)) or not np.isfinite(scale):
        return None
    log_t = np.log(np.arange(1, MAX_SESSIONS + 1, dtype=np.float64))
    var = cov[0, 0] + log_t**2 * cov[1, 1] + 2 * log_t * cov[0, 1] + scale
    if np.any(var <= 0):
        return None
    return tuple(float(x) for x in np.sqrt(var))


def fit_curve(
    measure: str,
    episode: NDArray[np.int64],
    intake: FloatArray,
    sessions: FloatArray,
    score: FloatArray,
    *,
    method: str = "moments",
    max_mixed_episodes: int = 600,
    seed: int = 0,
) -> CurveModel:
    """Fit the curve model from long-format observations after intake.

    Each row is one score of one episode at treatment session ``sessions`` (>= 1),
    with that episode's ``intake`` score.

    >>> rng = np.random.default_rng(1)
    >>> ep = np.repeat(np.arange(200), 5); t = np.tile(np.arange(1, 6), 200).astype(float)
    >>> y0 = np.repeat(rng.uniform(10, 25, 200), 5)
    >>> y = 0.9 * y0 - 2.0 * np.log(t) + rng.normal(0, 1, ep.size)
    >>> m = fit_curve("PHQ-9", ep, y0, t, y, method="empirical")
    >>> mean, sd = m.expect(np.array([20.0]), np.array([4.0]))
    >>> round(float(mean[0]), 1), round(float(sd[0]), 1)
    (15.2, 1.0)
    """
    if score.size < 10:
        raise ValueError(f"too few scores to fit a curve for {measure} ({score.size})")
    design = _design(intake, sessions)
    coefs, *_ = np.linalg.lstsq(design, score, rcond=None)
    residual = score - design @ coefs
    if method not in {"moments", "mixedlm", "empirical"}:
        raise ValueError(
            f"unknown curve method {method!r} (use 'moments', 'mixedlm' or 'empirical')"
        )
    sds: tuple[float, ...] | None = None
    used = method
    if method == "mixedlm":
        sds = _mixed_sd(episode, intake, sessions, score, max_mixed_episodes, seed)
        used = "mixedlm" if sds is not None else "moments"
    if sds is None and method != "empirical":
        sds = _moment_sd(residual, sessions)
        used = "moments" if sds is not None else "empirical"
    if sds is None:
        sds = _empirical_sd(residual, sessions)
        used = "empirical"
    return CurveModel(
        measure=measure,
        g00=float(coefs[0]),
        g01=float(coefs[1]),
        g10=float(coefs[2]),
        g11=float(coefs[3]),
        sd_by_session=sds,
        method=used,
        episodes=int(np.unique(episode).size),
    )
