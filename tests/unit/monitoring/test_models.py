"""Expected-response, failure and dropout models, and the neighbour search backends."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import examples

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


@settings(max_examples=examples(60), deadline=None)
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


WITH_HISTORY = FailureModel(
    "PHQ-9",
    (0.6, -1.1, 0.1, 0.2, 0.05, 0.1, -0.4, 0.05, -0.02, 0.03, 0.01, -0.05, 0.02),
    0.2,
    0,
    covariate_coef=(0.3, 0.02, -0.01, 0.2, 0.1, -0.1, 0.0, 0.05),
    covariate_fill=(1.0, 18.0, 40.0, 2.5),
)


@settings(max_examples=examples(60), deadline=None)
@given(
    mean=st.floats(2, 25), sd=st.floats(0.5, 6), intake=st.floats(5, 27),
    session=st.integers(1, 20), threshold=st.floats(0.05, 0.95), previous=st.floats(0, 27),
    age=st.one_of(st.none(), st.floats(16, 90)),
)  # fmt: skip
def test_boundary_with_previous_score_and_covariates_is_where_chance_meets_threshold(
    mean, sd, intake, session, threshold, previous, age
) -> None:  # type: ignore[no-untyped-def]
    features = np.array([intake, 0.5, np.nan, np.nan if age is None else age, 3.0, 2.0])

    line = WITH_HISTORY.boundary(mean, sd, intake, PHQ9, session, threshold, previous, features)

    assert line is not None
    chance = WITH_HISTORY.probability(line, mean, sd, intake, PHQ9, session, previous, features)
    assert float(chance[0]) == pytest.approx(threshold, abs=1e-9)


def test_covariates_move_the_chance_and_a_missing_one_takes_the_fill_and_its_flag() -> None:
    known = np.array([16.0, 0.5, 18.0, 40.0, 3.0, 2.5])
    older = known.copy()
    older[3] = 60.0
    missing = known.copy()
    missing[3] = np.nan
    args = (12.0, 12.0, 4.0, 16.0, PHQ9, 3, 14.0)

    base = float(WITH_HISTORY.logit_probability(*args, known))

    assert float(WITH_HISTORY.logit_probability(*args, older)) == pytest.approx(base - 0.2)
    # Age missing: the fill (40, the same value here) plus the missing flag's coefficient.
    assert float(WITH_HISTORY.logit_probability(*args, missing)) == pytest.approx(base + 0.0)
    missing[2] = np.nan  # WSAS missing too: its flag adds -0.1, its fill equals the value
    assert float(WITH_HISTORY.logit_probability(*args, missing)) == pytest.approx(base - 0.1)


def test_a_worse_previous_score_raises_the_chance_of_failure_when_fitted_so() -> None:
    rng = np.random.default_rng(5)
    n = 6000
    intake = rng.uniform(10, 27, n)
    level = intake - rng.normal(5, 4, n)  # the client's true level now
    previous = level + rng.normal(0, 3, n)
    y = level + rng.normal(0, 3, n)
    failed = (intake - level) < 6
    x = failure_features(y, y, np.full(n, 3.0), intake, PHQ9, np.full(n, 4.0), previous)

    model = fit_failure("PHQ-9", x, failed)

    assert model.coef[6] < 0  # more change at the previous score, less failure


def test_failure_model_json_round_trips_and_reads_the_six_feature_form() -> None:
    again = FailureModel.from_json(WITH_HISTORY.to_json())
    assert again == WITH_HISTORY

    legacy = {
        "measure": "PHQ-9",
        "features": ["excess", "change", "elevation", "log_session", "change_x_log",
                     "excess_x_log"],
        "coef": [0.5, -1.0, 0.0, 0.0, 0.0, 0.0],
        "intercept": 0.0,
        "rows": 10,
    }  # fmt: skip
    old = FailureModel.from_json(legacy)
    assert old.coef[6:] == (0.0,) * 7
    assert old.covariate_coef == ()
    # With no previous score and no covariates it is the model it always was.
    assert float(old.probability(12.0, 12.0, 4.0, 18.0, PHQ9, 3)[0]) == pytest.approx(0.269, 1e-3)


def test_fitted_covariates_have_fills_from_the_training_rows() -> None:
    rng = np.random.default_rng(6)
    n = 3000
    intake = rng.uniform(10, 27, n)
    y = intake - rng.normal(5, 4, n)
    failed = (intake - y + rng.normal(0, 2, n)) < 6
    x = failure_features(y, y, np.full(n, 3.0), intake, PHQ9, np.full(n, 4.0))
    features = np.full((n, len(FEATURES)), np.nan)
    features[:, FEATURES.index("age")] = rng.uniform(18, 70, n)
    features[: n // 2, FEATURES.index("step")] = 3.0

    model = fit_failure("PHQ-9", x, failed, intake=features)

    assert len(model.covariate_coef) == 8
    fill = dict(zip(("other", "wsas", "age", "step"), model.covariate_fill, strict=True))
    assert fill["age"] == pytest.approx(np.mean(features[:, FEATURES.index("age")]))
    assert fill["step"] == 3.0
    assert fill["wsas"] == 0.0


@pytest.mark.parametrize(
    "change",
    [
        {"covariates": {"names": ["age"], "coef": [0.1, 0.0], "fill": [40.0]}},
        {"covariates": {"names": ["other", "wsas", "age", "step"], "coef": [1.0] * 8,
                        "fill": [0.0, 1.0, float("nan"), 2.0]}},
        {"coef": [0.5, -1.0, 0.0, 0.0, 0.0, 0.0, 0.1]},
    ],
)  # fmt: skip
def test_damaged_failure_model_json_is_refused(change) -> None:  # type: ignore[no-untyped-def]
    data = {**WITH_HISTORY.to_json(), **change}

    with pytest.raises(ValueError, match=r"covariate|coefficients"):
        FailureModel.from_json(data)
