"""The few facts about a measure that monitoring needs, frozen into a model bundle.

A bundle records the cut-off, reliable-change threshold and direction it was
fitted with, so an evaluation never depends on a measure definition that changed
after calibration. ``facts_from_library`` reads them from ``ontrack.measures``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from ontrack.monitoring.errors import ModelNotFoundError


@dataclass(frozen=True)
class MeasureFacts:
    """Cut-off, reliable change and direction of one measure.

    >>> phq9 = MeasureFacts("PHQ-9", clinical_cutoff=10, cutoff_inclusive=True,
    ...                     reliable_change=6, higher_is_better=False)
    >>> phq9.is_case(10), phq9.is_case(9)
    (True, False)
    >>> phq9.worsening(12, 18)
    6.0
    """

    code: str
    clinical_cutoff: float | None
    cutoff_inclusive: bool
    reliable_change: float | None
    higher_is_better: bool
    # NHS TT fixed thresholds read "6 or more points"; Jacobson–Truax asks for more than.
    reliable_change_inclusive: bool = True
    # The scale's range; None reads it from ontrack.measures when it knows the measure
    # (bundles saved before the range was stored).
    minimum: float | None = None
    maximum: float | None = None

    def scale(self) -> tuple[float, float] | None:
        """Return the (lowest, highest) score the measure can take, if known."""
        if self.minimum is not None and self.maximum is not None:
            return (self.minimum, self.maximum)
        return _library_scale(self.code)

    def within_scale(self, value: float) -> float:
        """Return ``value`` clipped to the scale's range (a boundary drawn past the top
        of the scale is shown at the top: no score can lie beyond it).

        >>> MeasureFacts("PHQ-9", 10, True, 6, False, minimum=0, maximum=27).within_scale(27.2)
        27.0
        """
        scale = self.scale()
        if scale is None or not math.isfinite(value):
            return value
        return float(min(max(value, scale[0]), scale[1]))

    @property
    def direction(self) -> float:
        """Return +1 when a higher score is worse, -1 when it is better."""
        return -1.0 if self.higher_is_better else 1.0

    def is_case(self, total: float) -> bool:
        """Return whether ``total`` is on the clinical side of the cut-off."""
        if self.clinical_cutoff is None:
            return False
        cut = self.clinical_cutoff
        if self.higher_is_better:
            return total <= cut if self.cutoff_inclusive else total < cut
        return total >= cut if self.cutoff_inclusive else total > cut

    def worsening(self, first: float, later: float) -> float:
        """Return how much worse ``later`` is than ``first`` (negative = better)."""
        return float((later - first) * self.direction)

    def is_reliable(self, change: float) -> bool:
        """Return whether a change of ``change`` points (either sign) is reliable."""
        if not self.reliable_change:
            return False
        size = abs(change)
        if self.reliable_change_inclusive:
            return size >= self.reliable_change
        return size > self.reliable_change

    def elevation(self, total: float) -> float:
        """Return how far ``total`` lies past the cut-off, in reliable-change units.

        Positive means on the clinical side; used to compare measures on
        different scales (the focus check).
        """
        if self.clinical_cutoff is None or not self.reliable_change:
            return math.nan
        return (total - self.clinical_cutoff) * self.direction / self.reliable_change

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "clinical_cutoff": self.clinical_cutoff,
            "cutoff_inclusive": self.cutoff_inclusive,
            "reliable_change": self.reliable_change,
            "higher_is_better": self.higher_is_better,
            "reliable_change_inclusive": self.reliable_change_inclusive,
            "minimum": self.minimum,
            "maximum": self.maximum,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MeasureFacts:
        cutoff = data["clinical_cutoff"]
        change = data["reliable_change"]
        return cls(
            code=str(data["code"]),
            clinical_cutoff=None if cutoff is None else float(cutoff),
            cutoff_inclusive=bool(data["cutoff_inclusive"]),
            reliable_change=None if change is None else float(change),
            higher_is_better=bool(data["higher_is_better"]),
            reliable_change_inclusive=bool(data.get("reliable_change_inclusive", True)),
            minimum=_optional(data.get("minimum")),
            maximum=_optional(data.get("maximum")),
        )


def _optional(value: Any) -> float | None:
    return None if value is None else float(value)


@cache
def _library_scale(code: str) -> tuple[float, float] | None:
    from ontrack.measures import MeasureError, get_measure

    try:
        measure = get_measure(code)
    except (MeasureError, KeyError, LookupError, ValueError):
        return None
    low, high = getattr(measure, "min", None), getattr(measure, "max", None)
    if low is None or high is None:
        return None
    return (float(low), float(high))


def facts_from_library(code: str) -> MeasureFacts:
    """Read a measure's facts from ``ontrack.measures``.

    Raises ModelNotFoundError when the library does not know the measure.
    """
    from ontrack.measures import MeasureError, get_measure

    try:
        measure = get_measure(code)
    except (MeasureError, KeyError, LookupError, ValueError) as exc:
        raise ModelNotFoundError(f"measure {code!r} is not defined in ontrack.measures") from exc
    cutoff = getattr(measure, "clinical_cutoff", None)
    change = getattr(measure, "reliable_change", None)
    return MeasureFacts(
        code=str(getattr(measure, "code", code)),
        clinical_cutoff=None if cutoff is None else float(cutoff),
        cutoff_inclusive=bool(getattr(measure, "cutoff_inclusive", True)),
        reliable_change=None if change is None else float(change),
        higher_is_better=bool(getattr(measure, "higher_is_better", False)),
        reliable_change_inclusive=bool(getattr(measure, "reliable_change_inclusive", True)),
        minimum=_optional(getattr(measure, "min", None)),
        maximum=_optional(getattr(measure, "max", None)),
    )
