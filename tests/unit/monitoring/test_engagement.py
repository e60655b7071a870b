"""Stalled, goals, homework, caseload, dropout and focus rules at their edges."""

from __future__ import annotations

import math

import pytest

from ontrack.monitoring import ModelChoice, MonitoringConfig, Severity, SignalKind, evaluate_episode
from ontrack.monitoring.models.dropout import DROPOUT_FEATURES, DropoutModel
from ontrack.monitoring.testing import COUNSELLING, toy_bundle, weekly_episode

CURVE = MonitoringConfig(model=ModelChoice.CURVE)


def _evaluate(episode, config=CURVE, bundle=None):  # type: ignore[no-untyped-def]
    return evaluate_episode(episode, bundle or toy_bundle(), config)


@pytest.mark.parametrize(("sessions", "stalled"), [(5, False), (6, True)])
def test_stalled_after_six_sessions_without_reliable_improvement(
    sessions: int, stalled: bool
) -> None:
    episode = weekly_episode(phq9=[16] * (sessions + 1), gad7=[12] * (sessions + 1))

    assert _evaluate(episode).has(SignalKind.STALLED) is stalled


def test_not_stalled_when_one_measure_reliably_improved() -> None:
    episode = weekly_episode(phq9=[16, 15, 14, 13, 12, 11, 10], gad7=[12] * 7)

    assert not _evaluate(episode).has(SignalKind.STALLED)


def test_stalled_threshold_is_configurable() -> None:
    episode = weekly_episode(phq9=[16] * 5, gad7=[12] * 5)

    result = _evaluate(episode, MonitoringConfig(model=ModelChoice.CURVE, stalled_after_sessions=4))

    assert result.has(SignalKind.STALLED)
    assert result.needs_review


@pytest.mark.parametrize(("sessions", "flagged"), [(1, False), (2, True)])
def test_no_goals_by_session_two(sessions: int, flagged: bool) -> None:
    episode = weekly_episode(
        phq9=[16] * (sessions + 1), gad7=[12] * (sessions + 1), goals_from=None
    )

    assert _evaluate(episode).has(SignalKind.NO_GOALS) is flagged


def test_goals_first_rated_at_session_two_are_in_time() -> None:
    episode = weekly_episode(phq9=[16, 15, 14], gad7=[12, 11, 10], goals_from=2)

    assert not _evaluate(episode).has(SignalKind.NO_GOALS)


@pytest.mark.parametrize(("sessions", "flagged"), [(2, False), (3, True)])
def test_no_homework_for_three_cbt_sessions(sessions: int, flagged: bool) -> None:
    episode = weekly_episode(phq9=[16] * (sessions + 1), gad7=[12] * (sessions + 1), homework=[])

    assert _evaluate(episode).has(SignalKind.NO_HOMEWORK) is flagged


def test_a_homework_review_counts_as_homework_activity() -> None:
    # Set at session 1, reviewed at session 2: sessions 2-4 were not without homework.
    episode = weekly_episode(phq9=[16] * 5, gad7=[12] * 5, homework=[1])

    assert not _evaluate(episode).has(SignalKind.NO_HOMEWORK)
    assert _evaluate(weekly_episode(phq9=[16] * 6, gad7=[12] * 6, homework=[1])).has(
        SignalKind.NO_HOMEWORK
    )


def test_no_homework_rule_only_applies_to_cbt() -> None:
    episode = weekly_episode(phq9=[16] * 5, gad7=[12] * 5, homework=[], therapy=COUNSELLING)

    assert not _evaluate(episode).has(SignalKind.NO_HOMEWORK)


@pytest.mark.parametrize(("open_cases", "flagged"), [(45, False), (46, True)])
def test_therapist_over_caseload(open_cases: int, flagged: bool) -> None:
    episode = weekly_episode(phq9=[16, 15], gad7=[12, 11], caseload=(open_cases, 45))

    result = _evaluate(episode)

    assert result.has(SignalKind.CASELOAD) is flagged


@pytest.mark.parametrize(
    ("attendance", "flagged"),
    [
        (["5", "3"], False),
        (["5", "3", "3"], True),
        (["5", "3", "4", "7"], True),  # a provider cancellation does not break the run
        (["5", "3", "2", "3"], False),  # a client cancellation is not a missed appointment
    ],
)
def test_two_missed_appointments_in_a_row(attendance: list[str], flagged: bool) -> None:
    n = len(attendance) + 1
    episode = weekly_episode(phq9=[16, 15] + [None] * (n - 2), gad7=[12, 11] + [None] * (n - 2),
                             attendance=attendance)  # fmt: skip

    dropout = _evaluate(episode).of_kind(SignalKind.DROPOUT)

    assert bool(dropout) is flagged
    if flagged:
        assert dropout[0].severity is Severity.HIGH


@pytest.mark.parametrize(("threshold", "flagged"), [(0.5, True), (0.51, False)])
def test_dropout_probability_at_threshold(threshold: float, flagged: bool) -> None:
    bundle = toy_bundle()
    width = len(DROPOUT_FEATURES)
    # Zero coefficients: the chance is exactly sigmoid(0) = 0.5 for everyone.
    bundle.dropout = DropoutModel((0.0,) * width, (1.0,) * width, (0.0,) * width, 0.0, {})
    episode = weekly_episode(phq9=[16, 15], gad7=[12, 11])

    config = MonitoringConfig(model=ModelChoice.CURVE, dropout_threshold=threshold)

    result = _evaluate(episode, config, bundle)

    assert result.dropout_probability == pytest.approx(0.5)
    assert result.has(SignalKind.DROPOUT) is flagged


def test_focus_mismatch_when_untreated_measure_is_most_elevated() -> None:
    # Treating depression (F32) but GAD-7 16 is 2 reliable changes over its cut-off.
    episode = weekly_episode(phq9=[11, 11], gad7=[16, 16], descriptor="F32")

    focus = _evaluate(episode).of_kind(SignalKind.FOCUS)

    assert focus
    assert focus[0].measure == "GAD-7"


def test_no_focus_mismatch_when_treated_measure_is_most_elevated() -> None:
    episode = weekly_episode(phq9=[11, 11], gad7=[16, 16], descriptor="F41.1")

    assert not _evaluate(episode).has(SignalKind.FOCUS)


@pytest.mark.parametrize(("margin", "flagged"), [(1.0, True), (1.1, False)])
def test_focus_margin_at_its_edge(margin: float, flagged: bool) -> None:
    # GAD-7 12: (12-8)/4 = 1.0; PHQ-9 10: (10-10)/6 = 0.0; gap exactly 1.0.
    episode = weekly_episode(phq9=[10, 10], gad7=[12, 12], descriptor="F32")

    result = _evaluate(episode, MonitoringConfig(model=ModelChoice.CURVE, focus_margin=margin))

    assert result.has(SignalKind.FOCUS) is flagged


def _feature(row, name: str) -> float:  # type: ignore[no-untyped-def]
    return float(row[DROPOUT_FEATURES.index(name)])


def _dropout_row(episode):  # type: ignore[no-untyped-def]
    from ontrack.monitoring.engagement import dropout_features
    from ontrack.monitoring.facts import facts_from_library

    return dropout_features(episode, "PHQ-9", facts_from_library("PHQ-9"), 50.0)


@pytest.mark.parametrize(
    ("attendance", "run", "last_attended"),
    [
        (["5", "3"], 1, 0.0),
        (["5", "3", "4", "7"], 2, 0.0),  # a provider cancellation keeps the run
        (["5", "3", "2"], 0, 0.0),  # a client cancellation is not a miss
        (["5", "3", "5"], 0, 1.0),
    ],
)
def test_dropout_features_count_misses_in_a_row(
    attendance: list[str], run: int, last_attended: float
) -> None:
    n = len(attendance) + 1
    episode = weekly_episode(phq9=[16] + [None] * (n - 1), gad7=[12] + [None] * (n - 1),
                             attendance=attendance)  # fmt: skip

    row = _dropout_row(episode)

    assert _feature(row, "missed_in_a_row") == run
    assert _feature(row, "last_attended") == last_attended


def test_dropout_features_mark_the_first_session_and_the_alliance_fall() -> None:
    one = weekly_episode(phq9=[16, 15], gad7=[12, 11], alliance=[None, 40])
    three = weekly_episode(phq9=[16, 14, 15, 12], gad7=[12] * 4, alliance=[None, 40, 35, 30],
                           step=2)  # fmt: skip

    first, later = _dropout_row(one), _dropout_row(three)

    assert (_feature(first, "session_one"), _feature(later, "session_one")) == (1.0, 0.0)
    assert _feature(first, "no_session") == _feature(later, "no_session") == 0.0
    assert _feature(later, "log_sessions") == pytest.approx(math.log(4))
    assert (_feature(first, "high_intensity"), _feature(later, "high_intensity")) == (1.0, 0.0)
    assert _feature(first, "alliance_latest") == pytest.approx(0.8)
    assert _feature(first, "alliance_change") == 0.0
    assert _feature(later, "alliance_change") == pytest.approx(-0.2)
    # PHQ-9 15 -> 12 is half a reliable change (6) better; early change 16 -> 12 is 4/6.
    assert _feature(later, "recent_change") == pytest.approx(0.5)
    assert _feature(later, "early_change") == pytest.approx(4 / 6)


def test_dropout_features_before_any_session() -> None:
    episode = weekly_episode(phq9=[16, None], gad7=[12, None], attendance=["3"])

    row = _dropout_row(episode)

    assert _feature(row, "no_session") == 1.0
    assert _feature(row, "recent_change") == 0.0
    assert _feature(row, "alliance_latest") == 0.0
