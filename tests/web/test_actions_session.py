"""record_session: what it writes, its audit row, every bad input, concurrency and risk."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from tests.web import factories as f
from tests.web.conftest import Cast

from ontrack.web.audit.models import AuditEvent
from ontrack.web.common.codes import AlertKind, AlertSeverity, AlertStatus, Attendance
from ontrack.web.records import actions
from ontrack.web.records.models import (
    Alert,
    AllianceResponse,
    Contact,
    Episode,
    GoalRating,
    Homework,
    QuestionnaireResponse,
)

pytestmark = pytest.mark.django_db

PHQ9_OK = [2, 2, 1, 2, 1, 1, 1, 1, 0]  # total 11, no risk
GAD7_OK = [2, 1, 1, 2, 1, 1, 1]
OSR_OK = [8, 9, 7, 8]


def _counts() -> dict[str, int]:
    return {
        "contacts": Contact.unscoped.count(),
        "questionnaires": QuestionnaireResponse.unscoped.count(),
        "alliance": AllianceResponse.unscoped.count(),
        "goal_ratings": GoalRating.unscoped.count(),
        "homework_reviewed": Homework.unscoped.filter(reviewed_contact__isnull=False).count(),
        "homework": Homework.unscoped.count(),
        "alerts": Alert.unscoped.count(),
        "audit": AuditEvent.objects.count(),
    }


def _record(cast: Cast, today: dt.date, **overrides: Any) -> Contact:
    episode = Episode.unscoped.get(pk=cast.episode.pk)
    arguments: dict[str, Any] = {
        "episode": episode,
        "expected_version": episode.version,
        "contact_date": today,
        "attendance": Attendance.ATTENDED_ON_TIME,
        "questionnaires": {"PHQ-9": PHQ9_OK, "GAD-7": GAD7_OK},
        "alliance": {"OSR": OSR_OK},
        "notes": "Worked on activity scheduling.",
        "by": cast.alice,
    }
    arguments.update(overrides)
    return actions.record_session(**arguments)


def test_record_session_writes_contact_scores_alliance_and_audit(
    cast: Cast, today: dt.date
) -> None:
    contact = _record(cast, today)

    assert contact.session_number == 1
    assert contact.therapist_id == cast.alice_staff.pk
    phq9 = QuestionnaireResponse.unscoped.get(contact=contact, measure="PHQ-9")
    assert phq9.items == PHQ9_OK
    assert phq9.total == 11
    assert phq9.caseness is True
    assert phq9.risk is False
    assert AllianceResponse.unscoped.get(contact=contact).total == 32
    event = AuditEvent.objects.get(action="record_session")
    assert event.actor == "alice"
    assert event.actor_id == cast.alice.pk
    assert event.client_id == cast.client.pk
    assert event.target_type == "records.contact"
    assert event.target_id == str(contact.pk)
    assert event.new["questionnaires"]["PHQ-9"]["items"] == PHQ9_OK
    assert event.new["notes"] == "Worked on activity scheduling."
    assert event.old is None
    assert Episode.unscoped.get(pk=cast.episode.pk).version == cast.episode.version + 1


def test_record_session_numbers_attended_treatment_sessions_only(
    cast: Cast, today: dt.date
) -> None:
    first = _record(cast, today - dt.timedelta(days=14))
    missed = _record(
        cast,
        today - dt.timedelta(days=7),
        attendance=Attendance.DID_NOT_ATTEND,
        questionnaires={},
        alliance={},
    )
    second = _record(cast, today)

    assert (first.session_number, missed.session_number, second.session_number) == (1, None, 2)


def test_record_session_rates_goals_reviews_and_sets_homework(cast: Cast, today: dt.date) -> None:
    goal = f.GoalFactory(referral=cast.referral)
    homework = f.HomeworkFactory(referral=cast.referral)
    plan = actions.HomeworkPlan(
        behaviour="Phone my sister on Sunday at 6pm",
        rationale="Contact with people I trust lifts my mood",
        monitoring_method="Tick the diary",
    )

    contact = _record(
        cast,
        today,
        goal_ratings={goal.pk: 4},
        homework_reviews={homework.pk: actions.HomeworkReview("partly", "Walked twice")},
        new_homework=plan,
    )

    assert GoalRating.unscoped.get(goal=goal, contact=contact).rating == 4
    homework.refresh_from_db()
    assert (homework.reviewed_contact_id, homework.outcome) == (contact.pk, "partly")
    assert homework.progress_summary == "Walked twice"
    new = Homework.unscoped.get(set_contact=contact)
    assert new.criteria_met == 3
    review = AuditEvent.objects.get(action="review_homework")
    assert review.old == {"reviewed_contact": None, "outcome": "", "progress_summary": ""}
    assert review.new["outcome"] == "partly"
    assert AuditEvent.objects.get(action="set_homework").new["criteria_met"] == 3


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"contact_date": "2026-01-01"}, "contact_date"),
        ({"attendance": "9"}, "attendance"),
        ({"attendance": ""}, "attendance"),
        ({"app_type": "04"}, "app_type"),
        ({"cons_mechanism": "77"}, "cons_mechanism"),
        ({"therapy": "12345"}, "therapy"),
        ({"notes": "x" * 20001}, "notes"),
        ({"questionnaires": {"PHQ-9": [4, 0, 0, 0, 0, 0, 0, 0, 0]}}, "questionnaire:PHQ-9"),
        (
            {"questionnaires": {"PHQ-9": [1, None, None, None, 0, 0, 0, 0, 0]}},
            "questionnaire:PHQ-9",
        ),
        ({"questionnaires": {"PHQ-9": [1, 1, 1]}}, "questionnaire:PHQ-9"),
        ({"questionnaires": {"PHQ-9": ["a"] * 9}}, "questionnaire:PHQ-9"),
        ({"questionnaires": {"NOPE-1": [1]}}, "questionnaire:NOPE-1"),
        ({"questionnaires": {"OSR": OSR_OK}}, "questionnaire:OSR"),
        ({"alliance": {"OSR": [11, 8, 8, 8]}}, "alliance:OSR"),
        ({"alliance": {"PHQ-9": PHQ9_OK}}, "alliance:PHQ-9"),
        (
            {"attendance": Attendance.DID_NOT_ATTEND, "alliance": {}},
            "questionnaire:PHQ-9",
        ),
        ({"new_homework": actions.HomeworkPlan(behaviour="  ")}, "new_homework.behaviour"),
    ],
)
def test_record_session_bad_input_saves_nothing(
    cast: Cast, today: dt.date, overrides: dict[str, Any], field: str
) -> None:
    before = _counts()

    with pytest.raises(actions.ActionError) as caught:
        _record(cast, today, **overrides)

    assert field in caught.value.errors
    assert caught.value.errors[field]
    assert _counts() == before
    assert Episode.unscoped.get(pk=cast.episode.pk).version == cast.episode.version


def test_record_session_future_date_is_refused(cast: Cast, today: dt.date) -> None:
    with pytest.raises(actions.ActionError) as caught:
        _record(cast, today + dt.timedelta(days=1))
    assert "future" in caught.value.errors["contact_date"]


def test_record_session_before_episode_start_is_refused(cast: Cast) -> None:
    with pytest.raises(actions.ActionError) as caught:
        _record(cast, cast.episode.started_on - dt.timedelta(days=1))
    assert "before the episode started" in caught.value.errors["contact_date"]


def test_record_session_bad_goal_and_homework_save_nothing(cast: Cast, today: dt.date) -> None:
    goal = f.GoalFactory(referral=cast.referral)
    others_goal = f.GoalFactory(referral=f.ReferralFactory(client=cast.other_client))
    reviewed = f.HomeworkFactory(referral=cast.referral)
    reviewed.reviewed_contact = reviewed.set_contact
    reviewed.outcome = "done"
    reviewed.save()
    fresh = f.HomeworkFactory(referral=cast.referral)
    before = _counts()

    with pytest.raises(actions.ActionError) as caught:
        _record(
            cast,
            today,
            goal_ratings={goal.pk: 11, others_goal.pk: 3},
            homework_reviews={
                reviewed.pk: actions.HomeworkReview("done"),
                fresh.pk: actions.HomeworkReview("mostly"),
            },
        )

    errors = caught.value.errors
    assert "0 to 10" in errors[f"goal:{goal.pk}"]
    assert "another referral" in errors[f"goal:{others_goal.pk}"]
    assert "already been reviewed" in errors[f"homework:{reviewed.pk}"]
    assert "done, partly done or not done" in errors[f"homework:{fresh.pk}"]
    assert _counts() == before


def test_record_session_two_editors_cannot_both_save(cast: Cast, today: dt.date) -> None:
    stale = Episode.unscoped.get(pk=cast.episode.pk)
    _record(cast, today)
    before = _counts()

    with pytest.raises(actions.ConcurrencyError) as caught:
        actions.record_session(
            episode=stale,
            expected_version=stale.version,
            contact_date=today,
            attendance=Attendance.ATTENDED_ON_TIME,
            by=cast.sue,
        )

    assert "changed by someone else" in caught.value.errors["version"]
    assert _counts() == before


@pytest.mark.parametrize("role", ["bob", "charlie", "mo", "oscar", "adam", "cara"])
def test_record_session_refused_to_anyone_but_therapist_and_supervisor(
    cast: Cast, today: dt.date, role: str
) -> None:
    before = _counts()
    with pytest.raises(PermissionDenied):
        _record(cast, today, by=cast.user(role))
    assert _counts() == before


def test_record_session_by_supervisor_is_allowed(cast: Cast, today: dt.date) -> None:
    contact = _record(cast, today, by=cast.sue)
    assert AuditEvent.objects.get(action="record_session").actor == "sue"
    assert contact.recorded_by_id == cast.sue.pk


def test_record_session_on_closed_referral_is_refused(cast: Cast, today: dt.date) -> None:
    actions.end_referral(
        referral=cast.referral,
        expected_version=cast.referral.version,
        end_date=today,
        end_code="46",
        by=cast.alice,
    )
    episode = Episode.unscoped.get(pk=cast.episode.pk)
    with pytest.raises(PermissionDenied):
        _record(cast, today, episode=episode, expected_version=episode.version)


# -- risk: always the client's risk alert, graded, in the same transaction --------------------


@pytest.mark.parametrize(
    ("answer", "severity"),
    [(1, AlertSeverity.URGENT), (2, AlertSeverity.URGENT), (3, AlertSeverity.URGENT)],
)
def test_record_session_risk_answer_opens_graded_alert(
    cast: Cast, today: dt.date, answer: int, severity: str
) -> None:
    contact = _record(cast, today, questionnaires={"PHQ-9": [0] * 8 + [answer]})

    alert = Alert.unscoped.get(contact=contact)
    assert (alert.kind, alert.severity, alert.status, alert.risk_level) == (
        AlertKind.RISK,
        severity,
        AlertStatus.OPEN,
        answer,
    )
    assert f"PHQ-9 item 9 answered {answer}" in alert.reasons[0]
    event = AuditEvent.objects.get(action="open_alert")
    assert (event.actor, event.actor_id) == ("system", None)


def test_record_session_risk_answer_updates_the_open_risk_alert_even_with_a_low_total(
    cast: Cast, today: dt.date
) -> None:
    earlier = f.AlertFactory(
        referral=cast.referral, kind=AlertKind.RISK, severity=AlertSeverity.HIGH, risk_level=1
    )

    _record(cast, today, questionnaires={"PHQ-9": [0, 0, 0, 0, 0, 0, 0, None, 2]})

    alert = Alert.unscoped.get(kind=AlertKind.RISK, status=AlertStatus.OPEN)
    assert alert.pk == earlier.pk
    assert (alert.severity, alert.risk_level) == (AlertSeverity.URGENT, 2)
    assert "PHQ-9 item 9 answered 2" in alert.reasons[0]
    assert AuditEvent.objects.filter(action="update_risk_alert").count() == 1


def test_record_session_rolls_back_when_risk_alert_cannot_open(
    cast: Cast, today: dt.date, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise DatabaseError("alert table unavailable")

    monkeypatch.setattr(Alert.unscoped, "create", refuse)
    before = _counts()

    with pytest.raises(DatabaseError):
        _record(cast, today, questionnaires={"PHQ-9": [0, 0, 0, 0, 0, 0, 0, 0, 3]})

    assert _counts() == before


def test_record_session_has_no_way_to_skip_the_risk_alert(cast: Cast, today: dt.date) -> None:
    with pytest.raises(TypeError):
        _record(cast, today, open_risk_alerts=False)


def test_validate_session_gives_the_errors_record_session_raises_and_writes_nothing(
    cast: Cast, today: dt.date
) -> None:
    episode = Episode.unscoped.get(pk=cast.episode.pk)
    session = actions.Session(
        contact_date=today + dt.timedelta(days=1),
        attendance=Attendance.ATTENDED_ON_TIME,
        questionnaires={"PHQ-9": [1, 1, 1]},
        new_homework=actions.HomeworkPlan(behaviour=""),
    )
    before = _counts()

    check = actions.validate_session(episode=episode, session=session)
    with pytest.raises(actions.ActionError) as caught:
        _record(
            cast,
            today,
            contact_date=session.contact_date,
            questionnaires=session.questionnaires,
            new_homework=session.new_homework,
            alliance={},
            notes="",
        )

    assert set(check.errors) == {"contact_date", "questionnaire:PHQ-9", "new_homework.behaviour"}
    assert caught.value.errors == check.errors
    assert _counts() == before
