"""The reporting period every measure is counted in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis.expr.types as ir


@dataclass(frozen=True)
class Period:
    """A reporting period, inclusive at both ends; None means unbounded on that side.

    >>> Period(dt.date(2024, 4, 1), dt.date(2025, 3, 31)).label
    '2024-04-01 to 2025-03-31'
    """

    start: dt.date | None = None
    end: dt.date | None = None

    def contains(self, value: ir.DateValue) -> ir.BooleanValue:
        """Return a condition that is true (never null) when ``value`` falls in the period."""
        cond: ir.BooleanValue = value.notnull()
        if self.start is not None:
            cond = cond & (value >= self.start)
        if self.end is not None:
            cond = cond & (value <= self.end)
        return cond

    def includes(self, value: dt.date | None) -> bool:
        """Python twin of ``contains`` for the reference implementation."""
        if value is None:
            return False
        if self.start is not None and value < self.start:
            return False
        return not (self.end is not None and value > self.end)

    @property
    def label(self) -> str:
        """Human-readable period."""
        start = self.start.isoformat() if self.start else "the start of the data"
        end = self.end.isoformat() if self.end else "the end of the data"
        return f"{start} to {end}"
