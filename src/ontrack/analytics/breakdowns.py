"""Every measure by deprivation, ethnicity, age, gender, problem, therapy, step, therapist,
service, alert response and month.

The referral-level breakdowns come from two small "cubes": the per-referral table grouped by
every client dimension at once (deprivation, ethnicity, age, gender, problem) and by every
care dimension at once (therapy, step, therapist, service, alert response). Each breakdown
then adds up the cells of its cube. Counts are sums, so adding cells gives exactly what
grouping the referrals would, while the engine passes over the referrals twice instead of
once per breakdown.
Months are special: each family of counts is grouped by the month of its own date
(``measures.py``), and appointments by the month and therapist of the contact itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from ontrack.analytics.derive import contact_measures, month_key
from ontrack.analytics.engines import Engine
from ontrack.analytics.measures import COUNT_NAMES, FAMILY_COUNTS, Family, count_aggregates
from ontrack.analytics.period import Period
from ontrack.dataset import code_lists

NOT_KNOWN = "not known"
OVERALL = "overall"

# NHS England's grouping of the ethnic categories (inequalities dashboard SQL).
ETHNIC_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("White", ("A", "B", "C")),
    ("Mixed", ("D", "E", "F", "G")),
    ("Asian or Asian British", ("H", "J", "K", "L")),
    ("Black or Black British", ("M", "N", "P")),
    ("Other ethnic groups", ("R", "S")),
)
# NHS England's inequalities bands are Under 18, 18-25, 26-64, 65+; OnTrack splits 26-64
# into decades so that a service can see where its working-age clients fall.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("Under 18", 0, 17),
    ("18-25", 18, 25),
    ("26-35", 26, 35),
    ("36-45", 36, 45),
    ("46-55", 46, 55),
    ("56-64", 56, 64),
    ("65+", 65, 200),
)


@dataclass(frozen=True)
class Dimension:
    """A breakdown: its name, title, the group each referral falls in, and its cube.

    ``group`` gives text, or an integer column as it is (decile, therapy and therapist
    numbers), which becomes text only for the few groups, after counting.
    """

    name: str
    title: str
    group: Callable[[ir.Table], ir.Value]
    cube: Literal["client", "care"]


def _text(value: ir.Value) -> ir.StringValue:
    return value.cast("string").fill_null(NOT_KNOWN)


def ethnic_group(code: ir.StringValue) -> ir.StringValue:
    """Map an ethnic category code to its NHS England group; Z and unknown -> not stated."""
    return ibis.cases(
        *[(code.isin(list(codes)), label) for label, codes in ETHNIC_GROUPS],
        else_="Not stated",
    )


def age_band(age: ir.IntegerValue) -> ir.StringValue:
    """Map an age in years to its band."""
    return ibis.cases(
        *[((age >= low) & (age <= high), label) for label, low, high in AGE_BANDS],
        else_=NOT_KNOWN,
    )


def _alert_group(d: ir.Table) -> ir.StringValue:
    return ibis.cases(
        (d.offtrack_acted, "off-track alert acted on"),
        (d.offtrack_alert, "off-track alert not acted on"),
        else_="no off-track alert",
    )


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("imd_decile", "IMD decile (1 = most deprived)", lambda d: d.imd_decile, "client"),
    Dimension("ethnic_group", "Ethnic group", lambda d: ethnic_group(d.ethnicity), "client"),
    Dimension("ethnicity", "Ethnic category", lambda d: _text(d.ethnicity), "client"),
    Dimension("age_band", "Age at referral", lambda d: age_band(d.age), "client"),
    Dimension("gender", "Gender", lambda d: _text(d.gender), "client"),
    Dimension(
        "problem_descriptor",
        "Problem descriptor",
        lambda d: _text(d.problem_descriptor),
        "client",
    ),
    Dimension("therapy", "Therapy (last treatment contact)", lambda d: d.therapy_idx, "care"),
    Dimension("step", "Stepped care", lambda d: d.step_pathway, "care"),
    Dimension(
        "therapist",
        "Therapist (last treatment contact)",
        lambda d: d.therapist_idx,
        "care",
    ),
    Dimension("service", "Service", lambda d: _text(d.service_id), "care"),
    Dimension("alert_response", "Off-track alerts", _alert_group, "care"),
)
DIMENSION_TITLES = {dim.name: dim.title for dim in DIMENSIONS} | {"month": "Month"}


def breakdown_rows(engine: Engine, d: ir.Table) -> list[dict[str, object]]:
    """Return one row per (dimension, group) with every count, plus the overall row.

    Two queries, one per cube; the breakdowns are sums over the cube's cells (in Arrow).
    """
    rows: list[dict[str, object]] = []
    for cube in ("client", "care"):
        dims = [dim for dim in DIMENSIONS if dim.cube == cube]
        grouped = d.group_by(**{_cell(dim): dim.group(d) for dim in dims})
        cells = engine.fetch_arrow(grouped.aggregate(**count_aggregates(d)))
        if cube == "client":
            rows.append({"dimension": OVERALL, "group": OVERALL, **_totals(cells)})
        for dim in dims:
            summed = cells.group_by(_cell(dim)).aggregate([(n, "sum") for n in COUNT_NAMES])
            for row in summed.to_pylist():
                group = row.pop(_cell(dim))
                counts = {n: row[f"{n}_sum"] for n in COUNT_NAMES}
                rows.append({"dimension": dim.name, "group": _group_text(group), **counts})
    return rows


def _cell(dim: Dimension) -> str:
    return f"g_{dim.name}"


def _totals(cells: pa.Table) -> dict[str, int]:
    return {n: int(pc.sum(cells[n]).as_py() or 0) for n in COUNT_NAMES}


def _group_text(value: object) -> str:
    """Integer groups become text as the engines' cast would write them ("7")."""
    return NOT_KNOWN if value is None else str(value)


@dataclass(frozen=True)
class ContactCounts:
    """Appointments and DNAs by the contact's own therapist and month."""

    by_therapist: dict[int, dict[str, int]]
    by_month: dict[int, dict[str, int]]


def contact_counts(engine: Engine, contacts: ir.Table, period: Period) -> ContactCounts:
    """Fetch appointments and DNAs per (therapist, month) once and total both ways."""
    names = FAMILY_COUNTS["contact"]
    cells = engine.fetch_arrow(contact_measures(contacts, period))
    out = ContactCounts({}, {})
    for key, into in (("therapist_idx", out.by_therapist), ("month_key", out.by_month)):
        summed = cells.group_by(key).aggregate([(n, "sum") for n in names])
        for row in summed.to_pylist():
            into[int(row[key])] = {n: int(row[f"{n}_sum"] or 0) for n in names}
    return out


def month_breakdowns(
    engine: Engine, d: ir.Table, by_contact_month: dict[int, dict[str, int]]
) -> dict[str, dict[str, int]]:
    """Return {"YYYY-MM": counts} with each family counted in the month of its own date."""
    dates: dict[Family, str] = {
        "referral": "referral_date",
        "access": "first_treatment_date",
        "second": "second_treatment_date",
        "ending": "end_date",
    }
    pieces = []
    for family, column in dates.items():
        f = d.filter(d[column].notnull())
        f = f.mutate(group_key=month_key(f[column]).cast("int64"))
        agg = f.group_by("group_key").aggregate(**count_aggregates(f, FAMILY_COUNTS[family]))
        # Zeros for the other families' columns, so the pieces share one schema.
        agg = agg.mutate(
            **{n: ibis.literal(0, "int64") for n in COUNT_NAMES if n not in agg.columns}
        )
        pieces.append(agg.select("group_key", *COUNT_NAMES))
    rows: dict[str, dict[str, int]] = {}
    fetched = engine.fetch(ibis.union(*pieces, distinct=False))
    fetched += [{"group_key": k, **v} for k, v in by_contact_month.items()]
    for row in fetched:
        key = int(row.pop("group_key"))
        month = f"{key // 100:04d}-{key % 100:02d}"
        into = rows.setdefault(month, dict.fromkeys(COUNT_NAMES, 0))
        for name, value in row.items():
            into[name] += int(value or 0)
    # A month with no event of any family in the period is not shown.
    return {m: c for m, c in sorted(rows.items()) if any(c.values())}


def group_label(dimension: str, group: str, therapists: list[str]) -> str:
    """Return the human label of a group (codes to names, indexes to identifiers)."""
    if group in (NOT_KNOWN, OVERALL):
        return group
    lists = code_lists()
    if dimension == "imd_decile":
        return lists["imd_decile"].get(group, group)
    if dimension == "ethnicity":
        return lists["ethnicity"].get(group, group)
    if dimension == "gender":
        return lists["gender"].get(group, group)
    if dimension == "problem_descriptor":
        return f"{group} {lists['problem_descriptor'].get(group, '')}".strip()
    if dimension == "therapy":
        code = group_code(dimension, group, therapists)
        return lists["therapy"].get(code, code) if code != NOT_KNOWN else NOT_KNOWN
    if dimension == "therapist":
        return group_code(dimension, group, therapists)
    return group


def group_code(dimension: str, group: str, therapists: list[str]) -> str:
    """Turn engine group values that are indexes back into codes and identifiers."""
    if dimension == "therapy":
        from ontrack.analytics.derive import therapy_codes

        index = int(group)
        return therapy_codes()[index - 1] if index > 0 else NOT_KNOWN
    if dimension == "therapist":
        index = int(group)
        return therapists[index - 1] if index > 0 else NOT_KNOWN
    return group
