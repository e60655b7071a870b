"""Therapist effects: case-mix-adjusted recovery per therapist, shrunk, with intervals.

1. Case mix (in the engine). Finished courses at caseness are grouped into cells of
   baseline PHQ-9 severity band, anxiety caseness at the start, problem group, IMD quintile
   and age group. Each course's expected chance of recovery is its cell's recovery rate
   (smoothed: (recovered + ½) / (n + 1), so no cell predicts certainty). Per therapist the
   engine returns courses n, observed recoveries O, expected recoveries E = Σp and the
   binomial variance V = Σp(1 − p): indirect standardisation, as in NHS indicators.
2. Shrinkage (here). The raw effect (O − E)/n has sampling variance V/n². A random-effects
   model (Paule–Mandel between-therapist variance τ², as statsmodels ``combine_effects``)
   gives each therapist the empirical-Bayes estimate μ + B(raw − μ) with B = τ²/(τ² + v):
   a therapist with few courses is pulled almost all the way to the service mean, so a
   small caseload cannot look best or worst by chance. The 95% interval uses the posterior
   variance B·v + (1 − B)²·Var(μ).

A therapist is "above" or "below" expected only when the whole interval lies on one side
of the service mean. This is decision support for supervision, never a league table.
See docs/adr/0032-therapist-effects-empirical-bayes.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np

from ontrack.analytics.breakdowns import age_band
from ontrack.analytics.engines import Engine
from ontrack.analytics.period import Period

Z95 = 1.959963984540054
_DEPRESSION = ("F32", "F33")


@dataclass(frozen=True)
class TherapistEffect:
    """One therapist's case-mix-adjusted, shrunk recovery, on the rate scale (0-1)."""

    therapist_id: str
    courses: int
    recovered: int
    observed_rate: float
    expected_rate: float
    raw_effect: float
    effect: float  # shrunk difference from the service mean (rate scale)
    lower: float  # 95% interval of ``effect``
    upper: float
    adjusted_rate: float  # service rate + effect: what to plot
    adjusted_lower: float
    adjusted_upper: float
    service_rate: float
    shrinkage: float
    signal: str  # "above expected", "below expected" or "within expected range"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        # Every field is a plain str/int/float, so a copy of the instance dict is enough;
        # ``dataclasses.asdict`` recurses and took most of a second for ~10,000 therapists.
        return dict(vars(self))


def case_mix_summary(d: ir.Table, period: Period) -> ir.Table:
    """Return per therapist: courses, observed O, expected E and variance V (in-engine)."""
    finished = period.contains(d.end_date) & (d.n_treatment >= 2)
    pop = d.filter(finished & d.caseness & (d.therapist_idx > 0))
    severity = ibis.cases(
        (pop.dep_first < 10, "a"),
        (pop.dep_first < 15, "b"),
        (pop.dep_first < 20, "c"),
        else_="d",
    )
    problem = ibis.cases(
        (pop.problem_descriptor.isin(list(_DEPRESSION)), "dep"),
        (pop.problem_descriptor == "F41.1", "gad"),
        (pop.problem_descriptor == "F41.2", "mixed"),
        (pop.problem_descriptor.isnull(), "none"),
        else_="anx",
    )
    quintile = ((pop.imd_decile + 1) // 2).cast("string").fill_null("0")
    anxious = ibis.ifelse(pop.anx_case_first.fill_null(False), "y", "n")
    cell = severity.concat("|", anxious, "|", problem, "|", quintile, "|", age_band(pop.age))
    pop = pop.mutate(cell=cell, y=ibis.ifelse(pop.recovered, 1, 0).cast("int64"))
    cells = pop.group_by("cell").aggregate(cell_n=pop.count(), cell_y=pop.y.sum())
    cells = cells.rename(cell_key="cell")
    j = pop.join(cells, pop.cell == cells.cell_key)
    p = (j.cell_y.cast("float64") + 0.5) / (j.cell_n.cast("float64") + 1.0)
    j = j.mutate(p=p)
    return j.group_by("therapist_idx").aggregate(
        courses=j.count(),
        observed=j.y.sum(),
        expected=j.p.sum(),
        variance=(j.p * (1.0 - j.p)).sum(),
    )


def therapist_effects(
    engine: Engine, d: ir.Table, period: Period, therapists: list[str]
) -> list[TherapistEffect]:
    """Return every therapist's shrunk effect, best first (by adjusted rate)."""
    rows = engine.fetch(case_mix_summary(d, period))
    rows.sort(key=lambda r: int(r["therapist_idx"]))
    return shrink(
        [therapists[int(r["therapist_idx"]) - 1] for r in rows],
        np.array([int(r["courses"]) for r in rows], dtype=float),
        np.array([int(r["observed"]) for r in rows], dtype=float),
        np.array([float(r["expected"]) for r in rows]),
        np.array([float(r["variance"]) for r in rows]),
    )


def shrink(
    ids: list[str],
    n: np.ndarray,
    observed: np.ndarray,
    expected: np.ndarray,
    variance: np.ndarray,
) -> list[TherapistEffect]:
    """Empirical-Bayes estimates from per-therapist observed and expected counts.

    >>> n = np.array([200.0, 200.0, 200.0, 2.0])
    >>> effects = shrink(["good", "mid", "poor", "new"], n, np.array([140.0, 100.0, 60.0, 2.0]),
    ...                  n * 0.5, n * 0.25)
    >>> [e.therapist_id for e in effects]
    ['good', 'new', 'mid', 'poor']
    >>> [e.signal for e in effects]
    ['above expected', 'within expected range', 'within expected range', 'below expected']
    """
    if len(ids) == 0:
        return []
    raw = (observed - expected) / n
    v = np.maximum(variance, 1e-12) / n**2
    overall = float(observed.sum() / n.sum())
    if len(ids) >= 2:
        tau2 = paule_mandel_tau2(raw, v)
        w = 1.0 / (v + tau2)
        mu = float(w.dot(raw) / w.sum())
        var_mu = float(1.0 / w.sum())
    else:
        tau2, mu, var_mu = 0.0, 0.0, 0.0
    b = tau2 / (tau2 + v)
    effect = mu + b * (raw - mu)
    sd = np.sqrt(b * v + (1.0 - b) ** 2 * var_mu)
    out = []
    for i, tid in enumerate(ids):
        lower, upper = effect[i] - Z95 * sd[i], effect[i] + Z95 * sd[i]
        # On the rate scale the service mean is the observed rate of the whole population.
        shift = overall - mu
        signal = "within expected range"
        if sd[i] > 0 and lower > mu:
            signal = "above expected"
        elif sd[i] > 0 and upper < mu:
            signal = "below expected"
        out.append(
            TherapistEffect(
                therapist_id=tid,
                courses=int(n[i]),
                recovered=int(observed[i]),
                observed_rate=float(observed[i] / n[i]),
                expected_rate=float(expected[i] / n[i]),
                raw_effect=float(raw[i]),
                effect=float(effect[i] - mu),
                lower=float(lower - mu),
                upper=float(upper - mu),
                adjusted_rate=_clip(float(effect[i]) + shift),
                adjusted_lower=_clip(float(lower) + shift),
                adjusted_upper=_clip(float(upper) + shift),
                service_rate=overall,
                shrinkage=float(1.0 - b[i]),
                signal=signal,
            )
        )
    out.sort(key=lambda e: (-e.adjusted_rate, e.therapist_id))
    return out


def paule_mandel_tau2(
    effect: np.ndarray, variance: np.ndarray, *, atol: float = 1e-5, max_iter: int = 50
) -> float:
    """Between-therapist variance τ² by the Paule–Mandel iteration.

    The same estimating equation and update as statsmodels' ``combine_effects(...,
    method_re="iterated")`` (DerSimonian and Kacker 2007, appendix 8), which the tests
    compare it with. Written here because importing statsmodels (and SciPy with it) takes
    longer than the whole calculation: about a second of a national report.
    """
    k = effect.shape[0]
    tau2 = 0.0
    for _ in range(max_iter):
        w = 1.0 / (variance + tau2)
        mean = w.dot(effect) / w.sum()
        squared = (effect - mean) ** 2
        excess = float(w.dot(squared)) - (k - 1)
        if excess < 0:
            return 0.0
        if abs(excess) <= atol:
            break
        tau2 += excess / float((w**2).dot(squared))
    return max(tau2, 0.0)


def _clip(rate: float) -> float:
    return min(1.0, max(0.0, rate)) if math.isfinite(rate) else rate
