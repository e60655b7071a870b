"""Every measure by deprivation, ethnicity, age, gender, problem, therapy, step, therapist,
service, alert response and month.

All referral-level breakdowns run as one query (a UNION ALL of grouped aggregates over the
per-referral table), so a remote engine such as Spark pays its per-query overhead once.
Months are special: each family of counts is grouped by the month of its own date
(``measures.py``), and appointments by the month and therapist of the contact itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

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
    """A breakdown: its name, title and the group each referral falls in (text)."""

    name: str
    title: str
    group: Callable[[ir.Table], ir.StringValue]


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
    Dimension("imd_decile", "IMD decile (1 = most deprived)", lambda d: _text(d.imd_decile)),
    Dimension("ethnic_group", "Ethnic group", lambda d: ethnic_group(d.ethnicity)),
    Dimension("ethnicity", "Ethnic category", lambda d: _text(d.ethnicity)),
    Dimension("age_band", "Age at referral", lambda d: age_band(d.age)),
    Dimension("gender", "Gender", lambda d: _text(d.gender)),
    Dimension("problem_descriptor", "Problem descriptor", lambda d: _text(d.problem_descriptor)),
    Dimension("therapy", "Therapy (last treatment contact)", lambda d: _text(d.therapy_idx)),
    Dimension("step", "Stepped care", lambda d: d.step_pathway),
    Dimension("therapist", "Therapist (last treatment contact)", lambda d: _text(d.therapist_idx)),
    Dimension("service", "Service", lambda d: _text(d.service_id)),
    Dimension("alert_response", "Off-track alerts", _alert_group),
)
_INTEGER_GROUPS = {
    "imd_decile": "imd_decile",
    "therapy": "therapy_idx",
    "therapist": "therapist_idx",
}
DIMENSION_TITLES = {dim.name: dim.title for dim in DIMENSIONS} | {"month": "Month"}


def referral_breakdowns(d: ir.Table) -> ir.Table:
    """Return one row per (dimension, group) with every count, plus the overall row.

    One query: a UNION ALL of grouped sums of the contributions stored on ``d``.
    """
    pieces = [
        d.aggregate(**count_aggregates(d)).mutate(
            dimension=ibis.literal(OVERALL), group=ibis.literal(OVERALL)
        )
    ]
    for dim in DIMENSIONS:
        if dim.name in _INTEGER_GROUPS:
            # Group on the integer and turn only the (few) groups into text.
            column = _INTEGER_GROUPS[dim.name]
            agg = d.group_by(column).aggregate(**count_aggregates(d))
            piece = agg.mutate(group=_text(agg[column]), dimension=ibis.literal(dim.name))
        else:
            grouped = d.mutate(group=dim.group(d))
            piece = grouped.group_by("group").aggregate(**count_aggregates(grouped))
            piece = piece.mutate(dimension=ibis.literal(dim.name))
        pieces.append(piece)
    columns = ["dimension", "group", *COUNT_NAMES]
    return ibis.union(*[p.select(*columns) for p in pieces], distinct=False)


@dataclass(frozen=True)
class ContactCounts:
    """Appointments and DNAs by the contact's own therapist and month."""

    by_therapist: dict[int, dict[str, int]]
    by_month: dict[int, dict[str, int]]


def contact_counts(engine: Engine, contacts: ir.Table, period: Period) -> ContactCounts:
    """Fetch appointments and DNAs per (therapist, month) once and total both ways."""
    names = FAMILY_COUNTS["contact"]
    out = ContactCounts({}, {})
    for row in engine.fetch(contact_measures(contacts, period)):
        for key, into in (
            (row["therapist_idx"], out.by_therapist),
            (row["month_key"], out.by_month),
        ):
            totals = into.setdefault(int(key), dict.fromkeys(names, 0))
            for name in names:
                totals[name] += int(row[name] or 0)
    return out


def month_breakdowns(
    engine: Engine, d: ir.Table, by_contact_month: dict[int, dict[str, int]]
) -> dict[str, dict[str, int]]:
    """Return {"YYYY-MM": counts} with each family counted in the month of its own date."""
    dates: dict[Family, str] = {
        "referral": "referral_date",
        "access": "first_treatment_date",
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
