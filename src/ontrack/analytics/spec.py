"""Tiny canonical datasets written as ASCII tables: spec fixtures that double as examples.

Only the columns that matter to a test need writing; every other column gets a plain
default (one service, therapist ``t1``, attended CBT treatment contacts numbered in date
order, scores carrying their contact's referral). Blank cells are null.

>>> tables = tables_from_spec('''
... referral
... referral_id | referral_date | end_date
... r1          | 2024-04-01    | 2024-06-01
...
... contact
... contact_id | referral_id | contact_date | app_type
... c1         | r1          | 2024-04-08   | 01
... c2         | r1          | 2024-04-15   | 02
... ''')
>>> tables["contact"].column("session_number").to_pylist()
[None, 1]

``datasets()`` is the Hypothesis strategy the engine-agreement tests draw from.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ontrack.dataset import TABLES, code_lists
from ontrack.dataset.schema import ATTENDED, TREATMENT_APP_TYPES, is_seen

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from ontrack.analytics.report import Report

Row = dict[str, Any]
CBT = "304891004"
GSH = "748051000000105"
END_CODE_DRAWS = ["46", "47", "10", "14", "50", "96", None]
APP_TYPE_DRAWS = ["01", "02", "02", "03", "05", "06"]
# Mostly none, so that same-day ties fall back to totals; some equal, some ordered.
CONTACT_TIMES = [None, None, "09:00", "09:00:00", "14:30", "08:15:30"]


def parse_ascii_tables(text: str) -> dict[str, list[Row]]:
    """Parse blocks of ``name`` + ``col | col`` header + rows into lists of text dicts."""
    tables: dict[str, list[Row]] = {}
    name: str | None = None
    header: list[str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or set(line) <= set("-+| "):
            if not line:
                name, header = None, None
            continue
        if name is None:
            name = line
            tables.setdefault(name, [])
            continue
        cells = [c.strip() for c in line.split("|")]
        if header is None:
            header = cells
            continue
        if len(cells) != len(header):
            raise ValueError(f"{name}: row {line!r} has {len(cells)} cells, header {len(header)}")
        tables[name].append(
            {h: (c if c != "" else None) for h, c in zip(header, cells, strict=True)}
        )
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise ValueError(f"unknown tables {sorted(unknown)}")
    return tables


def tables_from_spec(text: str) -> dict[str, pa.Table]:
    """Build canonical Arrow tables from ASCII tables, filling in the unwritten columns."""
    return build_tables(
        {name: [_typed(name, r) for r in rows] for name, rows in parse_ascii_tables(text).items()}
    )


def build_tables(given: dict[str, list[Row]]) -> dict[str, pa.Table]:
    """Complete typed rows with defaults and return canonical Arrow tables."""
    referrals = [_referral(r) for r in given.get("referral", [])]
    contacts = _contacts(given.get("contact", []))
    contact_referral = {c["contact_id"]: c["referral_id"] for c in contacts}
    out_rows: dict[str, list[Row]] = {
        "referral": referrals,
        "contact": contacts,
        "score": [
            {"referral_id": contact_referral.get(s["contact_id"]), "items": None, **s}
            for s in given.get("score", [])
        ],
        "alliance": [
            {"referral_id": contact_referral.get(a["contact_id"]), "items": None, **a}
            for a in given.get("alliance", [])
        ],
        "goal_rating": [
            {
                "referral_id": contact_referral.get(g["contact_id"]),
                "goal_number": 1,
                "rating": 3,
                **g,
            }
            for g in given.get("goal_rating", [])
        ],
        "homework": [_homework(h, contact_referral) for h in given.get("homework", [])],
    }
    therapists = sorted({c["therapist_id"] for c in contacts if c["therapist_id"]} | {"t1"})
    out_rows["therapist"] = given.get("therapist") or [
        {
            "therapist_id": t,
            "service_id": "s1",
            "role": "hi",
            "qualification": "11",
            "gender": None,
            "caseload_limit": 30,
        }
        for t in therapists
    ]
    services = sorted({r["service_id"] for r in referrals} | {"s1"})
    out_rows["service"] = given.get("service") or [
        {"service_id": s, "name": f"Service {s}", "region": None} for s in services
    ]
    if "alert" in given:
        out_rows["alert"] = [_alert(a) for a in given["alert"]]
    for name in ("truth", "circumstance", "iet_activity"):
        if name in given and name in TABLES:
            out_rows[name] = given[name]
    out: dict[str, pa.Table] = {}
    for name, rows in out_rows.items():
        schema = TABLES[name].arrow_schema
        out[name] = pa.Table.from_pylist(
            [{f: r.get(f) for f in schema.names} for r in rows], schema=schema
        )
    for name, table in TABLES.items():
        if table.required and name not in out:
            out[name] = table.arrow_schema.empty_table()
    return out


def _typed(table: str, row: Row) -> Row:
    spec = TABLES[table]
    out: Row = {}
    for key, text in row.items():
        column = spec.column(key)
        out[key] = None if text is None else _convert(column.type, text)
    return out


def _convert(type_: pa.DataType, text: str) -> Any:
    if pa.types.is_string(type_):
        return text
    if pa.types.is_integer(type_):
        return int(text)
    if pa.types.is_floating(type_):
        return float(text)
    if pa.types.is_date(type_):
        return dt.date.fromisoformat(text)
    if pa.types.is_timestamp(type_):
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
    if pa.types.is_boolean(type_):
        return text.lower() in ("true", "yes", "y", "1")
    raise TypeError(type_)


def _referral(r: Row) -> Row:
    return {
        "person_id": f"p-{r['referral_id']}",
        "service_id": "s1",
        "source_of_referral": "B1",
        "age": 30,
        "gender": "2",
        "ethnicity": "A",
        "imd_decile": None,
        "problem_descriptor": None,
        "employed": None,
        "end_code": "46" if r.get("end_date") else None,
        **r,
    }


def _contacts(given: list[Row]) -> list[Row]:
    steps = code_lists()["therapy_step"]
    rows = []
    for c in given:
        row: Row = {
            "therapist_id": "t1",
            "app_type": "02",
            "attendance": "5",
            "cons_mechanism": "01",
            "planned": True,
            **c,
        }
        treatment = is_seen(row["attendance"], row["planned"]) and (
            row["app_type"] in TREATMENT_APP_TYPES
        )
        if "therapy" not in c:
            row["therapy"] = CBT if treatment else None
        if "step" not in c:
            row["step"] = int(steps[row["therapy"]]) if row["therapy"] in steps else None
        rows.append(row)
    numbered: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if is_seen(row["attendance"], row["planned"]) and row["app_type"] in TREATMENT_APP_TYPES:
            numbered[row["referral_id"]].append(row)
    for items in numbered.values():
        items.sort(key=lambda r: (r["contact_date"], r.get("contact_time") or "", r["contact_id"]))
        for i, row in enumerate(items, start=1):
            row.setdefault("session_number", i)
    for row in rows:
        row.setdefault("session_number", None)
    return rows


def _homework(h: Row, contact_referral: dict[str, str]) -> Row:
    return {
        "referral_id": contact_referral.get(h["set_contact_id"]),
        "reviewed_contact_id": None,
        "criteria_met": 6,
        "outcome": None,
        **h,
    }


def _alert(a: Row) -> Row:
    return {
        "contact_id": None,
        "kind": "off_track",
        "severity": "high",
        "acknowledged_at": None,
        "acted_at": None,
        "closed_at": None,
        "action": None,
        **a,
    }


# -- Hypothesis -----------------------------------------------------------------------------


def datasets(max_referrals: int = 8) -> SearchStrategy[dict[str, pa.Table]]:
    """Generate small, valid canonical datasets that exercise every measure's edge cases.

    Dates cluster in a few months so that periods, same-day ties and month boundaries all
    occur; scores sit near the cut-offs and reliable-change thresholds.
    """
    from hypothesis import strategies as st

    start = dt.date(2024, 3, 25)
    therapists = ["t1", "t2", "t3"]
    descriptors = [None, "F32", "F41.1", "F40.1", "F43.1", "F40.0", "F42"]
    measures = {
        "PHQ-9": [4.0, 9.0, 10.0, 11.0, 15.0, 16.0, 21.0],
        "GAD-7": [3.0, 7.0, 8.0, 11.0, 12.0, 15.0],
        "SPIN": [8.0, 18.0, 19.0, 29.0],
        "PCL-5": [20.0, 31.0, 32.0, 42.0],
        "MI-ALONE": [1.5, 2.3, 2.37037, 3.1],
        "OCI-R": [4.0, 16.0, 17.0, 30.0],
    }

    @st.composite
    def one(draw: Any) -> dict[str, pa.Table]:
        n = draw(st.integers(1, max_referrals))
        given: dict[str, list[Row]] = defaultdict(list)
        cid = 0
        if draw(st.booleans()):  # the optional internet-enabled therapy log (IDS205)
            given["iet_activity"] = []
        for i in range(n):
            rid = f"r{i:02d}"
            referred = start + dt.timedelta(days=draw(st.integers(0, 70)))
            days: list[int] = sorted(draw(st.lists(st.integers(0, 150), max_size=7)))
            ended = draw(st.booleans())
            last = referred + dt.timedelta(days=(days[-1] if days else 0))
            end = last + dt.timedelta(days=draw(st.integers(0, 20))) if ended else None
            given["referral"].append(
                {
                    "referral_id": rid,
                    "referral_date": referred,
                    "end_date": end,
                    "imd_decile": draw(st.sampled_from([None, 1, 2, 5, 10])),
                    "problem_descriptor": draw(st.sampled_from(descriptors)),
                    "age": draw(st.sampled_from([17, 18, 25, 26, 40, 64, 65, 80])),
                    "ethnicity": draw(st.sampled_from(["A", "D", "H", "M", "R", "Z"])),
                    "gender": draw(st.sampled_from(["1", "2", "9", "X"])),
                    "service_id": draw(st.sampled_from(["s1", "s2"])),
                    "source_of_referral": draw(st.sampled_from(["A1", "B1", None])),
                    "end_code": draw(st.sampled_from(END_CODE_DRAWS)) if end else None,
                }
            )
            if "iet_activity" in given:
                for _ in range(draw(st.integers(0, 2))):
                    began = referred + dt.timedelta(days=draw(st.integers(0, 120)))
                    length = draw(st.sampled_from([None, 0, 13, 30]))
                    given["iet_activity"].append(
                        {
                            "referral_id": rid,
                            "programme": draw(st.sampled_from([None, "SilverCloud"])),
                            "start_date": began,
                            "end_date": None
                            if length is None
                            else began + dt.timedelta(days=length),
                            "duration_minutes": draw(st.sampled_from([None, 0, 25, 90])),
                        }
                    )
            # A follow-up after discharge, as NHS England's SQL expects them.
            follow_up_after = bool(days) and end is not None and draw(st.integers(0, 4)) == 0
            for k, offset in enumerate([*days, *([days[-1] + 30] if follow_up_after else [])]):
                cid += 1
                contact_id = f"c{cid:04d}"
                after_end = k == len(days)
                app_type = "06" if after_end else draw(st.sampled_from(APP_TYPE_DRAWS))
                attendance = draw(st.sampled_from(["5", "5", "5", "6", "3", "2", "4", "7"]))
                planned = draw(st.sampled_from([True, True, True, True, False]))
                treatment = is_seen(attendance, planned) and app_type in TREATMENT_APP_TYPES
                therapy = draw(st.sampled_from([CBT, GSH])) if treatment else None
                given["contact"].append(
                    {
                        "contact_id": contact_id,
                        "referral_id": rid,
                        "contact_date": referred + dt.timedelta(days=offset),
                        "contact_time": draw(st.sampled_from(CONTACT_TIMES)),
                        "app_type": app_type,
                        "attendance": attendance,
                        "planned": planned,
                        "therapist_id": draw(st.sampled_from(therapists)),
                        "therapy": therapy,
                    }
                )
                if attendance not in ATTENDED:
                    continue
                # Mostly the usual PHQ-9 + GAD-7 pair, sometimes an ADSM or a gap, so that
                # paired, unpaired and fallback cases all occur.
                codes = draw(
                    st.sampled_from(
                        [("PHQ-9", "GAD-7")] * 4
                        + [("PHQ-9", "GAD-7", "SPIN"), ("PHQ-9", "PCL-5"), ("PHQ-9", "MI-ALONE")]
                        + [("PHQ-9", "OCI-R", "GAD-7"), ("GAD-7",), ("PHQ-9", "PHQ-9"), ()]
                    )
                )
                for code in codes:
                    values = measures[code]
                    if offset != days[0] and draw(st.booleans()):
                        values = values[: len(values) // 2 + 1]  # later scores tend lower
                    given["score"].append(
                        {
                            "contact_id": contact_id,
                            "measure": code,
                            "total": draw(st.sampled_from(values)),
                        }
                    )
                if draw(st.integers(0, 3)) == 0:
                    given["goal_rating"].append({"contact_id": contact_id})
                if draw(st.integers(0, 3)) == 0:
                    given["homework"].append(
                        {
                            "homework_id": f"h{cid:04d}",
                            "set_contact_id": contact_id,
                            "reviewed_contact_id": None,
                        }
                    )
                if draw(st.integers(0, 4)) == 0:
                    opened = dt.datetime.combine(
                        referred + dt.timedelta(days=offset), dt.time(9), dt.UTC
                    )
                    acked = draw(st.sampled_from([None, 1800, 86_400, 90_000, 700_000]))
                    given["alert"].append(
                        {
                            "alert_id": f"a{cid:04d}",
                            "referral_id": rid,
                            "contact_id": contact_id,
                            "kind": draw(st.sampled_from(["off_track", "risk", "rupture"])),
                            "severity": draw(st.sampled_from(["urgent", "high"])),
                            "opened_at": opened,
                            "acknowledged_at": None
                            if acked is None
                            else opened + dt.timedelta(seconds=acked),
                            "acted_at": None
                            if acked is None or draw(st.booleans())
                            else opened + dt.timedelta(seconds=2 * acked),
                        }
                    )
        _review_homework(given)
        return build_tables(dict(given))

    return one()


def _review_homework(given: dict[str, list[Row]]) -> None:
    """Mark homework reviewed at the next attended contact of its referral, when there is one."""
    by_referral: dict[str, list[Row]] = defaultdict(list)
    for c in given.get("contact", []):
        if c["attendance"] in ATTENDED:
            by_referral[c["referral_id"]].append(c)
    contact_by_id = {c["contact_id"]: c for c in given.get("contact", [])}
    for h in given.get("homework", []):
        setter = contact_by_id[h["set_contact_id"]]
        later = [
            c
            for c in by_referral[setter["referral_id"]]
            if c["contact_date"] > setter["contact_date"]
        ]
        if later:
            h["reviewed_contact_id"] = later[0]["contact_id"]
            h["outcome"] = "done" if len(h["homework_id"]) % 2 else "partly"


# -- Comparing reports ------------------------------------------------------------------------


def report_differences(actual: Report, expected: Report) -> list[str]:
    """Where two reports of the same data disagree; empty when every engine agrees.

    Every count, rate and table must be equal; the only floats an engine sums (therapist
    effects' expected recoveries and what follows from them) must agree to 1e-9. The engine
    name and the clock are ignored.

    >>> from ontrack.analytics.reference import reference_report
    >>> tables = tables_from_spec(OUTCOMES_EXAMPLE)
    >>> report_differences(reference_report(tables), reference_report(tables))
    []
    """
    a, e = actual.to_dict(), expected.to_dict()
    for key in ("engine", "generated"):
        a.pop(key)
        e.pop(key)
    a_effects, e_effects = a.pop("therapist_effects"), e.pop("therapist_effects")
    out = [
        f"{k}: {a.get(k)!r} != {e.get(k)!r}"
        for k in sorted(a.keys() | e.keys())
        if a.get(k) != e.get(k)
    ]
    a_ids = [x["therapist_id"] for x in a_effects]
    e_ids = [x["therapist_id"] for x in e_effects]
    if a_ids != e_ids:
        return [*out, f"therapist order {a_ids} != {e_ids}"]
    for mine, theirs in zip(a_effects, e_effects, strict=True):
        for key, value in theirs.items():
            close = (
                math.isclose(mine[key], value, rel_tol=1e-9, abs_tol=1e-9)
                if isinstance(value, float)
                else mine[key] == value
            )
            if not close:
                out.append(f"therapist {theirs['therapist_id']} {key}: {mine[key]!r} != {value!r}")
    return out


OUTCOMES_EXAMPLE = """
referral
referral_id | referral_date | end_date
r1          | 2024-04-01    | 2024-06-30

contact
contact_id | referral_id | contact_date
c1         | r1          | 2024-04-10
c2         | r1          | 2024-05-10

score
contact_id | measure | total
c1         | PHQ-9   | 16
c1         | GAD-7   | 14
c2         | PHQ-9   | 7
c2         | GAD-7   | 6
"""
