"""Risk: any positive risk item raises an urgent signal, whatever the configuration."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import examples

from ontrack.monitoring import (
    BoundaryKind,
    Contact,
    EpisodeHistory,
    ModelChoice,
    MonitoringConfig,
    MonitoringError,
    RiskAnswer,
    RuptureSensitivity,
    ScoreRecord,
    Severity,
    SignalKind,
    evaluate_episode,
    risk_signals,
)
from ontrack.monitoring.testing import toy_bundle, weekly_episode

configs = st.builds(
    MonitoringConfig,
    model=st.sampled_from(list(ModelChoice)),
    boundary=st.sampled_from(list(BoundaryKind)),
    failure_threshold=st.none() | st.floats(0.01, 0.99),
    boundary_z=st.none() | st.floats(-3, 6),
    tracked_measures=st.none() | st.sampled_from([("PHQ-9",), ("GAD-7",), ("CORE-10",)]),
    min_session_for_boundary=st.integers(1, 20),
    rupture_sensitivity=st.sampled_from(list(RuptureSensitivity)),
    alliance_fall_points=st.floats(0, 40),
    alliance_drop_min_points=st.floats(0, 40),
    alliance_own_sd_after=st.integers(2, 10),
    repair_within_sessions=st.integers(1, 10),
    stalled_after_sessions=st.integers(1, 30),
    goals_by_session=st.integers(1, 10),
    homework_gap_sessions=st.integers(1, 10),
    dropout_threshold=st.floats(0.01, 0.99),
    missed_in_a_row=st.integers(1, 10),
    focus_margin=st.floats(0, 10),
    caseload_tolerance=st.integers(0, 50),
)
scores = st.lists(st.integers(0, 27), min_size=1, max_size=8)


def _urgent_risk(signals: tuple[object, ...]) -> bool:
    return any(
        getattr(s, "kind", None) is SignalKind.RISK and getattr(s, "severity", None)
        is Severity.URGENT
        for s in signals
    )  # fmt: skip


def _signals_or_carried(episode, bundle, config):  # type: ignore[no-untyped-def]
    """Return the evaluation's signals, or the risk signals a failed evaluation carries."""
    try:
        return evaluate_episode(episode, bundle, config).signals
    except MonitoringError as error:
        return error.risk_signals


@settings(max_examples=examples(150), deadline=None)
@given(config=configs, phq=scores, knn=st.booleans(), failure=st.booleans())
def test_positive_risk_item_is_never_silenced(
    config: MonitoringConfig, phq: list[int], knn: bool, failure: bool
) -> None:
    last = len(phq) - 1
    episode = weekly_episode(
        phq9=phq, gad7=[min(t, 21) for t in phq], alliance=[None, *([30] * last)],
        risk={last: RiskAnswer.POSITIVE},
    )  # fmt: skip
    bundle = toy_bundle(knn=knn, failure=failure)

    signals = _signals_or_carried(episode, bundle, config)

    assert _urgent_risk(signals)
    assert signals[0].kind is SignalKind.RISK


def test_risk_survives_a_missing_model() -> None:
    episode = weekly_episode(phq9=[16, 15], gad7=[12, 11], risk={1: RiskAnswer.POSITIVE})

    with pytest.raises(MonitoringError) as caught:
        evaluate_episode(episode, toy_bundle(with_gad7=False))

    assert _urgent_risk(caught.value.risk_signals)


def test_risk_stays_urgent_after_a_missed_appointment() -> None:
    episode = weekly_episode(
        phq9=[16, 15, None], gad7=[12, 11, None], attendance=["5", "3"],
        risk={1: RiskAnswer.POSITIVE},
    )  # fmt: skip

    result = evaluate_episode(episode, toy_bundle())

    assert _urgent_risk(result.signals)


def test_risk_cleared_when_asked_again_and_answered_zero() -> None:
    episode = weekly_episode(
        phq9=[16, 15, 14], gad7=[12, 11, 10],
        risk={1: RiskAnswer.POSITIVE, 2: RiskAnswer.NEGATIVE},
    )  # fmt: skip

    result = evaluate_episode(episode, toy_bundle())

    assert not result.has(SignalKind.RISK)


def test_unanswered_risk_item_raises_high_signal() -> None:
    episode = weekly_episode(phq9=[16, 15], gad7=[12, 11], risk={1: RiskAnswer.UNANSWERED})

    signals = risk_signals(episode)

    assert [s.severity for s in signals] == [Severity.HIGH]
    assert "unanswered" in signals[0].reasons[0]


def test_risk_needs_no_model_at_all() -> None:
    day = dt.date(2025, 1, 6)
    contact = Contact("c1", day, "01", "5")
    episode = EpisodeHistory(
        "R1", day, (contact,), scores=(ScoreRecord("c1", "CORE-10", 20, RiskAnswer.POSITIVE),)
    )

    signals = risk_signals(episode)

    assert signals[0].severity is Severity.URGENT
    assert signals[0].measure == "CORE-10"
