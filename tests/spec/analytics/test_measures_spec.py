"""Spec tests: each measure on a tiny hand-made dataset, on every engine.

The tables are the documentation: read one to see exactly what a measure counts. Columns
not written take the defaults of ``ontrack.analytics.spec`` (attended CBT treatment
contacts with therapist t1; referral aged 30, female, White British).
"""

from __future__ import annotations

import datetime as dt

import pytest

from ontrack.analytics import Period

# DuckDB 2 deprecates a call Ibis 12 still makes; harmless, and not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")

YEAR = Period(dt.date(2024, 4, 1), dt.date(2025, 3, 31))

# r1 recovers: caseness at the start on both measures, below both cut-offs at the end,
# reliable fall on both. r2 finished not at caseness. r3 finished without paired scores.
OUTCOMES = """
referral
referral_id | referral_date | end_date
r1          | 2024-04-01    | 2024-06-30
r2          | 2024-04-01    | 2024-06-30
r3          | 2024-04-01    | 2024-06-30

contact
contact_id | referral_id | contact_date | app_type
c11        | r1          | 2024-04-10   | 01
c12        | r1          | 2024-04-20   | 02
c13        | r1          | 2024-06-01   | 02
c21        | r2          | 2024-04-10   | 02
c22        | r2          | 2024-05-10   | 02
c31        | r3          | 2024-04-10   | 02
c32        | r3          | 2024-05-10   | 02

score
contact_id | measure | total
c11        | PHQ-9   | 16
c11        | GAD-7   | 14
c13        | PHQ-9   | 7
c13        | GAD-7   | 6
c21        | PHQ-9   | 6
c21        | GAD-7   | 5
c22        | PHQ-9   | 5
c22        | GAD-7   | 4
c31        | PHQ-9   | 18
"""


def test_outcomes_recovery_rate_excludes_not_at_caseness_but_keeps_unpaired(compute):
    report = compute(OUTCOMES, YEAR)

    m = report.overall
    assert m["finished_course"] == 3
    assert m["finished_not_at_caseness"] == 1
    assert m["recovery_denominator"] == 2  # r3 has no pair yet stays in, as in the KM SQL
    assert m["recovered"] == 1
    assert m["recovery_rate"] == 0.5
    assert m["reliable_improvement_rate"] == pytest.approx(1 / 3)
    assert m["reliable_recovery_rate"] == 0.5
    assert m["no_reliable_change"] == 1  # r2: paired, no reliable change


CUTOFFS = """
referral
referral_id | referral_date | end_date
r1          | 2024-04-01    | 2024-06-30
r2          | 2024-04-01    | 2024-06-30
r3          | 2024-04-01    | 2024-06-30

contact
contact_id | referral_id | contact_date
c11        | r1          | 2024-04-10
c12        | r1          | 2024-05-10
c21        | r2          | 2024-04-10
c22        | r2          | 2024-05-10
c31        | r3          | 2024-04-10
c32        | r3          | 2024-05-10

score
contact_id | measure | total
c11        | PHQ-9   | 10
c11        | GAD-7   | 7
c12        | PHQ-9   | 9
c12        | GAD-7   | 7
c21        | PHQ-9   | 9
c21        | GAD-7   | 8
c22        | PHQ-9   | 10
c22        | GAD-7   | 2
c31        | PHQ-9   | 9
c31        | GAD-7   | 7
c32        | PHQ-9   | 3
c32        | GAD-7   | 1
"""


def test_cutoffs_are_inclusive_and_recovery_needs_no_reliable_change(compute):
    report = compute(CUTOFFS, YEAR)

    m = report.overall
    # r1: PHQ-9 10 is caseness (>= 10); ends 9 and GAD 7: recovered without reliable change.
    # r2: GAD-7 8 is caseness; ends PHQ-9 10, still a case: not recovered.
    # r3: 9 and 7 at the start: not at caseness.
    assert m["finished_at_caseness"] == 2
    assert m["finished_not_at_caseness"] == 1
    assert m["recovered"] == 1
    assert m["reliable_recovery"] == 0
    assert m["recovery_rate"] == 0.5
    assert m["reliable_recovery_rate"] == 0.0


RELIABLE = """
referral
referral_id | referral_date | end_date
up          | 2024-04-01    | 2024-06-30
edge        | 2024-04-01    | 2024-06-30
mixed       | 2024-04-01    | 2024-06-30
worse       | 2024-04-01    | 2024-06-30

contact
contact_id | referral_id | contact_date
u1         | up          | 2024-04-10
u2         | up          | 2024-05-10
e1         | edge        | 2024-04-10
e2         | edge        | 2024-05-10
m1         | mixed       | 2024-04-10
m2         | mixed       | 2024-05-10
w1         | worse       | 2024-04-10
w2         | worse       | 2024-05-10

score
contact_id | measure | total
u1         | PHQ-9   | 20
u1         | GAD-7   | 15
u2         | PHQ-9   | 14
u2         | GAD-7   | 15
e1         | PHQ-9   | 20
e1         | GAD-7   | 15
e2         | PHQ-9   | 15
e2         | GAD-7   | 12
m1         | PHQ-9   | 20
m1         | GAD-7   | 10
m2         | PHQ-9   | 14
m2         | GAD-7   | 14
w1         | PHQ-9   | 12
w1         | GAD-7   | 10
w2         | PHQ-9   | 18
w2         | GAD-7   | 10
"""


def test_reliable_change_thresholds_and_conflicting_directions(compute):
    report = compute(RELIABLE, YEAR)

    m = report.overall
    # up: PHQ-9 falls 6 (reliable). edge: falls 5 and 3 (neither reliable).
    # mixed: PHQ-9 falls 6, GAD-7 rises 4: neither improvement nor deterioration.
    # worse: PHQ-9 rises 6.
    assert m["reliable_improvement"] == 1
    assert m["reliable_deterioration"] == 1
    assert m["no_reliable_change"] == 2
    assert m["reliable_deterioration_rate"] == 0.25


ADSM = """
referral
referral_id | referral_date | end_date   | problem_descriptor
spin        | 2024-04-01    | 2024-06-30 | F40.1
fallback    | 2024-04-01    | 2024-06-30 | F40.1
agora       | 2024-04-01    | 2024-06-30 | F40.0

contact
contact_id | referral_id | contact_date
s1         | spin        | 2024-04-10
s2         | spin        | 2024-05-10
f1         | fallback    | 2024-04-10
f2         | fallback    | 2024-05-10
a1         | agora       | 2024-04-10
a2         | agora       | 2024-05-10

score
contact_id | measure  | total
s1         | PHQ-9    | 5
s1         | GAD-7    | 5
s1         | SPIN     | 30
s2         | PHQ-9    | 5
s2         | GAD-7    | 5
s2         | SPIN     | 18
f1         | PHQ-9    | 5
f1         | GAD-7    | 12
f1         | SPIN     | 30
f2         | PHQ-9    | 5
f2         | GAD-7    | 5
a1         | PHQ-9    | 5
a1         | MI-ALONE | 2.3
a2         | PHQ-9    | 5
a2         | MI-ALONE | 1.2
"""


def test_anxiety_measure_follows_the_problem_descriptor_with_gad7_fallback(compute):
    report = compute(ADSM, YEAR)

    m = report.overall
    # spin: SPIN 30 -> 18 is caseness then below 19, reliable fall of 12: reliably recovered.
    # fallback: SPIN has one score, so GAD-7 12 -> 5 decides: reliably recovered.
    # agora: Mobility Inventory cut-off is "> 2.3", so 2.3 is not caseness.
    assert m["finished_at_caseness"] == 2
    assert m["finished_not_at_caseness"] == 1
    assert m["reliable_recovery"] == 2
    assert m["reliable_improvement"] == 3  # MI falls 1.1 >= 0.73


TIES_AND_FOLLOW_UPS = """
referral
referral_id | referral_date | end_date
r1          | 2024-04-01    | 2024-07-30

contact
contact_id | referral_id | contact_date | app_type
a          | r1          | 2024-04-10   | 02
b          | r1          | 2024-04-10   | 02
c          | r1          | 2024-05-10   | 02
d          | r1          | 2024-07-01   | 06

score
contact_id | measure | total
a          | PHQ-9   | 16
b          | PHQ-9   | 9
a          | GAD-7   | 6
c          | PHQ-9   | 8
c          | GAD-7   | 5
d          | PHQ-9   | 20
d          | GAD-7   | 20
"""


def test_same_day_scores_take_the_lower_first_and_follow_ups_are_ignored(compute):
    report = compute(TIES_AND_FOLLOW_UPS, YEAR)

    m = report.overall
    # First PHQ-9 is the lower of the two on 10 April (9): not at caseness. The follow-up
    # scores of 20 on 1 July are not the last scores.
    assert m["finished_not_at_caseness"] == 1
    assert m["reliable_deterioration"] == 0


TREATMENT = """
referral
referral_id | referral_date | end_date
one         | 2024-04-01    | 2024-05-30
assessed    | 2024-04-01    | 2024-05-30
never       | 2024-04-01    | 2024-04-30
open        | 2024-04-01    |

contact
contact_id | referral_id | contact_date | app_type | attendance
o1         | one         | 2024-04-10   | 01       | 5
o2         | one         | 2024-04-20   | 02       | 5
o3         | one         | 2024-04-27   | 02       | 3
o4         | one         | 2024-05-04   | 06       | 5
s1         | assessed    | 2024-04-10   | 01       | 5
s2         | assessed    | 2024-04-20   | 02       | 2
p1         | open        | 2024-04-10   | 03       | 6
p2         | open        | 2024-04-20   | 05       | 5
"""


def test_treatment_contacts_are_attended_02_03_05_only(compute):
    report = compute(TREATMENT, YEAR)

    m = report.overall
    assert m["referrals"] == 4
    assert m["entered_treatment"] == 2  # one (o2) and open (p1)
    assert m["ended_referrals"] == 3
    assert m["ended_after_one_treatment"] == 1  # one: DNA and follow-up do not count
    assert m["ended_before_treatment"] == 2  # assessed and never
    assert m["finished_course"] == 0  # open has two treatment contacts but has not ended
    assert m["ended_after_one_treatment_rate"] == pytest.approx(1 / 3)
    assert m["ended_before_treatment_rate"] == pytest.approx(2 / 3)


WAITS = """
referral
referral_id | referral_date | end_date
d42         | 2024-04-01    | 2024-07-30
d43         | 2024-04-01    | 2024-07-30
d126        | 2024-04-01    | 2024-09-30
d127        | 2024-04-01    | 2024-09-30

contact
contact_id | referral_id | contact_date
a1         | d42         | 2024-05-13
a2         | d42         | 2024-05-20
b1         | d43         | 2024-05-14
b2         | d43         | 2024-05-21
c1         | d126        | 2024-08-05
c2         | d126        | 2024-08-12
e1         | d127        | 2024-08-06
e2         | d127        | 2024-08-13
"""


def test_waits_count_42_and_126_days_as_within_6_and_18_weeks(compute):
    report = compute(WAITS, YEAR)

    m = report.overall
    assert m["waited_6_weeks"] == 1
    assert m["waited_18_weeks"] == 3
    assert m["waited_6_weeks_rate"] == 0.25
    assert m["waited_18_weeks_rate"] == 0.75
    assert m["mean_wait_days"] == pytest.approx((42 + 43 + 126 + 127) / 4)
    assert m["mean_treatment_sessions"] == 2.0
    assert (m["waited_29_to_56_days"], m["waited_over_90_days"]) == (2, 2)


APPOINTMENTS = """
referral
referral_id | referral_date | end_date
r1          | 2024-03-01    | 2024-06-30

contact
contact_id | referral_id | contact_date | attendance
c1         | r1          | 2024-03-20   | 3
c2         | r1          | 2024-04-10   | 5
c3         | r1          | 2024-04-17   | 3
c4         | r1          | 2024-04-24   | 2
c5         | r1          | 2024-05-01   | 4
c6         | r1          | 2024-05-08   | 7
c7         | r1          | 2024-05-15   | 6
"""


def test_dna_rate_is_dna_over_every_care_contact_in_the_period(compute):
    report = compute(APPOINTMENTS, YEAR)

    m = report.overall
    # c1 is before the period. Every care contact is an appointment, cancellations (2, 4)
    # and late-not-seen (7) included: NHS England's SUM(ApptDNA) / SUM(Appointments).
    assert (m["dna"], m["appointments"]) == (1, 6)
    assert m["dna_rate"] == pytest.approx(1 / 6)
    assert m["referrals"] == 0  # referred before the period


# u2 was unplanned (PlannedCareContIndicator N): NHS England counts it as a treatment
# contact whatever its attendance code, so "unplanned" finishes a course. "planned" has the
# same contacts, all planned, and ends after one treatment contact.
UNPLANNED = """
referral
referral_id | referral_date | end_date
unplanned   | 2024-04-01    | 2024-06-30
planned     | 2024-04-01    | 2024-06-30

contact
contact_id | referral_id | contact_date | app_type | attendance | planned
u1         | unplanned   | 2024-04-10   | 02       | 5          | Y
u2         | unplanned   | 2024-04-20   | 02       | 7          | N
p1         | planned     | 2024-04-10   | 02       | 5          | Y
p2         | planned     | 2024-04-20   | 02       | 7          | Y
"""


def test_an_unplanned_contact_is_a_treatment_contact_and_finishes_a_course(compute):
    report = compute(UNPLANNED, YEAR)

    m = report.overall
    assert m["finished_course"] == 1  # unplanned
    assert m["ended_after_one_treatment"] == 1  # planned
    assert m["entered_treatment"] == 2
    assert m["mean_treatment_sessions"] == 2.0
    assert m["cohort_second"] == 1


# f3 and f4 are follow-ups after discharge (AppType 06 after ServDischDate), which NHS
# England's SQL expects: they are appointments (f4 a DNA) but neither treatment contacts
# nor scores that count, so the course ends recovered on f2's scores.
FOLLOW_UP_AFTER_DISCHARGE = """
referral
referral_id | referral_date | end_date
f           | 2024-04-01    | 2024-05-31

contact
contact_id | referral_id | contact_date | app_type | attendance
f1         | f           | 2024-04-10   | 02       | 5
f2         | f           | 2024-05-20   | 02       | 5
f3         | f           | 2024-07-01   | 06       | 5
f4         | f           | 2024-08-01   | 06       | 3

score
contact_id | measure | total
f1         | PHQ-9   | 16
f1         | GAD-7   | 14
f2         | PHQ-9   | 5
f2         | GAD-7   | 4
f3         | PHQ-9   | 20
f3         | GAD-7   | 20
"""


def test_follow_ups_after_discharge_are_appointments_but_not_treatment(compute):
    report = compute(FOLLOW_UP_AFTER_DISCHARGE, YEAR)

    m = report.overall
    assert m["finished_course"] == 1
    assert m["treatment_sessions_finished"] == 2
    assert m["recovered"] == 1
    assert m["reliable_deterioration"] == 0
    assert (m["appointments"], m["dna"]) == (4, 1)


# Two contacts on one day with their times: b (09:00) came before a (14:30), so b's PHQ-9
# of 16 is the first score (without times the lower total, 9, would be). For "late" the
# last treatment contact is the 17:00 one with therapist t1 (without times: t2, sorted last).
SAME_DAY_TIMES = """
referral
referral_id | referral_date | end_date
r1          | 2024-04-01    | 2024-06-30
late        | 2024-04-01    | 2024-06-30

contact
contact_id | referral_id | contact_date | contact_time | therapist_id
a          | r1          | 2024-04-10   | 14:30        | t1
b          | r1          | 2024-04-10   | 09:00:00     | t1
c          | r1          | 2024-05-10   |              | t1
l1         | late        | 2024-04-10   |              | t1
l2         | late        | 2024-05-10   | 17:00        | t1
l3         | late        | 2024-05-10   | 09:00        | t2

score
contact_id | measure | total
a          | PHQ-9   | 9
b          | PHQ-9   | 16
b          | GAD-7   | 14
c          | PHQ-9   | 8
c          | GAD-7   | 5
"""


def test_same_day_contacts_are_ordered_by_contact_time_when_recorded(compute):
    report = compute(SAME_DAY_TIMES, YEAR)

    m = report.overall
    assert m["finished_at_caseness"] == 1  # r1 starts at PHQ-9 16, not 9
    assert m["recovered"] == 1
    assert m["reliable_recovery"] == 1
    by_therapist = {r["group"]: r["finished_course"] for r in report.breakdowns["therapist"]}
    assert by_therapist == {"t1": 2}  # late's last contact is t1's at 17:00


FUNNEL = """
referral
referral_id | referral_date | end_date   | imd_decile
a           | 2024-04-01    | 2024-06-30 | 1
b           | 2024-04-01    | 2024-06-30 | 1
c           | 2024-04-01    |            | 10
d           | 2024-04-01    | 2024-04-20 | 10
e           | 2024-03-01    | 2024-05-30 |

contact
contact_id | referral_id | contact_date | app_type
a1         | a           | 2024-04-10   | 01
a2         | a           | 2024-04-20   | 02
a3         | a           | 2024-05-20   | 02
b1         | b           | 2024-04-10   | 02
b2         | b           | 2024-05-10   | 02
c1         | c           | 2024-04-10   | 01
e1         | e           | 2024-03-10   | 02
e2         | e           | 2024-04-10   | 02

score
contact_id | measure | total
a1         | PHQ-9   | 15
a1         | GAD-7   | 12
a3         | PHQ-9   | 6
a3         | GAD-7   | 5
b1         | PHQ-9   | 15
b1         | GAD-7   | 12
b2         | PHQ-9   | 14
b2         | GAD-7   | 11
e1         | PHQ-9   | 15
e1         | GAD-7   | 12
e2         | PHQ-9   | 3
e2         | GAD-7   | 3
"""


def test_funnel_follows_the_referred_cohort_with_itt_rates(compute):
    report = compute(FUNNEL, YEAR)

    m = report.overall
    stages = {row["stage"]: row for row in report.funnel()}
    assert [row["count"] for row in report.funnel()] == [4, 3, 2, 2, 2, 1, 1]
    assert stages["recovered"]["itt_rate"] == 0.25
    assert m["itt_recovery_rate"] == 0.25
    # The official rate counts finishers in the period, including e (referred before it).
    assert m["finished_course"] == 3
    assert stages["recovered"]["official_rate"] == pytest.approx(2 / 3)
    assert m["cohort_open"] == 1


def test_by_imd_decile_is_keyed_1_to_10_with_gap_least_minus_most(compute):
    report = compute(FUNNEL, YEAR)

    deciles = report.to_dict()["by_imd_decile"]
    assert list(deciles) == [str(d) for d in range(1, 11)]
    assert deciles["1"]["finished_course"] == 2
    assert deciles["1"]["recovery_rate"] == 0.5
    assert deciles["1"]["label"] == "10 Most deprived"
    assert deciles["10"]["label"] == "01 Least deprived"
    assert deciles["10"]["recovery_rate"] is None  # nobody in decile 10 finished
    assert deciles["5"]["referrals"] == 0
    assert report.to_dict()["imd_decile_not_known"]["finished_course"] == 1
    assert report.imd_gap()["itt_recovery_rate"] == pytest.approx(0.0 - 0.5)


def test_months_place_each_measure_in_its_own_dates_month(compute):
    report = compute(FUNNEL, Period())

    months = {row["group"]: row for row in report.breakdowns["month"]}
    assert months["2024-03"]["referrals"] == 1
    assert months["2024-04"]["referrals"] == 4
    assert months["2024-04"]["entered_treatment"] == 2  # a and b
    assert months["2024-03"]["entered_treatment"] == 1  # e
    assert months["2024-05"]["finished_course"] == 1  # e ended 30 May
    assert months["2024-06"]["finished_course"] == 2
    assert months["2024-06"]["recovery_rate"] == 0.5


ATTRIBUTION = """
referral
referral_id | referral_date | end_date
r1          | 2024-04-01    | 2024-06-30
r2          | 2024-04-01    | 2024-06-30

contact
contact_id | referral_id | contact_date | therapist_id | therapy          | attendance
c1         | r1          | 2024-04-10   | t1           | 748051000000105  | 5
c2         | r1          | 2024-05-10   | t2           | 304891004        | 5
c3         | r1          | 2024-05-17   | t2           |                  | 3
c4         | r2          | 2024-04-10   | t1           | 748051000000105  | 5
c5         | r2          | 2024-05-10   | t1           | 748051000000105  | 5
"""


def test_therapist_and_therapy_come_from_the_last_treatment_contact(compute):
    report = compute(ATTRIBUTION, YEAR)

    by_therapist = {row["group"]: row for row in report.breakdowns["therapist"]}
    assert by_therapist["t2"]["finished_course"] == 1
    assert by_therapist["t1"]["finished_course"] == 1
    # A therapist's DNA rate counts their own appointments.
    assert (by_therapist["t2"]["dna"], by_therapist["t2"]["appointments"]) == (1, 2)
    assert (by_therapist["t1"]["dna"], by_therapist["t1"]["appointments"]) == (0, 3)
    therapy = {row["group"]: row for row in report.breakdowns["therapy"]}
    assert therapy["304891004"]["finished_course"] == 1
    assert therapy["304891004"]["label"] == "Cognitive behavioural therapy (CBT)"
    step = {row["group"]: row["finished_course"] for row in report.breakdowns["step"]}
    assert step == {"low and high intensity": 1, "low intensity only": 1}


PRACTICE = """
referral
referral_id | referral_date | end_date
r1          | 2024-04-01    | 2024-06-30
r2          | 2024-04-01    | 2024-06-30

contact
contact_id | referral_id | contact_date | app_type
a0         | r1          | 2024-04-05   | 01
a1         | r1          | 2024-04-10   | 02
a2         | r1          | 2024-04-17   | 02
b1         | r2          | 2024-04-10   | 02
b2         | r2          | 2024-04-17   | 02
b3         | r2          | 2024-04-24   | 02

goal_rating
contact_id
a0
b3

homework
homework_id | set_contact_id | reviewed_contact_id | outcome
h1          | a1             | a2                  | done
h2          | a2             |                     |
h3          | b1             | b2                  | not_done
"""


def test_goals_by_session_2_and_homework_set_and_reviewed(compute):
    report = compute(PRACTICE, YEAR)

    m = report.overall
    # r1 set goals at assessment; r2 only at treatment session 3.
    assert m["finished_with_early_goals"] == 1
    assert m["early_goals_rate"] == 0.5
    assert m["homework_set"] == 3
    assert m["homework_reviewed_rate"] == pytest.approx(2 / 3)
    assert m["homework_done_rate"] == 0.5
    assert m["homework_set_rate"] == 1.0


ALERTS = """
referral
referral_id | referral_date | end_date
acted       | 2024-04-01    | 2024-06-30
ignored     | 2024-04-01    | 2024-06-30
calm        | 2024-04-01    | 2024-06-30

contact
contact_id | referral_id | contact_date
a1         | acted       | 2024-04-10
a2         | acted       | 2024-05-10
i1         | ignored     | 2024-04-10
i2         | ignored     | 2024-05-10
k1         | calm        | 2024-04-10
k2         | calm        | 2024-05-10

score
contact_id | measure | total
a1         | PHQ-9   | 15
a1         | GAD-7   | 12
a2         | PHQ-9   | 5
a2         | GAD-7   | 5
i1         | PHQ-9   | 15
i1         | GAD-7   | 12
i2         | PHQ-9   | 15
i2         | GAD-7   | 12

alert
alert_id | referral_id | kind      | severity | opened_at        | acknowledged_at  | acted_at
x1       | acted       | off_track | high     | 2024-04-10 09:00 | 2024-04-10 12:00 | 2024-04-11 09:00
x2       | ignored     | off_track | high     | 2024-04-10 09:00 | 2024-04-12 09:00 |
x3       | ignored     | risk      | urgent   | 2024-04-10 09:00 | 2024-04-10 09:30 | 2024-04-10 10:00
"""


def test_alert_response_times_and_outcomes_by_whether_alerts_were_acted_on(compute):
    report = compute(ALERTS, YEAR)

    assert report.alerts is not None
    offtrack = next(a for a in report.alerts if a["kind"] == "off_track")
    assert offtrack["opened"] == 2
    assert offtrack["acknowledged_within_1_day"] == 1
    assert offtrack["median_hours_to_acknowledge"] == pytest.approx((3 + 48) / 2)
    assert offtrack["median_hours_to_act"] == 24.0
    groups = {row["group"]: row for row in report.breakdowns["alert_response"]}
    assert groups["off-track alert acted on"]["recovery_rate"] == 1.0
    assert groups["off-track alert not acted on"]["recovery_rate"] == 0.0
    assert groups["no off-track alert"]["finished_course"] == 1


def test_dataset_without_alert_table_reports_no_alerts(compute):
    report = compute(OUTCOMES, YEAR)

    assert report.alerts is None
    assert report.to_dict()["alerts"] is None


def test_period_excludes_referrals_and_discharges_outside_it(compute):
    report = compute(OUTCOMES, Period(dt.date(2024, 4, 2), dt.date(2024, 6, 29)))

    m = report.overall
    assert (m["referrals"], m["finished_course"], m["recovery_rate"]) == (0, 0, None)
    assert m["entered_treatment"] == 3


# -- Measures NHS England publishes beyond the key measures ---------------------------------

# Second treatment contacts in the period: a after 28 days, b 29, c 91, d twice on one day
# (the second is the same day). e's are before the period; a DNA is never a treatment.
FIRST_TO_SECOND = """
referral
referral_id | referral_date
a           | 2024-03-01
b           | 2024-03-01
c           | 2024-03-01
d           | 2024-03-01
e           | 2024-02-01

contact
contact_id | referral_id | contact_date | attendance | contact_time
a1         | a           | 2024-04-10   | 5          |
a0         | a           | 2024-04-20   | 3          |
a2         | a           | 2024-05-08   | 5          |
b1         | b           | 2024-04-10   | 5          |
b2         | b           | 2024-05-09   | 5          |
c1         | c           | 2024-04-10   | 5          |
c2         | c           | 2024-07-10   | 5          |
d1         | d           | 2024-04-10   | 5          | 09:00
d2         | d           | 2024-04-10   | 5          | 15:00
e1         | e           | 2024-03-01   | 5          |
e2         | e           | 2024-03-20   | 5          |
"""


def test_first_to_second_treatment_waits_over_28_and_90_days(compute):
    report = compute(FIRST_TO_SECOND, YEAR)

    m = report.overall
    assert m["second_treatment"] == 4  # a, b, c, d
    assert (m["first_to_second_over_28_days"], m["first_to_second_over_90_days"]) == (2, 1)
    assert m["first_to_second_treatment_over_28_days_rate"] == 0.5
    assert m["first_to_second_treatment_over_90_days_rate"] == 0.25
    months = {r["group"]: r["second_treatment"] for r in report.breakdowns["month"]}
    assert (months["2024-04"], months["2024-05"], months["2024-07"]) == (1, 2, 1)


QUARTER = Period(dt.date(2024, 4, 1), dt.date(2024, 6, 30))

# As at 30 June 2024: w1-w5 wait for a first treatment (w4 was assessed; w5's first
# treatment is in July); o1's last treatment was 121 days before, o2's 76; x1 had ended and
# x2 was referred after the day.
SNAPSHOT = """
referral
referral_id | referral_date | end_date
w1          | 2024-06-20    |
w2          | 2024-06-02    |
w3          | 2024-05-19    |
w4          | 2024-01-01    |
w5          | 2024-05-01    |
o1          | 2024-01-01    |
o2          | 2024-01-01    |
x1          | 2024-05-01    | 2024-06-15
x2          | 2024-07-10    |

contact
contact_id | referral_id | contact_date | app_type
w4a        | w4          | 2024-02-01   | 01
w5a        | w5          | 2024-07-05   | 02
o1a        | o1          | 2024-02-01   | 02
o1b        | o1          | 2024-03-01   | 02
o2a        | o2          | 2024-02-01   | 02
o2b        | o2          | 2024-04-15   | 02
"""


def test_waiting_list_by_weeks_waited_and_open_referrals_without_contact(compute):
    report = compute(SNAPSHOT, QUARTER)

    m = report.overall
    assert m["waiting_list"] == 5
    assert report.to_dict()["waiting_list_by_weeks_waited"] == {
        "up_to_2_weeks": 1,  # w1, 10 days
        "2_to_4_weeks": 1,  # w2, 28 days
        "4_to_6_weeks": 1,  # w3, 42 days
        "6_to_12_weeks": 1,  # w5, 60 days
        "12_to_18_weeks": 0,
        "over_18_weeks": 1,  # w4, 181 days
        "total": 5,
    }
    assert (m["open_referrals_treated"], m["open_referrals_no_contact_90_days"]) == (2, 1)
    assert m["open_referrals_no_contact_90_days_rate"] == 0.5
    assert report.to_dict()["as_at"] == "2024-06-30"


# e42, e43 and e127 enter treatment 42, 43 and 127 days after referral and finish; n50 was
# never assessed. Only e42 referred themselves.
ENTERED_AND_ENDED = """
referral
referral_id | referral_date | end_date   | source_of_referral | end_code
e42         | 2024-04-01    | 2024-09-30 | B1                 | 46
e43         | 2024-04-01    | 2024-09-30 | A1                 | 47
e127        | 2024-04-01    | 2024-09-30 | A1                 | 12
n50         | 2024-04-01    | 2024-05-01 | A1                 | 50

contact
contact_id | referral_id | contact_date
a1         | e42         | 2024-05-13
a2         | e42         | 2024-05-20
b1         | e43         | 2024-05-14
b2         | e43         | 2024-05-21
c1         | e127        | 2024-08-06
c2         | e127        | 2024-08-13
"""


def test_entered_treatment_waits_median_wait_self_referral_and_end_codes(compute):
    report = compute(ENTERED_AND_ENDED, YEAR)

    m = report.overall
    assert m["entered_treatment"] == 3
    assert m["entered_treatment_waited_6_weeks_rate"] == pytest.approx(1 / 3)
    assert m["entered_treatment_waited_18_weeks_rate"] == pytest.approx(2 / 3)
    assert m["self_referral_rate"] == 0.25
    out = report.to_dict()
    assert out["median_wait_days"] == 43.0
    assert m["mean_wait_days"] == pytest.approx((42 + 43 + 127) / 3)
    ended = out["ended_by_end_code"]
    assert (ended["46"], ended["47"], ended["12"], ended["50"], ended["not known"]) == (
        1,
        1,
        1,
        1,
        0,
    )
    assert sum(ended.values()) == m["ended_referrals"] == 4
    assert (m["ended_treated"], m["ended_seen_not_treated"], m["ended_not_seen"]) == (2, 1, 1)


# Finished courses: wb (White British) and em1 (Indian) recover; em2 (Caribbean) does not;
# z (not stated) recovers but is in neither group. sp and sp2 have social phobia, which
# calls for the SPIN: sp has a SPIN pair, sp2 only GAD-7.
EQUITY_AND_ADSM = """
referral
referral_id | referral_date | end_date   | ethnicity | problem_descriptor
wb          | 2024-04-01    | 2024-06-30 | A         |
em1         | 2024-04-01    | 2024-06-30 | H         |
em2         | 2024-04-01    | 2024-06-30 | M         |
z           | 2024-04-01    | 2024-06-30 | Z         |
sp          | 2024-04-01    | 2024-06-30 | A         | F40.1
sp2         | 2024-04-01    | 2024-06-30 | A         | F40.1

contact
contact_id | referral_id | contact_date
wb1        | wb          | 2024-04-10
wb2        | wb          | 2024-05-10
h1         | em1         | 2024-04-10
h2         | em1         | 2024-05-10
m1         | em2         | 2024-04-10
m2         | em2         | 2024-05-10
z1         | z           | 2024-04-10
z2         | z           | 2024-05-10
s1         | sp          | 2024-04-10
s2         | sp          | 2024-05-10
t1         | sp2         | 2024-04-10
t2         | sp2         | 2024-05-10

score
contact_id | measure | total
wb1        | PHQ-9   | 16
wb1        | GAD-7   | 14
wb2        | PHQ-9   | 5
wb2        | GAD-7   | 4
h1         | PHQ-9   | 16
h1         | GAD-7   | 14
h2         | PHQ-9   | 5
h2         | GAD-7   | 4
m1         | PHQ-9   | 16
m1         | GAD-7   | 14
m2         | PHQ-9   | 15
m2         | GAD-7   | 13
z1         | PHQ-9   | 16
z1         | GAD-7   | 14
z2         | PHQ-9   | 5
z2         | GAD-7   | 4
s1         | PHQ-9   | 16
s1         | SPIN    | 40
s2         | PHQ-9   | 5
s2         | SPIN    | 10
t1         | PHQ-9   | 16
t1         | GAD-7   | 14
t2         | PHQ-9   | 5
t2         | GAD-7   | 4
"""


def test_ethnic_minority_recovery_and_adsm_paired_completeness(compute):
    report = compute(EQUITY_AND_ADSM, YEAR)

    m = report.overall
    assert m["ethnic_minority_recovery_rate"] == 0.5  # em1 of em1, em2
    assert m["white_british_recovery_rate"] == 1.0  # wb, sp, sp2
    assert (m["finished_adsm_expected"], m["finished_adsm_paired"]) == (2, 1)
    assert m["adsm_paired_rate"] == 0.5


# In the period: a CBT (high intensity) session face to face, a guided self-help (low
# intensity) session by telephone, an assessment by video and a DNA face to face.
CONTACT_MIX = """
referral
referral_id | referral_date
r1          | 2024-04-01

contact
contact_id | referral_id | contact_date | app_type | attendance | cons_mechanism | therapy
c1         | r1          | 2024-04-10   | 02       | 5          | 01             | 304891004
c2         | r1          | 2024-04-17   | 02       | 5          | 02             | 748051000000105
c3         | r1          | 2024-04-03   | 01       | 5          | 11             |
c4         | r1          | 2024-04-24   | 02       | 3          | 01             |
"""


def test_appointments_by_intensity_and_by_consultation_mechanism(compute):
    report = compute(CONTACT_MIX, YEAR)

    out = report.to_dict()
    assert out["appointments_by_intensity"] == {
        "low_intensity": 1,
        "high_intensity": 1,
        "no_therapy_recorded": 2,
    }
    mechanisms = out["appointments_by_consultation_mechanism"]
    assert {k: v for k, v in mechanisms.items() if v} == {"01": 2, "02": 1, "11": 1}
    assert sum(mechanisms.values()) == out["appointments"] == 4


# Internet-enabled therapy (IDS205): a log entry counts in the period its start_date falls
# in. r1 has two entries in the year (one without minutes), r2 one before it; r3 none.
IET = """
referral
referral_id | referral_date | end_date
r1          | 2024-04-01    | 2024-06-30
r2          | 2024-03-01    |
r3          | 2024-04-01    |

contact
contact_id | referral_id | contact_date
c1         | r1          | 2024-04-10
c2         | r2          | 2024-03-10
c3         | r3          | 2024-04-10

iet_activity
referral_id | programme   | start_date | end_date   | duration_minutes
r1          | SilverCloud | 2024-04-01 | 2024-04-30 | 45
r1          | SilverCloud | 2024-05-01 |            |
r2          |             | 2024-03-01 | 2024-03-31 | 30
"""


def test_internet_enabled_therapy_counts_log_entries_referrals_and_minutes(compute):
    out = compute(IET, YEAR).to_dict()

    assert out["internet_enabled_therapy"] == {"log_entries": 2, "referrals": 1, "minutes": 45}
    whole = compute(IET).to_dict()["internet_enabled_therapy"]
    assert whole == {"log_entries": 3, "referrals": 2, "minutes": 75}


def test_internet_enabled_therapy_is_none_without_the_optional_table(compute):
    without = IET.split("iet_activity")[0]

    assert compute(without, YEAR).to_dict()["internet_enabled_therapy"] is None


def test_internet_enabled_therapy_counts_zero_with_an_empty_log(compute):
    empty = IET.split("r1          | SilverCloud")[0]

    out = compute(empty, YEAR).to_dict()["internet_enabled_therapy"]
    assert out == {"log_entries": 0, "referrals": 0, "minutes": 0}
