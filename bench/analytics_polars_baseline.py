"""The baseline a strong analyst would write today: the same measures in idiomatic Polars.

Lazy ``scan_parquet`` of the columns needed, joins and grouped aggregations planned as one
query and run on Polars' streaming engine; it shares no code with the Ibis implementation
(only the thresholds, code lists and band definitions). It counts what the pandas baseline
counts (the key measures, every breakdown, the months and the therapists' case mix), and
``tests/unit/analytics/test_bench_baseline.py`` holds it to the report's numbers.

    .venv/bin/python bench/analytics_polars_baseline.py /tmp/national
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import polars as pl

from ontrack.analytics.breakdowns import AGE_BANDS, ETHNIC_GROUPS
from ontrack.analytics.derive import therapy_codes
from ontrack.analytics.measures import (
    NOT_SEEN,
    SEEN_NOT_TREATED,
    TREATED,
    WAITING_BANDS,
)
from ontrack.analytics.thresholds import Thresholds
from ontrack.dataset import code_lists

ATTENDED = ["5", "6"]
TREATMENT = ["02", "03", "05"]
NOT_KNOWN = "not known"


def scan(path: Path, table: str, columns: list[str]) -> pl.LazyFrame:
    return pl.scan_parquet(path / f"{table}.parquet").select(columns)


def _moment() -> pl.Expr:
    """Same-day order: 0 without a time, else 1 + the second of the day."""
    t = pl.col("contact_time") + ":00"
    second = (
        t.str.slice(0, 2).cast(pl.Int64) * 3600
        + t.str.slice(3, 2).cast(pl.Int64) * 60
        + t.str.slice(6, 2).cast(pl.Int64)
    )
    return (second + 1).fill_null(0)


def contacts(path: Path) -> pl.LazyFrame:
    columns = ["contact_id", "referral_id", "therapist_id", "contact_date", "app_type"]
    columns += ["attendance", "therapy", "step", "session_number", "planned"]
    names = pl.scan_parquet(path / "contact.parquet").collect_schema().names()
    con = scan(path, "contact", columns + (["contact_time"] if "contact_time" in names else []))
    if "contact_time" not in names:
        con = con.with_columns(contact_time=pl.lit(None, pl.String))
    rank = pl.DataFrame(
        {"therapy": therapy_codes(), "therapy_rank": range(1, len(therapy_codes()) + 1)}
    ).lazy()
    seen = pl.col("attendance").is_in(ATTENDED) | ~pl.col("planned")
    return (
        con.join(rank, on="therapy", how="left")
        .with_columns(seen=seen, moment=_moment(), therapy_rank=pl.col("therapy_rank").fill_null(0))
        .with_columns(treatment=pl.col("seen") & pl.col("app_type").is_in(TREATMENT))
    )


def contact_facts(con: pl.LazyFrame) -> pl.LazyFrame:
    treatment = pl.col("treatment")
    keys = ("contact_date", "moment", "therapist_id", "therapy_rank")
    last_order = [pl.col(k).filter(treatment) for k in keys]
    return con.group_by("referral_id").agg(
        n_attended=pl.col("seen").sum(),
        n_treatment=treatment.sum(),
        first_treatment_date=pl.col("contact_date").filter(treatment).min(),
        second_treatment_date=pl.col("contact_date")
        .filter(treatment)
        .sort()
        .get(1, null_on_oob=True),
        treatment_dates=pl.col("contact_date").filter(treatment),
        min_step=pl.col("step").filter(treatment).min(),
        max_step=pl.col("step").filter(treatment).max(),
        dna=(pl.col("attendance") == "3").sum(),
        appointments=pl.len(),
        therapist_id=pl.col("therapist_id").filter(treatment).sort_by(last_order).last(),
        therapy=pl.col("therapy").filter(treatment).sort_by(last_order).last(),
    )


def score_facts(path: Path, con: pl.LazyFrame, th: Thresholds) -> pl.LazyFrame:
    """First and last total per referral and measure (same moment: lower total first)."""
    score = scan(path, "score", ["contact_id", "measure", "total"]).filter(
        pl.col("measure").is_in(list(th.codes))
    )
    usable = con.filter(pl.col("seen") & (pl.col("app_type") != "06")).select(
        "contact_id", "referral_id", "contact_date", "moment"
    )
    order = [pl.col("contact_date"), pl.col("moment"), pl.col("total")]
    return (
        score.join(usable, on="contact_id")
        .with_columns(total=(pl.col("total") * 1e6).round() / 1e6)
        .group_by("referral_id", "measure")
        .agg(
            n=pl.len(),
            first=pl.col("total").sort_by(order).first(),
            last=pl.col("total").sort_by(order).last(),
        )
    )


def _pick(scores: pl.LazyFrame, d: pl.LazyFrame, measure: pl.Expr, prefix: str) -> pl.LazyFrame:
    """Join the scores of one role (a fixed measure, or each referral's intended one)."""
    picked = d.select("referral_id", want=measure).join(
        scores, left_on=["referral_id", "want"], right_on=["referral_id", "measure"], how="left"
    )
    return picked.select(
        "referral_id",
        pl.col("n").fill_null(0).alias(f"{prefix}_n"),
        pl.col("first").alias(f"{prefix}_first"),
        pl.col("last").alias(f"{prefix}_last"),
    )


def _is_case(total: str, measure: str, th: Thresholds) -> pl.Expr:
    out = pl.lit(False)
    for m in th.measures:
        hit = pl.col(total) >= m.cutoff if m.cutoff_inclusive else pl.col(total) > m.cutoff
        out = pl.when(pl.col(measure) == m.code).then(hit).otherwise(out)
    return out.fill_null(False)


def _reliable(first: str, last: str, measure: str, th: Thresholds, sign: int) -> pl.Expr:
    out = pl.lit(False)
    for m in th.measures:
        change = pl.col(last) - pl.col(first)
        big = change.abs() >= m.reliable_change - 1e-9
        hit = big & (change * sign < 0)
        out = pl.when(pl.col(measure) == m.code).then(hit).otherwise(out)
    return out.fill_null(False)


def referral_table(path: Path) -> pl.DataFrame:
    """One row per referral with every derived field, computed in one lazy query."""
    th = Thresholds.nhs_talking_therapies()
    ref = scan(
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
            "source_of_referral",
            "end_code",
        ],
    )
    intended = pl.col("problem_descriptor").replace_strict(
        dict(th.anxiety_by_descriptor), default=th.default_anxiety, return_dtype=pl.String
    )
    ref = ref.with_columns(intended=intended)
    con = contacts(path)
    scores = score_facts(path, con, th)
    d = ref.join(contact_facts(con), on="referral_id", how="left")
    d = d.join(_pick(scores, ref, pl.lit(th.depression), "dep"), on="referral_id")
    d = d.join(_pick(scores, ref, pl.lit(th.default_anxiety), "gad"), on="referral_id")
    d = d.join(_pick(scores, ref, pl.col("intended"), "adsm"), on="referral_id")
    use_adsm = (pl.col("intended") != th.default_anxiety) & (pl.col("adsm_n") >= 2)
    d = d.with_columns(
        anxiety=pl.when(use_adsm).then("intended").otherwise(pl.lit(th.default_anxiety)),
        anx_n=pl.when(use_adsm).then("adsm_n").otherwise("gad_n"),
        anx_first=pl.when(use_adsm).then("adsm_first").otherwise("gad_first"),
        anx_last=pl.when(use_adsm).then("adsm_last").otherwise("gad_last"),
        depression=pl.lit(th.depression),
    )
    paired = (pl.col("dep_n") >= 2) & (pl.col("anx_n") >= 2)
    caseness = paired & (
        _is_case("dep_first", "depression", th) | _is_case("anx_first", "anxiety", th)
    )
    improved_any = _reliable("dep_first", "dep_last", "depression", th, 1) | _reliable(
        "anx_first", "anx_last", "anxiety", th, 1
    )
    worse_any = _reliable("dep_first", "dep_last", "depression", th, -1) | _reliable(
        "anx_first", "anx_last", "anxiety", th, -1
    )
    d = d.with_columns(
        paired=paired,
        caseness=caseness,
        not_caseness=paired & ~caseness,
        recovered=caseness
        & ~_is_case("dep_last", "depression", th)
        & ~_is_case("anx_last", "anxiety", th),
        improved=paired & improved_any & ~worse_any,
        deteriorated=paired & worse_any & ~improved_any,
        wait_days=(pl.col("first_treatment_date") - pl.col("referral_date")).dt.total_days(),
    ).with_columns(
        no_change=pl.col("paired") & ~pl.col("improved") & ~pl.col("deteriorated"),
        reliably_recovered=pl.col("recovered") & pl.col("improved"),
    )
    early = con.filter((pl.col("app_type") == "01") | (pl.col("session_number") <= 2))
    goals = (
        scan(path, "goal_rating", ["contact_id", "referral_id"])
        .join(early.select("contact_id"), on="contact_id", how="semi")
        .select("referral_id")
        .unique()
        .with_columns(early_goals=pl.lit(True))
    )
    homework = (
        scan(path, "homework", ["referral_id", "reviewed_contact_id", "outcome"])
        .group_by("referral_id")
        .agg(
            homework_set=pl.len(),
            homework_reviewed=pl.col("reviewed_contact_id").count(),
            homework_done=(pl.col("outcome") == "done").sum(),
        )
    )
    d = d.join(goals, on="referral_id", how="left").join(homework, on="referral_id", how="left")
    if (path / "alert.parquet").exists():
        alert = scan(path, "alert", ["referral_id", "kind", "acted_at"]).filter(
            pl.col("kind") == "off_track"
        )
        flags = alert.group_by("referral_id").agg(
            offtrack_alert=pl.lit(True), offtrack_acted=pl.col("acted_at").is_not_null().any()
        )
        d = d.join(flags, on="referral_id", how="left")
    else:
        d = d.with_columns(offtrack_alert=pl.lit(False), offtrack_acted=pl.lit(False))
    fills = ["n_attended", "n_treatment", "dna", "appointments", "homework_set"]
    fills += ["homework_reviewed", "homework_done"]
    d = d.with_columns(
        *[pl.col(c).fill_null(0) for c in fills],
        *[pl.col(c).fill_null(False) for c in ("early_goals", "offtrack_alert", "offtrack_acted")],
    )
    d = d.with_columns(
        adsm_expected=pl.col("intended") != th.default_anxiety, adsm_paired=pl.col("adsm_n") >= 2
    )
    return d.collect(engine="streaming")


def as_at(path: Path) -> dt.date:
    """The last date in the data: the day the snapshot measures are taken on."""
    latest = [
        scan(path, "referral", ["referral_date", "end_date"]).select(pl.all().max()),
        scan(path, "contact", ["contact_date"]).select(pl.all().max()),
    ]
    days = [v for frame in pl.collect_all(latest) for v in frame.row(0) if v is not None]
    return max(days)


def indicators(d: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """One column per count: each referral's contribution (whole data set, no period)."""
    ended = pl.col("end_date").is_not_null()
    finished = ended & (pl.col("n_treatment") >= 2)
    wait = pl.col("wait_days")
    accessed = pl.col("first_treatment_date").is_not_null()
    ethnicity = pl.col("ethnicity")
    white = ethnicity == "A"
    minority = ethnicity.is_not_null() & (ethnicity != "A") & (ethnicity != "Z")
    gap = (pl.col("second_treatment_date") - pl.col("first_treatment_date")).dt.total_days()
    second = pl.col("second_treatment_date").is_not_null()
    open_ = (pl.col("referral_date") <= day) & (
        pl.col("end_date").is_null() | (pl.col("end_date") > day)
    )
    last = pl.col("treatment_dates").list.eval(pl.element().filter(pl.element() <= day)).list.max()
    waiting = open_ & (
        pl.col("first_treatment_date").is_null() | (pl.col("first_treatment_date") > day)
    )
    waited = (pl.lit(day) - pl.col("referral_date")).dt.total_days()
    bands = {
        f"waiting_{band}": waiting & (waited >= low) & (waited <= (high if high else 10**9))
        for band, low, high in WAITING_BANDS
    }
    codes = pl.col("end_code")

    def flag(expr: pl.Expr) -> pl.Expr:
        return expr.fill_null(False).cast(pl.Int64)

    def amount(column: str) -> pl.Expr:
        return pl.when(finished).then(pl.col(column)).otherwise(0).cast(pl.Int64)

    return d.select(
        referrals=pl.lit(1, pl.Int64),
        entered_treatment=flag(pl.col("first_treatment_date").is_not_null()),
        ended_referrals=flag(ended),
        finished_course=flag(finished),
        finished_at_caseness=flag(finished & pl.col("caseness")),
        finished_not_at_caseness=flag(finished & pl.col("not_caseness")),
        recovery_denominator=flag(finished & ~pl.col("not_caseness")),
        recovered=flag(finished & pl.col("recovered")),
        reliable_improvement=flag(finished & pl.col("improved")),
        reliable_deterioration=flag(finished & pl.col("deteriorated")),
        no_reliable_change=flag(finished & pl.col("no_change")),
        reliable_recovery=flag(finished & pl.col("reliably_recovered")),
        waited_6_weeks=flag(finished & (wait <= 42)),
        waited_18_weeks=flag(finished & (wait <= 126)),
        waited_up_to_28_days=flag(finished & (wait <= 28)),
        waited_29_to_56_days=flag(finished & (wait > 28) & (wait <= 56)),
        waited_57_to_90_days=flag(finished & (wait > 56) & (wait <= 90)),
        waited_over_90_days=flag(finished & (wait > 90)),
        wait_days_finished=amount("wait_days"),
        ended_before_treatment=flag(ended & (pl.col("n_treatment") == 0)),
        ended_after_one_treatment=flag(ended & (pl.col("n_treatment") == 1)),
        treatment_sessions_finished=amount("n_treatment"),
        appointments=pl.col("appointments").cast(pl.Int64),
        dna=pl.col("dna").cast(pl.Int64),
        cohort_assessed=flag(pl.col("n_attended") > 0),
        cohort_entered=flag(pl.col("n_treatment") > 0),
        cohort_second=flag(pl.col("n_treatment") >= 2),
        cohort_finished=flag(finished),
        cohort_recovered=flag(finished & pl.col("recovered")),
        cohort_reliably_recovered=flag(finished & pl.col("reliably_recovered")),
        cohort_open=flag(~ended),
        finished_with_early_goals=flag(finished & pl.col("early_goals")),
        finished_with_homework=flag(finished & (pl.col("homework_set") > 0)),
        homework_set=amount("homework_set"),
        homework_reviewed=amount("homework_reviewed"),
        homework_done=amount("homework_done"),
        self_referrals=flag(pl.col("source_of_referral") == "B1"),
        entered_treatment_waited_6_weeks=flag(accessed & (wait <= 42)),
        entered_treatment_waited_18_weeks=flag(accessed & (wait <= 126)),
        second_treatment=flag(second),
        first_to_second_over_28_days=flag(second & (gap > 28)),
        first_to_second_over_90_days=flag(second & (gap > 90)),
        ended_seen_not_treated=flag(ended & codes.is_in(list(SEEN_NOT_TREATED))),
        ended_treated=flag(ended & codes.is_in(list(TREATED))),
        ended_not_seen=flag(ended & codes.is_in(list(NOT_SEEN))),
        finished_adsm_expected=flag(finished & pl.col("adsm_expected")),
        finished_adsm_paired=flag(finished & pl.col("adsm_expected") & pl.col("adsm_paired")),
        ethnic_minority_recovered=flag(finished & minority & pl.col("recovered")),
        ethnic_minority_recovery_denominator=flag(finished & minority & ~pl.col("not_caseness")),
        white_british_recovered=flag(finished & white & pl.col("recovered")),
        white_british_recovery_denominator=flag(finished & white & ~pl.col("not_caseness")),
        open_referrals_treated=flag(open_ & last.is_not_null()),
        open_referrals_no_contact_90_days=flag(open_ & ((pl.lit(day) - last).dt.total_days() > 90)),
        waiting_list=flag(waiting),
        **{name: flag(expr) for name, expr in bands.items()},
    )


def dimensions(d: pl.DataFrame) -> dict[str, pl.Expr]:
    ethnic = pl.lit("Not stated")
    for label, codes in reversed(ETHNIC_GROUPS):
        ethnic = (
            pl.when(pl.col("ethnicity").is_in(list(codes))).then(pl.lit(label)).otherwise(ethnic)
        )
    age = pl.lit(NOT_KNOWN)
    for label, low, high in reversed(AGE_BANDS):
        within = (pl.col("age") >= low) & (pl.col("age") <= high)
        age = pl.when(within).then(pl.lit(label)).otherwise(age)
    lo, hi = pl.col("min_step"), pl.col("max_step")
    step = (
        pl.when((lo == 2) & (hi == 2))
        .then(pl.lit("low intensity only"))
        .when((lo == 3) & (hi == 3))
        .then(pl.lit("high intensity only"))
        .when((lo == 2) & (hi == 3))
        .then(pl.lit("low and high intensity"))
        .otherwise(pl.lit(NOT_KNOWN))
    )
    alert = (
        pl.when(pl.col("offtrack_acted"))
        .then(pl.lit("off-track alert acted on"))
        .when(pl.col("offtrack_alert"))
        .then(pl.lit("off-track alert not acted on"))
        .otherwise(pl.lit("no off-track alert"))
    )
    return {
        "imd_decile": pl.col("imd_decile").cast(pl.String).fill_null(NOT_KNOWN),
        "ethnic_group": ethnic,
        "ethnicity": pl.col("ethnicity"),
        "age_band": age,
        "gender": pl.col("gender"),
        "problem_descriptor": pl.col("problem_descriptor").fill_null(NOT_KNOWN),
        "therapy": pl.col("therapy").fill_null(NOT_KNOWN),
        "step": step,
        "therapist": pl.col("therapist_id").fill_null(NOT_KNOWN),
        "service": pl.col("service_id"),
        "alert_response": alert,
    }


def _as_dicts(table: pl.DataFrame, key: str) -> dict[str, dict[str, int]]:
    return {
        str(row.pop(key)): {k: int(v) for k, v in row.items()}
        for row in table.iter_rows(named=True)
    }


def run(path: Path) -> dict[str, Any]:
    """Compute the measure set; return overall counts and every breakdown's counts."""
    d = referral_table(path)
    ind = indicators(d, as_at(path))
    out: dict[str, Any] = {"overall": {k: int(v) for k, v in ind.sum().row(0, named=True).items()}}
    both = pl.concat([d, ind.rename(lambda c: f"m_{c}")], how="horizontal")
    names = [f"m_{c}" for c in ind.columns]
    out["breakdowns"] = {}
    for dim, group in dimensions(d).items():
        summed = both.group_by(group.alias("g")).agg(pl.col(names).sum())
        out["breakdowns"][dim] = _as_dicts(summed.rename(lambda c: c.removeprefix("m_")), "g")
    months: dict[str, dict[str, int]] = {}
    for column, wanted in (
        ("referral_date", ["referrals"]),
        ("first_treatment_date", ["entered_treatment"]),
        ("second_treatment_date", ["second_treatment", "first_to_second_over_28_days"]),
        ("end_date", ["finished_course", "recovered", "recovery_denominator"]),
    ):
        month = pl.col(column).dt.strftime("%Y-%m").alias("month")
        summed = (
            both.filter(pl.col(column).is_not_null())
            .group_by(month)
            .agg(pl.col([f"m_{n}" for n in wanted]).sum())
        )
        for key, row in _as_dicts(summed.rename(lambda c: c.removeprefix("m_")), "month").items():
            months.setdefault(key, {}).update(row)
    dna = (
        scan(path, "contact", ["contact_date", "attendance"])
        .group_by(pl.col("contact_date").dt.strftime("%Y-%m").alias("month"))
        .agg(dna=(pl.col("attendance") == "3").sum())
        .collect(engine="streaming")
    )
    for key, row in _as_dicts(dna, "month").items():
        months.setdefault(key, {}).update(row)
    out["months"] = months
    out["therapists"] = _case_mix_therapists(d)
    out["published"] = published(path, d)
    return out


def published(path: Path, d: pl.DataFrame) -> dict[str, Any]:
    """The median wait of finished courses, end codes, and appointments by intensity and
    consultation mechanism (every care contact)."""
    finished = d.filter(pl.col("end_date").is_not_null() & (pl.col("n_treatment") >= 2))
    median = finished.select(pl.col("wait_days").median()).item()
    ends = d.filter(pl.col("end_date").is_not_null()).group_by("end_code").len()
    by_code = dict(ends.iter_rows())
    end_codes = {c: int(by_code.get(c, 0)) for c in code_lists()["end_code"]}
    end_codes[NOT_KNOWN] = int(by_code.get(None, 0))
    steps = pl.DataFrame(
        {
            "therapy": list(code_lists()["therapy_step"]),
            "step": list(code_lists()["therapy_step"].values()),
        }
    ).lazy()
    mix = (
        scan(path, "contact", ["cons_mechanism", "therapy"])
        .join(steps, on="therapy", how="left")
        .collect(engine="streaming")
    )
    intensity = mix.group_by(
        pl.col("step").replace_strict(
            {"2": "low_intensity", "3": "high_intensity"}, default="no_therapy_recorded"
        )
    ).len()
    mechanisms = dict.fromkeys(code_lists()["cons_mechanism"], 0)
    mechanisms |= {k: int(v) for k, v in mix.group_by("cons_mechanism").len().iter_rows()}
    return {
        "median_wait_days": None if median is None else float(median),
        "ended_by_end_code": end_codes,
        "appointments_by_intensity": {
            "low_intensity": 0,
            "high_intensity": 0,
            "no_therapy_recorded": 0,
        }
        | {k: int(v) for k, v in intensity.iter_rows()},
        "appointments_by_consultation_mechanism": mechanisms,
    }


def _case_mix_therapists(d: pl.DataFrame) -> int:
    """Therapists with finished courses at caseness (the therapist-effects population)."""
    pop = d.filter(
        pl.col("end_date").is_not_null()
        & (pl.col("n_treatment") >= 2)
        & pl.col("caseness")
        & pl.col("therapist_id").is_not_null()
    )
    return int(pop.select(pl.col("therapist_id").n_unique()).item())


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
        print(f"Polars baseline: {seconds:.1f} s; overall {result['overall']}")


if __name__ == "__main__":
    main()
