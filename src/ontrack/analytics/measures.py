"""The key measures: counts as Ibis aggregates, rates from the counts.

Every count is one aggregate over the per-referral table (``derive.py``); engines return
only whole numbers, and every rate is computed here, in Python, from those counts. So one
rule per rate exists, no engine's integer division or float rounding can differ, and the
publication rounding (``suppression.py``) sees the same counts.

Each count belongs to a *family*, named by the date that places it in a reporting period:
referral date (referrals and the intention-to-treat cohort), first treatment date (entered
treatment), second treatment date (waits between the first two treatment contacts), end date
(everything measured at discharge) or contact date (appointments). Monthly trends group each
family by its own date's month, as NHS England's monthly key metrics do. The *snapshot*
family (waiting list, open referrals without contact) is counted as at the end of the
period (the ``as_at`` date) and has no months.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir

from ontrack.analytics.period import Period

Family = Literal["referral", "access", "second", "ending", "contact", "snapshot"]
KM_SQL = "NHS England KM SQL (Key Metrics Dashboard/KM monthly update.sql)"
PDT_IST = "NHS England PDT SQL (2.12 Dashboard_IST_New_Indicators.sql)"
PDT_INEQ = "NHS England PDT SQL (2.11 Inequalities_Monthly_Region_Test_2.sql)"
END_CODES = "NHS England EndCode groups (SPC monthly update.sql; PDT 2.14 Repeat_Referrals.sql)"
# Weeks waited on the waiting list, as days (inclusive; None = no upper bound). NHS
# England's PDT SQL counts Waiting2Weeks ... Waiting18Weeks cumulatively (<= 14, ..., <= 126
# days); OnTrack reports disjoint bands, which add up to those.
WAITING_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("up_to_2_weeks", 0, 14),
    ("2_to_4_weeks", 15, 28),
    ("4_to_6_weeks", 29, 42),
    ("6_to_12_weeks", 43, 84),
    ("12_to_18_weeks", 85, 126),
    ("over_18_weeks", 127, None),
)


def _band_definition(low: int, high: int | None) -> str:
    waited = f"{low}-{high} days" if high is not None else f"over {low - 1} days"
    return f"on the waiting list at the end of the period, waited {waited}"


@dataclass(frozen=True)
class Count:
    """One counted measure: its name, family, definition and source."""

    name: str
    family: Family
    definition: str
    source: str


@dataclass(frozen=True)
class Rate:
    """A rate (fraction 0-1) or mean: numerator ÷ denominator, both counts."""

    name: str
    numerator: str
    denominator: str
    definition: str
    source: str
    kind: Literal["rate", "mean"] = "rate"


_REF = "reference §2.1"
_OUT = "reference §2.2"

COUNTS: tuple[Count, ...] = (
    Count("referrals", "referral", "referrals received in the period", f"{_REF}; {KM_SQL}"),
    Count(
        "entered_treatment",
        "access",
        "first attended treatment contact in the period (accessed services)",
        f"{_REF}; {KM_SQL} Count_Access",
    ),
    Count("ended_referrals", "ending", "referrals ended (discharged) in the period", _REF),
    Count(
        "finished_course",
        "ending",
        "ended in the period with 2 or more treatment contacts",
        f"{_REF}; {KM_SQL} Count_FinishedCourseTreatment",
    ),
    Count(
        "finished_at_caseness",
        "ending",
        "finished, with paired scores, at caseness at the start",
        f"{_OUT} Caseness_Flag",
    ),
    Count(
        "finished_not_at_caseness",
        "ending",
        "finished, with paired scores, not at caseness at the start",
        f"{_OUT}; {KM_SQL} Count_NotAtCaseness",
    ),
    Count(
        "recovery_denominator",
        "ending",
        "finished minus finished not at caseness (the recovery denominator)",
        f"{KM_SQL} Percentage_Recovery",
    ),
    Count(
        "recovered",
        "ending",
        "finished, at caseness at the start and below both cut-offs at the end",
        f"{_OUT}; {KM_SQL} Count_Recovery",
    ),
    Count(
        "reliable_improvement",
        "ending",
        "finished, reliable fall on either measure and reliable rise on neither",
        f"{_OUT}; {KM_SQL} Count_Improvement",
    ),
    Count(
        "reliable_deterioration",
        "ending",
        "finished, reliable rise on either measure and reliable fall on neither",
        f"{_OUT}; {KM_SQL} Percentage_ReliableDeterioration",
    ),
    Count(
        "no_reliable_change",
        "ending",
        "finished, paired, neither reliable improvement nor reliable deterioration",
        f"{_OUT} NoChange_Flag",
    ),
    Count(
        "reliable_recovery",
        "ending",
        "finished, recovered and reliably improved",
        f"{_OUT}; {KM_SQL} Count_ReliableRecovery",
    ),
    Count(
        "waited_6_weeks",
        "ending",
        "finished, first treatment within 42 days of referral",
        f"reference §2.4; {KM_SQL} Count_FirstTreatment6WeeksFinishedCourseTreatment",
    ),
    Count(
        "waited_18_weeks",
        "ending",
        "finished, first treatment within 126 days of referral",
        f"reference §2.4; {KM_SQL} Count_FirstTreatment18WeeksFinishedCourseTreatment",
    ),
    Count("waited_up_to_28_days", "ending", "finished, waited 0-28 days", "reference §2.4 [S3]"),
    Count("waited_29_to_56_days", "ending", "finished, waited 29-56 days", "reference §2.4 [S3]"),
    Count("waited_57_to_90_days", "ending", "finished, waited 57-90 days", "reference §2.4 [S3]"),
    Count("waited_over_90_days", "ending", "finished, waited over 90 days", "reference §2.4 [S3]"),
    Count(
        "wait_days_finished",
        "ending",
        "sum of days from referral to first treatment over finished courses",
        "reference §2.4",
    ),
    Count(
        "ended_before_treatment",
        "ending",
        "ended in the period with no treatment contact",
        f"{_REF}; {KM_SQL} EndedBeforeTreatment",
    ),
    Count(
        "ended_after_one_treatment",
        "ending",
        "ended in the period with exactly one treatment contact",
        f"{_REF} (M075/M078); {KM_SQL} EndedTreatedOnce",
    ),
    Count(
        "treatment_sessions_finished",
        "ending",
        "sum of treatment contacts over finished courses",
        "reference §3.2 Mean_ApptsFinishedCourseTreatment",
    ),
    Count(
        "finished_with_early_goals",
        "ending",
        "finished courses with a goal rated at assessment or by treatment session 2",
        "DESIGN §1 (collaborative goals agreed by session 2)",
    ),
    Count(
        "finished_with_homework",
        "ending",
        "finished courses with at least one homework task set",
        "DESIGN §1 (Beck's homework criteria)",
    ),
    Count("homework_set", "ending", "homework tasks set in finished courses", "DESIGN §1"),
    Count(
        "ended_with_end_code",
        "ending",
        "ended in the period with an end code recorded (the fidelity audit's ending_recorded)",
        "issue 17 (fidelity audit); docs/fidelity.md",
    ),
    Count(
        "finished_session_range_known",
        "ending",
        "finished courses whose therapy (of the last treatment contact) has a recommended "
        "range of sessions in ontrack/fidelity/data/therapies.toml",
        "issue 17 (fidelity audit); NICE ranges as read in therapies.toml (UNVERIFIED)",
    ),
    Count(
        "finished_in_session_range",
        "ending",
        "of those, treatment sessions within the range, or fewer when ended by mutual "
        "agreement (end code 46) (the fidelity audit's sessions_in_range)",
        "issue 17 (fidelity audit); docs/fidelity.md",
    ),
    Count(
        "homework_reviewed",
        "ending",
        "of those, tasks reviewed at a later contact",
        "DESIGN §1",
    ),
    Count("homework_done", "ending", "of those reviewed, tasks done", "DESIGN §1"),
    Count(
        "appointments",
        "contact",
        "care contacts in the period, whatever their attendance code",
        f"reference §3.4; {PDT_IST} Appointments",
    ),
    Count(
        "dna",
        "contact",
        "appointments in the period not attended without warning (code 3)",
        f"reference §3.4 Count_ApptsDNA (M084); {PDT_IST} ApptDNA",
    ),
    Count("cohort_assessed", "referral", "referred in the period, seen at least once", "ITT"),
    Count("cohort_entered", "referral", "referred in the period, 1+ treatment contacts", "ITT"),
    Count("cohort_second", "referral", "referred in the period, 2+ treatment contacts", "ITT"),
    Count("cohort_finished", "referral", "referred in the period, finished a course", "ITT"),
    Count("cohort_recovered", "referral", "referred in the period, finished and recovered", "ITT"),
    Count(
        "cohort_reliably_recovered",
        "referral",
        "referred in the period, finished and reliably recovered",
        "ITT",
    ),
    Count("cohort_open", "referral", "referred in the period, referral still open", "ITT"),
    Count(
        "self_referrals",
        "referral",
        "referrals received in the period with source of referral B1 (self)",
        f"{PDT_IST} SelfReferral",
    ),
    Count(
        "entered_treatment_waited_6_weeks",
        "access",
        "entered treatment in the period, first treatment within 42 days of referral",
        f"{PDT_IST} FirstTreatment6Weeks",
    ),
    Count(
        "entered_treatment_waited_18_weeks",
        "access",
        "entered treatment in the period, first treatment within 126 days of referral",
        f"{PDT_IST} FirstTreatment18Weeks",
    ),
    Count(
        "second_treatment",
        "second",
        "second treatment contact in the period",
        f"{KM_SQL} Count_SecondTreatment",
    ),
    Count(
        "first_to_second_over_28_days",
        "second",
        "second treatment contact in the period, more than 28 days after the first",
        f"{KM_SQL} Count_FirstToSecondTreatmentOver28days",
    ),
    Count(
        "first_to_second_over_90_days",
        "second",
        "second treatment contact in the period, more than 90 days after the first",
        f"{KM_SQL} Count_FirstToSecondTreatmentOver90days",
    ),
    Count(
        "ended_seen_not_treated",
        "ending",
        "ended in the period, end code seen but not taken on (10-17, 95)",
        END_CODES,
    ),
    Count(
        "ended_treated",
        "ending",
        "ended in the period, end code taken on for treatment (46-49, 96)",
        END_CODES,
    ),
    Count("ended_not_seen", "ending", "ended in the period, end code not assessed (50)", END_CODES),
    Count(
        "finished_adsm_expected",
        "ending",
        "finished, with a problem descriptor that calls for an anxiety-disorder-specific measure",
        f"{PDT_INEQ} CountAppropriatePairedADSM (denominator)",
    ),
    Count(
        "finished_adsm_paired",
        "ending",
        "of those, with paired scores on that measure",
        f"{PDT_INEQ} CountAppropriatePairedADSM",
    ),
    Count(
        "ethnic_minority_recovered",
        "ending",
        "finished and recovered, ethnic category B-S (not White British, not stated)",
        f"{KM_SQL} Percentage_Recovery_EM",
    ),
    Count(
        "ethnic_minority_recovery_denominator",
        "ending",
        "finished minus finished not at caseness, ethnic category B-S",
        f"{KM_SQL} Percentage_Recovery_EM",
    ),
    Count(
        "white_british_recovered",
        "ending",
        "finished and recovered, ethnic category A (White British)",
        f"{KM_SQL} Percentage_Recovery_WB",
    ),
    Count(
        "white_british_recovery_denominator",
        "ending",
        "finished minus finished not at caseness, ethnic category A",
        f"{KM_SQL} Percentage_Recovery_WB",
    ),
    Count(
        "open_referrals_treated",
        "snapshot",
        "open at the end of the period with at least one treatment contact by then",
        f"{KM_SQL} OpenReferral",
    ),
    Count(
        "open_referrals_no_contact_90_days",
        "snapshot",
        "of those, last treatment contact more than 90 days before the end of the period",
        f"{KM_SQL} OpenReferralOver90daysNoContact",
    ),
    Count(
        "waiting_list",
        "snapshot",
        "open at the end of the period, referred by then, no treatment contact by then",
        f"{PDT_IST} WaitingForTreatment",
    ),
    *(
        Count(
            f"waiting_{band}",
            "snapshot",
            _band_definition(low, high),
            f"{PDT_IST} Waiting2Weeks ... Waiting18Weeks (cumulative there, banded here)",
        )
        for band, low, high in WAITING_BANDS
    ),
)

RATES: tuple[Rate, ...] = (
    Rate(
        "recovery_rate",
        "recovered",
        "recovery_denominator",
        "recovered ÷ (finished − finished not at caseness)",
        f"{KM_SQL} Percentage_Recovery",
    ),
    Rate(
        "reliable_recovery_rate",
        "reliable_recovery",
        "recovery_denominator",
        "reliably recovered ÷ (finished − finished not at caseness)",
        f"{KM_SQL} Percentage_ReliableRecovery",
    ),
    Rate(
        "reliable_improvement_rate",
        "reliable_improvement",
        "finished_course",
        "reliably improved ÷ finished",
        f"{KM_SQL} Percentage_ReliableImprovement",
    ),
    Rate(
        "reliable_deterioration_rate",
        "reliable_deterioration",
        "finished_course",
        "reliably deteriorated ÷ finished",
        f"{KM_SQL} Percentage_ReliableDeterioration",
    ),
    Rate(
        "no_reliable_change_rate",
        "no_reliable_change",
        "finished_course",
        "no reliable change ÷ finished",
        "reference §2.2 NoChange_Flag",
    ),
    Rate(
        "waited_6_weeks_rate",
        "waited_6_weeks",
        "finished_course",
        "first treatment within 42 days ÷ finished",
        f"{KM_SQL} Percentage_FirstTreatment6WeeksFinishedCourseTreatment",
    ),
    Rate(
        "waited_18_weeks_rate",
        "waited_18_weeks",
        "finished_course",
        "first treatment within 126 days ÷ finished",
        f"{KM_SQL} Percentage_FirstTreatment18WeeksFinishedCourseTreatment",
    ),
    Rate(
        "ended_before_treatment_rate",
        "ended_before_treatment",
        "ended_referrals",
        "ended with no treatment ÷ ended",
        "reference §2.1",
    ),
    Rate(
        "ended_after_one_treatment_rate",
        "ended_after_one_treatment",
        "ended_referrals",
        "ended with one treatment contact ÷ ended",
        "reference §3.3 Percentage_EndedTreatedOnce",
    ),
    Rate(
        "dna_rate",
        "dna",
        "appointments",
        "DNA appointments ÷ every care contact in the period",
        f"{PDT_IST} and PDT 3. PDT_Combined_Rounding.sql: SUM(ApptDNA) / SUM(Appointments)",
    ),
    Rate(
        "mean_treatment_sessions",
        "treatment_sessions_finished",
        "finished_course",
        "treatment contacts per finished course",
        "reference §3.2",
        kind="mean",
    ),
    Rate(
        "mean_wait_days",
        "wait_days_finished",
        "finished_course",
        "days from referral to first treatment, finished courses",
        "reference §2.4",
        kind="mean",
    ),
    Rate(
        "itt_recovery_rate",
        "cohort_recovered",
        "referrals",
        "recovered ÷ everyone referred in the period (intention to treat)",
        "OnTrack (ITT funnel)",
    ),
    Rate(
        "itt_reliable_recovery_rate",
        "cohort_reliably_recovered",
        "referrals",
        "reliably recovered ÷ everyone referred in the period",
        "OnTrack (ITT funnel)",
    ),
    Rate(
        "itt_finished_rate",
        "cohort_finished",
        "referrals",
        "finished a course ÷ everyone referred in the period",
        "OnTrack (ITT funnel)",
    ),
    Rate(
        "early_goals_rate",
        "finished_with_early_goals",
        "finished_course",
        "finished courses with goals agreed by session 2 ÷ finished",
        "DESIGN §1",
    ),
    Rate(
        "homework_set_rate",
        "finished_with_homework",
        "finished_course",
        "finished courses with homework set ÷ finished",
        "DESIGN §1",
    ),
    Rate(
        "homework_reviewed_rate",
        "homework_reviewed",
        "homework_set",
        "tasks reviewed ÷ tasks set (finished courses)",
        "DESIGN §1",
    ),
    Rate(
        "first_to_second_treatment_over_28_days_rate",
        "first_to_second_over_28_days",
        "second_treatment",
        "second treatment more than 28 days after the first ÷ second treatments in the period",
        f"{KM_SQL} Count_FirstToSecondTreatmentOver28days ÷ Count_SecondTreatment",
    ),
    Rate(
        "first_to_second_treatment_over_90_days_rate",
        "first_to_second_over_90_days",
        "second_treatment",
        "second treatment more than 90 days after the first ÷ second treatments in the period",
        f"{KM_SQL} Percentage_FirstToSecondTreatmentOver90days",
    ),
    Rate(
        "open_referrals_no_contact_90_days_rate",
        "open_referrals_no_contact_90_days",
        "open_referrals_treated",
        "open referrals without a treatment contact for over 90 days ÷ open referrals treated",
        f"{KM_SQL} Percentage_OpenReferralNoActivityOver90days",
    ),
    Rate(
        "entered_treatment_waited_6_weeks_rate",
        "entered_treatment_waited_6_weeks",
        "entered_treatment",
        "entered treatment within 42 days of referral ÷ entered treatment in the period",
        f"{PDT_IST} FirstTreatment6Weeks",
    ),
    Rate(
        "entered_treatment_waited_18_weeks_rate",
        "entered_treatment_waited_18_weeks",
        "entered_treatment",
        "entered treatment within 126 days of referral ÷ entered treatment in the period",
        f"{PDT_IST} FirstTreatment18Weeks",
    ),
    Rate(
        "adsm_paired_rate",
        "finished_adsm_paired",
        "finished_adsm_expected",
        "finished with paired scores on the ADSM their descriptor calls for ÷ those called for",
        f"{PDT_INEQ} CountAppropriatePairedADSM",
    ),
    Rate(
        "self_referral_rate",
        "self_referrals",
        "referrals",
        "self-referrals (B1) ÷ referrals received in the period",
        f"{PDT_IST} SelfReferral",
    ),
    Rate(
        "ethnic_minority_recovery_rate",
        "ethnic_minority_recovered",
        "ethnic_minority_recovery_denominator",
        "recovery rate of clients of ethnic categories B-S",
        f"{KM_SQL} Percentage_Recovery_EM",
    ),
    Rate(
        "white_british_recovery_rate",
        "white_british_recovered",
        "white_british_recovery_denominator",
        "recovery rate of White British clients (ethnic category A)",
        f"{KM_SQL} Percentage_Recovery_WB",
    ),
    Rate(
        "homework_done_rate",
        "homework_done",
        "homework_reviewed",
        "tasks done ÷ tasks reviewed (finished courses)",
        "DESIGN §1",
    ),
    Rate(
        "end_code_recorded_rate",
        "ended_with_end_code",
        "ended_referrals",
        "ended with an end code ÷ ended (fidelity audit: ending_recorded)",
        "issue 17 (fidelity audit)",
    ),
    Rate(
        "sessions_in_range_rate",
        "finished_in_session_range",
        "finished_session_range_known",
        "finished within the therapy's recommended sessions ÷ finished with a known range "
        "(fidelity audit: sessions_in_range)",
        "issue 17 (fidelity audit)",
    ),
)

COUNT_NAMES = tuple(c.name for c in COUNTS)
RATE_NAMES = tuple(r.name for r in RATES)
FAMILY_COUNTS: dict[Family, tuple[str, ...]] = {
    fam: tuple(c.name for c in COUNTS if c.family == fam)
    for fam in ("referral", "access", "second", "ending", "contact", "snapshot")
}
# NHS England's EndCode groups (SPC monthly update.sql, PDT 2.14 Repeat_Referrals.sql).
SEEN_NOT_TREATED = ("10", "11", "12", "13", "14", "16", "17", "95")
TREATED = ("46", "47", "48", "49", "96")
NOT_SEEN = ("50",)
SELF_REFERRAL = "B1"
WHITE_BRITISH = "A"
NOT_STATED = "Z"
FAMILY_COUNTS_SNAPSHOT = FAMILY_COUNTS["snapshot"]


def contributions(
    d: ir.Table, period: Period, as_at: dt.date | None = None
) -> dict[str, ir.IntegerValue]:
    """Return, per count, each referral's contribution to it (0/1, or a number to sum).

    ``d`` is the per-referral table from ``derive.derive_referrals``; the contributions are
    stored on it (as ``m_<count>`` columns) when it is materialised, so that every
    breakdown is a plain sum, evaluated once per referral however many breakdowns there
    are. The contact family comes from the per-referral appointment counts, which are
    already limited to the period; ``contact_measures`` counts it by contact month and
    contact therapist instead. The snapshot family is counted as at ``as_at`` (the end of
    the period, or the last date in the data); with no ``as_at`` it is all zero.
    """
    referred = period.contains(d.referral_date)
    accessed = period.contains(d.first_treatment_date)
    ended = period.contains(d.end_date)
    finished = ended & (d.n_treatment >= 2)
    course = d.end_date.notnull() & (d.n_treatment >= 2)
    wait = d.wait_days
    conditions: dict[str, ir.BooleanValue] = {
        "referrals": referred,
        "entered_treatment": accessed,
        "ended_referrals": ended,
        "finished_course": finished,
        "finished_at_caseness": finished & d.caseness,
        "finished_not_at_caseness": finished & d.not_caseness,
        "recovery_denominator": finished & ~d.not_caseness,
        "recovered": finished & d.recovered,
        "reliable_improvement": finished & d.improved,
        "reliable_deterioration": finished & d.deteriorated,
        "no_reliable_change": finished & d.no_change,
        "reliable_recovery": finished & d.reliably_recovered,
        "waited_6_weeks": finished & (wait <= 42),
        "waited_18_weeks": finished & (wait <= 126),
        "waited_up_to_28_days": finished & (wait <= 28),
        "waited_29_to_56_days": finished & (wait > 28) & (wait <= 56),
        "waited_57_to_90_days": finished & (wait > 56) & (wait <= 90),
        "waited_over_90_days": finished & (wait > 90),
        "ended_before_treatment": ended & (d.n_treatment == 0),
        "ended_after_one_treatment": ended & (d.n_treatment == 1),
        "finished_with_early_goals": finished & (d.early_goal_ratings > 0),
        "finished_with_homework": finished & (d.homework_set > 0),
        "ended_with_end_code": ended & d.end_code.notnull() & (d.end_code != ""),
        **_session_range(d, finished),
        "cohort_assessed": referred & (d.n_attended > 0),
        "cohort_entered": referred & (d.n_treatment > 0),
        "cohort_second": referred & (d.n_treatment >= 2),
        "cohort_finished": referred & course,
        "cohort_recovered": referred & course & d.recovered,
        "cohort_reliably_recovered": referred & course & d.reliably_recovered,
        "cohort_open": referred & d.end_date.isnull(),
        "self_referrals": referred & (d.source_of_referral == SELF_REFERRAL),
        "entered_treatment_waited_6_weeks": accessed & (wait <= 42),
        "entered_treatment_waited_18_weeks": accessed & (wait <= 126),
        "ended_seen_not_treated": ended & d.end_code.isin(SEEN_NOT_TREATED),
        "ended_treated": ended & d.end_code.isin(TREATED),
        "ended_not_seen": ended & d.end_code.isin(NOT_SEEN),
        "finished_adsm_expected": finished & d.adsm_expected,
        "finished_adsm_paired": finished & d.adsm_expected & d.adsm_paired,
        **_by_ethnicity(d, finished),
        **_second_treatment(d, period),
        **_snapshot(d, as_at),
    }
    amounts: dict[str, tuple[ir.IntegerValue, ir.BooleanValue | None]] = {
        "wait_days_finished": (wait, finished),
        "treatment_sessions_finished": (d.n_treatment, finished),
        "homework_set": (d.homework_set, finished),
        "homework_reviewed": (d.homework_reviewed, finished),
        "homework_done": (d.homework_done, finished),
        "appointments": (d.appointments_in_period, None),
        "dna": (d.dna_in_period, None),
    }
    out: dict[str, ir.IntegerValue] = {}
    for c in COUNTS:
        if c.name in conditions:
            out[c.name] = ibis.ifelse(conditions[c.name].fill_null(False), 1, 0).cast("int8")
        else:
            column, where = amounts[c.name]
            value = column if where is None else ibis.ifelse(where.fill_null(False), column, 0)
            out[c.name] = value.fill_null(0).cast("int32")
    return out


AGREED_COMPLETION = "46"  # ended by mutual agreement: fewer sessions than the range is fine


def session_ranges() -> dict[
    str, tuple[int | None, int | None, list[tuple[str, int | None, int | None]]]
]:
    """Therapy code -> (min, max, [(problem prefix, min, max), ...]) from the fidelity audit's
    ``therapies.toml``: the same file, so the analytics and the audit judge one range."""
    from ontrack.fidelity.course import _shipped_therapies

    out = {}
    for code, entry in _shipped_therapies().items():
        overrides = [
            (prefix.replace(".", "").upper(), o.get("min_sessions"), o.get("max_sessions"))
            for prefix, o in entry.get("problem", {}).items()
        ]
        out[code] = (entry.get("min_sessions"), entry.get("max_sessions"), overrides)
    return out


def _session_range(d: ir.Table, finished: ir.BooleanValue) -> dict[str, ir.BooleanValue]:
    """Finished courses with a known recommended range, and those within it (the audit's
    ``sessions_in_range``, for the therapy of the last treatment contact)."""
    from ontrack.analytics.derive import therapy_codes

    problem = d.problem_descriptor.fill_null("").replace(".", "").upper()
    null = ibis.null().cast("int64")
    low: ir.IntegerValue = null
    high: ir.IntegerValue = null
    index = {code: i + 1 for i, code in enumerate(therapy_codes())}
    for code, (base_low, base_high, overrides) in sorted(session_ranges().items()):
        if code not in index:
            continue
        t_low: ir.IntegerValue = ibis.literal(base_low, type="int64")
        t_high: ir.IntegerValue = ibis.literal(base_high, type="int64")
        for prefix, o_low, o_high in reversed(overrides):  # the first listed prefix wins
            t_low = ibis.ifelse(
                problem.startswith(prefix), ibis.literal(o_low, type="int64"), t_low
            )
            t_high = ibis.ifelse(
                problem.startswith(prefix), ibis.literal(o_high, type="int64"), t_high
            )
        low = ibis.ifelse(d.therapy_idx == index[code], t_low, low)
        high = ibis.ifelse(d.therapy_idx == index[code], t_high, high)
    known = finished & low.notnull() & high.notnull()
    n = d.n_treatment
    within = (n >= low) & (n <= high)
    early = (n < low) & (d.end_code == AGREED_COMPLETION)
    return {
        "finished_session_range_known": known,
        "finished_in_session_range": known & (within | early.fill_null(False)),
    }


def _by_ethnicity(d: ir.Table, finished: ir.BooleanValue) -> dict[str, ir.BooleanValue]:
    white_british = d.ethnicity == WHITE_BRITISH
    minority = d.ethnicity.notnull() & (d.ethnicity != WHITE_BRITISH) & (d.ethnicity != NOT_STATED)
    return {
        "ethnic_minority_recovered": finished & minority & d.recovered,
        "ethnic_minority_recovery_denominator": finished & minority & ~d.not_caseness,
        "white_british_recovered": finished & white_british & d.recovered,
        "white_british_recovery_denominator": finished & white_british & ~d.not_caseness,
    }


def _second_treatment(d: ir.Table, period: Period) -> dict[str, ir.BooleanValue]:
    second = period.contains(d.second_treatment_date)
    gap = d.second_treatment_date.epoch_days() - d.first_treatment_date.epoch_days()
    return {
        "second_treatment": second,
        "first_to_second_over_28_days": second & (gap > 28),
        "first_to_second_over_90_days": second & (gap > 90),
    }


def _snapshot(d: ir.Table, as_at: dt.date | None) -> dict[str, ir.BooleanValue]:
    """Open referrals and the waiting list as at ``as_at`` (NHS England's month-end view)."""
    names = FAMILY_COUNTS_SNAPSHOT
    if as_at is None:
        return {name: ibis.literal(False) for name in names}
    day = (as_at - dt.date(1970, 1, 1)).days
    referral_day = d.referral_date.epoch_days()
    open_ = (referral_day <= day) & (d.end_date.isnull() | (d.end_date.epoch_days() > day))
    last = d.last_treatment_as_at.epoch_days()
    waiting = open_ & (
        d.first_treatment_date.isnull() | (d.first_treatment_date.epoch_days() > day)
    )
    waited = day - referral_day
    out: dict[str, ir.BooleanValue] = {
        "open_referrals_treated": open_ & last.notnull(),
        "open_referrals_no_contact_90_days": open_ & (day - last > 90),
        "waiting_list": waiting,
    }
    for band, low, high in WAITING_BANDS:
        within = waited >= low if high is None else (waited >= low) & (waited <= high)
        out[f"waiting_{band}"] = waiting & within
    return out


def contribution_column(name: str) -> str:
    """The per-referral column holding a count's contribution."""
    return f"m_{name}"


def count_aggregates(d: ir.Table, names: tuple[str, ...] = COUNT_NAMES) -> dict[str, ir.Scalar]:
    """Sum the stored contributions of ``names`` over (groups of) ``d``."""
    return {name: d[contribution_column(name)].sum().cast("int64") for name in names}


def complete_counts(row: Mapping[str, object]) -> dict[str, int]:
    """Return every count from ``row`` as an int, 0 where absent or null (an empty sum)."""
    out: dict[str, int] = {}
    for name in COUNT_NAMES:
        value = row.get(name)
        out[name] = 0 if value is None else int(value)  # type: ignore[call-overload]
    return out


def compute_rates(counts: Mapping[str, int]) -> dict[str, float | None]:
    """Return every rate from ``counts``; None where the denominator is zero.

    NHS England's SQL also returns NULL when the numerator is zero; OnTrack reports 0.0
    there, because a true zero (nobody deteriorated) is information.

    >>> compute_rates({"recovered": 5, "recovery_denominator": 10})["recovery_rate"]
    0.5
    """
    out: dict[str, float | None] = {}
    for rate in RATES:
        denominator = counts.get(rate.denominator, 0)
        out[rate.name] = counts.get(rate.numerator, 0) / denominator if denominator else None
    return out


def measures_from_counts(row: Mapping[str, object]) -> dict[str, int | float | None]:
    """Return counts and rates together, the shape of every measure row in a report."""
    counts = complete_counts(row)
    merged: dict[str, int | float | None] = dict(counts)
    merged.update(compute_rates(counts))
    return merged
