"""Expected-response, failure and dropout models, and the neighbour search backends."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ontrack.monitoring.facts import MeasureFacts
from ontrack.monitoring.models.base import FEATURES
from ontrack.monitoring.models.curve import fit_curve
from ontrack.monitoring.models.dropout import fit_dropout
from ontrack.monitoring.models.failure import FailureModel, failure_features, fit_failure
from ontrack.monitoring.models.index import build_index
from ontrack.monitoring.models.neighbours import fit_neighbours

PHQ9 = MeasureFacts("PHQ-9", 10.0, True, 6.0, False)


def _random_coefficients(n: int, seed: int = 0):  # type: ignore[no-untyped-def]
    """Simulate y = b0 + b1 ln t + e with b0 = 1 + 0.8 y0 + u0, b1 = -0.5 - 0.1 y0 + u1."""
    rng = np.random.default_rng(seed)
    y0 = rng.uniform(8, 26, n)
    u0 = rng.normal(0, 2.0, n)
    u1 = rng.normal(0, 1.0, n)
    episode, session, score, intake = [], [], [], []
    for i in range(n):
        for t in range(1, int(rng.integers(3, 12)) + 1):
            episode.append(i)
            session.append(float(t))
            intake.append(y0[i])
            lt = np.log(t)
            score.append(1 + 0.8 * y0[i] + u0[i] + (-0.5 - 0.1 * y0[i] + u1[i]) * lt
                         + rng.normal(0, 1.5))  # fmt: skip
    return (np.array(episode), np.array(intake), np.array(session), np.array(score))


def _true_sd(t: float) -> float:
    return float(np.sqrt(4.0 + np.log(t) ** 2 * 1.0 + 1.5**2))


def test_curve_fixed_effects_recovered() -> None:
    model = fit_curve("PHQ-9", *_random_coefficients(3000))

    assert model.g01 == pytest.approx(0.8, abs=0.05)
    assert model.g11 == pytest.approx(-0.1, abs=0.05)


@pytest.mark.parametrize("method", ["moments", "empirical"])
def test_curve_predictive_sd_matches_random_coefficient_truth(method: str) -> None:
    model = fit_curve("PHQ-9", *_random_coefficients(3000), method=method)

    for t in (1, 3, 8):
        assert model.sd_by_session[t - 1] == pytest.approx(_true_sd(t), rel=0.12)
    assert model.method == method


@pytest.mark.slow
def test_curve_mixed_model_agrees_with_moments() -> None:
    data = _random_coefficients(1500)
    mixed = fit_curve("PHQ-9", *data, method="mixedlm", max_mixed_episodes=600)
    moments = fit_curve("PHQ-9", *data, method="moments")

    assert mixed.method == "mixedlm"
    for t in (1, 4, 8):
        assert mixed.sd_by_session[t - 1] == pytest.approx(moments.sd_by_session[t - 1], rel=0.12)


def test_curve_unknown_method_rejected() -> None:
    with pytest.raises(ValueError, match="unknown curve method"):
        fit_curve("PHQ-9", *_random_coefficients(50), method="magic")


def _reference(n: int = 800, seed: int = 1):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    features = rng.normal(0, 1, (n, len(FEATURES)))
    features[:, 0] = rng.uniform(5, 27, n)
    change = (-0.3 * features[:, :1] * np.log(np.arange(1, 13))[None, :]
              + rng.normal(0, 2, (n, 12))).astype(np.float32)  # fmt: skip
    change[rng.random(change.shape) < 0.25] = np.nan
    return features, change


def test_kdtree_and_brute_force_find_the_same_neighbours() -> None:
    features, _ = _reference()
    queries = np.random.default_rng(5).normal(0, 1, (50, features.shape[1]))

    tree = build_index(features, "kdtree").query(queries, 25)
    brute = build_index(features, "brute").query(queries, 25)

    assert np.array_equal(tree, brute)


def test_unknown_backend_rejected() -> None:
    with pytest.raises(ValueError, match="unknown neighbour backend 'gpu'"):
        build_index(np.zeros((3, 2)), "gpu")


def test_neighbour_course_identical_across_backends() -> None:
    features, change = _reference()
    tree = fit_neighbours("PHQ-9", features, change, k=30, backend="kdtree")
    brute = fit_neighbours("PHQ-9", features, change, k=30, backend="brute")

    a = tree.expect_many(features[:40], 12)
    b = brute.expect_many(features[:40], 12)

    assert np.allclose(a[0], b[0], atol=1e-9)
    assert np.allclose(a[1], b[1], atol=1e-9)


def test_neighbours_never_include_the_client_themself() -> None:
    features, change = _reference()
    model = fit_neighbours("PHQ-9", features, change, k=20)
    own = np.arange(100)

    rows = model.neighbours(features[:100], exclude=own)

    assert rows.shape == (100, 20)
    assert not (rows == own[:, None]).any()


def test_neighbour_expectation_one_client_equals_batch() -> None:
    features, change = _reference()
    model = fit_neighbours("PHQ-9", features, change, k=30)

    mean_many, sd_many = model.expect_many(features[:5], 10)
    mean_one, sd_one = model.expect(features[3], np.arange(1.0, 11.0))

    assert np.allclose(mean_one, mean_many[3])
    assert np.allclose(sd_one, sd_many[3])


def test_neighbour_expectation_tracks_intake() -> None:
    features, change = _reference()
    model = fit_neighbours("PHQ-9", features, change, k=40)
    low, high = features[0].copy(), features[0].copy()
    low[0], high[0] = 8.0, 24.0

    mean_low, _ = model.expect(low, np.array([8.0]))
    mean_high, _ = model.expect(high, np.array([8.0]))

    # Higher intakes fall further (-0.3 x intake x ln t) but still end higher.
    assert mean_high[0] > mean_low[0]
    assert (24.0 - mean_high[0]) > (8.0 - mean_low[0])


@settings(max_examples=60, deadline=None)
@given(
    mean=st.floats(2, 25), sd=st.floats(0.5, 6), intake=st.floats(5, 27),
    session=st.integers(1, 20), threshold=st.floats(0.05, 0.95),
)  # fmt: skip
def test_failure_boundary_is_where_chance_meets_threshold(
    mean, sd, intake, session, threshold
) -> None:  # type: ignore[no-untyped-def]
    model = FailureModel("PHQ-9", (0.6, -1.1, 0.1, 0.2, 0.05, 0.1), 0.2, 0)

    line = model.boundary(mean, sd, intake, PHQ9, session, threshold)

    assert line is not None
    assert float(model.probability(line, mean, sd, intake, PHQ9, session)[0]) == pytest.approx(
        threshold, abs=1e-9
    )
    assert float(model.probability(line + 1, mean, sd, intake, PHQ9, session)[0]) > threshold


def test_failure_model_learns_that_less_change_means_more_failure() -> None:
    rng = np.random.default_rng(3)
    n = 4000
    intake = rng.uniform(10, 27, n)
    y = intake - rng.normal(5, 4, n)
    failed = (intake - y + rng.normal(0, 2, n)) < 6
    x = failure_features(y, y, np.full(n, 3.0), intake, PHQ9, np.full(n, 4.0))

    model = fit_failure("PHQ-9", x, failed)

    assert model.coef[1] < 0  # more change (in reliable-change units), less failure


def test_dropout_model_probabilities_are_calibrated_in_the_large() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(0, 1, (5000, 11))
    p = 1 / (1 + np.exp(-(x[:, 0] - 0.5)))
    dropped = rng.random(5000) < p

    model = fit_dropout(x, dropped)

    assert model.quality["mean_predicted"] == pytest.approx(dropped.mean(), abs=0.01)
    assert model.quality["auc_training"] > 0.65
