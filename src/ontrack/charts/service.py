"""The service's figures, drawn the same way in the HTML report and on the dashboard.

Each takes the plain values ``ontrack.analytics`` reports (``Report.to_dict()`` and
``key_measures``: funnel rows, deciles, months, therapist effects), suppressed or not: a
suppressed or missing figure is drawn as "n/a" and said as "–" in the table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ontrack.charts.bars import (
    Bar,
    Interval,
    Series,
    bar_chart,
    column_chart,
    interval_chart,
    line_chart,
)
from ontrack.charts.figure import Figure, percent

Row = Mapping[str, Any]
WAIT_BANDS = (
    ("waited_up_to_28_days", "0–28 days"),
    ("waited_29_to_56_days", "29–56"),
    ("waited_57_to_90_days", "57–90"),
    ("waited_over_90_days", "over 90"),
)
MIN_MONTH_FINISHED = 20  # a rate from fewer discharges swings too much to plot
MIN_MONTH_APPOINTMENTS = 100


def _count(value: Any) -> str:
    return "–" if value is None else f"{int(value):,}"


def _rate(value: float) -> str:
    return percent(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def funnel(rows: Sequence[Row]) -> Figure:
    """Everyone referred, followed to reliable recovery (intention to treat)."""
    bars = [
        Bar(
            str(r["stage"]),
            _float(r["count"]),
            f"{percent(r.get('itt_rate'))} of referred",
        )
        for r in rows
    ]
    first, last = (rows[0], rows[-1]) if rows else ({}, {})
    return bar_chart(
        ident="chart-funnel",
        title="Referral to recovery: intention-to-treat funnel",
        bars=bars,
        fmt=lambda v: f"{int(v):,}",
        columns=("Stage", "People"),
        description=(
            f"{_count(first.get('count'))} referred; {_count(last.get('count'))} "
            f"{last.get('stage', '')} ({percent(last.get('itt_rate'))} of everyone referred)."
        ),
    )


def recovery_by_decile(deciles: Mapping[str, Row]) -> Figure:
    """Recovery by Index of Multiple Deprivation decile, 1 the most deprived."""
    keys = sorted(deciles, key=int)
    bars = [Bar(k, _float(deciles[k].get("recovery_rate"))) for k in keys]
    known = [b for b in bars if b.value is not None]
    said = "; ".join(f"decile {b.label} {_rate(b.value)}" for b in known if b.value is not None)
    return column_chart(
        ident="chart-deciles",
        title="Recovery rate by IMD decile (1 = most deprived, 10 = least deprived)",
        bars=bars,
        fmt=_rate,
        maximum=1.0,
        x_title="IMD decile: 1 most deprived … 10 least deprived",
        columns=("Decile (1 = most deprived)", "Recovery"),
        description=f"Recovery by decile: {said or 'no finished courses'}.",
    )


def waits(data: Row) -> Figure:
    """Finished courses by wait from referral to first treatment."""
    finished = data.get("finished_course") or 0
    bars = [
        Bar(name, data[key] / finished if finished and data.get(key) is not None else None)
        for key, name in WAIT_BANDS
    ]
    said = "; ".join(f"{b.label} {'n/a' if b.value is None else _rate(b.value)}" for b in bars)
    return column_chart(
        ident="chart-waits",
        title="Wait from referral to first treatment (finished courses)",
        bars=bars,
        fmt=_rate,
        maximum=1.0,
        x_title="days waited",
        columns=("Days waited", "Share of finished courses"),
        description=f"Share of finished courses by days waited: {said}.",
    )


def _steady(row: Row, key: str, floor_key: str, floor: int) -> float | None:
    return _float(row.get(key)) if (row.get(floor_key) or 0) >= floor else None


def monthly_counts(rows: Sequence[Row]) -> Figure:
    """Referrals, entries to treatment and finished courses by month."""
    names = (
        ("referrals", "referrals"),
        ("entered_treatment", "entered treatment"),
        ("finished_course", "finished a course"),
    )
    series = [Series(name, tuple(_float(r.get(k)) for r in rows)) for k, name in names]
    return line_chart(
        ident="chart-month-counts",
        title="Referrals, entries and finished courses by month",
        labels=[str(r["group"]) for r in rows],
        series=series,
        fmt=lambda v: f"{round(v):,}",
        description=f"Counts for {len(rows)} months; the table lists each month.",
    )


def monthly_rates(rows: Sequence[Row]) -> Figure:
    """Outcome and wait rates by month, leaving out months with too few to be steady."""
    series = [
        Series(
            "recovery",
            tuple(_steady(r, "recovery_rate", "finished_course", MIN_MONTH_FINISHED) for r in rows),
        ),
        Series(
            "reliable improvement",
            tuple(
                _steady(r, "reliable_improvement_rate", "finished_course", MIN_MONTH_FINISHED)
                for r in rows
            ),
        ),
        Series(
            "within 6 weeks",
            tuple(
                _steady(r, "waited_6_weeks_rate", "finished_course", MIN_MONTH_FINISHED)
                for r in rows
            ),
        ),
        Series(
            "DNA rate",
            tuple(_steady(r, "dna_rate", "appointments", MIN_MONTH_APPOINTMENTS) for r in rows),
        ),
    ]
    return line_chart(
        ident="chart-month-rates",
        title=f"Rates by month (months with {MIN_MONTH_FINISHED}+ finished courses)",
        labels=[str(r["group"]) for r in rows],
        series=series,
        fmt=_rate,
        maximum=1.0,
        description=f"Rates for {len(rows)} months; months with too few courses are left "
        "out; the table lists each month.",
    )


def therapist_effects(effects: Sequence[Row]) -> Figure:
    """Case-mix-adjusted recovery by therapist with 95% intervals, against the service."""
    intervals = [
        Interval(
            f"{e['therapist_id']} ({_count(e['courses'])})",
            float(e["adjusted_rate"]),
            float(e["adjusted_lower"]),
            float(e["adjusted_upper"]),
            str(e.get("signal") or ""),
        )
        for e in effects
    ]
    mean = float(effects[0]["service_rate"]) if effects else 0.0
    above = sum(i.verdict == "above expected" for i in intervals)
    below = sum(i.verdict == "below expected" for i in intervals)
    return interval_chart(
        ident="chart-therapists",
        title="Case-mix-adjusted recovery by therapist (courses in brackets), 95% intervals",
        intervals=intervals,
        reference=mean,
        reference_label=f"service {_rate(mean)}",
        fmt=_rate,
        description=f"{len(intervals)} therapists against the service rate of {_rate(mean)}: "
        f"{above} with an interval above it, {below} below, the rest within.",
    )


def practice(rates: Sequence[tuple[str, float | None]]) -> Figure:
    """Goal and homework practice in finished courses, as shares of them."""
    bars = [Bar(name, value) for name, value in rates]
    said = "; ".join(f"{b.label}: {'n/a' if b.value is None else _rate(b.value)}" for b in bars)
    return bar_chart(
        ident="chart-practice",
        title="Goals and homework practice in finished courses",
        bars=bars,
        fmt=_rate,
        maximum=1.0,
        columns=("Practice", "Of finished courses"),
        description=f"{said}.",
    )
