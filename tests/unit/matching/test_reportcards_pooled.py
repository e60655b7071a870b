"""Pooled report cards: each therapist's domains estimated together (ADR 0085). With one
domain they are the one-domain cards exactly; with effects shared across domains, a small
domain's card borrows strength from the therapist's other cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.unit.matching.conftest import make_cases

from ontrack.matching.reportcards import cards_for_domain, pooled_cards, report_cards

IDS = np.array([f"T{i}" for i in range(60)], dtype=object)


def _by_key(cards):
    return {(c.therapist_id, c.domain): c for c in cards}


def test_with_one_domain_the_pooled_cards_are_the_one_domain_cards():
    counts = [4, 200, *[30] * 20]
    effects = [3.0, 3.0, *np.linspace(-2, 2, 20)]
    cases = make_cases(counts, effects, seed=3)
    single = _by_key(cards_for_domain(cases, "depression", IDS))
    pooled = {k: c for k, c in _by_key(pooled_cards(cases, IDS)).items() if k[1] == "depression"}
    assert single.keys() == pooled.keys()
    for key, card in single.items():
        assert pooled[key].label == card.label
        assert pooled[key].to_dict() == pytest.approx(card.to_dict(), abs=2e-3)  # rounding


def _two_domains(shared: np.ndarray, seed: int) -> pd.DataFrame:
    """Depression (80 cases each) and generalised anxiety (16 cases each) cases of the same
    therapists, whose effect (points) is the same in both."""
    n = len(shared)
    depression = make_cases([80] * n, list(shared), seed=seed)
    anxiety = make_cases([16] * n, list(np.zeros(n)), seed=seed + 1, domain="generalised_anxiety")
    rng = np.random.default_rng(seed + 2)
    start = rng.uniform(9, 21, len(anxiety))
    change = 0.4 * start + shared[anxiety["therapist_index"]] * 0.7 + rng.normal(0, 5.0, len(start))
    anxiety["descriptor"] = "F41.1"
    anxiety["gad7_first"] = start
    anxiety["gad7_last"] = start - change
    anxiety["referral_id"] = "A" + anxiety["referral_id"]
    anxiety["person_id"] = "A" + anxiety["person_id"]
    return pd.concat([depression, anxiety], ignore_index=True)


def test_a_small_domain_borrows_strength_from_the_therapists_other_cases():
    rng = np.random.default_rng(7)
    shared = rng.normal(0, 1.6, 50)
    cases = _two_domains(shared, seed=11)
    single = _by_key(cards_for_domain(cases, "generalised_anxiety", IDS))
    pooled = _by_key(report_cards(cases, IDS, pooled=True))
    keys = sorted(single)
    truth = np.array([shared[int(k[0][1:])] for k in keys])
    one = np.array([single[k].effect for k in keys])
    both = np.array([pooled[k].effect for k in keys])
    assert np.corrcoef(truth, both)[0, 1] > np.corrcoef(truth, one)[0, 1] + 0.05
    narrower = [
        pooled[k].upper - pooled[k].lower <= single[k].upper - single[k].lower + 1e-9 for k in keys
    ]
    assert all(narrower)


def test_without_shared_effects_little_is_borrowed():
    """Effects independent across domains: the pooled small-domain cards stay close to the
    one-domain ones (the shared variance is estimated near zero)."""
    rng = np.random.default_rng(5)
    n = 50
    depression = make_cases([80] * n, list(rng.normal(0, 1.6, n)), seed=21)
    anxiety = _two_domains(rng.normal(0, 1.6, n), seed=31)
    anxiety = anxiety[anxiety["domain"] == "generalised_anxiety"]
    cases = pd.concat([depression, anxiety], ignore_index=True)
    single = _by_key(cards_for_domain(cases, "generalised_anxiety", IDS))
    pooled = _by_key(report_cards(cases, IDS, pooled=True))
    gap = [abs(pooled[k].effect - single[k].effect) for k in single]
    spread = np.std([c.effect for c in single.values()])
    assert np.mean(gap) < 0.5 * spread
