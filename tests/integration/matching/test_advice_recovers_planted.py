"""The modality advice and prognostic index find what the simulator planted."""

from __future__ import annotations

import numpy as np
import pytest

from ontrack.matching.advice import advise_modality, features, fit_advisor, outcomes
from ontrack.matching.cases import load_cases
from ontrack.synth import simulate

pytestmark = pytest.mark.slow  # a 12,000-referral service


@pytest.fixture(scope="module")
def fitted():
    tables = simulate(referrals=12_000, seed=51, services=1)
    cases = load_cases(tables)
    truth = tables["truth"].to_pandas().set_index("referral_id").reindex(cases["referral_id"])
    return cases, truth, fit_advisor(cases)


def test_the_personalised_advantage_points_the_planted_way(fitted):
    cases, truth, advisor = fitted
    depressed = (cases["domain"] == "depression").to_numpy() & truth[
        "response_cbt"
    ].notna().to_numpy()
    advantage, se = advisor.modality.advantage(features(cases[depressed]), "cbt", "counselling")
    planted = (truth["response_cbt"] - truth["response_counselling"]).to_numpy()[depressed]
    assert np.corrcoef(advantage, planted)[0, 1] > 0.3
    assert (np.sign(advantage) == np.sign(planted)).mean() > 0.6
    assert (se > 0).all()


def test_the_prognostic_index_predicts_who_does_not_recover(fitted):
    cases, _, advisor = fitted
    caseness, recovered = outcomes(cases)
    rows = caseness & cases["finished"].to_numpy()
    risk = advisor.poor_prognosis(features(cases[rows]))
    high = risk >= advisor.threshold
    assert recovered[rows][high].mean() < recovered[rows][~high].mean() - 0.05


def test_modality_advice_is_said_in_words_with_its_uncertainty(fitted):
    cases, _, advisor = fitted
    x = features(cases[(cases["domain"] == "depression").to_numpy()])[0]
    advice = advise_modality(advisor, "depression", x, ["li", "cbt", "counselling"])
    assert advice is not None
    assert "95% interval" in advice.reasons[0]
    assert advise_modality(advisor, "depression", x, ["li", "cbt"]) is None  # not offered
    assert advise_modality(advisor, "ptsd", x, ["li", "cbt", "counselling"]) is None
