"""The simulated PHQ-9 item 9 follows severity (ADR 0121); every other answer is unchanged."""

from __future__ import annotations

import numpy as np

from ontrack.measures import get_measure
from ontrack.synth import params, simulate
from ontrack.synth.observe import draw_answers, item_weights


def test_only_the_risk_item_is_read_differently_from_the_same_draw() -> None:
    phq = get_measure("PHQ-9")
    share = np.linspace(0, 1, 2001)
    answers = draw_answers(np.random.default_rng(5), phq, share)
    # Items 1-8 exactly as the shared formula gives them, from the same random numbers.
    weights = item_weights(phq).astype(np.float32)
    expected = share.astype(np.float32)[:, None] * 3 * weights[None, :]
    deviates = np.random.default_rng(5).standard_normal(expected.shape, dtype=np.float32)
    plain = np.clip(np.rint(expected + params.ITEM_NOISE["PHQ-9"] * deviates), 0, 3)
    assert np.array_equal(answers[:, :8], plain[:, :8].astype(np.uint8))
    # Item 9: rarer when mood is good, graded when answered, more often as severity rises.
    item9 = answers[:, 8]
    low, high = item9[share < 0.2], item9[share > 0.8]
    assert (low > 0).mean() < 0.05 < 0.4 < (high > 0).mean()
    assert (high >= 2).mean() > 0.15
    assert set(np.unique(item9)) == {0, 1, 2, 3}


def test_simulated_item_9_is_positive_in_about_a_sixth_of_phq9s_graded() -> None:
    score = simulate(referrals=2000, seed=11)["score"].to_pandas()
    phq = score[score.measure == "PHQ-9"]
    item9 = phq["items"].str.split(",").str[8]
    positive = item9.isin(["1", "2", "3"])
    assert 0.10 < positive.mean() < 0.25
    assert (positive & (phq.total < 5)).sum() / max(1, (phq.total < 5).sum()) < 0.03
    assert 0.25 < item9[positive].isin(["2", "3"]).mean() < 0.6
