"""The service dashboard's counts, kept per referral and per month so a page only adds them.

Every count is a sum of per-referral contributions, and each family of counts belongs to
the month of its own date (``measures.py``). So each referral's contributions can be kept
by month (``referral_cells``), a service's totals kept per month and breakdown group as
referrals change (``add_cells``), and the measures of any run of whole months rebuilt from
those totals alone (``dashboard_report``): the same ``Report`` that ``ontrack report`` builds,
shaped by the same code, with rates from ``measures.compute_rates``.

The contributions come from the reference implementation (``reference.referral_facts`` and
``reference.monthly_counts``, one referral at a time), which the tests hold every engine of
``ontrack report`` to; nothing here restates a definition. The snapshot family (waiting list,
open referrals without contact) is taken on one day, not summed over months, so it is not
kept here.

>>> from ontrack.synth import simulate
>>> cells = referral_cells(simulate(referrals=30, seed=4))
>>> totals = add_cells({}, cells)
>>> report = dashboard_report(rows_of(totals))
>>> report.overall["referrals"]
30
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from ontrack.analytics.breakdowns import OVERALL
from ontrack.analytics.measures import FAMILY_COUNTS, measures_from_counts
from ontrack.analytics.period import Period
from ontrack.analytics.reference import group_of, monthly_counts, referral_facts
from ontrack.analytics.report import Report, _shape
from ontrack.analytics.thresholds import Thresholds

# The breakdowns the dashboard shows (the report's names and groups).
DIMENSIONS = ("imd_decile", "ethnic_group", "age_band", "gender")
# Counts summed over months; the snapshot family is counted on one day instead.
SUMMED = tuple(
    name
    for family in ("referral", "access", "second", "ending", "contact")
    for name in FAMILY_COUNTS[family]
)
# Tables each referral's rows are taken from (all keyed by ``referral_id``).
PER_REFERRAL = ("contact", "score", "goal_rating", "homework", "alert")

Row = dict[str, Any]
Key = tuple[str, str, str]  # month ("YYYY-MM"), dimension, group
Totals = dict[Key, dict[str, int]]


@dataclass(frozen=True)
class ReferralCells:
    """One referral's groups (one per dimension) and its contributions by month."""

    referral_id: str
    groups: dict[str, str]
    months: dict[str, dict[str, int]]

    def contributions(self) -> Iterable[tuple[Key, dict[str, int]]]:
        """Each (month, dimension, group) this referral adds to, with what it adds."""
        for month, counts in self.months.items():
            yield (month, OVERALL, OVERALL), counts
            for dimension, group in self.groups.items():
                yield (month, dimension, group), counts


def referral_cells(
    tables: Mapping[str, pa.Table] | Mapping[str, list[Row]],
    thresholds: Thresholds | None = None,
) -> list[ReferralCells]:
    """Return each referral's cells from canonical tables (Arrow tables or lists of rows)."""
    th = thresholds or Thresholds.nhs_talking_therapies()
    rows = {
        name: t.to_pylist() if isinstance(t, pa.Table) else list(t) for name, t in tables.items()
    }
    own: dict[str, dict[str, list[Row]]] = defaultdict(lambda: defaultdict(list))
    for name in PER_REFERRAL:
        for row in rows.get(name, []):
            own[row["referral_id"]][name].append(row)
    out = []
    for referral in rows["referral"]:
        mine = own.get(referral["referral_id"], {})
        sub = {name: mine.get(name, []) for name in PER_REFERRAL}
        sub["referral"] = [referral]
        (facts,) = referral_facts(sub, th, Period(), [])
        months = {
            month: {name: n for name, n in counts.items() if n and name in SUMMED}
            for month, counts in monthly_counts([facts], sub, Period(), th).items()
        }
        groups = {dim: group_of(dim, facts, []) for dim in DIMENSIONS}
        out.append(ReferralCells(referral["referral_id"], groups, months))
    return out


def add_cells(totals: Totals, cells: Iterable[ReferralCells], sign: int = 1) -> Totals:
    """Add (``sign=1``) or take away (``sign=-1``) referrals' cells to ``totals``; return it."""
    for cell in cells:
        for key, counts in cell.contributions():
            bucket = totals.setdefault(key, {})
            for name, n in counts.items():
                bucket[name] = bucket.get(name, 0) + sign * n
    return totals


def rows_of(totals: Totals) -> list[tuple[str, str, str, dict[str, int]]]:
    """The totals as (month, dimension, group, counts) rows, as a table stores them."""
    return [(m, d, g, counts) for (m, d, g), counts in sorted(totals.items())]


def month_bounds(start: str | None, end: str | None) -> Period:
    """The period from the first day of month ``start`` to the last day of month ``end``.

    >>> month_bounds("2024-04", "2025-03").label
    '2024-04-01 to 2025-03-31'
    """
    first = dt.date.fromisoformat(f"{start}-01") if start else None
    last = None
    if end:
        year, month = (int(part) for part in end.split("-"))
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        last = following - dt.timedelta(days=1)
    return Period(first, last)


def dashboard_report(
    rows: Sequence[tuple[str, str, str, Mapping[str, int]]],
    start: str | None = None,
    end: str | None = None,
    thresholds: Thresholds | None = None,
) -> Report:
    """Build the report of months ``start`` to ``end`` ("YYYY-MM", inclusive) from totals.

    Only the counts kept here are filled in (not the snapshot family, therapist effects,
    alerts or the published tables); the rest of the report is as ``ontrack report`` gives it.
    """
    summed: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(SUMMED, 0))
    monthly: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SUMMED, 0))
    for month, dimension, group, counts in rows:
        if (start and month < start) or (end and month > end):
            continue
        bucket = summed[(dimension, group)]
        for name, n in counts.items():
            bucket[name] += n
        if dimension == OVERALL:
            for name, n in counts.items():
                monthly[month][name] += n
    engine_rows = [
        {"dimension": d, "group": g, **c} for (d, g), c in summed.items() if any(c.values())
    ]
    overall, breakdowns = _shape(engine_rows, [], {})
    breakdowns = {name: breakdowns[name] for name in DIMENSIONS}
    breakdowns["month"] = [
        {"group": m, "label": m, **measures_from_counts(c)}
        for m, c in sorted(monthly.items())
        if any(c.values())
    ]
    th = thresholds or Thresholds.nhs_talking_therapies()
    return Report(month_bounds(start, end), "dashboard", th, overall, breakdowns, [], None)
