"""The simulator's ground truth for matching: therapist x domain effects, modality
response, honoured preferences (ontrack.synth.matching_truth)."""

from __future__ import annotations

import numpy as np
import pytest

from ontrack.matching.domains import DOMAINS, PLANTED_MARGIN, planted_label
from ontrack.synth import simulate
from ontrack.synth.matching_truth import MODALITIES


@pytest.fixture(scope="module")
def tables():
    return simulate(referrals=6000, seed=7)


def test_therapist_table_carries_a_planted_effect_per_domain(tables):
    therapist = tables["therapist"]
    for domain in DOMAINS:
        values = np.asarray(therapist.column(f"effect_{domain}").to_pylist(), dtype=float)
        assert not np.isnan(values).any()
    # Depression and generalised anxiety use different problem-group strengths.
    dep = np.asarray(therapist.column("effect_depression").to_pylist())
    gad = np.asarray(therapist.column("effect_generalised_anxiety").to_pylist())
    assert not np.allclose(dep, gad)


def test_planted_harmful_share_is_near_the_literature():
    """About 4-5% of therapist x domain pairs are planted ineffective (Kraus et al. 2011)."""
    therapist = simulate(referrals=150_000, seed=3)["therapist"]
    values = np.concatenate(
        [np.asarray(therapist.column(f"effect_{d}").to_pylist()) for d in DOMAINS]
    )
    share = float(np.mean([planted_label(v) == "ineffective" for v in values]))
    assert 0.025 <= share <= 0.07, share
    assert PLANTED_MARGIN > 0


def test_truth_has_client_prognosis_and_modality_response_for_treated_referrals(tables):
    truth = tables["truth"]
    prognosis = truth.column("prognosis")
    assert 0 < prognosis.null_count < truth.num_rows  # untreated referrals have none
    for name in MODALITIES:
        values = np.asarray(truth.column(f"response_{name}").drop_null().to_pylist())
        assert np.isfinite(values).all()
    li = np.asarray(truth.column("response_li").drop_null().to_pylist())
    cbt = np.asarray(truth.column("response_cbt").drop_null().to_pylist())
    # Low intensity never suits anyone better than their high-intensity baseline.
    assert (li <= cbt + 1e-9).mean() > 0.5
    assert set(truth.column("true_domain").to_pylist()) <= set(DOMAINS)


def test_same_seed_same_truth():
    a = simulate(referrals=400, seed=2)
    b = simulate(referrals=400, seed=2)
    assert a["truth"].equals(b["truth"])
    assert a["therapist"].equals(b["therapist"])
