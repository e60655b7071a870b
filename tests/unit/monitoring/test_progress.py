"""Progress signals: recovered, on track, behind, off track, at their edges."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ontrack.monitoring import (
    ModelChoice,
    MonitoringConfig,
    NoIntakeScoreError,
    ProgressStatus,
    ReliableChange,
    SignalKind,
    evaluate_episode,
    expected_course,
)
from ontrack.monitoring.deterioration import SINGLE_READING, DeteriorationRule
from ontrack.monitoring.testing import toy_bundle, weekly_episode

CURVE = MonitoringConfig(model=ModelChoice.CURVE)


def _expected(measure: str, intake: float, session: int) -> tuple[float, float]:
    model = toy_bundle().curves[measure]
    mean, sd = model.expect(np.array([intake]), np.array([float(session)]))
    return float(mean[0]), float(sd[0])


def _boundary(measure: str, intake: float, session: int, z: float = 1.0) -> float:
    mean, sd = _expected(measure, intake, session)
    return mean + z * sd


def test_only_intake_gives_baseline_never_on_track() -> None:
    episode = weekly_episode(phq9=[16], gad7=[12])

    result = evaluate_episode(episode, toy_bundle(), CURVE)

    assert result.status is ProgressStatus.BASELINE


def test_score_exactly_on_both_boundaries_is_not_off_track() -> None:
    phq, gad = _boundary("PHQ-9", 16, 2), _boundary("GAD-7", 12, 2)
    episode = weekly_episode(phq9=[16, 15, phq], gad7=[12, 11, gad])

    result = evaluate_episode(episode, toy_bundle(), CURVE)

    assert result.status is ProgressStatus.BEHIND
    assert not result.has(SignalKind.OFF_TRACK)


def test_scores_just_beyond_both_boundaries_are_off_track() -> None:
    phq, gad = _boundary("PHQ-9", 16, 2) + 1e-6, _boundary("GAD-7", 12, 2) + 1e-6
    episode = weekly_episode(phq9=[16, 15, phq], gad7=[12, 11, gad])

    result = evaluate_episode(episode, toy_bundle(), CURVE)

    assert result.status is ProgressStatus.OFF_TRACK
    signal = result.of_kind(SignalKind.OFF_TRACK)[0]
    assert signal.boundary == pytest.approx(_boundary(signal.measure or "", 16 if signal.measure
                                                      == "PHQ-9" else 12, 2))  # fmt: skip
    assert "failure boundary" in signal.reasons[0]


def test_one_measure_beyond_and_the_other_on_course_is_behind_not_off_track() -> None:
    phq = _boundary("PHQ-9", 16, 2) + 0.5
    gad, _ = _expected("GAD-7", 12, 2)
    episode = weekly_episode(phq9=[16, 15, phq], gad7=[12, 11, gad - 1])

    result = evaluate_episode(episode, toy_bundle(), CURVE)

    assert result.status is ProgressStatus.BEHIND
    phq_progress = next(p for p in result.progress if p.measure == "PHQ-9")
    assert phq_progress.beyond_boundary
    assert any("Not off track" in r for r in phq_progress.reasons)


@pytest.mark.parametrize(("last", "off_track"), [(21.0, False), (22.0, True)])
def test_single_reading_rule_flags_reliable_deterioration_at_its_threshold(
    last: float, off_track: bool
) -> None:
    # PHQ-9 reliable change is 6 or more points; a wide boundary isolates the rule.
    episode = weekly_episode(phq9=[16, 16, last], gad7=[12, 12, 12])
    single = MonitoringConfig(model=ModelChoice.CURVE, deterioration=SINGLE_READING)

    result = evaluate_episode(episode, toy_bundle(z=10.0), single)

    assert (result.status is ProgressStatus.OFF_TRACK) is off_track
    phq = next(p for p in result.progress if p.measure == "PHQ-9")
    expected = ReliableChange.DETERIORATION if off_track else ReliableChange.NONE
    assert phq.reliable_change is expected


FROM_BEST = MonitoringConfig(
    model=ModelChoice.CURVE, deterioration=DeteriorationRule(from_best=True)
)


@pytest.mark.parametrize(
    ("phq", "config", "off_track", "said"),
    [
        ([16, 16, 22], CURVE, False, "when confirmed"),  # one reading 6 worse: a bad week?
        ([16, 22, 22], CURVE, True, "previous session too"),  # confirmed by a second reading
        ([16, 16, 25], CURVE, True, "1.5 reliable changes at once"),  # too large to be noise
        ([16, 8, 14, 14], CURVE, False, ""),  # from intake only (the default)
        ([16, 8, 14, 14], FROM_BEST, True, "best score so far"),  # improved, then lost it
        ([16, 8, 14, 9], FROM_BEST, False, ""),  # a bad week after improving
        ([20, 6, 12, 12], FROM_BEST, False, ""),  # worse than the best, still improved
    ],
)
def test_deterioration_counts_when_confirmed_from_intake_or_the_best_so_far(
    phq: list[float], config: MonitoringConfig, off_track: bool, said: str
) -> None:
    episode = weekly_episode(phq9=phq, gad7=[12] * len(phq))

    result = evaluate_episode(episode, toy_bundle(z=10.0), config)

    assert (result.status is ProgressStatus.OFF_TRACK) is off_track
    reasons = " ".join(next(p for p in result.progress if p.measure == "PHQ-9").reasons)
    assert said in reasons


def test_recovered_needs_every_measure_below_caseness_and_a_reliable_improvement() -> None:
    episode = weekly_episode(phq9=[16, 12, 9], gad7=[12, 9, 7])

    result = evaluate_episode(episode, toy_bundle(), CURVE)

    assert result.status is ProgressStatus.RECOVERED
    assert result.has(SignalKind.RECOVERED)
    assert not result.alerts or all(s.kind is not SignalKind.RECOVERED for s in result.alerts)


def test_gad7_still_at_caseness_is_not_recovered() -> None:
    episode = weekly_episode(phq9=[16, 12, 9], gad7=[12, 9, 8])

    result = evaluate_episode(episode, toy_bundle(), CURVE)

    assert result.status is not ProgressStatus.RECOVERED


def test_better_than_expected_is_on_track() -> None:
    phq, _ = _expected("PHQ-9", 18, 2)
    gad, _ = _expected("GAD-7", 14, 2)
    episode = weekly_episode(phq9=[18, 17, math.floor(phq)], gad7=[14, 13, math.floor(gad)])

    result = evaluate_episode(episode, toy_bundle(), CURVE)

    assert result.status is ProgressStatus.ON_TRACK


def test_min_session_for_boundary_holds_back_an_early_flag() -> None:
    phq, gad = _boundary("PHQ-9", 16, 1) + 1, _boundary("GAD-7", 12, 1) + 1
    episode = weekly_episode(phq9=[16, phq], gad7=[12, gad])

    early = evaluate_episode(episode, toy_bundle(), MonitoringConfig(model=ModelChoice.CURVE))
    held = evaluate_episode(
        episode, toy_bundle(), MonitoringConfig(model=ModelChoice.CURVE, min_session_for_boundary=2)
    )

    assert early.status is ProgressStatus.OFF_TRACK
    assert held.status is not ProgressStatus.OFF_TRACK


def test_failure_boundary_chance_at_threshold_equals_boundary_score() -> None:
    bundle = toy_bundle(failure=True)
    episode = weekly_episode(phq9=[16, 15, 14], gad7=[12, 11, 10])

    result = evaluate_episode(episode, bundle, CURVE)

    for p in result.progress:
        facts = bundle.measures[p.measure]
        model = bundle.failure_for(p.measure, ModelChoice.CURVE)
        assert model is not None
        assert p.failure_boundary is not None
        at = model.probability(p.failure_boundary, p.expected or 0, p.spread or 1, p.intake,
                               facts, p.session)  # fmt: skip
        assert float(at[0]) == pytest.approx(0.5)
        assert p.beyond_boundary == (p.failure_chance is not None and p.failure_chance > 0.5)


def test_failure_boundary_flags_when_every_measure_is_past_it() -> None:
    bundle = toy_bundle(failure=True)
    episode = weekly_episode(phq9=[16, 17, 20], gad7=[12, 13, 15])

    result = evaluate_episode(episode, bundle, CURVE)

    assert result.status is ProgressStatus.OFF_TRACK
    assert result.failure_threshold == 0.5
    assert "ended without reliable improvement" in " ".join(result.progress[0].reasons)


def test_episode_with_no_intake_score_raises_clear_error() -> None:
    episode = weekly_episode(phq9=[16, 15], gad7=None)

    with pytest.raises(NoIntakeScoreError, match="no intake score for GAD-7"):
        evaluate_episode(episode, toy_bundle(), CURVE)


def test_knn_model_answers_and_names_itself() -> None:
    episode = weekly_episode(phq9=[16, 14, 13], gad7=[12, 11, 10])

    result = evaluate_episode(
        episode, toy_bundle(knn=True), MonitoringConfig(model=ModelChoice.KNN)
    )

    assert result.model == "knn"
    assert all(p.expected is not None and p.spread and p.spread > 0 for p in result.progress)


@pytest.mark.parametrize("failure", ["none", "six-feature", "previous-and-covariates"])
def test_expected_course_matches_the_evaluation_at_the_latest_session(failure: str) -> None:
    from ontrack.monitoring.models.failure import FailureModel

    bundle = toy_bundle(knn=True, failure=failure != "none")
    if failure == "previous-and-covariates":
        # The boundary reads the client's previous score: the course must use the same.
        model = FailureModel(
            "*", (0.8, -1.2, 0.1, 0.2, 0.0, 0.0, -0.5, 0.1, 0.05, 0.02, 0.01, -0.03, 0.02), 0.3,
            0, (0.2, 0.01, -0.01, 0.1, 0.1, 0.0, 0.2, 0.0), (0.5, 15.0, 40.0, 2.5),
        )  # fmt: skip
        bundle.failure = {"knn": {"*": model}, "curve": {"*": model}}
    episode = weekly_episode(phq9=[16, 15, 17, 13], gad7=[12, 12, 11, 10])
    config = MonitoringConfig()

    result = evaluate_episode(episode, bundle, config)
    course = expected_course(episode, "PHQ-9", 5, bundle, config)

    phq = next(p for p in result.progress if p.measure == "PHQ-9")
    point = course.points[phq.session - 1]
    assert point.expected == pytest.approx(phq.expected)
    assert point.spread == pytest.approx(phq.spread)
    assert point.boundary == pytest.approx(phq.failure_boundary)
    assert len(course.points) == 5


def test_previous_score_is_the_last_at_an_earlier_session_on_both_paths() -> None:
    from ontrack.monitoring.episode import ScorePoint
    from ontrack.monitoring.progress import previous_score
    from ontrack.monitoring.replay import previous_scores

    intake = ScorePoint(0, 20.0, 0, "c0")
    later = (ScorePoint(2, 10.0, 2, "c2"), ScorePoint(4, 8.0, 4, "c4"), ScorePoint(5, 7.0, 5, "c5"))
    y = np.array([[np.nan, 10.0, np.nan, 8.0, 7.0]])

    vector = previous_scores(y, ~np.isnan(y), np.array([20.0]))

    assert vector.tolist() == [[20.0, 20.0, 10.0, 10.0, 8.0]]
    assert previous_score(intake, later[:1]) == 20.0  # the first progress point: the intake
    assert previous_score(intake, later) == vector[0, 4] == 8.0
    assert previous_score(intake, later[:2]) == vector[0, 3] == 10.0
