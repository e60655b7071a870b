"""Reliable change (Jacobson–Truax, NHS TT fixed thresholds) and clinically significant change."""

import pytest

from ontrack.measures import (
    ChangeCategory,
    MeasureError,
    cutoff_criteria,
    get_measure,
    jacobson_truax_threshold,
    reliable_change,
)
from ontrack.measures.definition import Norms


@pytest.mark.parametrize(
    ("sd", "reliability", "quoted", "digits"),
    [
        (6.1, 0.89, 5.61, 2),  # PHQ-9, docs/reference/measures.md#worked-values
        (5.1, 0.92, 4.00, 2),  # GAD-7
        (7.7, 0.90, 6.75, 2),  # CORE-10
        (9.3, 0.73, 13.4, 1),  # WSAS (illustrative; quoted to one decimal)
    ],
)
def test_jacobson_truax_threshold_reference_worked_values(sd, reliability, quoted, digits):
    assert round(jacobson_truax_threshold(sd, reliability), digits) == quoted


@pytest.mark.parametrize(
    ("code", "jacobson_truax"),
    [("PHQ-9", 5.61), ("GAD-7", 4.00), ("CORE-10", 6.75), ("WSAS", 13.39)],
)
def test_measure_jacobson_truax_from_its_file(code, jacobson_truax):
    assert get_measure(code).jacobson_truax == pytest.approx(jacobson_truax, abs=0.005)


def test_nhstt_fixed_thresholds_win_over_the_formula():
    assert get_measure("PHQ-9").reliable_change == 6
    assert get_measure("GAD-7").reliable_change == 4


def test_core10_criterion_c_is_10_46_from_published_norms():
    criteria = cutoff_criteria(get_measure("CORE-10").norms)

    assert criteria.c == pytest.approx(10.46, abs=0.005)
    assert criteria.a == pytest.approx(19.7 - 2 * 7.7)
    assert criteria.b == pytest.approx(4.7 + 2 * 4.8)


def test_cutoff_criteria_flip_for_higher_is_better():
    norms = Norms(functional_mean=30, functional_sd=5, clinical_mean=20, clinical_sd=5, source="x")

    criteria = cutoff_criteria(norms, higher_is_better=True)

    assert (criteria.a, criteria.b, criteria.c) == (30, 20, 25)


@pytest.mark.parametrize(
    ("code", "first", "last", "reliable"),
    [
        ("PHQ-9", 15, 9, "improvement"),  # exactly 6: reliable (NHS TT ">= 6")
        ("PHQ-9", 15, 10, "none"),
        ("PHQ-9", 9, 15, "deterioration"),
        ("GAD-7", 12, 8, "improvement"),  # exactly 4
        ("GAD-7", 12, 9, "none"),
        ("GAD-7", 8, 12, "deterioration"),
        ("CORE-10", 20, 13, "improvement"),  # 7 > 6.75
        ("CORE-10", 20, 14, "none"),
        ("ORS", 20, 25, "improvement"),  # higher is better: a rise of 5 is improvement
        ("ORS", 25, 20, "deterioration"),
        ("ORS", 20, 24.9, "none"),
        ("ReQoL-10", 18, 23, "improvement"),
        ("MI-ALONE", 3.0, 2.27, "improvement"),
        ("MI-ALONE", 3.0, 2.28, "none"),
    ],
)
def test_reliable_change_direction_and_threshold(code, first, last, reliable):
    result = reliable_change(code, first, last)

    assert result.reliable == reliable
    assert result.change == pytest.approx(last - first)


def test_jacobson_truax_threshold_is_strict():
    # |RCI| > 1.96: a change exactly at 1.96 x S_diff is not reliable.
    m = get_measure("CORE-10")
    threshold = m.jacobson_truax or 0
    assert reliable_change(m, 20, 20 - threshold).reliable == "none"
    assert reliable_change(m, 20, 20 - threshold - 0.01).reliable == "improvement"


def test_rci_is_change_over_s_diff():
    result = reliable_change("PHQ-9", 16, 9)

    assert result.rci == pytest.approx(-7 / (5.61 / 1.96), abs=0.01)


@pytest.mark.parametrize(
    ("code", "first", "last", "category"),
    [
        ("PHQ-9", 16, 9, ChangeCategory.RECOVERED),  # reliable fall, case -> not case
        ("PHQ-9", 22, 12, ChangeCategory.IMPROVED),  # reliable fall, still a case
        ("PHQ-9", 8, 2, ChangeCategory.IMPROVED),  # reliable fall, never a case
        ("PHQ-9", 12, 8, ChangeCategory.UNCHANGED),  # crosses the cut-off but not reliable
        ("PHQ-9", 12, 20, ChangeCategory.DETERIORATED),  # reliable rise, was already a case
        ("PHQ-9", 9, 15, ChangeCategory.HARMED),  # reliable rise from outside into the range
        ("PHQ-9", 3, 9, ChangeCategory.DETERIORATED),  # reliable rise, still below cut-off
        ("ORS", 20, 30, ChangeCategory.RECOVERED),  # higher is better
        ("ORS", 30, 20, ChangeCategory.HARMED),
        ("ORS", 30, 26, ChangeCategory.UNCHANGED),
    ],
)
def test_change_category(code, first, last, category):
    assert reliable_change(code, first, last).category is category


def test_category_with_criterion_c_from_norms():
    # 12 -> 4 on CORE-10 is reliable (8 > 6.75); c = 10.46: 12 is clinical, 4 is not.
    result = reliable_change("CORE-10", 12, 4, criterion="c")

    assert result.cutoff == pytest.approx(10.46, abs=0.005)
    assert result.category is ChangeCategory.RECOVERED


def test_category_is_none_without_a_cutoff():
    assert reliable_change("WSAS", 30, 10).category is None


def test_threshold_override():
    assert reliable_change("PHQ-9", 15, 10, threshold=5).reliable == "improvement"


def test_measure_without_any_threshold_is_an_error():
    with pytest.raises(MeasureError, match="no reliable-change threshold"):
        reliable_change("SRS", 30, 38)


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (28, 10, "first total: 28 is out of range 0..27"),
        (10, -1, "last total: -1 is out of range 0..27"),
        ("ten", 10, "first total: 'ten' is not a number"),
        (float("nan"), 10, "first total: nan is not a number"),
    ],
)
def test_reliable_change_rejects_bad_totals(first, last, message):
    with pytest.raises(MeasureError, match=message):
        reliable_change("PHQ-9", first, last)


def test_cutoff_and_criterion_together_is_an_error():
    with pytest.raises(MeasureError, match="not both"):
        reliable_change("CORE-10", 20, 10, cutoff=11, criterion="c")


def test_criterion_without_norms_is_an_error():
    with pytest.raises(MeasureError, match="no norms"):
        reliable_change("PHQ-9", 20, 10, criterion="c")


def test_jacobson_truax_rejects_bad_inputs():
    with pytest.raises(MeasureError, match="SD must be positive"):
        jacobson_truax_threshold(0, 0.9)
    with pytest.raises(MeasureError, match="reliability"):
        jacobson_truax_threshold(5, 1.0)
