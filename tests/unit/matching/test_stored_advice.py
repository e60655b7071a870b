"""The step and modality advice as a file, and the advice for one client at assessment:
it reads back what was fitted, and it never advises less care than stepped care."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ontrack.matching.advice import Advisor, fit_advisor
from ontrack.matching.cases import load_cases
from ontrack.matching.stored import (
    DEFAULT_ADVICE,
    AssessmentInputs,
    advice_at_assessment,
    advisor_document,
    advisor_from_document,
    feature_row,
    load_advisor,
)
from ontrack.pathway import stepped_care_advice
from ontrack.synth import simulate

DESCRIPTORS = ("F32", "F33", "F41.1", "F40.1", "F43.1", "F42", "F41.0", "F45.2", "F40.0", "")


@pytest.fixture(scope="module")
def small() -> tuple[Advisor, object]:
    tables = simulate(referrals=3000, seed=5, therapists=12, services=1)
    cases = load_cases(tables)
    return fit_advisor(cases, source="simulated data"), cases


def test_the_file_reads_back_the_same_advice(small, tmp_path) -> None:
    advisor, cases = small
    from ontrack.matching.advice import features

    path = tmp_path / "advice.json"
    path.write_text(json.dumps(advisor_document(advisor)))
    again = load_advisor(str(path))
    assert again is not None
    x = features(cases)[:200]
    assert np.allclose(again.poor_prognosis(x), advisor.poor_prognosis(x))
    assert again.threshold == advisor.threshold
    assert np.allclose(
        again.modality.advantage(x, "cbt", "counselling")[0],
        advisor.modality.advantage(x, "cbt", "counselling")[0],
    )


def test_a_bad_file_gives_no_advice_rather_than_an_error(tmp_path) -> None:
    path = tmp_path / "advice.json"
    path.write_text('{"format": "something else"}')
    assert load_advisor(str(path)) is None
    assert load_advisor(str(tmp_path / "missing.json")) is None
    with pytest.raises(ValueError, match="advice file lacks"):
        advisor_from_document({"format": "ontrack-advice/1"})


def test_the_shipped_default_is_labelled_simulated(monkeypatch) -> None:
    monkeypatch.delenv("ONTRACK_ADVICE", raising=False)
    advisor = load_advisor()
    assert advisor is not None
    assert "simulated" in advisor.source
    assert load_advisor(str(DEFAULT_ADVICE)) is advisor


def test_the_feature_row_matches_the_fitted_features(small) -> None:
    """The web's inputs make the same row ``advice.features`` makes from a case table."""
    from ontrack.matching.advice import features

    _, cases = small
    rows = cases[cases["gad7_first"].notna() & cases["phq9_first"].notna()].head(50)
    expected = features(rows)
    for i, (_, case) in enumerate(rows.iterrows()):
        stem = {"GAD-7": "gad7"}
        from ontrack.matching.cases import measure_column
        from ontrack.measures.nhstt import anxiety_measure_for

        measure = anxiety_measure_for(case["descriptor"] or None)
        adsm = case[f"{stem.get(measure, measure_column(measure))}_first"]
        inputs = AssessmentInputs(
            problem_descriptor=case["descriptor"] or None,
            phq9=case["phq9_first"],
            gad7=case["gad7_first"],
            wsas=None if np.isnan(case["wsas_first"]) else case["wsas_first"],
            adsm=None if np.isnan(adsm) else adsm,
            age=None if np.isnan(case["age"]) else int(case["age"]),
            employed=str(case["employed"]).lower() in ("true", "1", "yes"),
            earlier_referrals=int(case["earlier_referrals"]),
        )
        assert np.allclose(feature_row(inputs), expected[i]), case["descriptor"]


@settings(max_examples=300, deadline=None)
@given(
    descriptor=st.sampled_from(DESCRIPTORS),
    phq9=st.one_of(st.none(), st.integers(0, 27)),
    gad7=st.one_of(st.none(), st.integers(0, 21)),
    wsas=st.one_of(st.none(), st.integers(0, 40)),
    age=st.one_of(st.none(), st.integers(16, 95)),
    employed=st.one_of(st.none(), st.booleans()),
    earlier=st.integers(0, 4),
)
def test_advice_never_recommends_less_than_stepped_care(
    descriptor, phq9, gad7, wsas, age, employed, earlier
) -> None:
    advisor = load_advisor(str(DEFAULT_ADVICE))
    assert advisor is not None
    stepped = stepped_care_advice(descriptor or None, phq9=phq9, gad7=gad7)
    inputs = AssessmentInputs(descriptor or None, phq9, gad7, wsas, None, age, employed, earlier)
    advice = advice_at_assessment(advisor, inputs, stepped_care_step=stepped.step)
    assert advice.step >= stepped.step
    assert advice.adds_care == (advice.step > stepped.step)
    # Age and employment may move someone up, never down: whatever they are, the advice is
    # at least stepped care's step.
    for other_age in (18, 40, 80):
        for other_work in (True, False):
            moved = AssessmentInputs(
                descriptor or None, phq9, gad7, wsas, None, other_age, other_work, earlier
            )
            again = advice_at_assessment(advisor, moved, stepped_care_step=stepped.step)
            assert again.step >= stepped.step
