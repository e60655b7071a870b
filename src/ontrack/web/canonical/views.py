"""The service dashboard: NHS Talking Therapies key measures, the intention-to-treat
funnel, monthly trends and breakdowns for a run of months, on screen and as CSV.

The page reads the service's precomputed ``MonthCounts`` (kept current as records change,
``cells.py``; ADR 0093) and shapes them with ``ontrack.analytics.dashboard.dashboard_report``
into the report ``ontrack report`` gives for the same months, so the figures agree with it
and a page costs a few small queries whatever the size of the service.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ontrack.charts import service as figures
from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.canonical.models import MonthCounts
from ontrack.web.records.scoping import ViewerKind, viewer_for

MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
SMALL = 5  # ADR 0033: the publication rule withholds counts and rates built on fewer than 5
HEADLINES = (
    ("recovery_rate", "Recovery", "of those who finished a course at caseness"),
    ("reliable_improvement_rate", "Reliable improvement", "of those who finished a course"),
    ("reliable_recovery_rate", "Reliable recovery", "of those who finished at caseness"),
    ("reliable_deterioration_rate", "Reliable deterioration", "of those who finished a course"),
    ("waited_6_weeks_rate", "Seen within 6 weeks", "of those who finished a course"),
    ("dna_rate", "Missed appointments", "of all appointments"),
)
PRACTICE = (
    ("early_goals_rate", "Goals agreed by session 2"),
    ("homework_set_rate", "Homework set"),
    ("homework_reviewed_rate", "Homework reviewed at the next session"),
    ("homework_done_rate", "Homework done or partly done"),
)
BREAKDOWNS = (
    ("imd_decile", "Deprivation (IMD decile, 1 = most deprived)"),
    ("ethnic_group", "Ethnic group"),
    ("age_band", "Age at referral"),
    ("gender", "Gender"),
)
# The columns of the breakdown and month tables, and of the CSV.
TABLE_COUNTS = ("referrals", "entered_treatment", "finished_course", "appointments")
TABLE_RATES = (
    "recovery_rate",
    "reliable_improvement_rate",
    "reliable_deterioration_rate",
    "waited_6_weeks_rate",
    "dna_rate",
)
COLUMN_TITLES = (
    "Referred",
    "Entered treatment",
    "Finished a course",
    "Appointments",
    "Recovery",
    "Reliable improvement",
    "Reliable deterioration",
    "Within 6 weeks",
    "Missed appointments",
)


class MonthRangeError(ValueError):
    """The months asked for cannot be shown."""


def _shift(month: str, months: int) -> str:
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_range(query: Any, today: dt.date) -> tuple[str, str]:
    """The months asked for ("from", "to": YYYY-MM); the last 12 to this month by default."""
    end = query.get("to") or f"{today:%Y-%m}"
    start = query.get("from") or _shift(end, -11)
    for name, value in (("from", start), ("to", end)):
        if not MONTH.fullmatch(value):
            raise MonthRangeError(f"‘{name}’ must be a month as YYYY-MM, like 2025-04.")
    if start > end:
        raise MonthRangeError("The first month comes after the last.")
    if _shift(start, 120) <= end:
        raise MonthRangeError("Choose at most ten years of months.")
    return start, end


def _flagged(row: dict[str, Any], name: str) -> bool:
    """True when a count, or a rate's numerator or denominator, is 1 to 4 (ADR 0033)."""
    from ontrack.analytics.measures import RATES

    rate = next((r for r in RATES if r.name == name), None)
    names = (rate.numerator, rate.denominator) if rate else (name,)
    return any(0 < (row.get(n) or 0) < SMALL for n in names)


def _cells(row: dict[str, Any], names: tuple[str, ...], counts: dict[str, Any]) -> list[Any]:
    return [
        {"value": row.get(n), "small": _flagged(counts, n), "rate": n.endswith("_rate")}
        for n in names
    ]


def _measure(service_id: int, start: str, end: str, publication: bool) -> dict[str, Any]:
    # Imported here: analytics brings in Ibis, which no other page needs.
    from ontrack.analytics.dashboard import dashboard_report

    rows = list(
        MonthCounts.objects.filter(service_id=service_id, month__gte=start, month__lte=end)
        .order_by()
        .values_list("month", "dimension", "group", "counts")
    )
    report = dashboard_report(rows, start, end)
    raw = report.to_dict()
    data = report.to_dict(publication=True) if publication else raw
    return {"data": data, "raw": raw}


def _decile_label(decile: object) -> str:
    """A deprivation decile as the caption reads it: 1 is the most deprived, 10 the least
    (the published code list's labels run the other way, "10 Most deprived")."""
    text = str(decile).lstrip("0") or str(decile)
    return {"1": "1 (most deprived)", "10": "10 (least deprived)"}.get(text, text)


def _label(table: str, row: dict[str, Any]) -> str:
    if table == "imd_decile" and str(row["group"]).strip().isdigit():
        return _decile_label(row["group"])
    return str(row["label"])


def _tables(data: dict[str, Any], raw: dict[str, Any]) -> list[dict[str, Any]]:
    names = (*TABLE_COUNTS, *TABLE_RATES)
    tables = [("month", "By month"), *BREAKDOWNS]
    out = []
    for name, title in tables:
        unrounded = {r["group"]: r for r in raw["breakdowns"][name]}
        rows = [
            {
                "label": _label(name, r),
                "group": r["group"],
                "cells": _cells(r, names, unrounded[r["group"]]),
            }
            for r in data["breakdowns"][name]
        ]
        out.append({"name": name, "title": title, "rows": rows})
    return out


def _csv(service_code: str, start: str, end: str, data: dict[str, Any]) -> HttpResponse:
    from ontrack.analytics.dashboard import SUMMED
    from ontrack.analytics.measures import RATES

    rates = tuple(r.name for r in RATES if r.numerator in SUMMED and r.denominator in SUMMED)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"ontrack-{service_code}-{start}-to-{end}{'-publication' if data['publication'] else ''}"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(["table", "group", "label", *SUMMED, *rates])
    overall = {"group": "overall", "label": "overall", **data}
    tables = [("overall", [overall]), ("month", data["breakdowns"]["month"])]
    tables += [(name, data["breakdowns"][name]) for name, _ in BREAKDOWNS]
    for table, rows in tables:
        for row in rows:
            values = ["" if row.get(n) is None else row[n] for n in (*SUMMED, *rates)]
            writer.writerow([table, row["group"], row["label"], *values])
    return response


@require_GET
@login_required
def service_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show the service's key measures for a run of months (managers and supervisors)."""
    viewer = viewer_for(request.user)
    if viewer.kind not in (ViewerKind.MANAGER, ViewerKind.SUPERVISOR) or viewer.staff is None:
        raise PermissionDenied("The service dashboard is for managers and supervisors.")
    today = timezone.localdate()
    context: dict[str, Any] = {"viewer": viewer, "today": f"{today:%Y-%m}"}
    try:
        start, end = month_range(request.GET, today)
    except MonthRangeError as exc:
        context.update(
            error=str(exc), start=request.GET.get("from", ""), end=request.GET.get("to", "")
        )
        return render(request, "canonical/service_dashboard.html", context, status=400)
    publication = request.GET.get("publication") == "1"
    measured = _measure(viewer.staff.service_id, start, end, publication)
    data, raw = measured["data"], measured["raw"]
    if request.GET.get("format") == "csv":
        return _csv(viewer.staff.service.code, start, end, data)
    context.update(
        start=start,
        end=end,
        publication=publication,
        data=data,
        headlines=[
            {"label": label, "of": of, "value": data.get(key), "small": _flagged(raw, key)}
            for key, label, of in HEADLINES
        ],
        sessions={
            "value": data.get("mean_treatment_sessions"),
            "small": _flagged(raw, "mean_treatment_sessions"),
        },
        practice=[
            {"label": label, "value": data.get(key), "small": _flagged(raw, key)}
            for key, label in PRACTICE
        ],
        tables=_tables(data, raw),
        funnel_chart=figures.funnel(data["funnel"]),
        month_counts_chart=figures.monthly_counts(data["breakdowns"]["month"]),
        month_rates_chart=figures.monthly_rates(data["breakdowns"]["month"]),
        decile_chart=figures.recovery_by_decile(data["by_imd_decile"]),
        columns=COLUMN_TITLES,
    )
    return render(request, "canonical/service_dashboard.html", context)
