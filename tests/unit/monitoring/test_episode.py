"""EpisodeHistory: checks on the record, cutting at a contact, the session axis."""

from __future__ import annotations

import datetime as dt

import pytest

from ontrack.monitoring import (
    Contact,
    EpisodeDataError,
    EpisodeHistory,
    GoalRating,
    HomeworkRecord,
    ScoreRecord,
)
from ontrack.monitoring.testing import weekly_episode

DAY = dt.date(2025, 1, 6)


def test_episode_contacts_out_of_date_order_rejected() -> None:
    contacts = (Contact("a", DAY, "01", "5"), Contact("b", DAY - dt.timedelta(days=1), "02", "5"))

    with pytest.raises(EpisodeDataError, match="not in date order"):
        EpisodeHistory("R1", DAY, contacts)


def test_episode_duplicate_contact_rejected() -> None:
    contacts = (Contact("a", DAY, "01", "5"), Contact("a", DAY, "02", "5"))

    with pytest.raises(EpisodeDataError, match="appears twice"):
        EpisodeHistory("R1", DAY, contacts)


def test_episode_score_at_unknown_contact_rejected() -> None:
    contacts = (Contact("a", DAY, "01", "5"),)

    with pytest.raises(EpisodeDataError, match="contact zz"):
        EpisodeHistory("R1", DAY, contacts, scores=(ScoreRecord("zz", "PHQ-9", 10),))


def test_up_to_unknown_contact_rejected() -> None:
    episode = weekly_episode(phq9=[15, 14])

    with pytest.raises(EpisodeDataError, match="nope"):
        episode.up_to("nope")


def test_up_to_drops_everything_after_the_contact() -> None:
    episode = weekly_episode(
        phq9=[15, 14, 12, 9], gad7=[12, 11, 10, 8], alliance=[None, 35, 36, 37]
    )

    cut = episode.up_to("c2")

    assert [c.contact_id for c in cut.contacts] == ["a", "c1", "c2"]
    assert {s.contact_id for s in cut.scores} == {"a", "c1", "c2"}
    assert [a.contact_id for a in cut.alliance] == ["c1", "c2"]
    assert all(g.contact_id in {"c1", "c2"} for g in cut.goal_ratings)


def test_up_to_forgets_a_homework_review_that_happened_later() -> None:
    episode = weekly_episode(phq9=[15, 14, 12])

    cut = episode.up_to("c1")

    task = next(h for h in cut.homework if h.set_contact_id == "c1")
    assert task.reviewed_contact_id is None
    assert task.outcome is None


def test_session_axis_assessment_is_zero_and_missed_contacts_are_off_axis() -> None:
    episode = weekly_episode(phq9=[15, 14, None, 12], attendance=["5", "3", "5"])

    points = episode.series("PHQ-9")

    assert [(p.session, p.total) for p in points] == [(0, 15.0), (1, 14.0), (2, 12.0)]
    assert episode.sessions_attended == 2


def test_wait_days_counts_to_first_attended_contact() -> None:
    episode = weekly_episode(phq9=[15, 14])

    assert episode.wait_days() == 14


def test_episode_records_keep_their_values() -> None:
    contacts = (Contact("a", DAY, "01", "5"), Contact("b", DAY, "02", "5", session_number=1))
    episode = EpisodeHistory(
        "R1",
        DAY,
        contacts,
        goal_ratings=(GoalRating("b", 1, 4),),
        homework=(HomeworkRecord("h", "b", None, 6, None),),
    )

    assert episode.goal_ratings[0].rating == 4
    assert episode.treatment_sessions[0].contact_id == "b"
