"""Measure definitions: the typed model of one questionnaire, read from a TOML data file.

Every number a definition carries (cut-off, reliable change, norms, missing-item rule) comes
from its file, where its source and verification status are written beside it. The scoring
engine (``scoring.py``) and the change rules (``change.py``) read only this model, so a service
adds a measure by adding a file (``docs/measures.md`` documents the format).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from ontrack.measures.errors import MeasureError


class Kind(StrEnum):
    """What a measure is for: outcome, alliance (session rating) or goals."""

    OUTCOME = "outcome"
    ALLIANCE = "alliance"
    GOALS = "goals"


class ScoringMethod(StrEnum):
    """How item scores become the total."""

    SUM = "sum"
    MEAN = "mean"  # item mean (Mobility Inventory, ARM-5, GBO); multiplier scales it (CORE-OM x10)


class MissingMethod(StrEnum):
    """What to do with a missing answer that the measure's rule tolerates."""

    NONE = "none"  # every answer is required
    PRORATE = "prorate"  # replace each missing item by the mean of the answered items


class CasenessRule(StrEnum):
    """Whether caseness is judged on the total or on any single item (IAPT phobia scales)."""

    TOTAL = "total"
    ANY_ITEM = "any_item"


# Named item-level algorithms implemented in ``scoring.py``; a file refers to one by name.
SCREENS = frozenset({"phq9_depression", "pcl5_dsm5", "phq15_somatic"})

_STATUS_RE = re.compile(r"^(unverified|confirmed: .+|computed: .+)$", re.DOTALL)


@dataclass(frozen=True)
class Item:
    """One question: its 1-based number, wording (only where the licence allows) and codes."""

    number: int
    text: str | None = None
    loinc: str | None = None


@dataclass(frozen=True)
class Band:
    """A severity band: totals from ``lower`` (inclusive) up to the next band's lower bound."""

    lower: float
    label: str


@dataclass(frozen=True)
class Norms:
    """Functional (non-clinical) and clinical population means and SDs, for criteria a, b, c."""

    functional_mean: float
    functional_sd: float
    clinical_mean: float
    clinical_sd: float
    source: str


@dataclass(frozen=True)
class Fhir:
    """FHIR/LOINC codes for a measure, where coding systems define them."""

    panel_loinc: str | None = None
    total_loinc: str | None = None
    total_snomed: str | None = None
    answer_list: str | None = None
    answer_codes: tuple[str, ...] = ()


@dataclass(frozen=True, repr=False)
class Measure:
    """One questionnaire as its definition file describes it.

    >>> from ontrack.measures import get_measure
    >>> m = get_measure("phq9")
    >>> (m.code, m.n_items, m.min, m.max, m.clinical_cutoff, m.reliable_change)
    ('PHQ-9', 9, 0, 27, 10.0, 6.0)
    >>> m.is_case(10), m.is_case(9)
    (True, False)
    """

    code: str
    name: str
    version: str
    kind: Kind
    construct: str
    source: str
    licence: str
    items: tuple[Item, ...]
    item_min: int
    item_max: int
    item_step: float = 1.0
    higher_is_better: bool = False
    attribution: str | None = None
    commercial_use: bool = True
    stem: str | None = None
    answer_labels: tuple[str, ...] = ()
    method: ScoringMethod = ScoringMethod.SUM
    multiplier: float = 1.0
    reverse_items: tuple[int, ...] = ()
    optional_items: tuple[int, ...] = ()
    max_missing: int = 0
    missing_method: MissingMethod = MissingMethod.NONE
    subscales: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    subscale_method: ScoringMethod = ScoringMethod.SUM
    clinical_cutoff: float | None = None
    cutoff_inclusive: bool = True
    caseness_rule: CasenessRule = CasenessRule.TOTAL
    bands: tuple[Band, ...] = ()
    fixed_reliable_change: float | None = None
    sd: float | None = None
    reliability: float | None = None
    norms: Norms | None = None
    risk_items: tuple[int, ...] = ()
    risk_at_least: float = 1.0
    screen: str | None = None
    aliases: tuple[str, ...] = ()
    fhir: Fhir = field(default_factory=Fhir)
    status: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    path: str | None = None

    def __repr__(self) -> str:
        return f"Measure({self.code!r}, {self.n_items} items, {self.path!r})"

    def __hash__(self) -> int:
        # The mappings (status, subscales) are not hashable; a definition is identified by its
        # code, version and file, so a Measure can key a cache or sit in a set.
        return hash((self.code, self.version, self.path))

    @property
    def n_items(self) -> int:
        """Number of items."""
        return len(self.items)

    @property
    def has_text(self) -> bool:
        """Whether the definition ships the item wording (its licence allows it)."""
        return all(item.text for item in self.items)

    @property
    def min(self) -> float:
        """Lowest possible total."""
        return self._scale(self.item_min)

    @property
    def max(self) -> float:
        """Highest possible total (all items answered)."""
        return self._scale(self.item_max)

    def _scale(self, item_value: int) -> float:
        if self.method is ScoringMethod.SUM:
            return _tidy(item_value * self.n_items * self.multiplier)
        return _tidy(item_value * self.multiplier)

    @property
    def jacobson_truax(self) -> float | None:
        """Jacobson–Truax raw-point threshold 1.96·S_diff from the file's SD and reliability."""
        if self.sd is None or self.reliability is None:
            return None
        return jacobson_truax_threshold(self.sd, self.reliability)

    @property
    def reliable_change(self) -> float | None:
        """Raw-point reliable-change threshold: the fixed NHS TT value, else Jacobson–Truax."""
        if self.fixed_reliable_change is not None:
            return self.fixed_reliable_change
        return self.jacobson_truax

    @property
    def reliable_change_inclusive(self) -> bool:
        """Whether a change exactly equal to the threshold counts as reliable.

        NHS TT fixed thresholds read "6 or more points"; Jacobson–Truax asks |RCI| > 1.96.
        """
        return self.fixed_reliable_change is not None

    def is_case(self, total: float) -> bool | None:
        """Say whether a total is in the clinical range; None when the measure has no cut-off.

        A total exactly at the cut-off is a case when ``cutoff_inclusive`` is true: PHQ-9
        ``>= 10``; ORS (higher is better) ``<= 25``. Measures whose caseness is judged per item
        (IAPT phobia scales) return None here; ``score`` judges them from the answers.

        >>> from ontrack.measures import get_measure
        >>> get_measure("GAD-7").is_case(8), get_measure("SRS").is_case(36)
        (True, False)
        """
        if self.clinical_cutoff is None or self.caseness_rule is not CasenessRule.TOTAL:
            return None
        return is_beyond(total, self.clinical_cutoff, self.cutoff_inclusive, self.higher_is_better)

    def band(self, total: float) -> str | None:
        """Name the severity band a total falls in, or None when the measure has no bands."""
        label: str | None = None
        for band in self.bands:
            if total >= band.lower:
                label = band.label
        return label


def is_beyond(value: float, cutoff: float, inclusive: bool, higher_is_better: bool) -> bool:
    """Say whether ``value`` lies on the clinical side of ``cutoff``."""
    if higher_is_better:
        return value <= cutoff if inclusive else value < cutoff
    return value >= cutoff if inclusive else value > cutoff


def jacobson_truax_threshold(sd: float, reliability: float) -> float:
    """Return 1.96 × S_diff, the smallest raw change that is reliable (Jacobson & Truax 1991).

    S_diff = SD × √2 × √(1 − r).

    >>> round(jacobson_truax_threshold(6.1, 0.89), 2)
    5.61
    """
    if not sd > 0:
        raise MeasureError(f"SD must be positive, got {sd}")
    if not 0 <= reliability < 1:
        raise MeasureError(f"reliability must be in [0, 1), got {reliability}")
    return 1.96 * sd * math.sqrt(2.0) * math.sqrt(1.0 - reliability)


def _tidy(value: float) -> float:
    """Return an int-valued float as written (27.0 → 27) so ranges print cleanly."""
    rounded = round(value, 9)
    return int(rounded) if rounded == int(rounded) else rounded


def check_status(path: Path, key: str, value: str) -> None:
    """Reject a verification status that is not "unverified", "confirmed: …" or "computed: …"."""
    if not _STATUS_RE.match(value):
        raise MeasureError(
            f"{path.name}: status of {key!r} must be 'unverified', 'confirmed: <source>' "
            f"or 'computed: <how>', got {value!r}"
        )
