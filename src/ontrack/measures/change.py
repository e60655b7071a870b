"""Reliable and clinically significant change (Jacobson & Truax 1991) between two totals.

NHS Talking Therapies uses fixed raw-point thresholds (PHQ-9 6, GAD-7 4, ADSM values); other
measures use 1.96 × S_diff from their definition file's SD and reliability. Direction follows
the measure: for higher-is-better measures (ORS, SRS, ReQoL, WAI-SR, GBO) a rise is improvement.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Literal

from ontrack.measures.definition import Measure, Norms, is_beyond
from ontrack.measures.errors import MeasureError
from ontrack.measures.registry import resolve

Reliable = Literal["improvement", "deterioration", "none"]


class ChangeCategory(StrEnum):
    """Jacobson–Truax outcome categories, as in the ``clinicalsignificance`` R package.

    - recovered: reliable improvement, starting in the clinical range and ending outside it;
    - improved: reliable improvement without that crossing;
    - unchanged: no reliable change;
    - deteriorated: reliable deterioration without crossing into the clinical range;
    - harmed: reliable deterioration, starting outside the clinical range and ending in it.
    """

    RECOVERED = "recovered"
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    DETERIORATED = "deteriorated"
    HARMED = "harmed"


@dataclass(frozen=True)
class ChangeResult:
    """Change from the first to the last total on one measure.

    ``category`` is None when no clinical cut-off applies (no cut-off given and none in the
    definition).
    """

    measure: str
    first: float
    last: float
    change: float
    threshold: float
    reliable: Reliable
    rci: float | None
    cutoff: float | None
    clinical_at_first: bool | None
    clinical_at_last: bool | None
    category: ChangeCategory | None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        out = asdict(self)
        out["category"] = None if self.category is None else self.category.value
        return out


@dataclass(frozen=True)
class CutoffCriteria:
    """Jacobson–Truax clinically significant change cut-offs a, b and c."""

    a: float  # 2 SD beyond the clinical mean, towards health
    b: float  # 2 SD from the functional mean, towards illness
    c: float  # the point equally far (in SDs) from both means


def reliable_change(
    measure: str | Measure,
    first: float,
    last: float,
    *,
    threshold: float | None = None,
    cutoff: float | None = None,
    criterion: Literal["a", "b", "c"] | None = None,
) -> ChangeResult:
    """Classify the change from ``first`` to ``last`` total.

    ``threshold`` overrides the measure's reliable-change threshold; ``cutoff`` (or a
    ``criterion`` computed from the definition's norms) overrides its clinical cut-off for
    the recovered/harmed categories.

    >>> r = reliable_change("PHQ-9", 16, 9)
    >>> r.change, r.threshold, r.reliable, r.category.value
    (-7.0, 6.0, 'improvement', 'recovered')
    >>> reliable_change("PHQ-9", 9, 16).category.value
    'harmed'
    """
    m = resolve(measure)
    first_v, last_v = _check_total(m, "first", first), _check_total(m, "last", last)
    limit, inclusive = _threshold(m, threshold)
    change = last_v - first_v
    towards_health = -change if not m.higher_is_better else change
    # The small tolerance keeps 6.0000000001 - 0.0000000001 style float noise from
    # flipping an exactly-at-threshold change (0.1-step VAS totals).
    size = abs(change)
    is_reliable = size >= limit - 1e-9 if inclusive else size > limit + 1e-9
    verdict: Reliable = "none"
    if is_reliable:
        verdict = "improvement" if towards_health > 0 else "deterioration"

    rci = None
    if m.sd is not None and m.reliability is not None:
        s_diff = m.sd * math.sqrt(2.0) * math.sqrt(1.0 - m.reliability)
        rci = round(change / s_diff, 6) if s_diff > 0 else None

    cut, cut_inclusive = _cutoff(m, cutoff, criterion)
    at_first = at_last = None
    category = None
    if cut is not None:
        at_first = is_beyond(first_v, cut, cut_inclusive, m.higher_is_better)
        at_last = is_beyond(last_v, cut, cut_inclusive, m.higher_is_better)
        category = _category(verdict, at_first, at_last)
    return ChangeResult(
        measure=m.code,
        first=first_v,
        last=last_v,
        change=round(change, 6),
        threshold=limit,
        reliable=verdict,
        rci=rci,
        cutoff=cut,
        clinical_at_first=at_first,
        clinical_at_last=at_last,
        category=category,
    )


def cutoff_criteria(norms: Norms, *, higher_is_better: bool = False) -> CutoffCriteria:
    """Compute Jacobson–Truax cut-offs a, b and c from functional and clinical norms.

    >>> from ontrack.measures import get_measure
    >>> round(cutoff_criteria(get_measure("CORE-10").norms).c, 2)
    10.46
    """
    sign = -1.0 if higher_is_better else 1.0
    a = norms.clinical_mean - sign * 2 * norms.clinical_sd
    b = norms.functional_mean + sign * 2 * norms.functional_sd
    c = (norms.clinical_sd * norms.functional_mean + norms.functional_sd * norms.clinical_mean) / (
        norms.clinical_sd + norms.functional_sd
    )
    return CutoffCriteria(a=a, b=b, c=c)


def _category(verdict: Reliable, clinical_first: bool, clinical_last: bool) -> ChangeCategory:
    if verdict == "improvement":
        if clinical_first and not clinical_last:
            return ChangeCategory.RECOVERED
        return ChangeCategory.IMPROVED
    if verdict == "deterioration":
        if not clinical_first and clinical_last:
            return ChangeCategory.HARMED
        return ChangeCategory.DETERIORATED
    return ChangeCategory.UNCHANGED


def _threshold(m: Measure, threshold: float | None) -> tuple[float, bool]:
    if threshold is not None:
        if isinstance(threshold, bool) or not threshold > 0 or not math.isfinite(threshold):
            raise MeasureError(f"reliable-change threshold must be a positive number, got "
                               f"{threshold!r}")  # fmt: skip
        return float(threshold), True
    if m.reliable_change is None:
        raise MeasureError(
            f"{m.code} has no reliable-change threshold (its definition gives neither a fixed "
            "value nor an SD and reliability)"
        )
    return float(m.reliable_change), m.reliable_change_inclusive


def _cutoff(
    m: Measure, cutoff: float | None, criterion: Literal["a", "b", "c"] | None
) -> tuple[float | None, bool]:
    if cutoff is not None and criterion is not None:
        raise MeasureError("give a cut-off or a criterion, not both")
    if cutoff is not None:
        return _check_total(m, "cut-off", cutoff), m.cutoff_inclusive
    if criterion is not None:
        if m.norms is None:
            raise MeasureError(f"{m.code} has no norms in its definition, so no criterion "
                               f"{criterion}")  # fmt: skip
        criteria = cutoff_criteria(m.norms, higher_is_better=m.higher_is_better)
        if criterion not in ("a", "b", "c"):
            raise MeasureError(f"criterion must be 'a', 'b' or 'c', got {criterion!r}")
        # A score exactly on a computed criterion is an edge of measure zero; count it clinical.
        return round(getattr(criteria, criterion), 6), True
    if m.clinical_cutoff is None or m.is_case(m.clinical_cutoff) is None:
        return None, True
    return m.clinical_cutoff, m.cutoff_inclusive


def _check_total(m: Measure, what: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MeasureError(f"{m.code} {what} total: {value!r} is not a number")
    if not m.min <= value <= m.max:
        raise MeasureError(f"{m.code} {what} total: {value:g} is out of range {m.min}..{m.max}")
    return float(value)
