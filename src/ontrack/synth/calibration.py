"""NHS Talking Therapies outcome rates of a canonical dataset, vectorised, and the published
2024-25 figures the simulator is calibrated to.

The rules are those of ``ontrack.measures.nhstt.classify_referral`` (reference §2), applied
to whole columns at once so that a national year (1.8 million referrals, tens of millions
of scores) is classified in seconds:

- a treatment contact is attended (AttendOrDNACode 5 or 6, or unplanned with no code) with
  AppType 02, 03 or 05; a course is finished with two or more;
- scores at follow-up (06) or unattended contacts are ignored; first and last scores are
  taken in date order (then contact order);
- the anxiety measure is the ADSM for the problem descriptor when it has paired scores,
  else GAD-7; caseness is judged on the first scores;
- recovery = at caseness and below both cut-offs at the end; its rate is over finished
  courses at caseness (finished minus finished not at caseness); reliable improvement,
  deterioration and no change are over all finished courses; waits are over finishers.

Thresholds come from ``ontrack.measures.get_measure``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ontrack.dataset.schema import ATTENDED, TREATMENT_APP_TYPES, code_lists
from ontrack.measures import get_measure, nhstt
from ontrack.synth.arrays import BoolArray, FloatArray, IntArray
from ontrack.synth.published import IMD_PUBLISHED, TARGETS, THERAPY_MEANS, Target

DEPRESSION = "PHQ-9"
ANXIETY = "GAD-7"
FOLLOW_UP = "06"


@dataclass
class ReferralOutcomes:
    """NHS TT classification of every referral (one entry per referral table row)."""

    treatment_contacts: IntArray
    finished: BoolArray
    paired: BoolArray
    caseness: BoolArray  # at caseness on the first scores
    not_caseness: BoolArray  # first scores known and below both cut-offs
    recovered: BoolArray
    reliable_improvement: BoolArray
    reliable_deterioration: BoolArray
    no_reliable_change: BoolArray
    reliable_recovery: BoolArray
    wait_days: FloatArray  # referral to first treatment contact (NaN when none)
    phq9_first: FloatArray
    phq9_last: FloatArray
    gad7_first: FloatArray
    gad7_last: FloatArray
    anxiety_measure: list[str]  # per referral


def classify(tables: Mapping[str, pa.Table]) -> ReferralOutcomes:
    """Classify every referral as ``nhstt.classify_referral`` would, on whole columns.

    >>> from ontrack.synth import simulate
    >>> outcome = classify(simulate(referrals=500, seed=3))
    >>> bool(outcome.finished.any()), len(outcome.finished)
    (True, 500)
    """
    referral = tables["referral"]
    contact = tables["contact"]
    score = tables["score"]
    n = referral.num_rows
    ref_of_contact = _positions(contact.column("referral_id"), referral.column("referral_id"))
    day = _days(contact.column("contact_date"))
    attendance = contact.column("attendance")
    attended = pc.fill_null(pc.is_in(attendance, pa.array(sorted(ATTENDED))), False)
    unplanned = pc.fill_null(pc.invert(contact.column("planned")), False)
    seen = _np(pc.or_(attended, unplanned))  # as nhstt.Contact.attended
    app = contact.column("app_type")
    treatment = seen & _np(pc.is_in(app, pa.array(sorted(TREATMENT_APP_TYPES))))
    follow_up = _np(pc.equal(app, FOLLOW_UP))

    treatment_contacts = np.bincount(ref_of_contact[treatment], minlength=n)
    finished = treatment_contacts >= 2
    first_treatment = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_treatment, ref_of_contact[treatment], day[treatment])
    referral_day = _days(referral.column("referral_date"))
    wait_days = np.where(treatment_contacts > 0, first_treatment - referral_day, np.nan).astype(
        np.float64
    )

    # Scores that count: at attended, non-follow-up contacts.
    contact_row = _positions(score.column("contact_id"), contact.column("contact_id"))
    usable = seen[contact_row] & ~follow_up[contact_row]
    measures = score.column("measure")
    descriptor = referral.column("problem_descriptor").to_pylist()
    intended = [nhstt.anxiety_measure_for(d) for d in descriptor]
    series = _FirstLast(
        ref_of_contact[contact_row], day[contact_row], contact_row, usable, measures, score
    )
    phq = series.get(DEPRESSION, n)
    gad = series.get(ANXIETY, n)
    anxiety_first = gad.first.copy()
    anxiety_last = gad.last.copy()
    anxiety_count = gad.count.copy()
    anxiety_code = np.full(n, ANXIETY, dtype=object)
    for code in sorted(set(intended) - {ANXIETY}):
        own = np.array([m == code for m in intended])
        adsm = series.get(code, n)
        use = own & (adsm.count >= 2)
        anxiety_first = np.where(use, adsm.first, anxiety_first)
        anxiety_last = np.where(use, adsm.last, anxiety_last)
        anxiety_count = np.where(use, adsm.count, anxiety_count)
        anxiety_code = np.where(use, code, anxiety_code)

    paired = (phq.count >= 2) & (anxiety_count >= 2)
    phq_case_first = _is_case(DEPRESSION, phq.first)
    anx_case_first = np.zeros(n, dtype=bool)
    anx_case_last = np.zeros(n, dtype=bool)
    anx_improved = np.zeros(n, dtype=bool)
    anx_worse = np.zeros(n, dtype=bool)
    for code in sorted(set(anxiety_code.tolist())):
        own = anxiety_code == code
        anx_case_first |= own & _is_case(code, anxiety_first)
        anx_case_last |= own & _is_case(code, anxiety_last)
        better, worse = _reliable(code, anxiety_first, anxiety_last)
        anx_improved |= own & better
        anx_worse |= own & worse
    known_first = ~np.isnan(phq.first) | ~np.isnan(anxiety_first)
    caseness = phq_case_first | anx_case_first
    not_caseness = known_first & ~caseness
    dep_improved, dep_worse = _reliable(DEPRESSION, phq.first, phq.last)
    scored = finished & paired
    below_at_end = ~_is_case(DEPRESSION, phq.last) & ~anx_case_last
    recovered = scored & caseness & below_at_end
    improvement = scored & (dep_improved | anx_improved) & ~(dep_worse | anx_worse)
    deterioration = scored & (dep_worse | anx_worse) & ~(dep_improved | anx_improved)
    return ReferralOutcomes(
        treatment_contacts=treatment_contacts,
        finished=finished,
        paired=paired,
        caseness=caseness,
        not_caseness=not_caseness,
        recovered=recovered,
        reliable_improvement=improvement,
        reliable_deterioration=deterioration,
        no_reliable_change=scored & ~improvement & ~deterioration,
        reliable_recovery=recovered & improvement,
        wait_days=wait_days,
        phq9_first=phq.first,
        phq9_last=np.where(phq.count >= 2, phq.last, np.nan),
        gad7_first=gad.first,
        gad7_last=np.where(gad.count >= 2, gad.last, np.nan),
        anxiety_measure=[str(c) for c in anxiety_code],
    )


@dataclass
class _Series:
    first: FloatArray
    last: FloatArray
    count: IntArray


class _FirstLast:
    """First and last usable score of each referral on each measure."""

    def __init__(
        self,
        referral: IntArray,
        day: IntArray,
        contact_row: IntArray,
        usable: BoolArray,
        measures: pa.ChunkedArray,
        score: pa.Table,
    ) -> None:
        self._referral = referral
        self._day = day
        self._contact_row = contact_row
        self._usable = usable
        self._measures = measures
        self._totals = score.column("total")

    def get(self, code: str, n: int) -> _Series:
        rows = np.flatnonzero(self._usable & _np(pc.equal(self._measures, code)))
        first = np.full(n, np.nan)
        last = np.full(n, np.nan)
        count = np.zeros(n, dtype=np.int64)
        if len(rows) == 0:
            return _Series(first, last, count)
        ref = self._referral[rows]
        order = np.lexsort((rows, self._contact_row[rows], self._day[rows], ref))
        rows, ref = rows[order], ref[order]
        totals = self._totals.take(pa.array(rows)).to_numpy(zero_copy_only=False)
        starts = np.flatnonzero(np.concatenate(([True], ref[1:] != ref[:-1])))
        ends = np.concatenate((starts[1:], [len(ref)])) - 1
        first[ref[starts]] = totals[starts]
        last[ref[ends]] = totals[ends]
        count[ref[starts]] = ends - starts + 1
        return _Series(first, last, count)


def _np(values: pa.ChunkedArray | pa.Array) -> BoolArray:
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def _positions(values: pa.ChunkedArray, keys: pa.ChunkedArray) -> IntArray:
    positions = pc.index_in(values, value_set=keys.combine_chunks())
    if positions.null_count:
        raise ValueError("a row refers to a missing key; validate the dataset first")
    return np.asarray(positions.to_numpy(zero_copy_only=False), dtype=np.int64)


def _days(values: pa.ChunkedArray) -> IntArray:
    return np.asarray(values.cast(pa.int32()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _is_case(code: str, totals: FloatArray) -> BoolArray:
    m = get_measure(code)
    cutoff = m.clinical_cutoff
    if cutoff is None:
        return np.zeros(len(totals), dtype=bool)
    with np.errstate(invalid="ignore"):
        if m.higher_is_better:
            beyond = totals <= cutoff if m.cutoff_inclusive else totals < cutoff
        else:
            beyond = totals >= cutoff if m.cutoff_inclusive else totals > cutoff
    return np.asarray(beyond & ~np.isnan(totals), dtype=bool)


def _reliable(code: str, first: FloatArray, last: FloatArray) -> tuple[BoolArray, BoolArray]:
    """(reliable improvement, reliable deterioration) as ``reliable_change`` decides them."""
    m = get_measure(code)
    limit = float(m.reliable_change or np.inf)
    change = last - first
    with np.errstate(invalid="ignore"):
        size = np.abs(change)
        reliable = size >= limit - 1e-9 if m.reliable_change_inclusive else size > limit + 1e-9
        towards_health = change if m.higher_is_better else -change
        better = reliable & (towards_health > 0)
        worse = reliable & (towards_health < 0)
    return np.asarray(better, dtype=bool), np.asarray(worse, dtype=bool)


def _percent(numerator: BoolArray, denominator: BoolArray) -> float:
    total = int(denominator.sum())
    return 100.0 * float((numerator & denominator).sum()) / total if total else float("nan")


def summary(tables: Mapping[str, pa.Table]) -> dict[str, float]:
    """Headline figures of a dataset, named as in TARGETS, plus breakdowns.

    >>> from ontrack.synth import simulate
    >>> figures = summary(simulate(referrals=2000, seed=5))
    >>> 0 < figures["recovery"] < 100
    True
    """
    outcome = classify(tables)
    referral = tables["referral"]
    finished = outcome.finished
    at_caseness = finished & ~outcome.not_caseness
    figures: dict[str, float] = {
        "referrals": float(referral.num_rows),
        "finished": float(finished.sum()),
        "finished_share": _percent(finished, np.ones(len(finished), dtype=bool)),
        "entered_treatment_share": _percent(
            outcome.treatment_contacts >= 1, np.ones(len(finished), dtype=bool)
        ),
        "one_treatment_share": _percent(
            outcome.treatment_contacts == 1, np.ones(len(finished), dtype=bool)
        ),
        "not_at_caseness": _percent(outcome.not_caseness, finished),
        "recovery": _percent(outcome.recovered, at_caseness),
        "reliable_recovery": _percent(outcome.reliable_recovery, at_caseness),
        "reliable_improvement": _percent(outcome.reliable_improvement, finished),
        "reliable_deterioration": _percent(outcome.reliable_deterioration, finished),
        "no_reliable_change": _percent(outcome.no_reliable_change, finished),
        "wait_6_weeks": _percent(outcome.wait_days <= 42, finished),
        "wait_18_weeks": _percent(outcome.wait_days <= 126, finished),
        "mean_sessions": float(outcome.treatment_contacts[finished].mean())
        if finished.any()
        else float("nan"),
    }
    figures.update(_means(outcome, finished))
    figures.update(_by_decile(referral, outcome, at_caseness))
    figures.update(_steps(tables, finished))
    figures.update(_therapy_means(tables, outcome))
    figures.update(_appointments(tables))
    return figures


def _means(outcome: ReferralOutcomes, finished: BoolArray) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, first, last in (
        ("phq9", outcome.phq9_first, outcome.phq9_last),
        ("gad7", outcome.gad7_first, outcome.gad7_last),
    ):
        both = finished & ~np.isnan(first) & ~np.isnan(last)
        out[f"{name}_start"] = float(first[both].mean()) if both.any() else float("nan")
        out[f"{name}_end"] = float(last[both].mean()) if both.any() else float("nan")
        out[f"{name}_start_sd"] = float(first[both].std()) if both.any() else float("nan")
        out[f"{name}_end_sd"] = float(last[both].std()) if both.any() else float("nan")
    return out


def _by_decile(
    referral: pa.Table, outcome: ReferralOutcomes, at_caseness: BoolArray
) -> dict[str, float]:
    decile = referral.column("imd_decile").to_numpy(zero_copy_only=False)
    decile = np.nan_to_num(decile.astype(np.float64), nan=0).astype(np.int64)
    out: dict[str, float] = {}
    for d in range(11):
        members = decile == d
        out[f"recovery_imd_{d}"] = _percent(outcome.recovered, at_caseness & members)
        out[f"finished_share_imd_{d}"] = _percent(outcome.finished, members)
    out["imd_recovery_gap"] = out["recovery_imd_10"] - out["recovery_imd_1"]
    return out


def _steps(tables: Mapping[str, pa.Table], finished: BoolArray) -> dict[str, float]:
    """Finished courses by the steps of their treatment contacts (reference §2.5).

    Only LI / only HI / both / not known (no therapy recorded); step-up = both, with two or
    more LI contacts all before the first HI contact; step-down = both with every HI contact
    before the first LI contact. The national definitions of step-up and step-down are not
    published in the reference (UNVERIFIED); these are OnTrack's.
    """
    referral = tables["referral"]
    contact = tables["contact"]
    n = referral.num_rows
    ref = _positions(contact.column("referral_id"), referral.column("referral_id"))
    day = _days(contact.column("contact_date"))
    attended = _np(pc.is_in(contact.column("attendance"), pa.array(sorted(ATTENDED))))
    treatment = attended & _np(
        pc.is_in(contact.column("app_type"), pa.array(sorted(TREATMENT_APP_TYPES)))
    )
    steps = code_lists()["therapy_step"]
    therapy = contact.column("therapy")
    step_of = pa.array([int(v) for v in steps.values()]).take(
        pc.index_in(therapy, value_set=pa.array(list(steps)))
    )
    step = np.nan_to_num(step_of.to_numpy(zero_copy_only=False).astype(np.float64), nan=0)
    li = treatment & (step == 2)
    hi = treatment & (step == 3)
    li_count = np.bincount(ref[li], minlength=n)
    hi_count = np.bincount(ref[hi], minlength=n)
    big = np.iinfo(np.int64).max
    first_li, last_li = np.full(n, big), np.full(n, -1)
    first_hi, last_hi = np.full(n, big), np.full(n, -1)
    np.minimum.at(first_li, ref[li], day[li])
    np.maximum.at(last_li, ref[li], day[li])
    np.minimum.at(first_hi, ref[hi], day[hi])
    np.maximum.at(last_hi, ref[hi], day[hi])
    both = (li_count > 0) & (hi_count > 0)
    all_ = np.ones(n, dtype=bool)
    return {
        "step_only_li": _percent((li_count > 0) & (hi_count == 0), finished & all_),
        "step_only_hi": _percent((hi_count > 0) & (li_count == 0), finished),
        "step_both": _percent(both, finished),
        "step_not_known": _percent((li_count == 0) & (hi_count == 0), finished),
        "step_up": _percent(both & (li_count >= 2) & (last_li <= first_hi), finished),
        "step_down": _percent(both & (last_hi <= first_li), finished),
    }


def _therapy_means(tables: Mapping[str, pa.Table], outcome: ReferralOutcomes) -> dict[str, float]:
    """PHQ-9 and GAD-7 start and end means of finished referrals whose treatment contacts
    were all of one therapy (an approximation of the published per-course figures)."""
    referral = tables["referral"]
    contact = tables["contact"]
    n = referral.num_rows
    ref = _positions(contact.column("referral_id"), referral.column("referral_id"))
    therapy = contact.column("therapy")
    out: dict[str, float] = {}
    has_therapy = _np(pc.is_valid(therapy))
    for code in THERAPY_MEANS:
        own = _np(pc.equal(therapy, code))
        own_count = np.bincount(ref[own], minlength=n)
        any_count = np.bincount(ref[has_therapy], minlength=n)
        members = outcome.finished & (own_count >= 2) & (own_count == any_count)
        for name, values in (
            ("phq9_start", outcome.phq9_first),
            ("phq9_end", outcome.phq9_last),
            ("gad7_start", outcome.gad7_first),
            ("gad7_end", outcome.gad7_last),
        ):
            valid = members & ~np.isnan(values)
            out[f"{name}_{code}"] = float(values[valid].mean()) if valid.any() else float("nan")
    return out


def _appointments(tables: Mapping[str, pa.Table]) -> dict[str, float]:
    attendance = tables["contact"].column("attendance")
    total = len(attendance)
    out: dict[str, float] = {}
    for code, name in (
        ("3", "dna_rate"),
        ("2", "patient_cancel_rate"),
        ("4", "provider_cancel_rate"),
    ):
        count = int(pc.sum(pc.cast(pc.equal(attendance, code), pa.int64())).as_py() or 0)
        out[name] = 100.0 * count / total if total else float("nan")
    return out


def compare(figures: Mapping[str, float]) -> list[tuple[Target, float, bool]]:
    """Each target with the simulated value and whether it is within tolerance."""
    return [
        (t, figures[t.name], abs(figures[t.name] - t.published) <= t.tolerance) for t in TARGETS
    ]


def markdown(figures: Mapping[str, float]) -> str:
    """The targets as a Markdown table: simulated vs published, and whether within tolerance."""
    lines = [
        "| Figure | Simulated | Published | Tolerance | Within | Source |",
        "|---|---|---|---|---|---|",
    ]
    for target, value, ok in compare(figures):
        unit = " pp" if target.unit == "%" else ""
        lines.append(
            f"| {target.name} | {value:.2f} | {target.published:.2f} | ±{target.tolerance:g}"
            f"{unit} | {'yes' if ok else '**no**'} | {target.source} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Simulate a run and print its calibration table (``python -m ontrack.synth.calibration``)."""
    import argparse

    from ontrack.synth import simulate

    parser = argparse.ArgumentParser(
        prog="python -m ontrack.synth.calibration",
        description="Simulate N referrals and compare the NHS TT figures with the published "
        "2024-25 ones (Markdown table).",
    )
    parser.add_argument("--referrals", type=int, default=1_800_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--services", type=int, default=None)
    args = parser.parse_args(argv)
    figures = summary(simulate(args.referrals, args.seed, services=args.services))
    print(markdown(figures))
    extra = ("entered_treatment_share", "one_treatment_share", "no_reliable_change",
             "mean_sessions", "phq9_start_sd", "phq9_end_sd", "gad7_start_sd", "gad7_end_sd",
             "dna_rate", "patient_cancel_rate", "provider_cancel_rate")  # fmt: skip
    print()
    for key in extra:
        print(f"- {key}: {figures[key]:.2f}")
    print("\n| IMD decile | Finished / referrals | published | Recovery | published |")
    print("|---|---|---|---|---|")
    for d, (finished, recovery) in IMD_PUBLISHED.items():
        label = {1: "1 (most deprived)", 10: "10 (least deprived)", 0: "not known"}.get(d, str(d))
        print(f"| {label} | {figures[f'finished_share_imd_{d}']:.1f} | {finished:.1f} | "
              f"{figures[f'recovery_imd_{d}']:.1f} | {recovery:.1f} |")  # fmt: skip
    for code in THERAPY_MEANS:
        values = [
            figures[f"{k}_{code}"] for k in ("phq9_start", "phq9_end", "gad7_start", "gad7_end")
        ]
        print(f"- therapy {code}: PHQ-9 {values[0]:.1f} → {values[1]:.1f}, "
              f"GAD-7 {values[2]:.1f} → {values[3]:.1f}")  # fmt: skip
    return 0


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.exit(main())
