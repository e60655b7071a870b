from __future__ import annotations

from ontrack.analytics.thresholds import Thresholds
from ontrack.dataset import code_lists
from ontrack.measures import get_measure, nhstt


def test_thresholds_come_from_the_measures_library():
    thresholds = Thresholds.nhs_talking_therapies()

    for t in thresholds.measures:
        m = get_measure(t.code)
        assert (t.cutoff, t.cutoff_inclusive, t.reliable_change) == (
            m.clinical_cutoff,
            m.cutoff_inclusive,
            m.reliable_change,
        )


def test_anxiety_measure_matches_nhstt_for_every_problem_descriptor():
    thresholds = Thresholds.nhs_talking_therapies()

    for descriptor in [*code_lists()["problem_descriptor"], None]:
        assert thresholds.anxiety_for(descriptor) == nhstt.anxiety_measure_for(descriptor)


def test_measure_threshold_judges_cutoffs_and_reliable_change_like_the_library():
    thresholds = Thresholds.nhs_talking_therapies()

    phq, mi = thresholds.measure("PHQ-9"), thresholds.measure("MI-ALONE")
    assert phq.is_case(10)
    assert not phq.is_case(9)
    assert mi.is_case(2.31)
    assert not mi.is_case(2.3)
    assert phq.reliable(16, 10) == "improvement"
    assert phq.reliable(16, 11) == "none"
    assert phq.reliable(10, 16) == "deterioration"
