"""Scoring: totals, bands, caseness at the cut-off, risk, proration, screens, bad input."""

import math

import pytest

from ontrack.measures import MeasureError, get_measure, risk_answers, score


@pytest.mark.parametrize(
    ("code", "answers", "total", "band", "caseness"),
    [
        ("PHQ-9", [0] * 9, 0, "none or minimal", False),
        ("PHQ-9", [1, 1, 1, 1, 1, 1, 1, 1, 1], 9, "mild", False),
        ("PHQ-9", [2, 1, 1, 1, 1, 1, 1, 1, 0], 9, "mild", False),
        ("PHQ-9", [2, 2, 1, 1, 1, 1, 1, 1, 0], 10, "moderate", True),  # exactly at the cut-off
        ("PHQ-9", [3] * 9, 27, "severe", True),
        ("GAD-7", [1, 1, 1, 1, 1, 1, 1], 7, "mild", False),
        ("GAD-7", [2, 1, 1, 1, 1, 1, 1], 8, "mild", True),  # exactly at the cut-off
        ("GAD-7", [3] * 7, 21, "severe", True),
        ("CORE-10", [0, 3, 3, 1, 1, 0, 1, 1, 1, 1], 8, "low level", False),
        ("CORE-10", [0, 3, 3, 1, 1, 0, 1, 1, 2, 2], 10, "low level", False),
        ("CORE-10", [1, 3, 3, 1, 1, 0, 1, 1, 2, 2], 11, "mild", True),  # exactly at the cut-off
        ("SPIN", [1] * 17, 17, None, False),
        ("SPIN", [1] * 16 + [3], 19, None, True),
        ("PDSS", [1, 1, 1, 1, 1, 1, 2], 8, None, True),
        ("SHAI", [1] * 18, 18, None, True),
        ("PCL-5", [2] * 16 + [0] * 4, 32, None, True),
        ("PCL-5", [2] * 15 + [1] + [0] * 4, 31, None, False),
        ("ORS", [6.5, 6.5, 6, 6], 25, None, True),  # higher is better: 25 or less is clinical
        ("ORS", [6.5, 6.5, 6.1, 6], 25.1, None, False),
        ("SRS", [9, 9, 9, 9], 36, None, False),  # higher is better: below 36 is a concern
        ("SRS", [9, 9, 9, 8.9], 35.9, None, True),
        ("OSR", [8, 8, 8, 8], 32, None, False),
        ("OSR", [8, 8, 8, 7], 31, None, True),
        ("ReQoL-10", [2, 2, 2, 2, 2, 2, 2, 2, 2, 2], 20, None, True),
        ("WSAS", [2, 2, 2, 2, 2], 10, "significant functional impairment", None),
        ("WSAS", [4, 4, 4, 4, 5], 21, "moderately severe or worse", None),
    ],
)
def test_score_total_band_and_caseness(code, answers, total, band, caseness):
    result = score(code, answers)

    assert result.total == pytest.approx(total)
    assert result.band == band
    assert result.caseness is caseness


def test_core10_reverses_items_2_and_3():
    # "Most or all of the time" (4) on the two positive items is the healthy answer: it scores 0.
    healthy = score("CORE-10", [0, 4, 4, 0, 0, 0, 0, 0, 0, 0])
    unwell = score("CORE-10", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0])

    assert healthy.total == 0
    assert unwell.total == 8
    assert healthy.item_scores[1:3] == (0.0, 0.0)


def test_core_om_clinical_score_is_mean_times_ten_with_reversal():
    answers = [2] * 34
    for positive in (3, 4, 7, 12, 19, 21, 31, 32):
        answers[positive - 1] = 4  # healthy answer to a positive item scores 0

    result = score("CORE-OM", answers)

    assert result.total == pytest.approx(10 * (26 * 2) / 34)
    assert result.subscales["wellbeing"] == pytest.approx((2 + 2 + 0 + 0) / 4)
    assert result.subscales["risk"] == 2


def test_mi_alone_caseness_is_above_2_3_not_at_it():
    at = score("MI-ALONE", [2.0] * 24 + [3, 3, 3.0])  # mean 2.111
    assert at.caseness is False
    # 2.3 exactly is not a case ("above an item average of 2.3")
    exactly = get_measure("MI-ALONE").is_case(2.3)
    assert exactly is False
    assert get_measure("MI-ALONE").is_case(2.31) is True


def test_mi_alone_mean_over_rated_items_with_up_to_5_skipped():
    result = score("MI-ALONE", [3] * 22 + [None] * 5)

    assert result.total == 3
    assert result.prorated is True
    assert result.missing == 5


def test_mi_alone_more_than_5_skipped_is_an_error():
    with pytest.raises(MeasureError, match="6 answers missing"):
        score("MI-ALONE", [3] * 21 + [None] * 6)


def test_iapt_phobia_caseness_is_any_item_at_4():
    assert score("IAPT-PHOBIA", [3, 3, 3]).caseness is False
    assert score("IAPT-PHOBIA", [0, 4, 0]).caseness is True
    assert get_measure("IAPT-PHOBIA").is_case(9) is None  # not judged on a total


def test_phq9_item_9_raises_risk_whatever_the_total():
    result = score("PHQ-9", [0, 0, 0, 0, 0, 0, 0, 0, 1])

    assert result.total == 1
    assert result.caseness is False
    assert result.risk is True
    assert result.risk_items == (9,)
    assert any("item 9" in note for note in result.notes)


def test_core10_item_6_raises_risk():
    assert score("CORE-10", [0, 4, 4, 0, 0, 1, 0, 0, 0, 0]).risk is True
    assert score("CORE-10", [0, 4, 4, 0, 0, 0, 0, 0, 0, 0]).risk is False


def test_unanswered_risk_item_is_noted():
    result = score("PHQ-9", [1, 1, 1, 1, 1, 1, 1, 1, None])

    assert result.risk is False
    assert result.risk_unanswered == (9,)
    assert any("not answered" in note for note in result.notes)


def test_too_many_missing_error_still_reports_the_risk_answer():
    with pytest.raises(MeasureError, match="RISK: item 9"):
        score("PHQ-9", [None, None, None, 0, 0, 0, 0, 0, 2])


def test_risk_answers_works_on_any_partial_answers():
    assert risk_answers("PHQ-9", [None] * 8 + [3]) == (9,)
    assert risk_answers("CORE-10", [None] * 10) == ()


@pytest.mark.parametrize(
    ("answers", "total", "missing"),
    [
        ([1, 2, 1, 2, 1, 1, 0, None, 0], 9.0, 1),  # 8 x 9 / 8
        ([3, 3, 3, 3, 3, 3, 3, None, None], 27.0, 2),
        ([2, 2, 1, 1, 1, 1, 1, None, None], 11.571429, 2),  # 9 x 9 / 7
    ],
)
def test_phq9_prorates_up_to_two_missing_items(answers, total, missing):
    result = score("PHQ-9", answers)

    assert result.total == pytest.approx(total)
    assert result.prorated is True
    assert result.missing == missing
    assert result.notes[0].startswith(f"prorated: {missing} missing item")


def test_phq9_three_missing_items_is_an_error():
    with pytest.raises(MeasureError, match=r"3 answers missing .* at most 2 may be missing"):
        score("PHQ-9", [1, 1, 1, 1, 1, 1, None, None, None])


def test_measure_without_missing_rule_requires_every_answer():
    with pytest.raises(MeasureError, match="every answer is required"):
        score("SPIN", [1] * 16 + [None])


def test_complete_answers_are_not_prorated():
    result = score("PHQ-9", [1] * 8 + [0])

    assert result.prorated is False
    assert result.missing == 0
    assert result.notes == []


def test_wsas_item_1_blank_when_not_working_is_out_of_32_not_prorated():
    result = score("WSAS", [None, 8, 8, 8, 8])

    assert result.total == 32
    assert result.max == 32
    assert result.prorated is False
    assert result.not_applicable == (1,)


def test_phq15_item_4_blank_is_not_applicable():
    result = score("PHQ-15", [1, 1, 1, None] + [1] * 11)

    assert result.total == 14
    assert result.max == 28
    assert result.prorated is False


def test_gbo_score_is_mean_of_goals_set():
    assert score("GBO", [4, 6, None]).total == 5
    assert score("GBO", [7, None, None]).total == 7


@pytest.mark.parametrize(
    ("answers", "screen"),
    [
        ([2, 2, 2, 2, 2, 0, 0, 0, 0], "major depressive syndrome"),
        ([2, 0, 0, 0, 0, 0, 0, 0, 1], "other depressive syndrome"),  # item 9 counts at >= 1
        ([0, 0, 2, 2, 2, 2, 2, 2, 1], "no depressive syndrome"),  # no core symptom
        ([1, 1, 1, 1, 1, 1, 1, 1, 0], "no depressive syndrome"),
        ([3, 0, 2, 2, 2, 2, 0, 0, 0], "major depressive syndrome"),
        ([3, 0, 2, 0, 0, 0, 0, 0, 0], "other depressive syndrome"),
    ],
)
def test_phq9_diagnostic_algorithm(answers, screen):
    assert score("PHQ-9", answers).screen == screen


def test_pcl5_dsm5_rule():
    met = [2, 0, 0, 0, 0, 2, 0, 2, 2, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0]
    not_met = [2, 0, 0, 0, 0, 2, 0, 2, 1, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0]

    assert score("PCL-5", met).screen == "provisional PTSD diagnosis"
    assert score("PCL-5", not_met).screen == "DSM-5 symptom criteria not met"


def test_phq15_three_items_at_2_suggest_somatoform():
    assert score("PHQ-15", [2, 2, 2] + [0] * 12).screen == "somatoform disorder suggested"
    assert score("PHQ-15", [2, 2, 1] + [0] * 12).screen == "fewer than 3 severe symptoms"


def test_wai_sr_subscales():
    result = score("WAI-SR", [5, 5, 1, 3, 1, 3, 1, 3, 1, 5, 3, 5])

    assert result.subscales == {"task": 20, "bond": 4, "goal": 12}
    assert result.total == 36


def test_arm5_reverses_item_3_and_takes_the_mean():
    assert score("ARM-5", [7, 7, 1, 7, 7]).total == 7
    assert score("ARM-5", [7, 7, 7, 7, 7]).total == pytest.approx(29 / 5)


def test_score_accepts_a_measure_object():
    assert score(get_measure("GAD-7"), [0] * 7).measure == "GAD-7"


def test_to_dict_is_json_ready():
    data = score("PHQ-9", [0] * 8 + [1]).to_dict()

    assert data["risk_items"] == [9]
    assert data["caseness"] is False
    assert data["prorated"] is False


@pytest.mark.parametrize(
    ("code", "answers", "message"),
    [
        ("PHQ-9", [0] * 8, "PHQ-9 needs 9 answers, got 8"),
        ("PHQ-9", [0] * 10, "PHQ-9 needs 9 answers, got 10"),
        ("PHQ-9", [0] * 8 + [4], "item 9: 4 is out of range 0..3"),
        ("PHQ-9", [-1] + [0] * 8, "item 1: -1 is out of range 0..3"),
        ("PHQ-9", [0.5] + [0] * 8, "item 1: 0.5 must be a whole number"),
        ("PHQ-9", ["1"] + [0] * 8, "item 1: '1' is not a number"),
        ("PHQ-9", [True] + [0] * 8, "item 1: True is not a number"),
        ("PHQ-9", [math.nan] + [0] * 8, "item 1: nan is not a finite number"),
        ("PHQ-9", [None] * 9, "9 answers missing"),
        ("SRS", [9, 9, 9, 9.55], "item 4: 9.55 must be a multiple of 0.1"),
        ("WSAS", [None] * 5, "answers missing"),
        ("BDI", [0], "unknown measure 'BDI'"),
    ],
)
def test_score_rejects_bad_input(code, answers, message):
    with pytest.raises(MeasureError, match=message.replace("(", r"\(").replace(".", r"\.")):
        score(code, answers)


def test_score_rejects_a_string_of_answers():
    with pytest.raises(MeasureError, match="not text"):
        score("GAD-7", "0123456")
