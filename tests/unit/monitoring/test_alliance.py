"""Alliance ruptures and repairs: each rule at its edge, sensitive and strict."""

from __future__ import annotations

import pytest

from ontrack.monitoring import (
    ModelChoice,
    MonitoringConfig,
    RuptureSensitivity,
    Severity,
    SignalKind,
    evaluate_episode,
)
from ontrack.monitoring.alliance import assess_alliance, judge_ratings
from ontrack.monitoring.testing import toy_bundle, weekly_episode

NORMS = toy_bundle().alliance["OSR"]  # cut-off: below 32 of 40; service within-client SD 2.5
ONLY_CUTOFF = MonitoringConfig(alliance_fall_points=100, alliance_drop_min_points=100)
ONLY_FALL = MonitoringConfig(alliance_drop_min_points=100)


@pytest.mark.parametrize(("rating", "below"), [(32.0, False), (31.0, True)])
def test_rupture_below_cutoff_at_its_edge(rating: float, below: bool) -> None:
    verdicts = judge_ratings((38.0, rating), NORMS, ONLY_CUTOFF)

    assert verdicts[1].below_cutoff is below
    assert verdicts[1].rupture is below


@pytest.mark.parametrize(("fall", "fell"), [(2.0, False), (3.0, True)])
def test_rupture_fall_since_last_at_its_edge(fall: float, fell: bool) -> None:
    verdicts = judge_ratings((38.0, 38.0 - fall), NORMS, ONLY_FALL)

    assert verdicts[1].fell is fell


def test_rupture_drop_beyond_own_level_sensitive_but_not_strict() -> None:
    # Own level 38, own SD 2.31 after four ratings; a rating of 35 is 3 points below.
    ratings = (36.0, 40.0, 36.0, 40.0, 35.0)
    base = {"alliance_fall_points": 100.0, "alliance_drop_min_points": 0.0}
    sensitive = MonitoringConfig(rupture_sensitivity=RuptureSensitivity.SENSITIVE, **base)
    strict = MonitoringConfig(rupture_sensitivity=RuptureSensitivity.STRICT, **base)

    assert judge_ratings(ratings, NORMS, sensitive)[-1].below_level
    assert not judge_ratings(ratings, NORMS, strict)[-1].below_level


def test_rupture_uses_service_sd_until_client_has_enough_ratings() -> None:
    verdicts = judge_ratings((38.0, 38.0, 35.0), NORMS, MonitoringConfig(alliance_fall_points=100))

    assert verdicts[-1].sd_used == NORMS.within_sd
    assert verdicts[-1].below_level  # 3 points below 38 > max(1 x 2.5, 2)


def test_repair_when_rating_returns_to_earlier_level() -> None:
    state = assess_alliance((38.0, 30.0, 37.0), NORMS, MonitoringConfig())

    assert state.last_rupture == 1
    assert state.repaired_at == 2
    assert not state.unrepaired


def test_repair_signal_is_information_not_an_alert() -> None:
    episode = weekly_episode(
        phq9=[16, 15, 14, 13], gad7=[12, 11, 10, 9], alliance=[None, 38, 30, 37]
    )

    result = evaluate_episode(episode, toy_bundle(), MonitoringConfig(model=ModelChoice.CURVE))

    repair = result.of_kind(SignalKind.REPAIR)
    assert repair
    assert repair[0].severity is Severity.INFO
    assert not result.has(SignalKind.RUPTURE)


def test_unrepaired_rupture_escalates_after_the_repair_window() -> None:
    config = MonitoringConfig(model=ModelChoice.CURVE)
    episode = weekly_episode(
        phq9=[16, 15, 14, 13, 12], gad7=[12, 11, 10, 9, 9], alliance=[None, 38, 30, 33, 33]
    )

    one_after = evaluate_episode(episode, toy_bundle(), config, as_of="c3")
    two_after = evaluate_episode(episode, toy_bundle(), config, as_of="c4")

    assert one_after.of_kind(SignalKind.RUPTURE)[0].severity is Severity.ROUTINE
    assert two_after.of_kind(SignalKind.RUPTURE)[0].severity is Severity.HIGH
    assert "not yet repaired" in two_after.of_kind(SignalKind.RUPTURE)[0].reasons[0]


def test_rupture_below_cutoff_is_high_with_cutoff_as_boundary() -> None:
    episode = weekly_episode(phq9=[16, 15, 14], gad7=[12, 11, 10], alliance=[None, 38, 30])

    result = evaluate_episode(episode, toy_bundle(), MonitoringConfig(model=ModelChoice.CURVE))

    rupture = result.of_kind(SignalKind.RUPTURE)[0]
    assert rupture.severity is Severity.HIGH
    assert rupture.boundary == 32.0
    assert any("below the cut-off" in r for r in rupture.reasons)


def test_consecutive_rupture_ratings_count_as_one_rupture() -> None:
    state = assess_alliance((38.0, 30.0, 30.0, 37.0, 30.0), NORMS, MonitoringConfig())

    assert state.ruptures == 2
