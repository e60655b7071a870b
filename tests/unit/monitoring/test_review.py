"""The why-review: ranked reasons with evidence, questions and a recorded decision."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from ontrack.monitoring import (
    Decision,
    ModelChoice,
    MonitoringConfig,
    Reason,
    why_review,
)
from ontrack.monitoring.episode import CircumstanceRecord
from ontrack.monitoring.testing import toy_bundle, weekly_episode

CURVE = MonitoringConfig(model=ModelChoice.CURVE)


def _review(episode):  # type: ignore[no-untyped-def]
    return why_review(episode, toy_bundle(), CURVE)


def test_every_reason_from_design_is_assessed_once() -> None:
    review = _review(weekly_episode(phq9=[16, 17, 19], gad7=[12, 13, 14]))

    assert sorted(a.reason for a in review.reasons) == sorted(Reason)
    for assessment in review.reasons:
        assert assessment.questions_for_therapist
        assert assessment.questions_for_client
        assert assessment.options


def test_reasons_are_ranked_by_strength() -> None:
    review = _review(weekly_episode(phq9=[16, 17, 19], gad7=[12, 13, 14], goals_from=None))

    strengths = [a.strength for a in review.reasons]
    assert strengths == sorted(strengths, reverse=True)


def test_unrepaired_rupture_ranks_first() -> None:
    episode = weekly_episode(phq9=[16, 16, 18, 20], gad7=[12, 12, 13, 14],
                             alliance=[None, 38, 27, 28])  # fmt: skip

    review = _review(episode)

    assert review.top(1) == (Reason.RUPTURE,)
    assert any("not been repaired" in e for e in review.reasons[0].evidence_for)


def test_treating_the_wrong_problem_ranks_focus_high() -> None:
    episode = weekly_episode(phq9=[12, 11, 11, 11], gad7=[18, 18, 19, 19], descriptor="F32")

    assert Reason.WRONG_FOCUS in _review(episode).top(2)


def test_no_goals_after_several_sessions_is_in_top_two() -> None:
    episode = weekly_episode(
        phq9=[16] * 5, gad7=[12] * 5, goals_from=None, alliance=[None, 37, 37, 38, 37]
    )

    assert Reason.NO_GOALS in _review(episode).top(2)


def test_recorded_life_events_point_to_wrong_time() -> None:
    episode = weekly_episode(
        phq9=[16, 15, 22, 22], gad7=[12, 11, 16, 16], alliance=[None, 37, 37, 37]
    )
    episode = dataclasses.replace(episode, circumstances=(CircumstanceRecord("c2", "housing"),))

    review = _review(episode)

    assert review.top(1) == (Reason.WRONG_TIME,)
    assert any("housing" in e for e in review.reasons[0].evidence_for)


def test_stable_alliance_counts_against_rupture() -> None:
    episode = weekly_episode(phq9=[16, 17, 19], gad7=[12, 13, 14], alliance=[None, 37, 38, 38])

    rupture = next(a for a in _review(episode).reasons if a.reason is Reason.RUPTURE)

    assert rupture.strength == 0.0
    assert rupture.evidence_against


def test_review_is_triggered_by_the_off_track_reason() -> None:
    review = _review(weekly_episode(phq9=[16, 22, 23], gad7=[12, 17, 17]))

    assert any("reliably worse" in t for t in review.triggered_by)


def test_record_decision_returns_a_new_review_with_the_decision() -> None:
    review = _review(weekly_episode(phq9=[16, 22, 23], gad7=[12, 17, 17]))

    decided = review.record_decision(
        decisions=(Decision.REPAIR_ALLIANCE, Decision.CHANGE_PACE),
        reasons_agreed=(Reason.RUPTURE,),
        decided_by="therapist T1 with client",
        decided_on=dt.date(2025, 2, 3),
        note="Talked about the last session.",
    )

    assert review.decision is None
    assert decided.decision is not None
    assert decided.to_json()["decision"]["decisions"] == ["repair_alliance", "change_pace"]


@pytest.mark.parametrize(("decisions", "by"), [((), "T1"), ((Decision.CONTINUE,), "  ")])
def test_record_decision_rejects_an_incomplete_decision(decisions, by) -> None:  # type: ignore[no-untyped-def]
    review = _review(weekly_episode(phq9=[16, 22, 23], gad7=[12, 17, 17]))

    with pytest.raises(ValueError, match=r"decision|decided_by"):
        review.record_decision(decisions=decisions, decided_by=by, decided_on=dt.date(2025, 1, 1))


def test_review_json_lists_reasons_and_decision_options() -> None:
    data = _review(weekly_episode(phq9=[16, 22], gad7=[12, 17])).to_json()

    assert len(data["reasons"]) == len(Reason)
    assert "change_therapist" in data["decision_options"]
    assert set(data["reasons"][0]) >= {"reason", "strength", "evidence_for", "evidence_against"}
