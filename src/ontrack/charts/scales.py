"""Scales: values, dates and categories to positions, and the ticks that label them.

Every scale clamps to its range, so nothing is drawn outside the plot area whatever the
data hold; a value beyond the scale sits on its edge (the table gives the exact number).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

STEPS = (1.0, 2.0, 2.5, 5.0)


def nice_step(span: float, most: int = 6) -> float:
    """Return 1, 2, 2.5 or 5 × a power of ten giving at most ``most`` intervals over ``span``.

    >>> nice_step(27), nice_step(1.0), nice_step(680)
    (5.0, 0.2, 200.0)
    """
    if span <= 0 or not math.isfinite(span):
        return 1.0
    power = 10.0 ** math.floor(math.log10(span / most))
    for multiple in (*STEPS, 10.0):
        if span / (multiple * power) <= most + 1e-9:  # 1.5000000000000002 is 1.5
            return multiple * power
    return 10.0 * power  # pragma: no cover - the loop always returns by 10 × power


def nice_ceiling(value: float) -> float:
    """Round an axis maximum up to 1, 2, 2.5 or 5 × a power of ten.

    >>> nice_ceiling(0), nice_ceiling(7), nice_ceiling(1234)
    (1.0, 10.0, 2000.0)
    """
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for multiple in (*STEPS, 10.0):
        if value <= multiple * power + 1e-9 * power:
            return multiple * power
    return 10.0 * power  # pragma: no cover


@dataclass(frozen=True)
class LinearScale:
    """Maps values in [low, high] to positions from ``start`` to ``end`` (either way round)."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        span = self.high - self.low
        if span <= 0:
            return (self.start + self.end) / 2
        fraction = min(max((value - self.low) / span, 0.0), 1.0)
        position = self.start + (self.end - self.start) * fraction
        # Rounding must not carry a point past the edge either.
        return min(max(position, min(self.start, self.end)), max(self.start, self.end))

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def ticks(self, most: int = 6) -> list[float]:
        """Return round values inside the scale, at most ``most`` + 1 of them."""
        step = nice_step(self.high - self.low, most)
        first = math.ceil(self.low / step - 1e-9) * step
        count = math.floor((self.high - first) / step + 1e-9) + 1
        return [round(first + i * step, 10) for i in range(max(count, 0))]


@dataclass(frozen=True)
class DateAxis:
    """Maps dates to x positions from ``left`` to ``right`` (shared by a page's charts)."""

    start: dt.date
    end: dt.date
    left: float = 64.0
    right: float = 744.0

    @classmethod
    def spanning(
        cls, dates: Iterable[dt.date], left: float = 64.0, right: float = 744.0
    ) -> DateAxis:
        """Return an axis over ``dates`` with four days' margin and at least four weeks."""
        days = sorted(dates)
        if not days:
            today = dt.date.today()
            return cls(today - dt.timedelta(days=7), today + dt.timedelta(days=7), left, right)
        start, end = days[0] - dt.timedelta(days=4), days[-1] + dt.timedelta(days=4)
        end = max(end, start + dt.timedelta(days=28))
        return cls(start, end, left, right)

    def x(self, day: dt.date) -> float:
        span = max((self.end - self.start).days, 1)
        offset = min(max((day - self.start).days, 0), span)
        return min(self.left + (self.right - self.left) * offset / span, self.right)

    def ticks(self) -> list[dt.date]:
        """Return tick dates on Mondays, every 1, 2 or 4 weeks depending on the span."""
        span = (self.end - self.start).days
        step = 7 if span <= 84 else 14 if span <= 196 else 28
        first = self.start + dt.timedelta(days=(7 - self.start.weekday()) % 7)
        return [
            first + dt.timedelta(days=d)
            for d in range(0, span + 1, step)
            if first + dt.timedelta(days=d) <= self.end
        ]


@dataclass(frozen=True)
class BandAxis:
    """Equal slots for categories (bars, months) from ``start`` to ``end``."""

    labels: Sequence[str]
    start: float
    end: float

    @property
    def slot(self) -> float:
        return (self.end - self.start) / max(len(self.labels), 1)

    def centre(self, index: int) -> float:
        return self.start + self.slot * (index + 0.5)

    def label_every(self, most: int) -> int:
        """Return n so that labelling every n-th slot shows at most ``most`` labels."""
        return max(1, -(-len(self.labels) // most))
