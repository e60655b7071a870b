"""The baseline an analyst would write: the same measures in straightforward pandas.

Reads the columns it needs from the Parquet files, merges, sorts and groups with pandas,
and counts every measure of `ontrack report --json` (key measures, every breakdown, months,
therapist case mix). It is the comparison for bench/analytics.py, and, since it shares no
code with the Ibis implementation, a third check that the definitions agree: the
benchmark compares its counts with DuckDB's.

    .venv/bin/python bench/analytics_pandas_baseline.py /tmp/national
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ontrack.analytics.breakdowns import AGE_BANDS, ETHNIC_GROUPS
from ontrack.analytics.derive import therapy_codes
from ontrack.analytics.thresholds import Thresholds

ATTENDED = ["5", "6"]
TREATMENT = ["02", "03", "05"]


def read(path: Path, table: str, columns: list[str]) -> pd.DataFrame:
    return pd.read_parquet(path / f"{table}.parquet", columns=columns)


def contact_times(path: Path, con: pd.DataFrame) -> pd.Series:
    """Each contact's time as 'HH:MM:SS' ('' when not recorded, or no such column)."""
    if "contact_time" not in pq.read_schema(path / "contact.parquet").names:
        return pd.Series("", index=con.index)
    time = read(path, "contact", ["contact_time"])["contact_time"].fillna("")
    return time.where(time.str.len() != 5, time + ":00")


def referral_table(path: Path) -> pd.DataFrame:
    """One row per referral with every derived field."""
    th = Thresholds.nhs_talking_therapies()
    ref = read(
        path,
        "referral",
        [
            "referral_id",
            "service_id",
            "referral_date",
            "end_date",
            "age",
            "gender",
            "ethnicity",
            "imd_decile",
            "problem_descriptor",
        ],
    )
    con = read(
        path,
        "contact",
        [
            "contact_id",
            "referral_id",
            "therapist_id",
            "contact_date",
            "app_type",
            "attendance",
            "therapy",
            "step",
            "session_number",
            "planned",
        ],
    )
    # Seen: attended (5, 6) or unplanned, as NHS England counts a treatment contact.
    con["attended"] = con["attendance"].isin(ATTENDED) | ~con["planned"].astype(bool)
    con["treatment"] = con["attended"] & con["app_type"].isin(TREATMENT)
    con["is_dna"] = con["attendance"] == "3"
    con["is_appointment"] = True  # every care contact (SUM(ApptDNA) / SUM(Appointments))
    # Same day: by time when recorded ('HH:MM' and 'HH:MM:SS' compared alike), none first.
    con["moment"] = contact_times(path, con)

    per = con.groupby("referral_id").agg(
        n_attended=("attended", "sum"),
        n_treatment=("treatment", "sum"),
        dna=("is_dna", "sum"),
        appointments=("is_appointment", "sum"),
    )
    treat = con[con["treatment"]]
    per["first_treatment_date"] = treat.groupby("referral_id")["contact_date"].min()
    per["min_step"] = treat.groupby("referral_id")["step"].min()
    per["max_step"] = treat.groupby("referral_id")["step"].max()
    # Last treatment contact; same day: the therapist, then therapy, sorted last.
    therapy_rank = {c: i + 1 for i, c in enumerate(therapy_codes())}
    last = treat.assign(therapy_rank=treat["therapy"].map(therapy_rank).fillna(0)).sort_values(
        ["referral_id", "contact_date", "moment", "therapist_id", "therapy_rank"]
    )
    last = last.drop_duplicates("referral_id", keep="last").set_index("referral_id")
    per["therapist_id"] = last["therapist_id"]
    per["therapy"] = last["therapy"]

    # First and last score per measure (same day: lower total first).
    score = read(path, "score", ["contact_id", "measure", "total"])
    score = score[score["measure"].isin(th.codes)]
    usable = con.loc[
        con["attended"] & (con["app_type"] != "06"),
        ["contact_id", "referral_id", "contact_date", "moment"],
    ]
    s = score.merge(usable, on="contact_id").sort_values(
        ["referral_id", "measure", "contact_date", "moment", "total"]
    )
    g = s.groupby(["referral_id", "measure"])["total"]
    pairs = pd.DataFrame({"n": g.size(), "first": g.first(), "last": g.last()}).unstack("measure")

    d = ref.set_index("referral_id").join(per)
    for col in ("n_attended", "n_treatment", "dna", "appointments"):
        d[col] = d[col].fillna(0).astype(int)
    d["intended"] = (
        d["problem_descriptor"].map(dict(th.anxiety_by_descriptor)).fillna(th.default_anxiety)
    )

    def col(kind: str, measure: str) -> pd.Series:
        if (kind, measure) in pairs.columns:
            return pairs[(kind, measure)].reindex(d.index)
        return pd.Series(np.nan, index=d.index)

    adsm_n = pd.Series(0.0, index=d.index)
    adsm_first = pd.Series(np.nan, index=d.index)
    adsm_last = pd.Series(np.nan, index=d.index)
    for code in th.adsm_codes:
        mask = d["intended"] == code
        adsm_n[mask] = col("n", code)[mask].fillna(0)
        adsm_first[mask] = col("first", code)[mask]
        adsm_last[mask] = col("last", code)[mask]
    use_adsm = adsm_n >= 2
    d["anxiety"] = np.where(use_adsm, d["intended"], th.default_anxiety)
    dep = th.depression
    d["dep_n"] = col("n", dep).fillna(0)
    d["dep_first"], d["dep_last"] = col("first", dep), col("last", dep)
    d["anx_n"] = np.where(use_adsm, adsm_n, col("n", th.default_anxiety).fillna(0))
    d["anx_first"] = np.where(use_adsm, adsm_first, col("first", th.default_anxiety))
    d["anx_last"] = np.where(use_adsm, adsm_last, col("last", th.default_anxiety))

    def is_case(total: pd.Series, codes: pd.Series) -> pd.Series:
        out = pd.Series(False, index=total.index)
        for m in th.measures:
            mask = codes == m.code
            v = total[mask]
            out[mask] = (v >= m.cutoff) if m.cutoff_inclusive else (v > m.cutoff)
        return out

    def reliable(first: pd.Series, last: pd.Series, codes: pd.Series) -> tuple[Any, Any]:
        imp = pd.Series(False, index=first.index)
        det = pd.Series(False, index=first.index)
        for m in th.measures:
            mask = codes == m.code
            change = last[mask] - first[mask]
            big = change.abs() >= m.reliable_change - 1e-9
            imp[mask] = big & (change < 0)
            det[mask] = big & (change > 0)
        return imp, det

    deps = pd.Series(dep, index=d.index)
    d["paired"] = (d["dep_n"] >= 2) & (d["anx_n"] >= 2)
    d["anx_case_first"] = is_case(d["anx_first"], d["anxiety"])
    caseness = d["paired"] & (is_case(d["dep_first"], deps) | d["anx_case_first"])
    d["caseness"] = caseness
    d["not_caseness"] = d["paired"] & ~caseness
    d["recovered"] = (
        caseness & ~is_case(d["dep_last"], deps) & ~is_case(d["anx_last"], d["anxiety"])
    )
    di, dd = reliable(d["dep_first"], d["dep_last"], deps)
    ai, ad = reliable(d["anx_first"], d["anx_last"], d["anxiety"])
    d["improved"] = d["paired"] & (di | ai) & ~(dd | ad)
    d["deteriorated"] = d["paired"] & (dd | ad) & ~(di | ai)
    d["no_change"] = d["paired"] & ~d["improved"] & ~d["deteriorated"]
    d["reliably_recovered"] = d["recovered"] & d["improved"]
    d["wait_days"] = (
        pd.to_datetime(d["first_treatment_date"]) - pd.to_datetime(d["referral_date"])
    ).dt.days

    goals = read(path, "goal_rating", ["contact_id", "referral_id"]).merge(
        con[["contact_id", "app_type", "session_number"]], on="contact_id"
    )
    early = goals[(goals["app_type"] == "01") | (goals["session_number"] <= 2)]
    d["early_goals"] = d.index.isin(early["referral_id"])
    hw = read(path, "homework", ["referral_id", "reviewed_contact_id", "outcome"])
    hw["done"] = hw["outcome"] == "done"
    hw_per = hw.groupby("referral_id").agg(
        homework_set=("referral_id", "size"),
        homework_reviewed=("reviewed_contact_id", "count"),
        homework_done=("done", "sum"),
    )
    d = d.join(hw_per)
    for c in ("homework_set", "homework_reviewed", "homework_done"):
        d[c] = d[c].fillna(0).astype(int)
    if (path / "alert.parquet").exists():
        alert = read(path, "alert", ["referral_id", "kind", "acted_at"])
        off = alert[alert["kind"] == "off_track"]
        d["offtrack_alert"] = d.index.isin(off["referral_id"])
        d["offtrack_acted"] = d.index.isin(off.loc[off["acted_at"].notna(), "referral_id"])
    else:
        d["offtrack_alert"] = d["offtrack_acted"] = False
    return d, con


def indicators(d: pd.DataFrame) -> pd.DataFrame:
    """One column per count: each referral's contribution (whole data set, no period)."""
    ended = d["end_date"].notna()
    finished = ended & (d["n_treatment"] >= 2)
    wait = d["wait_days"]
    out = pd.DataFrame(
        {
            "referrals": True,
            "entered_treatment": d["first_treatment_date"].notna(),
            "ended_referrals": ended,
            "finished_course": finished,
            "finished_not_at_caseness": finished & d["not_caseness"],
            "recovery_denominator": finished & ~d["not_caseness"],
            "recovered": finished & d["recovered"],
            "reliable_improvement": finished & d["improved"],
            "reliable_deterioration": finished & d["deteriorated"],
            "no_reliable_change": finished & d["no_change"],
            "reliable_recovery": finished & d["reliably_recovered"],
            "waited_6_weeks": finished & (wait <= 42),
            "waited_18_weeks": finished & (wait <= 126),
            "ended_before_treatment": ended & (d["n_treatment"] == 0),
            "ended_after_one_treatment": ended & (d["n_treatment"] == 1),
            "treatment_sessions_finished": d["n_treatment"].where(finished, 0),
            "appointments": d["appointments"],
            "dna": d["dna"],
            "cohort_recovered": finished & d["recovered"],
            "finished_with_early_goals": finished & d["early_goals"],
            "homework_set": d["homework_set"].where(finished, 0),
            "homework_reviewed": d["homework_reviewed"].where(finished, 0),
        },
        index=d.index,
    )
    return out.astype("int64")


def counts(ind: pd.DataFrame) -> dict[str, int]:
    """Total the indicators."""
    return {k: int(v) for k, v in ind.sum().items()}


def dimensions(d: pd.DataFrame) -> dict[str, pd.Series]:
    ethnic = pd.Series("Not stated", index=d.index)
    for label, codes in ETHNIC_GROUPS:
        ethnic[d["ethnicity"].isin(codes)] = label
    age = pd.Series("not known", index=d.index)
    for label, low, high in AGE_BANDS:
        age[(d["age"] >= low) & (d["age"] <= high)] = label
    steps = np.select(
        [
            (d["min_step"] == 2) & (d["max_step"] == 2),
            (d["min_step"] == 3) & (d["max_step"] == 3),
            (d["min_step"] == 2) & (d["max_step"] == 3),
        ],
        ["low intensity only", "high intensity only", "low and high intensity"],
        "not known",
    )
    alert = np.where(
        d["offtrack_acted"],
        "off-track alert acted on",
        np.where(d["offtrack_alert"], "off-track alert not acted on", "no off-track alert"),
    )
    return {
        "imd_decile": d["imd_decile"].astype("Int64").astype(str).replace("<NA>", "not known"),
        "ethnic_group": ethnic,
        "ethnicity": d["ethnicity"],
        "age_band": age,
        "gender": d["gender"],
        "problem_descriptor": d["problem_descriptor"].fillna("not known"),
        "therapy": d["therapy"].fillna("not known"),
        "step": pd.Series(steps, index=d.index),
        "therapist": d["therapist_id"].fillna("not known"),
        "service": d["service_id"],
        "alert_response": pd.Series(alert, index=d.index),
    }


def run(path: Path) -> dict[str, Any]:
    """Compute the measure set; return overall counts and every breakdown's counts."""
    d, con = referral_table(path)
    ind = indicators(d)
    out: dict[str, Any] = {"overall": counts(ind), "breakdowns": {}}
    for name, groups in dimensions(d).items():
        table = ind.groupby(groups).sum()
        out["breakdowns"][name] = {
            str(k): {c: int(v) for c, v in row.items()} for k, row in table.iterrows()
        }
    # Months: each family in the month of its own date.
    months: dict[str, dict[str, int]] = {}
    for column, names in (
        ("referral_date", ["referrals"]),
        ("first_treatment_date", ["entered_treatment"]),
        ("end_date", ["finished_course", "recovered", "recovery_denominator"]),
    ):
        month = pd.to_datetime(d[column]).dt.strftime("%Y-%m")
        for key, row in ind[names].groupby(month).sum().iterrows():
            months.setdefault(str(key), {}).update({n: int(row[n]) for n in names})
    con["month"] = pd.to_datetime(con["contact_date"]).dt.strftime("%Y-%m")
    dna = (con["attendance"] == "3").groupby(con["month"]).sum()
    for key, value in dna.items():
        months.setdefault(str(key), {})["dna"] = int(value)
    out["months"] = months
    # Case mix for therapist effects: expected recovery by cell, per therapist.
    ended = d["end_date"].notna()
    pop = d[ended & (d["n_treatment"] >= 2) & d["caseness"] & d["therapist_id"].notna()].copy()
    sev = np.select(
        [pop["dep_first"] < 10, pop["dep_first"] < 15, pop["dep_first"] < 20], ["a", "b", "c"], "d"
    )
    pop["cell"] = (
        pd.Series(sev, index=pop.index)
        + pop["anx_case_first"].map({True: "y", False: "n"})
        + pop["problem_descriptor"]
        .map({"F32": "dep", "F33": "dep", "F41.1": "gad", "F41.2": "mixed"})
        .fillna(pop["problem_descriptor"].isna().map({True: "none", False: "anx"}))
        + ((pop["imd_decile"] + 1) // 2).fillna(0).astype(int).astype(str)
        + dimensions(pop)["age_band"]
    )
    cell = pop.groupby("cell")["recovered"].agg(["size", "sum"])
    pop["p"] = pop["cell"].map((cell["sum"] + 0.5) / (cell["size"] + 1.0))
    per_t = pop.groupby("therapist_id").agg(
        courses=("p", "size"), observed=("recovered", "sum"), expected=("p", "sum")
    )
    out["therapists"] = len(per_t)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path, help="dataset directory (Parquet)")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    args = parser.parse_args()
    started = time.perf_counter()
    result = run(args.dataset)
    seconds = time.perf_counter() - started
    if args.json:
        print(json.dumps({"seconds": seconds, **result}, default=int))
    else:
        print(f"pandas baseline: {seconds:.1f} s; overall {result['overall']}")


if __name__ == "__main__":
    main()
