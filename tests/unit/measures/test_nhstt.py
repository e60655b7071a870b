"""NHS Talking Therapies outcome of hand-built referrals: every rule and edge of
docs/reference/nhstt.md#outcomes."""

import datetime as dt
import tomllib
from importlib import resources

import pytest

from ontrack.measures import MeasureError
from ontrack.measures.nhstt import (
    APP_TYPES,
    ATTENDANCE_CODES,
    Contact,
    MeasureScore,
    anxiety_measure_for,
    classify_referral,
)

START = dt.date(2025, 1, 6)


def week(n: int) -> dt.date:
    return START + dt.timedelta(weeks=n)


def course(*kinds: tuple[str, str]) -> list[Contact]:
    """Contacts one week apart from (app_type, attendance) pairs."""
    return [Contact(week(i), app, att) for i, (app, att) in enumerate(kinds)]


def scores(pairs: dict[str, tuple[float, float]], first: int = 0, last: int = 2):
    """First and last scores per measure, attached to contacts ``first`` and ``last``."""
    out = []
    for code, (a, b) in pairs.items():
        out += [MeasureScore(code, a, contact=first), MeasureScore(code, b, contact=last)]
    return out


THREE_SESSIONS = course(("01", "5"), ("02", "5"), ("02", "5"))


def test_recovered_and_reliably_recovered():
    outcome = classify_referral(
        THREE_SESSIONS, scores({"PHQ-9": (16, 8), "GAD-7": (14, 6)}), "F41.1"
    )

    assert outcome.finished_course
    assert outcome.paired
    assert outcome.caseness_at_start
    assert outcome.recovered
    assert outcome.reliable_improvement
    assert outcome.reliable_recovery
    assert not outcome.reliable_deterioration
    assert not outcome.no_reliable_change
    assert outcome.treatment_contacts == 2


@pytest.mark.parametrize(
    ("phq_last", "gad_last", "recovered"),
    [
        (10, 5, False),  # PHQ-9 exactly at its cut-off at the end: still a case
        (9, 5, True),
        (5, 8, False),  # GAD-7 exactly at its cut-off at the end
        (5, 7, True),
    ],
)
def test_recovery_needs_both_below_cutoff_at_the_end(phq_last, gad_last, recovered):
    outcome = classify_referral(
        THREE_SESSIONS, scores({"PHQ-9": (18, phq_last), "GAD-7": (15, gad_last)})
    )

    assert outcome.recovered is recovered


@pytest.mark.parametrize(
    ("phq_first", "gad_first", "caseness"),
    [
        (10, 0, True),  # PHQ-9 exactly at the cut-off at the start
        (0, 8, True),  # GAD-7 exactly at the cut-off at the start
        (9, 7, False),  # both one below
    ],
)
def test_caseness_at_start_exactly_at_cutoff(phq_first, gad_first, caseness):
    outcome = classify_referral(
        THREE_SESSIONS, scores({"PHQ-9": (phq_first, 0), "GAD-7": (gad_first, 0)})
    )

    assert outcome.caseness_at_start is caseness


def test_not_at_caseness_at_start_cannot_recover_but_can_reliably_improve():
    outcome = classify_referral(THREE_SESSIONS, scores({"PHQ-9": (9, 2), "GAD-7": (7, 1)}))

    assert outcome.caseness_at_start is False
    assert outcome.recovered is False
    assert outcome.reliable_recovery is False
    assert outcome.reliable_improvement is True
    assert any("not at caseness" in note for note in outcome.notes)


def test_recovered_without_reliable_change_is_not_reliable_recovery():
    outcome = classify_referral(THREE_SESSIONS, scores({"PHQ-9": (11, 9), "GAD-7": (9, 7)}))

    assert outcome.recovered is True
    assert outcome.reliable_improvement is False
    assert outcome.no_reliable_change is True
    assert outcome.reliable_recovery is False


@pytest.mark.parametrize(
    ("phq", "gad", "improvement", "deterioration", "no_change"),
    [
        ((15, 9), (12, 12), True, False, False),  # PHQ-9 falls exactly 6
        ((15, 10), (12, 8), True, False, False),  # GAD-7 falls exactly 4
        ((15, 10), (12, 9), False, False, True),  # 5 and 3: neither reliable
        ((9, 15), (12, 12), False, True, False),  # PHQ-9 rises 6
        ((12, 12), (8, 12), False, True, False),  # GAD-7 rises 4
        ((15, 9), (8, 12), False, False, True),  # one falls, the other rises
    ],
)
def test_reliable_improvement_deterioration_no_change(
    phq, gad, improvement, deterioration, no_change
):
    outcome = classify_referral(THREE_SESSIONS, scores({"PHQ-9": phq, "GAD-7": gad}))

    assert outcome.reliable_improvement is improvement
    assert outcome.reliable_deterioration is deterioration
    assert outcome.no_reliable_change is no_change


def test_missing_adsm_falls_back_to_gad7():
    outcome = classify_referral(
        THREE_SESSIONS, scores({"PHQ-9": (16, 8), "GAD-7": (14, 6)}), "F40.1"
    )

    assert outcome.intended_anxiety_measure == "SPIN"
    assert outcome.anxiety_measure == "GAD-7"
    assert outcome.recovered is True
    assert any("using GAD-7 instead" in note for note in outcome.notes)


def test_adsm_with_one_score_only_falls_back_to_gad7():
    pairs = [*scores({"PHQ-9": (16, 8), "GAD-7": (14, 6)}), MeasureScore("SPIN", 40, contact=0)]

    outcome = classify_referral(THREE_SESSIONS, pairs, "F40.1")

    assert outcome.anxiety_measure == "GAD-7"


def test_paired_adsm_is_used_instead_of_gad7():
    # SPIN stays at caseness (25 >= 19) while GAD-7 would have recovered.
    pairs = scores({"PHQ-9": (16, 8), "GAD-7": (14, 6), "SPIN": (45, 25)})

    outcome = classify_referral(THREE_SESSIONS, pairs, "F40.1")

    assert outcome.anxiety_measure == "SPIN"
    assert outcome.recovered is False
    assert outcome.reliable_improvement is True  # SPIN fell 20 >= 10


@pytest.mark.parametrize(
    ("descriptor", "adsm", "first", "last", "recovered"),
    [
        ("F40.0", "MI-ALONE", 3.2, 2.3, True),  # "above 2.3": 2.3 is not a case
        ("F40.0", "MI-ALONE", 3.2, 2.31, False),
        ("F41.0", "PDSS", 14, 7, True),
        ("F41.0", "PDSS", 14, 8, False),
        ("F42", "OCI-R", 30, 16, True),
        ("F43.1", "PCL-5", 50, 31, True),
        ("F43.1", "PCL-5", 50, 32, False),
        ("F45.2", "SHAI", 30, 17, True),
        ("F45.2", "SHAI", 30, 18, False),
    ],
)
def test_each_adsm_uses_its_own_cutoff(descriptor, adsm, first, last, recovered):
    pairs = scores({"PHQ-9": (12, 4), adsm: (first, last)})

    outcome = classify_referral(THREE_SESSIONS, pairs, descriptor)

    assert outcome.anxiety_measure == adsm
    assert outcome.recovered is recovered


def test_one_treatment_contact_is_not_a_finished_course():
    contacts = course(("01", "5"), ("02", "5"))

    outcome = classify_referral(contacts, scores({"PHQ-9": (16, 8), "GAD-7": (14, 6)}, 0, 1))

    assert outcome.treatment_contacts == 1
    assert outcome.finished_course is False
    assert not any(
        (outcome.recovered, outcome.reliable_improvement, outcome.reliable_deterioration,
         outcome.no_reliable_change, outcome.reliable_recovery)
    )  # fmt: skip
    assert outcome.paired is True  # the scores pair; the course did not finish


def test_follow_ups_are_not_treatment_contacts_and_their_scores_are_ignored():
    contacts = course(("02", "5"), ("02", "5"), ("06", "5"))
    pairs = [
        MeasureScore("PHQ-9", 16, contact=0), MeasureScore("GAD-7", 14, contact=0),
        MeasureScore("PHQ-9", 12, contact=1), MeasureScore("GAD-7", 11, contact=1),
        MeasureScore("PHQ-9", 2, contact=2), MeasureScore("GAD-7", 2, contact=2),
    ]  # fmt: skip

    outcome = classify_referral(contacts, pairs)

    assert outcome.treatment_contacts == 2
    assert (outcome.depression_last, outcome.anxiety_last) == (12, 11)
    assert outcome.recovered is False


def test_follow_up_alone_does_not_finish_a_course():
    contacts = course(("01", "5"), ("02", "5"), ("06", "5"))

    outcome = classify_referral(contacts, scores({"PHQ-9": (16, 8), "GAD-7": (14, 6)}, 0, 1))

    assert outcome.treatment_contacts == 1
    assert outcome.finished_course is False


@pytest.mark.parametrize(
    ("attendance", "counted"),
    [("2", False), ("3", False), ("4", False), ("5", True), ("6", True), ("7", False)],
)
def test_only_attended_contacts_count_as_treatment(attendance, counted):
    contacts = course(("02", "5"), ("02", attendance))

    outcome = classify_referral(contacts, [])

    assert outcome.treatment_contacts == (2 if counted else 1)
    assert outcome.finished_course is counted


@pytest.mark.parametrize(("app_type", "counted"), [("01", False), ("02", True), ("03", True),
                                                   ("05", True), ("06", False)])  # fmt: skip
def test_treatment_app_types_are_02_03_05(app_type, counted):
    outcome = classify_referral(course(("02", "5"), (app_type, "5")), [])

    assert outcome.treatment_contacts == (2 if counted else 1)


def test_dna_contacts_are_not_counted_even_in_a_long_course():
    contacts = course(("01", "5"), ("02", "3"), ("02", "3"), ("02", "5"), ("02", "2"))

    outcome = classify_referral(contacts, [])

    assert outcome.treatment_contacts == 1
    assert outcome.finished_course is False


def test_unplanned_contact_without_attendance_code_counts():
    contacts = [Contact(week(0), "02", "5"), Contact(week(1), "02", None, planned=False)]

    assert classify_referral(contacts, []).treatment_contacts == 2


def test_planned_contact_needs_attendance():
    with pytest.raises(MeasureError, match="planned contact needs attendance"):
        Contact(week(0), "02", None)


def test_internet_therapy_logs_count_as_treatment():
    outcome = classify_referral(course(("02", "5")), [], internet_therapy_logs=[week(3)])

    assert outcome.treatment_contacts == 2
    assert outcome.finished_course is True
    assert outcome.last_treatment_date == week(3)


def test_scores_at_unattended_contacts_are_ignored():
    contacts = course(("01", "5"), ("02", "5"), ("02", "5"), ("02", "3"))
    pairs = [
        *scores({"PHQ-9": (16, 8), "GAD-7": (14, 6)}),
        MeasureScore("PHQ-9", 27, contact=3),
        MeasureScore("GAD-7", 21, contact=3),
    ]

    outcome = classify_referral(contacts, pairs)

    assert outcome.depression_last == 8
    assert outcome.recovered is True


def test_date_only_scores_after_the_last_treatment_contact_are_ignored():
    pairs = [
        MeasureScore("PHQ-9", 16, date=week(0)), MeasureScore("GAD-7", 14, date=week(0)),
        MeasureScore("PHQ-9", 12, date=week(2)), MeasureScore("GAD-7", 12, date=week(2)),
        MeasureScore("PHQ-9", 3, date=week(20)), MeasureScore("GAD-7", 3, date=week(20)),
    ]  # fmt: skip

    outcome = classify_referral(THREE_SESSIONS, pairs)

    assert (outcome.depression_last, outcome.anxiety_last) == (12, 12)


def test_scores_are_ordered_by_date_not_by_input_order():
    pairs = list(reversed(scores({"PHQ-9": (16, 8), "GAD-7": (14, 6)})))

    outcome = classify_referral(THREE_SESSIONS, pairs)

    assert (outcome.depression_first, outcome.depression_last) == (16, 8)


def test_unpaired_referral_gets_no_outcome_flags():
    pairs = [MeasureScore("PHQ-9", 16, contact=0), MeasureScore("GAD-7", 14, contact=0)]

    outcome = classify_referral(THREE_SESSIONS, pairs)

    assert outcome.paired is False
    assert outcome.caseness_at_start is True
    assert not (outcome.recovered)
    assert not (outcome.no_reliable_change)
    assert not (outcome.reliable_improvement)


def test_no_scores_at_all_leaves_caseness_unknown():
    outcome = classify_referral(THREE_SESSIONS, [])

    assert outcome.caseness_at_start is None
    assert outcome.paired is False


@pytest.mark.parametrize(
    ("descriptor", "measure"),
    [
        ("F40.1", "SPIN"), ("F401", "SPIN"), ("f40.1", "SPIN"), ("SocialPhobia", "SPIN"),
        ("F43.1", "PCL-5"), ("PTSD", "PCL-5"),
        ("F40.0", "MI-ALONE"), ("AgoraAlone", "MI-ALONE"),
        ("F42", "OCI-R"), ("F42.1", "OCI-R"), ("OCD", "OCI-R"),
        ("F41.0", "PDSS"), ("PanicDisorder", "PDSS"),
        ("F45.2", "SHAI"), ("AnxietyInventory", "SHAI"),
        ("F32", "GAD-7"), ("F33.1", "GAD-7"), ("F41.1", "GAD-7"), ("F41.2", "GAD-7"),
        ("F40.2", "GAD-7"), ("F43.8", "GAD-7"), (None, "GAD-7"), ("", "GAD-7"),
    ],
)  # fmt: skip
def test_anxiety_measure_for_problem_descriptor(descriptor, measure):
    assert anxiety_measure_for(descriptor) == measure


def test_codes_match_the_dataset_code_lists():
    text = (resources.files("ontrack.dataset") / "codes.toml").read_text(encoding="utf-8")
    codes = tomllib.loads(text)

    assert set(codes["app_type"]) - {"source"} == APP_TYPES
    assert set(codes["attendance"]) - {"source"} == ATTENDANCE_CODES
    for descriptor in ("F40.0", "F40.1", "F41.0", "F42", "F43.1", "F45.2"):
        assert descriptor in codes["problem_descriptor"]
        assert anxiety_measure_for(descriptor) != "GAD-7"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Contact(week(0), "09", "5"), "app_type '09'"),
        (lambda: Contact(week(0), "02", "1"), "attendance '1'"),
        (lambda: Contact("2025-01-01", "02", "5"), "must be a date"),
    ],
)
def test_contact_rejects_bad_codes(make, message):
    with pytest.raises(MeasureError, match=message):
        make()


@pytest.mark.parametrize(
    ("score", "message"),
    [
        (MeasureScore("PHQ-9", 28, contact=0), "out of range"),
        (MeasureScore("PHQ-9", 10, contact=9), "contact 9 does not exist"),
        (MeasureScore("PHQ-9", 10), "give a date or a contact"),
        (MeasureScore("BDI", 10, contact=0), "unknown measure"),
        (MeasureScore("PHQ-9", 10, date=week(5), contact=0), "differs from its contact"),
        (MeasureScore("PHQ-9", "10", contact=0), "not a number"),
    ],
)
def test_classify_rejects_bad_scores(score, message):
    with pytest.raises(MeasureError, match=message):
        classify_referral(THREE_SESSIONS, [score])
