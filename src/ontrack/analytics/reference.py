"""The reference implementation: every measure in plain Python, one referral at a time.

It is slow and obvious on purpose. The tests hold each engine (DuckDB, Spark, PostgreSQL)
to the answers this module gives on hand-made and Hypothesis-generated datasets, as ehrql
holds its query engines to its in-memory engine. It shares no query code with the Ibis
implementation: only the definitions of the rates (``measures.compute_rates``), the
publication rule and the shrinkage step, which act on counts.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from ontrack.analytics.breakdowns import AGE_BANDS, DIMENSIONS, ETHNIC_GROUPS, NOT_KNOWN
from ontrack.analytics.derive import ASSESSMENT, DNA, FOLLOW_UP, therapy_codes
from ontrack.analytics.measures import (
    AGREED_COMPLETION,
    COUNT_NAMES,
    FAMILY_COUNTS,
    NOT_SEEN,
    NOT_STATED,
    SEEN_NOT_TREATED,
    SELF_REFERRAL,
    TREATED,
    WAITING_BANDS,
    WHITE_BRITISH,
    Family,
    measures_from_counts,
)
from ontrack.analytics.period import Period
from ontrack.analytics.published import (
    by_intensity,
    by_mechanism,
    median,
    shape_end_codes,
    shape_iet,
)
from ontrack.analytics.report import Report, _shape
from ontrack.analytics.therapists import shrink
from ontrack.analytics.thresholds import TOTAL_SCALE, Thresholds
from ontrack.dataset.schema import TREATMENT_APP_TYPES, is_seen

Row = dict[str, Any]


@dataclass
class ReferralFacts:
    """Everything the measures need to know about one referral."""

    referral: Row
    n_attended: int = 0
    n_treatment: int = 0
    first_treatment: dt.date | None = None
    second_treatment: dt.date | None = None
    last_treatment_as_at: dt.date | None = None
    adsm_paired: bool = False
    therapist: str | None = None
    therapy: str | None = None
    steps: set[int] = field(default_factory=set)
    dna_in_period: int = 0
    appointments_in_period: int = 0
    paired: bool = False
    caseness: bool = False
    not_caseness: bool = False
    recovered: bool = False
    improved: bool = False
    deteriorated: bool = False
    dep_first: float | None = None
    anx_case_first: bool = False
    early_goals: bool = False
    homework_set: int = 0
    homework_reviewed: int = 0
    homework_done: int = 0
    offtrack_alert: bool = False
    offtrack_acted: bool = False

    @property
    def no_change(self) -> bool:
        return self.paired and not self.improved and not self.deteriorated

    @property
    def reliably_recovered(self) -> bool:
        return self.recovered and self.improved

    @property
    def wait_days(self) -> int | None:
        if self.first_treatment is None:
            return None
        referred: dt.date = self.referral["referral_date"]
        return (self.first_treatment - referred).days


def reference_report(
    tables: Mapping[str, pa.Table],
    period: Period | None = None,
    thresholds: Thresholds | None = None,
) -> Report:
    """Compute the whole report in Python from canonical Arrow tables."""
    period = period or Period()
    th = thresholds or Thresholds.nhs_talking_therapies()
    rows = {name: table.to_pylist() for name, table in tables.items()}
    therapists = sorted({t["therapist_id"] for t in rows["therapist"]})
    as_at = _as_at(rows, period)
    facts = referral_facts(rows, th, period, therapists, as_at)
    overall, breakdowns = _shape(
        _breakdown_rows(facts, period, therapists, as_at),
        therapists,
        _therapist_contacts(rows, period, therapists),
    )
    breakdowns["month"] = [
        {"group": month, "label": month, **measures_from_counts(c)}
        for month, c in monthly_counts(facts, rows, period, th).items()
    ]
    effects = _effects(facts, period, therapists)
    alerts = _alerts(rows["alert"], period) if "alert" in rows else None
    published = _published(facts, rows, period)
    return Report(period, "reference", th, overall, breakdowns, effects, alerts, as_at, published)


def _as_at(rows: Mapping[str, list[Row]], period: Period) -> dt.date | None:
    """The end of the period, or else the last referral, discharge or contact date."""
    if period.end is not None:
        return period.end
    dates = [r["referral_date"] for r in rows["referral"]]
    dates += [r["end_date"] for r in rows["referral"] if r["end_date"] is not None]
    dates += [c["contact_date"] for c in rows["contact"]]
    return max(dates) if dates else None


def _published(
    facts: list[ReferralFacts], rows: Mapping[str, list[Row]], period: Period
) -> dict[str, Any]:
    waits: dict[int, int] = defaultdict(int)
    ends: dict[str | None, int] = defaultdict(int)
    for f in facts:
        r = f.referral
        if not period.includes(r["end_date"]):
            continue
        ends[r["end_code"]] += 1
        if f.n_treatment >= 2 and f.wait_days is not None:
            waits[f.wait_days] += 1
    mix = [
        (c["cons_mechanism"], c["therapy"], 1)
        for c in rows["contact"]
        if period.includes(c["contact_date"])
    ]
    iet = None
    if "iet_activity" in rows:
        logs = [e for e in rows["iet_activity"] if period.includes(e["start_date"])]
        iet = shape_iet(
            {
                "log_entries": len(logs),
                "referrals": len({e["referral_id"] for e in logs}),
                "minutes": sum(e["duration_minutes"] or 0 for e in logs),
            }
        )
    return {
        "median_wait_days": median(waits),
        "ended_by_end_code": shape_end_codes(ends),
        "appointments_by_intensity": by_intensity(mix),
        "appointments_by_consultation_mechanism": by_mechanism(mix),
        "internet_enabled_therapy": iet,
    }


def referral_facts(
    rows: Mapping[str, list[Row]],
    th: Thresholds,
    period: Period,
    therapists: list[str],
    as_at: dt.date | None = None,
) -> list[ReferralFacts]:
    """Derive each referral's facts from its contacts, scores, goals and homework."""
    treatment_days: dict[str, list[dt.date]] = defaultdict(list)
    facts = {r["referral_id"]: ReferralFacts(r) for r in rows["referral"]}
    contacts = {c["contact_id"]: c for c in rows["contact"]}
    therapy_index = {code: i + 1 for i, code in enumerate(therapy_codes())}
    therapist_index = {tid: i + 1 for i, tid in enumerate(therapists)}
    last: dict[str, tuple[tuple[dt.date, int], int, int, Row]] = {}
    for c in rows["contact"]:
        f = facts.get(c["referral_id"])
        if f is None:
            continue
        seen = is_seen(c["attendance"], c["planned"])
        f.n_attended += seen
        if period.includes(c["contact_date"]):
            f.dna_in_period += c["attendance"] == DNA
            f.appointments_in_period += 1  # every care contact is an appointment
        if seen and c["app_type"] in TREATMENT_APP_TYPES:
            f.n_treatment += 1
            treatment_days[c["referral_id"]].append(c["contact_date"])
            if f.first_treatment is None or c["contact_date"] < f.first_treatment:
                f.first_treatment = c["contact_date"]
            if c["step"] is not None:
                f.steps.add(c["step"])
            # last treatment contact; same moment: the therapist then therapy sorted last
            rank = (
                moment(c),
                therapist_index.get(c["therapist_id"], 0),
                therapy_index.get(c["therapy"], 0),
            )
            if c["referral_id"] not in last or rank > last[c["referral_id"]][:3]:
                last[c["referral_id"]] = (*rank, c)
    for rid, days in treatment_days.items():
        days.sort()
        f = facts[rid]
        f.second_treatment = days[1] if len(days) >= 2 else None
        by_then = [d for d in days if as_at is not None and d <= as_at]
        f.last_treatment_as_at = by_then[-1] if by_then else None
    for rid, (_, tidx, ridx, _) in last.items():
        facts[rid].therapist = therapists[tidx - 1] if tidx else None
        facts[rid].therapy = therapy_codes()[ridx - 1] if ridx else None
    _scores(facts, rows["score"], contacts, th)
    for g in rows["goal_rating"]:
        c = contacts[g["contact_id"]]
        early = c["app_type"] == ASSESSMENT or (
            c["session_number"] is not None and c["session_number"] <= 2
        )
        if g["referral_id"] in facts and early:
            facts[g["referral_id"]].early_goals = True
    for h in rows["homework"]:
        if (f := facts.get(h["referral_id"])) is not None:
            f.homework_set += 1
            f.homework_reviewed += h["reviewed_contact_id"] is not None
            f.homework_done += h["outcome"] == "done"
    for a in rows.get("alert", []):
        if a["kind"] == "off_track" and (f := facts.get(a["referral_id"])) is not None:
            f.offtrack_alert = True
            f.offtrack_acted |= a["acted_at"] is not None
    return list(facts.values())


def _recommended_sessions(
    therapy: str | None, problem: str | None
) -> tuple[int | None, int | None]:
    """The recommended range for a therapy and problem, read by the fidelity audit's own
    rule (``ontrack.fidelity.therapy_rule``), so the engines are held to the audit."""
    from ontrack.fidelity.course import AuditConfig, therapy_rule

    rule = therapy_rule(therapy, problem, AuditConfig())
    return (None, None) if rule is None else (rule.min_sessions, rule.max_sessions)


def _scores(
    facts: dict[str, ReferralFacts],
    scores: list[Row],
    contacts: Mapping[str, Row],
    th: Thresholds,
) -> None:
    series: dict[tuple[str, str], list[tuple[tuple[dt.date, int], float]]] = defaultdict(list)
    for s in scores:
        c = contacts.get(s["contact_id"])
        if c is None or s["measure"] not in th.codes:
            continue
        if not is_seen(c["attendance"], c["planned"]) or c["app_type"] == FOLLOW_UP:
            continue
        total = round(s["total"] * TOTAL_SCALE) / TOTAL_SCALE
        series[(c["referral_id"], s["measure"])].append((moment(c), total))
    for rid, f in facts.items():
        intended = th.anxiety_for(f.referral["problem_descriptor"])
        anxiety = intended
        if len(series.get((rid, intended), [])) < 2:
            anxiety = th.default_anxiety
        dep = sorted(series.get((rid, th.depression), []))
        anx = sorted(series.get((rid, anxiety), []))
        f.adsm_paired = len(series.get((rid, intended), [])) >= 2
        if dep:
            f.dep_first = dep[0][1]
        if anx:
            f.anx_case_first = th.measure(anxiety).is_case(anx[0][1])
        if len(dep) < 2 or len(anx) < 2:
            continue
        f.paired = True
        dm, am = th.measure(th.depression), th.measure(anxiety)
        (_, d0), (_, d1), (_, a0), (_, a1) = dep[0], dep[-1], anx[0], anx[-1]
        f.caseness = dm.is_case(d0) or am.is_case(a0)
        f.not_caseness = not f.caseness
        f.recovered = f.caseness and not dm.is_case(d1) and not am.is_case(a1)
        verdicts = {dm.reliable(d0, d1), am.reliable(a0, a1)}
        f.improved = "improvement" in verdicts and "deterioration" not in verdicts
        f.deteriorated = "deterioration" in verdicts and "improvement" not in verdicts


def moment(contact: Row) -> tuple[dt.date, int]:
    """When a contact happened: its date, then its time (a contact without one first)."""
    time = contact.get("contact_time")
    if time is None:
        return (contact["contact_date"], 0)
    h, m, *rest = (int(part) for part in time.split(":"))
    return (contact["contact_date"], 1 + h * 3600 + m * 60 + (rest[0] if rest else 0))


def counts_for(
    facts: list[ReferralFacts],
    period: Period,
    as_at: dt.date | None = None,
    th: Thresholds | None = None,
) -> dict[str, int]:
    """Count every measure over ``facts`` (the contact family from per-referral counts)."""
    th = th or Thresholds.nhs_talking_therapies()
    c = dict.fromkeys(COUNT_NAMES, 0)
    for f in facts:
        r = f.referral
        referred = period.includes(r["referral_date"])
        ended = period.includes(r["end_date"])
        finished = ended and f.n_treatment >= 2
        course = r["end_date"] is not None and f.n_treatment >= 2
        wait = f.wait_days
        accessed = period.includes(f.first_treatment)
        c["referrals"] += referred
        c["entered_treatment"] += accessed
        c["ended_referrals"] += ended
        c["self_referrals"] += referred and r["source_of_referral"] == SELF_REFERRAL
        if accessed:
            assert wait is not None
            c["entered_treatment_waited_6_weeks"] += wait <= 42
            c["entered_treatment_waited_18_weeks"] += wait <= 126
        if ended:
            c["ended_seen_not_treated"] += r["end_code"] in SEEN_NOT_TREATED
            c["ended_treated"] += r["end_code"] in TREATED
            c["ended_not_seen"] += r["end_code"] in NOT_SEEN
            c["ended_with_end_code"] += bool(r["end_code"])
        _second_and_snapshot(c, f, period, as_at)
        c["ended_before_treatment"] += ended and f.n_treatment == 0
        c["ended_after_one_treatment"] += ended and f.n_treatment == 1
        c["appointments"] += f.appointments_in_period
        c["dna"] += f.dna_in_period
        if referred:
            c["cohort_assessed"] += f.n_attended > 0
            c["cohort_entered"] += f.n_treatment > 0
            c["cohort_second"] += f.n_treatment >= 2
            c["cohort_finished"] += course
            c["cohort_recovered"] += course and f.recovered
            c["cohort_reliably_recovered"] += course and f.reliably_recovered
            c["cohort_open"] += r["end_date"] is None
        if not finished:
            continue
        assert wait is not None
        c["finished_course"] += 1
        c["finished_at_caseness"] += f.caseness
        c["finished_not_at_caseness"] += f.not_caseness
        c["recovery_denominator"] += not f.not_caseness
        c["recovered"] += f.recovered
        c["reliable_improvement"] += f.improved
        c["reliable_deterioration"] += f.deteriorated
        c["no_reliable_change"] += f.no_change
        c["reliable_recovery"] += f.reliably_recovered
        c["waited_6_weeks"] += wait <= 42
        c["waited_18_weeks"] += wait <= 126
        c["waited_up_to_28_days"] += wait <= 28
        c["waited_29_to_56_days"] += 28 < wait <= 56
        c["waited_57_to_90_days"] += 56 < wait <= 90
        c["waited_over_90_days"] += wait > 90
        c["wait_days_finished"] += wait
        c["treatment_sessions_finished"] += f.n_treatment
        c["finished_with_early_goals"] += f.early_goals
        c["finished_with_homework"] += f.homework_set > 0
        low, high = _recommended_sessions(f.therapy, r["problem_descriptor"])
        if low is not None and high is not None:
            c["finished_session_range_known"] += 1
            c["finished_in_session_range"] += low <= f.n_treatment <= high or (
                f.n_treatment < low and r["end_code"] == AGREED_COMPLETION
            )
        c["homework_set"] += f.homework_set
        c["homework_reviewed"] += f.homework_reviewed
        c["homework_done"] += f.homework_done
        expected = th.anxiety_for(r["problem_descriptor"]) != th.default_anxiety
        c["finished_adsm_expected"] += expected
        c["finished_adsm_paired"] += expected and f.adsm_paired
        ethnicity = r["ethnicity"]
        if ethnicity == WHITE_BRITISH:
            c["white_british_recovered"] += f.recovered
            c["white_british_recovery_denominator"] += not f.not_caseness
        elif ethnicity is not None and ethnicity != NOT_STATED:
            c["ethnic_minority_recovered"] += f.recovered
            c["ethnic_minority_recovery_denominator"] += not f.not_caseness
    return c


def _second_and_snapshot(
    c: dict[str, int], f: ReferralFacts, period: Period, as_at: dt.date | None
) -> None:
    """Waits from first to second treatment, and the open referrals and waiting list."""
    r = f.referral
    if period.includes(f.second_treatment):
        assert f.second_treatment is not None
        assert f.first_treatment is not None
        gap = (f.second_treatment - f.first_treatment).days
        c["second_treatment"] += 1
        c["first_to_second_over_28_days"] += gap > 28
        c["first_to_second_over_90_days"] += gap > 90
    if as_at is None or r["referral_date"] > as_at:
        return
    if r["end_date"] is not None and r["end_date"] <= as_at:
        return
    last = f.last_treatment_as_at
    if last is not None:
        c["open_referrals_treated"] += 1
        c["open_referrals_no_contact_90_days"] += (as_at - last).days > 90
    if f.first_treatment is None or f.first_treatment > as_at:
        waited = (as_at - r["referral_date"]).days
        c["waiting_list"] += 1
        for band, low, high in WAITING_BANDS:
            c[f"waiting_{band}"] += low <= waited and (high is None or waited <= high)


def group_of(dimension: str, f: ReferralFacts, therapists: list[str]) -> str:
    """The group a referral falls in, in the engines' encoding (indexes for codes)."""
    r = f.referral
    if dimension == "imd_decile":
        return NOT_KNOWN if r["imd_decile"] is None else str(r["imd_decile"])
    if dimension == "ethnic_group":
        for label, codes in ETHNIC_GROUPS:
            if r["ethnicity"] in codes:
                return label
        return "Not stated"
    if dimension == "age_band":
        for label, low, high in AGE_BANDS:
            if r["age"] is not None and low <= r["age"] <= high:
                return label
        return NOT_KNOWN
    if dimension in ("ethnicity", "gender", "problem_descriptor"):
        return NOT_KNOWN if r[dimension] is None else str(r[dimension])
    if dimension == "service":
        return str(r["service_id"])
    if dimension == "therapy":
        therapies = therapy_codes()
        return str(therapies.index(f.therapy) + 1) if f.therapy in therapies else "0"
    if dimension == "therapist":
        return str(therapists.index(f.therapist) + 1) if f.therapist in therapists else "0"
    if dimension == "step":
        return {
            frozenset({2}): "low intensity only",
            frozenset({3}): "high intensity only",
            frozenset({2, 3}): "low and high intensity",
        }.get(frozenset(f.steps), "not known")
    if dimension == "alert_response":
        if f.offtrack_acted:
            return "off-track alert acted on"
        return "off-track alert not acted on" if f.offtrack_alert else "no off-track alert"
    raise KeyError(dimension)


def _breakdown_rows(
    facts: list[ReferralFacts], period: Period, therapists: list[str], as_at: dt.date | None
) -> list[Row]:
    overall = counts_for(facts, period, as_at)
    rows: list[Row] = [{"dimension": "overall", "group": "overall", **overall}]
    for dim in DIMENSIONS:
        groups: dict[str, list[ReferralFacts]] = defaultdict(list)
        for f in facts:
            groups[group_of(dim.name, f, therapists)].append(f)
        for group, members in groups.items():
            counts = counts_for(members, period, as_at)
            rows.append({"dimension": dim.name, "group": group, **counts})
    return rows


def _therapist_contacts(
    rows: Mapping[str, list[Row]], period: Period, therapists: list[str]
) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(lambda: {"appointments": 0, "dna": 0})
    for c in rows["contact"]:
        if not period.includes(c["contact_date"]):
            continue
        idx = therapists.index(c["therapist_id"]) + 1 if c["therapist_id"] in therapists else 0
        out[idx]["appointments"] += 1
        out[idx]["dna"] += c["attendance"] == DNA
    return dict(out)


def _month(value: dt.date) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def monthly_counts(
    facts: list[ReferralFacts],
    rows: Mapping[str, list[Row]],
    period: Period,
    th: Thresholds | None = None,
) -> dict[str, dict[str, int]]:
    """Count each family by the month of its own date, appointments by contact month."""
    th = th or Thresholds.nhs_talking_therapies()
    families: dict[Family, Callable[[ReferralFacts], dt.date | None]] = {
        "referral": lambda f: f.referral["referral_date"],
        "access": lambda f: f.first_treatment,
        "second": lambda f: f.second_treatment,
        "ending": lambda f: f.referral["end_date"],
    }

    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNT_NAMES, 0))
    for family, date_of in families.items():
        groups: dict[str, list[ReferralFacts]] = defaultdict(list)
        for f in facts:
            when = date_of(f)
            if when is not None and period.includes(when):
                groups[_month(when)].append(f)
        for month, members in groups.items():
            counts = counts_for(members, period, None, th)
            for name in FAMILY_COUNTS[family]:
                out[month][name] += counts[name]
    for c in rows["contact"]:
        if period.includes(c["contact_date"]):
            month = _month(c["contact_date"])
            out[month]["appointments"] += 1
            out[month]["dna"] += c["attendance"] == DNA
    return {m: c for m, c in sorted(out.items()) if any(c.values())}


def _effects(facts: list[ReferralFacts], period: Period, therapists: list[str]) -> list[Any]:
    pop = [
        f
        for f in facts
        if period.includes(f.referral["end_date"])
        and f.n_treatment >= 2
        and f.caseness
        and f.therapist in therapists
    ]
    cells: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    keyed = []
    for f in pop:
        key = _cell(f)
        cells[key][0] += 1
        cells[key][1] += f.recovered
        keyed.append((key, f))
    per: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0.0])
    for key, f in keyed:
        n, y = cells[key]
        p = (y + 0.5) / (n + 1.0)
        acc = per[str(f.therapist)]
        acc[0] += 1
        acc[1] += f.recovered
        acc[2] += p
        acc[3] += p * (1.0 - p)
    ids = sorted(per)
    return shrink(
        ids,
        np.array([per[i][0] for i in ids], dtype=float),
        np.array([per[i][1] for i in ids], dtype=float),
        np.array([per[i][2] for i in ids]),
        np.array([per[i][3] for i in ids]),
    )


def _cell(f: ReferralFacts) -> str:
    r = f.referral
    dep = f.dep_first if f.dep_first is not None else 0.0
    severity = "a" if dep < 10 else "b" if dep < 15 else "c" if dep < 20 else "d"
    descriptor = r["problem_descriptor"]
    if descriptor in ("F32", "F33"):
        problem = "dep"
    elif descriptor == "F41.1":
        problem = "gad"
    elif descriptor == "F41.2":
        problem = "mixed"
    elif descriptor is None:
        problem = "none"
    else:
        problem = "anx"
    quintile = "0" if r["imd_decile"] is None else str((r["imd_decile"] + 1) // 2)
    anxious = "y" if f.anx_case_first else "n"
    return f"{severity}|{anxious}|{problem}|{quintile}|{group_of('age_band', f, [])}"


def _alerts(alerts: list[Row], period: Period) -> list[Row]:
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for a in alerts:
        if period.includes(a["opened_at"].date()):
            groups[(a["kind"], a["severity"])].append(a)
    out = []
    for (kind, severity), members in sorted(groups.items()):
        ack = [_seconds(a["acknowledged_at"], a["opened_at"]) for a in members]
        act = [_seconds(a["acted_at"], a["opened_at"]) for a in members]
        ack_known = [s for s in ack if s is not None]
        act_known = [s for s in act if s is not None]
        opened = len(members)
        out.append(
            {
                "kind": kind,
                "severity": severity,
                "opened": opened,
                "acknowledged": len(ack_known),
                "acknowledged_within_1_day": sum(s <= 86_400 for s in ack_known),
                "acknowledged_within_7_days": sum(s <= 7 * 86_400 for s in ack_known),
                "acted_on": len(act_known),
                "closed": sum(a["closed_at"] is not None for a in members),
                "acknowledged_rate": len(ack_known) / opened,
                "acted_on_rate": len(act_known) / opened,
                "median_hours_to_acknowledge": _median_hours(ack_known),
                "median_hours_to_act": _median_hours(act_known),
            }
        )
    return out


def _seconds(later: dt.datetime | None, earlier: dt.datetime) -> int | None:
    return None if later is None else int((later - earlier).total_seconds())


def _median_hours(seconds: list[int]) -> float | None:
    return statistics.median(seconds) / 3600.0 if seconds else None
