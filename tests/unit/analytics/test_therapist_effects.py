"""A small caseload must not look best or worst by chance."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ontrack.analytics.therapists import paule_mandel_tau2, shrink


def _service(seed: int) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Twenty therapists with real differences and 80 courses each, plus two newcomers with
    two courses each whose results were as extreme as possible (all or none recovered)."""
    rng = np.random.default_rng(seed)
    ids = [f"t{i:02d}" for i in range(20)] + ["lucky", "unlucky"]
    n = np.array([80.0] * 20 + [2.0, 2.0])
    p = np.full(22, 0.5)
    true = np.clip(0.5 + rng.normal(0, 0.08, 20), 0.05, 0.95)
    observed = np.concatenate([rng.binomial(80, true), [2, 0]]).astype(float)
    return ids, n, observed, n * p, n * p * (1 - p)


@pytest.mark.parametrize("seed", range(20))
def test_two_course_therapists_are_never_ranked_best_or_worst(seed):
    effects = shrink(*_service(seed))

    ranking = [e.therapist_id for e in effects]
    assert ranking[0] not in ("lucky", "unlucky")
    assert ranking[-1] not in ("lucky", "unlucky")
    by_id = {e.therapist_id: e for e in effects}
    assert by_id["lucky"].signal == "within expected range"
    assert by_id["unlucky"].signal == "within expected range"
    assert by_id["lucky"].shrinkage > 0.8  # pulled most of the way to the mean


def test_a_large_real_difference_is_flagged_with_an_interval_that_excludes_the_mean():
    ids = ["good", "average", "poor", "other"]
    n = np.array([200.0, 200.0, 200.0, 200.0])
    observed = np.array([150.0, 100.0, 50.0, 100.0])
    expected = n * 0.5

    effects = {e.therapist_id: e for e in shrink(ids, n, observed, expected, expected * 0.5)}

    assert effects["good"].signal == "above expected"
    assert effects["poor"].signal == "below expected"
    assert effects["average"].signal == "within expected range"
    assert effects["good"].lower > 0
    assert effects["good"].adjusted_rate < effects["good"].observed_rate  # shrunk


def test_intervals_are_wider_for_smaller_caseloads():
    ids = ["big", "small", "a", "b"]
    n = np.array([300.0, 10.0, 100.0, 100.0])
    observed = np.array([180.0, 6.0, 40.0, 60.0])
    expected = n * 0.5

    effects = {e.therapist_id: e for e in shrink(ids, n, observed, expected, expected * 0.5)}

    width = {k: e.upper - e.lower for k, e in effects.items()}
    assert width["small"] > width["big"]


def test_case_mix_adjustment_credits_a_therapist_with_harder_cases():
    # Both recover 40%; one was expected to recover only 30% of theirs.
    ids = ["hard cases", "easy cases", "x", "y"]
    n = np.array([200.0, 200.0, 200.0, 200.0])
    observed = np.array([80.0, 80.0, 100.0, 100.0])
    expected = np.array([60.0, 100.0, 100.0, 100.0])

    effects = {e.therapist_id: e for e in shrink(ids, n, observed, expected, expected * 0.5)}

    assert effects["hard cases"].adjusted_rate > effects["easy cases"].adjusted_rate


def test_no_therapists_gives_no_effects():
    empty = np.array([])

    assert shrink([], empty, empty, empty, empty) == []


@pytest.mark.parametrize("seed", range(12))
def test_paule_mandel_matches_statsmodels(seed):
    """Our τ² iteration is statsmodels' combine_effects(method_re="iterated"), including the
    services where therapists differ by less than chance (τ² = 0)."""
    from statsmodels.stats.meta_analysis import combine_effects

    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 400))
    variance = rng.uniform(0.0005, 0.02, k)
    spread = [0.0, 0.02, 0.08][seed % 3]
    effect = rng.normal(0.0, spread, k) + rng.normal(0.0, np.sqrt(variance))
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = combine_effects(effect, variance, method_re="iterated")

    assert paule_mandel_tau2(effect, variance) == pytest.approx(max(fit.tau2, 0.0), abs=1e-12)


def test_shrink_uses_the_random_effects_mean_of_statsmodels():
    from statsmodels.stats.meta_analysis import combine_effects

    ids, n, observed, expected, variance = _service(3)
    effects = {e.therapist_id: e for e in shrink(ids, n, observed, expected, variance)}
    raw = (observed - expected) / n
    fit = combine_effects(raw, variance / n**2, method_re="iterated")
    tau2 = max(float(fit.tau2), 0.0)
    b = tau2 / (tau2 + variance / n**2)
    shrunk = fit.mean_effect_re + b * (raw - fit.mean_effect_re)
    for i, tid in enumerate(ids):
        assert effects[tid].effect == pytest.approx(shrunk[i] - fit.mean_effect_re, abs=1e-12)
