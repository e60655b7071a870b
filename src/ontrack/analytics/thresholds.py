"""The thresholds the outcome flags need, taken once from the measures library.

NHS Talking Therapies pairs the PHQ-9 with an anxiety measure chosen by the problem
descriptor (reference §2.3). The cut-offs and reliable-change values live in
``ontrack.measures`` (one data file per measure, with its source); this module copies the few
numbers the analytics need into a small table so that the Ibis expressions, the pure-Python
reference and the documentation all read the same values and none is typed twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from ontrack.dataset import code_lists
from ontrack.measures import get_measure, nhstt

# Totals are compared at this many decimal places on every engine (see derive.py): enough
# for item-mean measures (Mobility Inventory) and exact for whole-number totals.
TOTAL_DECIMALS = 6
TOTAL_SCALE = 10**TOTAL_DECIMALS
# A total must fit below this bound once scaled, so that date and total share one integer key.
MAX_SCALED_TOTAL = 2**31


@dataclass(frozen=True)
class MeasureThreshold:
    """One measure's clinical cut-off and reliable-change threshold.

    ``cutoff_inclusive``: a total equal to the cut-off is a case (PHQ-9 ``>= 10``), else only
    beyond it (Mobility Inventory ``> 2.3``). ``higher_is_better`` flips both directions.
    """

    code: str
    cutoff: float
    cutoff_inclusive: bool
    reliable_change: float
    reliable_change_inclusive: bool
    higher_is_better: bool

    def is_case(self, total: float) -> bool:
        """Say whether ``total`` is on the clinical side of the cut-off.

        >>> Thresholds.nhs_talking_therapies().measure("PHQ-9").is_case(10)
        True
        """
        if self.higher_is_better:
            return total <= self.cutoff if self.cutoff_inclusive else total < self.cutoff
        return total >= self.cutoff if self.cutoff_inclusive else total > self.cutoff

    def reliable(self, first: float, last: float) -> str:
        """Return "improvement", "deterioration" or "none" for the change first → last.

        The 1e-9 tolerance matches ``ontrack.measures.reliable_change``.

        >>> Thresholds.nhs_talking_therapies().measure("GAD-7").reliable(12, 8)
        'improvement'
        """
        change = last - first
        size = abs(change)
        if self.reliable_change_inclusive:
            is_reliable = size >= self.reliable_change - 1e-9
        else:
            is_reliable = size > self.reliable_change + 1e-9
        if not is_reliable:
            return "none"
        towards_health = change if self.higher_is_better else -change
        return "improvement" if towards_health > 0 else "deterioration"


@dataclass(frozen=True)
class Thresholds:
    """The depression measure, the anxiety measure per problem descriptor, and thresholds.

    >>> t = Thresholds.nhs_talking_therapies()
    >>> t.depression, t.anxiety_for("F40.1"), t.anxiety_for(None)
    ('PHQ-9', 'SPIN', 'GAD-7')
    >>> t.measure("MI-ALONE").cutoff, t.measure("MI-ALONE").cutoff_inclusive
    (2.3, False)
    """

    depression: str
    default_anxiety: str
    anxiety_by_descriptor: tuple[tuple[str, str], ...]
    measures: tuple[MeasureThreshold, ...]

    @classmethod
    def nhs_talking_therapies(cls) -> Thresholds:
        """Build the table from ``ontrack.measures`` for every descriptor in the code list."""
        descriptors = sorted(code_lists()["problem_descriptor"])
        by_descriptor = tuple((d, nhstt.anxiety_measure_for(d)) for d in descriptors)
        codes = [nhstt.DEPRESSION_MEASURE, nhstt.DEFAULT_ANXIETY_MEASURE]
        codes += sorted({m for _, m in by_descriptor} - set(codes))
        return cls(
            depression=nhstt.DEPRESSION_MEASURE,
            default_anxiety=nhstt.DEFAULT_ANXIETY_MEASURE,
            anxiety_by_descriptor=tuple((d, m) for d, m in by_descriptor if m != codes[1]),
            measures=tuple(_threshold(code) for code in codes),
        )

    @property
    def codes(self) -> tuple[str, ...]:
        """Every measure used for outcomes: depression, default anxiety, then the ADSMs."""
        return tuple(m.code for m in self.measures)

    @property
    def adsm_codes(self) -> tuple[str, ...]:
        """The anxiety-disorder-specific measures (every anxiety measure but the default)."""
        return tuple(c for c in self.codes if c not in (self.depression, self.default_anxiety))

    def as_arrow(self) -> pa.Table:
        """The thresholds as a small table, joined into the Ibis expressions by measure."""
        return pa.table(
            {
                "measure": [m.code for m in self.measures],
                "cutoff": pa.array([m.cutoff for m in self.measures], pa.float64()),
                "cutoff_inclusive": [m.cutoff_inclusive for m in self.measures],
                "reliable_change": pa.array(
                    [m.reliable_change for m in self.measures], pa.float64()
                ),
                "reliable_change_inclusive": [m.reliable_change_inclusive for m in self.measures],
                "higher_is_better": [m.higher_is_better for m in self.measures],
            }
        )

    def measure(self, code: str) -> MeasureThreshold:
        """Return the thresholds of one measure."""
        for m in self.measures:
            if m.code == code:
                return m
        raise KeyError(f"no thresholds for measure {code!r}")

    def anxiety_for(self, problem_descriptor: str | None) -> str:
        """Return the anxiety measure NHS TT pairs with the PHQ-9 for this descriptor."""
        return dict(self.anxiety_by_descriptor).get(problem_descriptor or "", self.default_anxiety)


def _threshold(code: str) -> MeasureThreshold:
    m = get_measure(code)
    if m.clinical_cutoff is None or m.reliable_change is None:
        raise ValueError(f"{code} has no clinical cut-off or reliable-change threshold")
    if m.min < 0 or m.max * TOTAL_SCALE >= MAX_SCALED_TOTAL:
        # derive.py packs a day number and a scaled total into one integer
        raise ValueError(f"{code} totals {m.min}..{m.max} do not fit the analytics score key")
    return MeasureThreshold(
        code=m.code,
        cutoff=float(m.clinical_cutoff),
        cutoff_inclusive=m.cutoff_inclusive,
        reliable_change=float(m.reliable_change),
        reliable_change_inclusive=m.reliable_change_inclusive,
        higher_is_better=m.higher_is_better,
    )
