"""Therapist report cards: per therapist and problem domain, case-mix-adjusted change
against expected, shrunk towards the service mean, with an interval and a label.

1. *Cases.* A closed case (two or more attended treatment contacts) counts in the domain of
   its recorded problem (``domains.domain_for``) when that domain's measure was at caseness
   at the start, and in work and social functioning when the WSAS was 10 or more.
2. *Expected change.* Per domain, ordinary least squares of the change (first minus last
   score, so improvement is positive) on what was known at the start: the domain measure,
   PHQ-9, GAD-7 and WSAS, age, employment, IMD decile (unknown as its own term) and earlier
   referrals. Deprivation is adjusted *for* so that therapists who work in deprived areas
   are not marked down for it; nothing here changes what a client is offered.
3. *Effect.* Each case's residual is divided by the domain's residual SD (so a therapist's
   effect is in SD units of unexplained change, comparable across domains); a therapist's
   raw effect is the mean over their cases, with sampling variance 1/n.
4. *Shrinkage.* Between-therapist variance tau^2 by the DerSimonian-Laird moment estimator;
   each raw effect is shrunk by B = tau^2 / (tau^2 + 1/n) towards the service mean (0), with
   posterior SD sqrt(B/n), and a 95% interval. A therapist with few cases sits near the mean.
5. *Label.* From at least ``MIN_CASES`` closed cases in the domain (the Match trial's rule):
   *effective* when the whole interval is above the mean, *ineffective* when below,
   otherwise *neutral*; with fewer, "not enough cases yet".

A tool for the therapist's development with their supervisor; never shown to clients and
never a league table (the CLI prints one therapist or a service's cards, in therapist
order, not ranked).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from ontrack.matching.cases import load_cases, measure_column
from ontrack.matching.domains import DOMAIN_LABEL, DOMAIN_MEASURE, DOMAINS, FUNCTIONING_CASENESS
from ontrack.measures import get_measure

MIN_CASES: Final = 15
# Width of the interval that decides a label (two-sided 95%, as the service report's
# therapist effects; 90% labelled more pairs but too many planted-neutral ones effective).
Z_LABEL: Final = 1.959963984540054
NOT_ENOUGH: Final = "not enough cases yet"
LABELS: Final = ("effective", "neutral", "ineffective", NOT_ENOUGH)


@dataclass(frozen=True)
class Card:
    """One therapist in one domain."""

    therapist_id: str
    domain: str
    cases: int
    observed_change: float  # mean change on the domain measure, points (positive = better)
    expected_change: float  # mean case-mix-expected change, points
    raw_effect: float  # mean standardised residual (SD units)
    effect: float  # shrunk towards the service mean (0)
    lower: float
    upper: float
    effect_points: float  # ``effect`` in points of the domain measure
    shrinkage: float
    label: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(vars(self))

    @property
    def in_words(self) -> str:
        """The card in one sentence."""
        domain = DOMAIN_LABEL[self.domain]
        if self.label == NOT_ENOUGH:
            return f"{domain}: not enough cases yet ({self.cases} of {MIN_CASES})"
        direction = "more" if self.effect_points >= 0 else "less"
        return (
            f"{domain}: {self.label} - clients improved {abs(self.effect_points):.1f} points "
            f"{direction} than expected on the {DOMAIN_MEASURE[self.domain]} "
            f"({self.cases} closed cases)"
        )


def _elevated(measure: str, first: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """At caseness on the measure at the start (WSAS: ``FUNCTIONING_CASENESS`` or more)."""
    definition = get_measure(measure)
    cutoff = FUNCTIONING_CASENESS if measure == "WSAS" else definition.clinical_cutoff
    if cutoff is None:
        return ~np.isnan(first)
    with np.errstate(invalid="ignore"):
        inclusive = measure == "WSAS" or definition.cutoff_inclusive
        return np.asarray(first >= cutoff if inclusive else first > cutoff, dtype=bool)


def _numeric(series: pd.Series) -> npt.NDArray[np.float64]:
    return np.asarray(pd.to_numeric(series, errors="coerce"), dtype=np.float64)


def case_mix_features(cases: pd.DataFrame, measure: str) -> npt.NDArray[np.float64]:
    """The case-mix design matrix (intercept first) for changes on ``measure``."""
    columns: list[npt.NDArray[np.float64]] = [np.ones(len(cases))]
    for stem in dict.fromkeys((measure_column(measure), "phq9", "gad7", "wsas")):
        values = _numeric(cases[f"{stem}_first"])
        missing = np.isnan(values)
        fill = float(np.nanmean(values)) if (~missing).any() else 0.0
        columns += [
            np.asarray(np.where(missing, fill, values), dtype=np.float64),
            missing.astype(np.float64),
        ]
    age = _numeric(cases["age"])
    columns.append(np.asarray(np.where(np.isnan(age), 40.0, age), dtype=np.float64))
    employed = cases["employed"].astype(str).str.lower().isin(("true", "1", "yes"))
    columns.append(np.asarray(employed, dtype=np.float64))
    imd = _numeric(cases["imd_decile"])
    columns += [
        np.asarray(np.where(np.isnan(imd), 5.5, imd), dtype=np.float64),
        np.isnan(imd).astype(np.float64),
    ]
    columns.append((cases["earlier_referrals"].to_numpy() > 0).astype(np.float64))
    return np.column_stack(columns)


def least_squares(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Least-squares coefficients by the normal equations (many rows, few columns: far
    faster than an SVD), with a tiny ridge so a constant column cannot make it singular."""
    gram = x.T @ x
    gram[np.diag_indices_from(gram)] += 1e-9 * max(float(np.trace(gram)), 1.0)
    return np.asarray(np.linalg.solve(gram, x.T @ y), dtype=np.float64)


def domain_cases(cases: pd.DataFrame, domain: str) -> npt.NDArray[np.bool_]:
    """Which cases count in a domain's report card."""
    measure = DOMAIN_MEASURE[domain]
    stem = measure_column(measure)
    first = _numeric(cases[f"{stem}_first"])
    last = _numeric(cases[f"{stem}_last"])
    member = cases["domain"].to_numpy() == domain if domain != "functioning" else True
    elevated = _elevated(measure, first)
    return np.asarray(
        cases["finished"].to_numpy()
        & (cases["therapist_index"].to_numpy() >= 0)
        & member
        & ~np.isnan(first)
        & ~np.isnan(last)
        & elevated,
        dtype=bool,
    )


def _tau2(means: npt.NDArray[np.float64], counts: npt.NDArray[np.float64]) -> float:
    """DerSimonian-Laird between-therapist variance (sampling variance 1/n, weights n)."""
    if len(means) < 2:
        return 0.0
    total = counts.sum()
    centre = float((counts * means).sum() / total)
    q = float((counts * (means - centre) ** 2).sum())
    denominator = total - float((counts**2).sum()) / total
    return max(0.0, (q - (len(means) - 1)) / denominator) if denominator > 0 else 0.0


def cards_for_domain(
    cases: pd.DataFrame, domain: str, therapist_ids: npt.NDArray[np.object_]
) -> list[Card]:
    """Every therapist's card in one domain (therapists with at least one case)."""
    mask = domain_cases(cases, domain)
    if mask.sum() < 3:
        return []
    sub = cases[mask]
    stem = measure_column(DOMAIN_MEASURE[domain])
    change = _numeric(sub[f"{stem}_first"]) - _numeric(sub[f"{stem}_last"])
    x = case_mix_features(sub, DOMAIN_MEASURE[domain])
    coef = least_squares(x, change)
    expected = x @ coef
    residual = change - expected
    sd = float(residual.std(ddof=min(x.shape[1], len(residual) - 1))) or 1.0
    z = residual / sd
    who = sub["therapist_index"].to_numpy()
    present, inverse = np.unique(who, return_inverse=True)
    counts = np.bincount(inverse).astype(np.float64)
    means = np.bincount(inverse, weights=z) / counts
    observed = np.bincount(inverse, weights=change) / counts
    expected_mean = np.bincount(inverse, weights=expected) / counts
    tau2 = _tau2(means, counts)
    shrink = tau2 / (tau2 + 1.0 / counts)
    effect = shrink * means
    half = Z_LABEL * np.sqrt(shrink / counts)
    cards = []
    for i, therapist in enumerate(present):
        n = int(counts[i])
        lower, upper = float(effect[i] - half[i]), float(effect[i] + half[i])
        if n < MIN_CASES:
            label = NOT_ENOUGH
        elif lower > 0:
            label = "effective"
        elif upper < 0:
            label = "ineffective"
        else:
            label = "neutral"
        cards.append(
            Card(
                therapist_id=str(therapist_ids[therapist]),
                domain=domain,
                cases=n,
                observed_change=round(float(observed[i]), 3),
                expected_change=round(float(expected_mean[i]), 3),
                raw_effect=round(float(means[i]), 4),
                effect=round(float(effect[i]), 4),
                lower=round(lower, 4),
                upper=round(upper, 4),
                effect_points=round(float(effect[i]) * sd, 3),
                shrinkage=round(float(shrink[i]), 4),
                label=label,
            )
        )
    return cards


def report_cards(cases: pd.DataFrame, therapist_ids: npt.NDArray[np.object_]) -> list[Card]:
    """Every therapist's card in every domain with at least one of their cases."""
    cards: list[Card] = []
    for domain in DOMAINS:
        cards.extend(cards_for_domain(cases, domain, therapist_ids))
    cards.sort(key=lambda c: (c.therapist_id, DOMAINS.index(c.domain)))
    return cards


def report_cards_for(tables: Mapping[str, pa.Table]) -> list[Card]:
    """Report cards for a canonical dataset."""
    cases = load_cases(tables)
    ids = np.asarray(
        tables["therapist"].column("therapist_id").to_numpy(zero_copy_only=False), dtype=object
    )
    return report_cards(cases, ids)


def cards_document(cards: list[Card]) -> dict[str, Any]:
    """The report cards as one JSON-ready object (what ``ontrack report-cards --json``
    prints and ``ONTRACK_REPORT_CARDS`` names)."""
    return {
        "min_cases": MIN_CASES,
        "audience": "the therapist and their supervisor; not for clients",
        "cards": [c.to_dict() for c in cards],
    }


def effect_matrix(
    cards: list[Card], therapist_ids: npt.NDArray[np.object_]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Shrunk effects and case counts as therapists x DOMAINS arrays (0 where no card)."""
    index = {str(t): i for i, t in enumerate(therapist_ids)}
    effect = np.zeros((len(therapist_ids), len(DOMAINS)))
    cases = np.zeros((len(therapist_ids), len(DOMAINS)))
    for card in cards:
        row = index.get(card.therapist_id)
        if row is not None:
            effect[row, DOMAINS.index(card.domain)] = card.effect
            cases[row, DOMAINS.index(card.domain)] = card.cases
    return effect, cases
