"""Grading a positive risk answer: how often the client said it happened."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ontrack.measures import RiskLevel, canonical_code, get_measure, grade_risk, risk_level
from ontrack.measures.errors import MeasureError


@pytest.mark.parametrize(
    ("answer", "level", "label"),
    [
        (1, RiskLevel.SOME_DAYS, "Several days"),
        (2, RiskLevel.OFTEN, "More than half the days"),
        (3, RiskLevel.MOST_DAYS, "Nearly every day"),
    ],
)
def test_grade_risk_phq9_item_9_follows_the_answer(answer, level, label):
    grade = grade_risk("PHQ-9", [0] * 8 + [answer])

    assert grade is not None
    assert (grade.level, grade.label, grade.item, grade.measure) == (level, label, 9, "PHQ-9")


@pytest.mark.parametrize(
    ("answer", "level"),
    [(1, RiskLevel.SOME_DAYS), (2, RiskLevel.OFTEN), (3, RiskLevel.MOST_DAYS), (4, RiskLevel.MOST_DAYS)],
)  # fmt: skip
def test_grade_risk_core10_item_6_maps_onto_three_levels(answer, level):
    answers = [0] * 10
    answers[5] = answer

    grade = grade_risk("CORE-10", answers)

    assert grade is not None
    assert grade.level is level
    assert grade.label == get_measure("CORE-10").answer_labels[answer]


def test_grade_risk_no_positive_answer_is_none():
    assert grade_risk("PHQ-9", [3] * 8 + [0]) is None
    assert grade_risk("GAD-7", [3] * 7) is None  # no risk item


def test_grade_risk_incomplete_answers_still_grade():
    assert grade_risk("PHQ-9", [None] * 8 + [3]).level is RiskLevel.MOST_DAYS


@given(st.lists(st.sampled_from([None, 0, 1, 2, 3]), min_size=9, max_size=9))
def test_grade_risk_is_positive_exactly_when_item_9_is(answers):
    grade = grade_risk("PHQ-9", answers)

    assert (grade is not None) == (answers[8] is not None and answers[8] >= 1)
    if grade is not None:
        assert int(grade.level) == answers[8]


@given(st.integers(0, 3), st.integers(0, 3))
def test_risk_level_orders_like_the_answers(low, high):
    a, b = sorted((low, high))
    assert (risk_level("PHQ-9", a) or 0) <= (risk_level("PHQ-9", b) or 0)


def test_canonical_code_normalises_every_spelling():
    assert {canonical_code(c) for c in ("PHQ-9", "PHQ9", "phq 9", "Phq_9")} == {"PHQ-9"}
    with pytest.raises(MeasureError, match="unknown measure"):
        canonical_code("PHQ-10")
