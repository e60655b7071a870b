"""Report cards: case-mix adjustment, empirical-Bayes shrinkage, labels from 15 cases."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.matching.conftest import make_cases

from ontrack.matching.reportcards import MIN_CASES, NOT_ENOUGH, cards_for_domain

IDS = np.array([f"T{i}" for i in range(40)], dtype=object)


def _cards(counts, effects, **kw):
    return {
        c.therapist_id: c
        for c in cards_for_domain(make_cases(counts, effects, **kw), "depression", IDS)
    }


def test_small_caseloads_are_pulled_towards_the_service_mean():
    # Two therapists with the same true effect: the one with 4 cases is shrunk more.
    counts = [4, 200, *[60] * 20]
    effects = [3.0, 3.0, *np.linspace(-2, 2, 20)]
    cards = _cards(counts, effects, seed=3)
    small, large = cards["T0"], cards["T1"]
    assert small.shrinkage < large.shrinkage
    assert abs(small.effect) <= abs(small.raw_effect)
    assert small.upper - small.lower > large.upper - large.lower


@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(st.integers(1, 60), min_size=3, max_size=12),
    seed=st.integers(0, 10_000),
)
def test_shrinkage_never_moves_an_estimate_away_from_the_mean(counts, seed):
    rng = np.random.default_rng(seed)
    effects = list(rng.normal(0, 2, len(counts)))
    cards = cards_for_domain(make_cases(counts, effects, seed=seed), "depression", IDS)
    for card in cards:
        assert abs(card.effect) <= abs(card.raw_effect) + 1e-9
        assert 0.0 <= card.shrinkage <= 1.0
        assert card.lower <= card.effect <= card.upper
        if card.cases < MIN_CASES:
            assert card.label == NOT_ENOUGH
        else:
            assert card.label != NOT_ENOUGH


def test_labels_need_fifteen_cases_and_find_a_clear_difference():
    counts = [14, 120, 120, *[80] * 15]
    effects = [-8.0, 6.0, -6.0, *[0.0] * 15]
    cards = _cards(counts, effects, seed=5)
    assert cards["T0"].label == NOT_ENOUGH  # 14 cases, however poor
    assert cards["T1"].label == "effective"
    assert cards["T2"].label == "ineffective"
    neutral = [cards[f"T{i}"].label for i in range(3, 18)]
    assert neutral.count("neutral") >= 13


def test_case_mix_adjustment_does_not_blame_a_therapist_for_severe_clients():
    # Change is 0.4 x intake severity for everyone; therapist 0 sees only severe clients.
    cases = make_cases([80] * 12, [0.0] * 12, seed=9, noise=1.0)
    severe = cases["therapist_index"] == 0
    cases.loc[severe, "phq9_first"] = 26.0
    cases.loc[severe, "phq9_last"] = 26.0 - 0.4 * 26.0
    card = next(c for c in cards_for_domain(cases, "depression", IDS) if c.therapist_id == "T0")
    assert card.observed_change > 8  # raw change looks very large ...
    assert card.label == "neutral"  # ... but it is what the case mix predicts
