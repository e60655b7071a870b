"""How close to the scan floor can *any* DuckDB query get? A lower bound, side by side.

Issue 6 asks for the whole `--json` measure set within 3x of the time DuckDB takes merely to
scan the columns used (bench/analytics.py's "floor"). This script times hand-written DuckDB
SQL for only the first part of that work, the per-referral facts every measure is counted
from, in three steps that each add what the measures require:

  core          per referral: first and last PHQ-9 and GAD-7 (each score joined to its
                attended, non-follow-up contact for the day), number of treatment contacts
                and the first treatment date; joined to every referral
  +adsm         the same, with the problem-specific anxiety measure (ADSM) the referral's
                problem descriptor calls for, carried on each contact
  per-referral  everything derive.py derives: also attended contacts, the therapist of the
                last treatment, the steps, DNAs and appointments, goal ratings made by
                treatment session 2 (stacked with the scores so that one hash table of
                contacts serves both, the fastest form we found) and homework

No breakdown, month, therapist effect or JSON is computed here: whatever the report does on
top of "per-referral" can only add to it. The SQL is written for DuckDB alone, reads the
Parquet in place, writes nothing and returns a handful of totals, the most favourable case
for it. tests/unit/analytics/test_bench_lower_bound.py checks that those totals equal the
reference implementation's, so the bound computes what the report computes.

    .venv/bin/ontrack simulate --referrals 1800000 --seed 1 --out /tmp/national
    flock /tmp/ontrack-bench.lock .venv/bin/python bench/analytics_lower_bound.py \\
        --data /tmp/national --repeats 5

Each repetition runs the floor and the three queries in turn, each on a fresh connection;
medians and ratios to the floor's median are printed. Record them in docs/analytics.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from ontrack.analytics.derive import ASSESSMENT, DAY_SHIFT, DNA, FOLLOW_UP, SECONDS_PER_DAY
from ontrack.analytics.thresholds import TOTAL_SCALE, Thresholds
from ontrack.dataset.schema import ATTENDED, TREATMENT_APP_TYPES

sys.path.insert(0, str(Path(__file__).resolve().parent))
from analytics import child_floor  # bench/analytics.py: the same floor

STEPS = ("core", "+adsm", "per-referral")


def _in(values: frozenset[str] | set[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in sorted(values)) + ")"


def _intended(th: Thresholds) -> str:
    """SQL for the anxiety measure NHS TT pairs with each referral's problem descriptor."""
    arms = " ".join(f"WHEN '{d}' THEN '{m}'" for d, m in th.anxiety_by_descriptor)
    return f"CASE r.problem_descriptor {arms} ELSE '{th.default_anxiety}' END"


def _roles(count_adsm: bool) -> str:
    """Count, first key and last key of each scored role (PHQ-9, GAD-7, and the ADSM)."""
    roles = (0, 1, 2) if count_adsm else (0, 1)
    parts = []
    for r in roles:
        parts += [
            f"count(*) FILTER (WHERE role = {r}) AS n{r}",
            f"min(k) FILTER (WHERE role = {r}) AS a{r}",
            f"max(k) FILTER (WHERE role = {r}) AS b{r}",
        ]
    return ", ".join(parts)


def query(data: Path, step: str, th: Thresholds | None = None) -> str:
    """The hand-written DuckDB SQL of one step (see the module docstring)."""
    th = th or Thresholds.nhs_talking_therapies()

    def parquet(table: str) -> str:
        return "read_parquet('" + str(data / f"{table}.parquet").replace("'", "''") + "')"

    # Seen: attended (5, 6) or unplanned, as NHS England counts a treatment contact.
    attended = f"(c.attendance IN {_in(ATTENDED)} OR NOT c.planned)"
    treatment = f"({attended} AND c.app_type IN {_in(TREATMENT_APP_TYPES)})"
    usable = f"({attended} AND c.app_type <> '{FOLLOW_UP}')"
    early = f"(c.app_type = '{ASSESSMENT}' OR coalesce(c.session_number <= 2, false))"
    day = f"(CAST(epoch(c.contact_date) AS BIGINT) // 86400) * {SECONDS_PER_DAY}"
    if "contact_time" in pq.read_schema(data / "contact.parquet").names:
        # Same-day contacts ordered by their time, as derive.py does ('HH:MM[:SS]').
        t = "(c.contact_time || ':00')"
        day += (
            f" + coalesce(1 + 3600 * CAST(substr({t}, 1, 2) AS BIGINT) + 60 * "
            f"CAST(substr({t}, 4, 2) AS BIGINT) + CAST(substr({t}, 7, 2) AS BIGINT), 0)"
        )
    key = f"d * {DAY_SHIFT} + CAST(round(x.total * {TOTAL_SCALE}) AS BIGINT)"
    codes = _in(set(th.codes))
    adsm = step != "core"
    full = step == "per-referral"
    if full:
        # Goal ratings ride in the same join as the scores (measure NULL marks a rating).
        contacts = (
            f"SELECT c.contact_id AS cid, c.referral_id AS rid, {day} AS d, {_intended(th)} "
            f"AS intended, {usable} AS usable, {early} AS early FROM {parquet('contact')} c "
            f"JOIN {parquet('referral')} r ON c.referral_id = r.referral_id "
            f"WHERE {usable} OR {early}"
        )
        stacked = (
            f"SELECT contact_id, measure, total FROM {parquet('score')} "
            f"WHERE measure IN {codes} UNION ALL "
            f"SELECT contact_id, NULL, NULL FROM {parquet('goal_rating')}"
        )
        role = (
            "CASE WHEN x.measure IS NULL THEN (CASE WHEN early THEN 9 ELSE 8 END) "
            f"WHEN NOT usable THEN 8 WHEN x.measure = '{th.depression}' THEN 0 "
            f"WHEN x.measure = '{th.default_anxiety}' THEN 1 "
            "WHEN x.measure = intended THEN 2 ELSE 3 END"
        )
    elif adsm:
        contacts = (
            f"SELECT c.contact_id AS cid, c.referral_id AS rid, {day} AS d, {_intended(th)} "
            f"AS intended FROM {parquet('contact')} c "
            f"JOIN {parquet('referral')} r ON c.referral_id = r.referral_id WHERE {usable}"
        )
        stacked = (
            f"SELECT contact_id, measure, total FROM {parquet('score')} WHERE measure IN {codes}"
        )
        role = (
            f"CASE WHEN x.measure = '{th.depression}' THEN 0 "
            f"WHEN x.measure = '{th.default_anxiety}' THEN 1 "
            "WHEN x.measure = intended THEN 2 ELSE 3 END"
        )
    else:
        contacts = (
            f"SELECT c.contact_id AS cid, c.referral_id AS rid, {day} AS d "
            f"FROM {parquet('contact')} c WHERE {usable}"
        )
        pair = _in({th.depression, th.default_anxiety})
        stacked = (
            f"SELECT contact_id, measure, total FROM {parquet('score')} WHERE measure IN {pair}"
        )
        role = f"CASE WHEN x.measure = '{th.depression}' THEN 0 ELSE 1 END"
    scores = (
        f"SELECT rid, {_roles(adsm)}"
        + (", count(*) FILTER (WHERE role = 9) AS eg" if full else "")
        + f" FROM (SELECT rid, {role} AS role, {key} AS k FROM ({stacked}) x "
        f"JOIN ({contacts}) j ON x.contact_id = j.cid) GROUP BY rid"
    )
    contact_facts = [
        f"count(*) FILTER (WHERE {treatment}) AS n",
        f"min(c.contact_date) FILTER (WHERE {treatment}) AS f",
    ]
    if full:
        contact_facts += [
            f"count(*) FILTER (WHERE {attended}) AS na",
            f"arg_max(c.therapist_id, c.contact_date) FILTER (WHERE {treatment}) AS th",
            f"min(c.step) FILTER (WHERE {treatment}) AS s0",
            f"max(c.step) FILTER (WHERE {treatment}) AS s1",
            f"count(*) FILTER (WHERE c.contact_date IS NOT NULL AND c.attendance = '{DNA}') AS dna",
            "count(*) FILTER (WHERE c.contact_date IS NOT NULL) AS appts",
        ]
    per_contact = (
        f"SELECT c.referral_id AS rid, {', '.join(contact_facts)} "
        f"FROM {parquet('contact')} c GROUP BY c.referral_id"
    )
    anx_n = "CASE WHEN s.n2 >= 2 THEN s.n2 ELSE s.n1 END" if adsm else "s.n1"
    totals = [
        "count(*) AS referrals",
        "coalesce(sum(cs.n), 0) AS treatment_contacts",
        "count(cs.f) AS entered_treatment",
        f"count(*) FILTER (WHERE s.n0 >= 2 AND {anx_n} >= 2) AS paired",
        f"sum(s.a0 % {DAY_SHIFT}) / {TOTAL_SCALE} AS sum_first_phq9",
    ]
    joins = f"LEFT JOIN ({per_contact}) cs ON r.referral_id = cs.rid "
    joins += f"LEFT JOIN ({scores}) s ON r.referral_id = s.rid"
    if full:
        homework = (
            "SELECT referral_id AS rid, count(*) AS hs, "
            "count(*) FILTER (WHERE outcome = 'done') AS hd "
            f"FROM {parquet('homework')} GROUP BY referral_id"
        )
        joins += f" LEFT JOIN ({homework}) h ON r.referral_id = h.rid"
        totals += [
            "count(*) FILTER (WHERE s.eg > 0) AS early_goals",
            "coalesce(sum(s.eg), 0) AS early_goal_ratings",
            "coalesce(sum(h.hs), 0) AS homework_set",
            "coalesce(sum(h.hd), 0) AS homework_done",
            "coalesce(sum(cs.dna), 0) AS dna",
            "coalesce(sum(cs.appts), 0) AS appointments",
            "coalesce(sum(cs.na), 0) AS attended",
            "count(cs.th) AS with_therapist",
            "count(*) FILTER (WHERE cs.s0 <> cs.s1) AS stepped",
        ]
    return f"SELECT {', '.join(totals)} FROM {parquet('referral')} r {joins}"


def run_step(data: Path, step: str) -> tuple[float, dict[str, Any]]:
    """Run one step on a fresh connection; return its seconds and its totals."""
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    sql = query(data, step)
    started = time.perf_counter()
    cursor = con.execute(sql)
    row = cursor.fetchone()
    seconds = time.perf_counter() - started
    names = [d[0] for d in cursor.description]
    con.close()
    assert row is not None
    return seconds, dict(zip(names, row, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="a simulated dataset directory")
    parser.add_argument("--repeats", type=int, default=5, help="repetitions (default 5)")
    parser.add_argument("--json-out", type=Path, help="write every measurement here")
    args = parser.parse_args()
    if not (args.data / "referral.parquet").exists():
        parser.error(f"{args.data} has no referral.parquet; simulate a national year first")
    seconds: dict[str, list[float]] = {name: [] for name in ("floor", *STEPS)}
    totals: dict[str, dict[str, Any]] = {}
    for i in range(1, args.repeats + 1):
        seconds["floor"].append(child_floor(args.data)["seconds"])
        for step in STEPS:
            took, totals[step] = run_step(args.data, step)
            seconds[step].append(took)
        shown = ", ".join(f"{k} {v[-1]:.2f} s" for k, v in seconds.items())
        print(f"run {i}: {shown}", flush=True)
    floor = statistics.median(seconds["floor"])
    print()
    for name, runs in seconds.items():
        median = statistics.median(runs)
        print(f"{name:<13} median {median:6.2f} s  {median / floor:5.2f}x the floor")
    print(f"totals of the per-referral step: {totals['per-referral']}")
    if args.json_out:
        args.json_out.write_text(json.dumps({"seconds": seconds, "totals": totals}, default=str))


if __name__ == "__main__":
    main()
