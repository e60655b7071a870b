"""No protected characteristic (nor deprivation) lowers the care offered: the advice never
starts anyone below stepped care, and the inputs of the advice and of the ranking do not
include ethnicity, gender or IMD at all."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ontrack.matching.advice import (
    advise_step,
    features,
    fit_advisor,
    stepped_care_step,
)
from ontrack.matching.cases import load_cases
from ontrack.matching.domains import DOMAINS
from ontrack.synth import simulate


@pytest.fixture(scope="module")
def fitted():
    cases = load_cases(simulate(referrals=5000, seed=31, therapists=20, services=1))
    return cases, fit_advisor(cases)


def test_features_ignore_ethnicity_gender_and_deprivation(fitted):
    cases, _ = fitted
    changed = cases.copy()
    changed["ethnicity"] = "S"
    changed["gender"] = "X"
    changed["imd_decile"] = 1
    changed["therapist_gender_preference"] = None
    assert np.array_equal(features(cases), features(changed))


@settings(max_examples=200, deadline=None)
@given(
    phq=st.integers(0, 27),
    gad=st.integers(0, 21),
    wsas=st.integers(0, 40),
    share=st.floats(0, 1),
    age=st.integers(16, 95),
    not_working=st.booleans(),
    earlier=st.booleans(),
    domain=st.sampled_from(DOMAINS[:-1]),
)
def test_advice_never_starts_anyone_below_stepped_care(
    fitted, phq, gad, wsas, share, age, not_working, earlier, domain
):
    _, advisor = fitted
    dummies = [1.0 if domain == d else 0.0 for d in DOMAINS[1:-1]]
    x = np.array([phq, gad, wsas, share, age, float(not_working), float(earlier), *dummies])
    advice = advise_step(advisor, domain, x)
    assert advice.step >= stepped_care_step(domain)
    assert advice.reasons


@settings(max_examples=100, deadline=None)
@given(age=st.integers(16, 95), not_working=st.booleans())
def test_age_or_employment_can_only_add_care(fitted, age, not_working):
    """Age and employment may move someone up to high intensity, never down."""
    _, advisor = fitted
    base = np.array([18.0, 15.0, 25.0, 0.6, 40.0, 0.0, 0.0, *([0.0] * 7)])
    other = base.copy()
    other[4], other[5] = age, float(not_working)
    for x in (base, other):
        assert advise_step(advisor, "depression", x).step in (2, 3)
    assert advise_step(advisor, "ptsd", other).step == 3  # stepped care starts PTSD high
