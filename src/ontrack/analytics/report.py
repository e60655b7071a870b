"""Build the whole service report on one engine and shape it for JSON, CSV and HTML."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ibis
import pyarrow as pa

from ontrack.analytics.alerts import alert_response
from ontrack.analytics.breakdowns import (
    DIMENSIONS,
    NOT_KNOWN,
    OVERALL,
    breakdown_rows,
    contact_counts,
    group_code,
    group_label,
    month_breakdowns,
)
from ontrack.analytics.derive import derive_referrals, prepare_contacts, therapy_codes
from ontrack.analytics.engines import Engine
from ontrack.analytics.measures import COUNT_NAMES, FAMILY_COUNTS, measures_from_counts
from ontrack.analytics.period import Period
from ontrack.analytics.published import as_at_date, published_tables, waiting_list
from ontrack.analytics.suppression import RULE, THRESHOLD, suppress_counts, suppress_measures
from ontrack.analytics.therapists import TherapistEffect, therapist_effects
from ontrack.analytics.thresholds import Thresholds
from ontrack.dataset import DatasetError, Problem, code_lists

Row = dict[str, Any]

# Columns whose codes the measures depend on; a value outside the code list would be
# silently miscounted, so it stops the report instead.
CODED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("referral", "gender", "gender"),
    ("referral", "ethnicity", "ethnicity"),
    ("referral", "imd_decile", "imd_decile"),
    ("referral", "problem_descriptor", "problem_descriptor"),
    ("referral", "end_code", "end_code"),
    ("contact", "app_type", "app_type"),
    ("contact", "attendance", "attendance"),
    ("contact", "therapy", "therapy"),
)
PUBLISHED_TABLES = (
    "waiting_list_by_weeks_waited",
    "ended_by_end_code",
    "appointments_by_intensity",
    "appointments_by_consultation_mechanism",
)
GAP_RATES = (
    "recovery_rate",
    "reliable_recovery_rate",
    "reliable_improvement_rate",
    "reliable_deterioration_rate",
    "itt_recovery_rate",
)
FUNNEL = (
    ("referred", "referrals", None, None),
    ("assessed", "cohort_assessed", None, None),
    ("entered treatment", "cohort_entered", "entered_treatment", None),
    ("second treatment", "cohort_second", None, None),
    ("finished a course", "cohort_finished", "finished_course", None),
    ("recovered", "cohort_recovered", "recovered", "recovery_rate"),
    (
        "reliably recovered",
        "cohort_reliably_recovered",
        "reliable_recovery",
        "reliable_recovery_rate",
    ),
)


@dataclass
class Report:
    """Every table of the service report, unsuppressed; shape it with ``to_dict``."""

    period: Period
    engine: str
    thresholds: Thresholds
    overall: Row
    breakdowns: dict[str, list[Row]]
    therapist_effects: list[TherapistEffect]
    alerts: list[Row] | None
    # The day the snapshot measures are taken on, and the tables of ``published.py``.
    as_at: dt.date | None = None
    published: Row = field(default_factory=dict)
    generated: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat())

    def funnel(self) -> list[Row]:
        """Referral to reliable recovery for the cohort referred in the period.

        ``itt_rate`` divides by everyone referred; ``step_rate`` by the stage before;
        ``official_count``/``official_rate`` are the period measures NHS England publishes.
        """
        referred = self.overall["referrals"]
        rows: list[Row] = []
        previous: int | None = None
        for stage, cohort, official, official_rate in FUNNEL:
            count = self.overall[cohort]
            rows.append(
                {
                    "stage": stage,
                    "count": count,
                    "itt_rate": count / referred if referred else None,
                    "step_rate": (count / previous if previous else None)
                    if previous is not None
                    else None,
                    "official_count": self.overall[official] if official else None,
                    "official_rate": self.overall[official_rate] if official_rate else None,
                }
            )
            previous = count
        return rows

    def by_imd_decile(self) -> dict[str, Row]:
        """Every measure per IMD decile "1" (most deprived) to "10" (least deprived)."""
        rows = {r["group"]: r for r in self.breakdowns["imd_decile"]}
        labels = code_lists()["imd_decile"]
        empty = measures_from_counts({})
        out: dict[str, Row] = {}
        for decile in range(1, 11):
            key = str(decile)
            row = dict(rows.get(key, {**empty, "group": key}))
            row["label"] = labels[key]
            out[key] = row
        return out

    def imd_gap(self) -> Row:
        """Least deprived (decile 10) minus most deprived (decile 1), as fractions."""
        deciles = self.by_imd_decile()
        least, most = deciles["10"], deciles["1"]
        out: Row = {}
        for name in GAP_RATES:
            a, b = least.get(name), most.get(name)
            out[name] = None if a is None or b is None else a - b
        return out

    def to_dict(self, *, publication: bool = False) -> Row:
        """Return the JSON object of ``ontrack report --json``.

        With ``publication=True`` every count and rate follows ``suppression.RULE``.
        """
        fix = suppress_measures if publication else dict
        out: Row = {
            "period": {
                "start": _iso(self.period.start),
                "end": _iso(self.period.end),
                "label": self.period.label,
            },
            # The day the snapshot measures (waiting list, open referrals) are taken on.
            "as_at": _iso(self.as_at),
            "engine": self.engine,
            "generated": self.generated,
            "publication": publication,
            "suppression_rule": RULE if publication else None,
        }
        out.update(fix(self.overall))
        out.update(self._published(publication))
        deciles = self.by_imd_decile()
        shown = {k: fix(v) for k, v in deciles.items()}
        out["by_imd_decile"] = shown
        not_known = next(
            (r for r in self.breakdowns["imd_decile"] if r["group"] == NOT_KNOWN), None
        )
        out["imd_decile_not_known"] = fix(not_known) if not_known else None
        # The gap is taken from unrounded rates, and withheld when either rate is withheld.
        out["imd_gap"] = {
            name: value if shown["1"][name] is not None and shown["10"][name] is not None else None
            for name, value in self.imd_gap().items()
        }
        out["funnel"] = [
            suppress_counts(r, ("count", "official_count")) | _funnel_rates(r) if publication else r
            for r in self.funnel()
        ]
        out["breakdowns"] = {name: [fix(r) for r in rows] for name, rows in self.breakdowns.items()}
        effects = [e.to_dict() for e in self.therapist_effects]
        if publication:
            effects = [
                suppress_counts(e, ("courses", "recovered")) for e in effects if e["courses"] >= 5
            ]
        out["therapist_effects"] = effects
        out["alerts"] = (
            None
            if self.alerts is None
            else [
                suppress_counts(
                    a,
                    (
                        "opened",
                        "acknowledged",
                        "acknowledged_within_1_day",
                        "acknowledged_within_7_days",
                        "acted_on",
                        "closed",
                    ),
                )
                if publication
                else a
                for a in self.alerts
            ]
        )
        out["thresholds"] = [
            {
                "measure": m.code,
                "cutoff": m.cutoff,
                "cutoff_inclusive": m.cutoff_inclusive,
                "reliable_change": m.reliable_change,
                "higher_is_better": m.higher_is_better,
            }
            for m in self.thresholds.measures
        ]
        out["anxiety_measure_by_problem_descriptor"] = dict(self.thresholds.anxiety_by_descriptor)
        return out

    def _published(self, publication: bool) -> Row:
        """The median wait and the small published tables (``published.py``)."""
        tables: dict[str, dict[str, Any]] = {
            "waiting_list_by_weeks_waited": waiting_list(self.overall),
            "ended_by_end_code": dict(self.published.get("ended_by_end_code", {})),
            "appointments_by_intensity": dict(self.published.get("appointments_by_intensity", {})),
            "appointments_by_consultation_mechanism": dict(
                self.published.get("appointments_by_consultation_mechanism", {})
            ),
        }
        median_wait = self.published.get("median_wait_days")
        iet = self.published.get("internet_enabled_therapy")
        iet = dict(iet) if iet is not None else None
        if publication:
            tables = {name: suppress_counts(t, tuple(t)) for name, t in tables.items()}
            if self.overall["finished_course"] < THRESHOLD:
                median_wait = None
            if iet is not None:
                iet = suppress_counts(iet, ("log_entries", "referrals"))
        return {"median_wait_days": median_wait, **tables, "internet_enabled_therapy": iet}

    def tables(self, *, publication: bool = False) -> dict[str, list[Row]]:
        """Every table of the report as rows, for ``--csv``."""
        data = self.to_dict(publication=publication)
        overall = {k: data[k] for k in (*COUNT_NAMES, *_rate_names()) if k in data}
        out: dict[str, list[Row]] = {"key_measures": [overall], "funnel": data["funnel"]}
        out["imd_gap"] = [data["imd_gap"]]
        for name in PUBLISHED_TABLES:
            out[name] = [{"group": k, "count": v} for k, v in data[name].items()]
        if data["internet_enabled_therapy"] is not None:
            out["internet_enabled_therapy"] = [data["internet_enabled_therapy"]]
        for name, rows in data["breakdowns"].items():
            out[f"by_{name}"] = rows
        out["therapist_effects"] = data["therapist_effects"]
        if data["alerts"] is not None:
            out["alert_response"] = data["alerts"]
        return out


def _rate_names() -> tuple[str, ...]:
    from ontrack.analytics.measures import RATE_NAMES

    return RATE_NAMES


def _funnel_rates(row: Row) -> Row:
    small = row["count"] is None or row["count"] < 5
    return {
        "itt_rate": None if small else row["itt_rate"],
        "step_rate": None if small else row["step_rate"],
    }


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def check_codes(engine: Engine) -> None:
    """Raise ``DatasetError`` naming table, column and value for any unknown code."""
    lists = code_lists()
    pieces = []
    for table_name, column, codes in CODED_COLUMNS:
        table = engine.table(table_name)
        if table is None:
            continue
        value = table[column].cast("string")
        bad = table.filter(value.notnull() & ~value.isin(sorted(lists[codes])))
        pieces.append(
            bad.select(
                table=ibis.literal(table_name), column=ibis.literal(column), value=value
            ).distinct()
        )
    rows = engine.fetch(ibis.union(*pieces, distinct=False).limit(20)) if pieces else []
    if rows:
        raise DatasetError(
            Problem(
                r["table"],
                None,
                r["column"],
                f"{r['value']!r} is not a valid {r['column']} code "
                f"(the {r['column']} code list in ontrack/dataset/codes.toml)",
            )
            for r in sorted(rows, key=lambda r: (r["table"], r["column"], str(r["value"])))
        )


def therapist_ids(engine: Engine) -> list[str]:
    """Every therapist identifier in the therapist table, sorted (index = position + 1)."""
    therapist = engine.table("therapist")
    assert therapist is not None
    rows = engine.fetch(therapist.select("therapist_id").distinct())
    return sorted(str(r["therapist_id"]) for r in rows if r["therapist_id"] is not None)


def build_report(
    engine: Engine,
    *,
    period: Period | None = None,
    thresholds: Thresholds | None = None,
    stages: dict[str, float] | None = None,
) -> Report:
    """Compute every measure, breakdown, therapist effect and alert table on ``engine``.

    Pass a dict as ``stages`` to have the seconds of each stage recorded in it (compiling
    and running its queries together), as ``bench/analytics.py`` does.

    >>> from ontrack.synth import simulate
    >>> from ontrack.analytics.engines import open_tables
    >>> with open_tables(simulate(referrals=200, seed=4)) as engine:
    ...     report = build_report(engine)
    >>> report.overall["referrals"]
    200
    """
    period = period or Period()
    th = thresholds or Thresholds.nhs_talking_therapies()
    lap = _Laps(stages)
    check_codes(engine)
    therapists = therapist_ids(engine)
    lap("check codes")
    index = engine.register(
        "therapist_index",
        pa.table(
            {
                "therapist_id": pa.array(therapists, pa.string()),
                "therapist_idx": pa.array(range(1, len(therapists) + 1), pa.int64()),
            }
        ),
    )
    contact = engine.table("contact")
    assert contact is not None
    therapies = therapy_codes()
    therapy_index = engine.register(
        "therapy_index",
        pa.table(
            {
                "therapy": pa.array(therapies, pa.string()),
                "therapy_idx": pa.array(range(1, len(therapies) + 1), pa.int64()),
            }
        ),
    )
    referral = engine.table("referral")
    assert referral is not None
    contacts = engine.materialize(
        prepare_contacts(contact, referral, th, index, therapy_index), "contacts"
    )
    lap("contact table")
    threshold_table = engine.register("thresholds", th.as_arrow())
    as_at = as_at_date(engine, period)
    derived = engine.materialize(
        derive_referrals(engine.tables, th, period, contacts, threshold_table, as_at),
        "referral_measures",
    )
    lap("per-referral table")
    rows = breakdown_rows(engine, derived)
    lap("breakdowns")
    by_contact = contact_counts(engine, contacts, period)
    overall, breakdowns = _shape(rows, therapists, by_contact.by_therapist)
    breakdowns["month"] = [
        {"group": month, "label": month, **measures_from_counts(counts)}
        for month, counts in month_breakdowns(engine, derived, by_contact.by_month).items()
    ]
    lap("appointments and months")
    effects = therapist_effects(engine, derived, period, therapists)
    lap("therapist effects")
    alert = engine.table("alert")
    alerts = alert_response(engine, alert, period) if alert is not None else None
    lap("alert response")
    published = published_tables(engine, derived, period)
    lap("published tables")
    return Report(period, engine.name, th, overall, breakdowns, effects, alerts, as_at, published)


class _Laps:
    """Record the seconds since the previous lap under each stage name (if asked to)."""

    def __init__(self, into: dict[str, float] | None) -> None:
        self.into = into
        self.last = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        if self.into is not None:
            self.into[stage] = self.into.get(stage, 0.0) + now - self.last
        self.last = now


def _shape(
    rows: list[Row], therapists: list[str], by_contact: Mapping[int, Mapping[str, int]]
) -> tuple[Row, dict[str, list[Row]]]:
    """Turn engine rows into measure rows; a therapist's appointments are their own contacts'."""
    overall: Row = measures_from_counts({})
    breakdowns: dict[str, list[Row]] = {dim.name: [] for dim in DIMENSIONS}
    for row in rows:
        dimension, group = row.pop("dimension"), str(row.pop("group"))
        if dimension == "therapist":
            own = by_contact.get(int(group) if group != NOT_KNOWN else 0, {})
            row.update({name: own.get(name, 0) for name in FAMILY_COUNTS["contact"]})
        measures = measures_from_counts(row)
        if dimension == OVERALL:
            overall = measures
            continue
        code = group_code(dimension, group, therapists)
        breakdowns[dimension].append(
            {"group": code, "label": group_label(dimension, group, therapists), **measures}
        )
    for dimension, items in breakdowns.items():
        items.sort(key=lambda r: _sort_key(dimension, r["group"]))
    return overall, breakdowns


def _sort_key(dimension: str, group: str) -> tuple[int, float, str]:
    if group == NOT_KNOWN:
        return (2, 0.0, group)
    if dimension == "imd_decile":
        return (0, float(group), group)
    return (1, 0.0, group)
