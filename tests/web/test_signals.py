"""Recording a session evaluates the episode and opens, updates and closes the right alerts.

These run with the hand-set test bundle (``toy_models``) so the expected course is known:
for an intake PHQ-9 of 18 the expected score at session 1 is 16.7, and a rise of 6 or
more points is reliable deterioration (off track whatever the model says).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from tests.web import factories as f
from tests.web.conftest import Cast, gad7, phq9

from ontrack.web.audit.models import AuditEvent
from ontrack.web.common.codes import AlertKind, AlertSeverity, AlertStatus, SignalStatus
from ontrack.web.records import actions
from ontrack.web.records.alert_decisions import MANAGED_KINDS
from ontrack.web.records.models import Alert, Contact, Episode

pytestmark = pytest.mark.django_db


def _session(
    cast: Cast,
    day: dt.date,
    phq: int | list[int],
    gad: int,
    *,
    app_type: str = "02",
    osr: list[int] | None = None,
) -> Contact:
    episode = Episode.unscoped.get(pk=cast.episode.pk)
    return actions.record_session(
        episode=episode,
        expected_version=episode.version,
        contact_date=day,
        attendance="5",
        app_type=app_type,
        questionnaires={"PHQ-9": phq if isinstance(phq, list) else phq9(phq), "GAD-7": gad7(gad)},
        alliance={"OSR": osr or [9, 9, 9, 9]},
        by=cast.alice,
    )


def _days(today: dt.date, n: int) -> list[dt.date]:
    return [today - dt.timedelta(days=7 * (n - i)) for i in range(n)]


def _open(kind: str) -> list[Alert]:
    return list(Alert.unscoped.filter(kind=kind).exclude(status=AlertStatus.CLOSED))


def _episode(cast: Cast) -> Episode:
    return Episode.unscoped.get(pk=cast.episode.pk)


def test_session_signal_is_stored_on_the_episode(
    cast: Cast, today: dt.date, toy_models: Path
) -> None:
    days = _days(today, 2)
    _session(cast, days[0], 18, 14, app_type="01")
    contact = _session(cast, days[1], 16, 12)

    episode = _episode(cast)
    assert episode.signal == SignalStatus.ON_TRACK
    assert episode.signal_contact_id == contact.pk
    assert any("PHQ-9 16 at session 1" in r for r in episode.signal_reasons)
    assert episode.signal_detail["status"] == "on_track"
    event = AuditEvent.objects.filter(action="evaluate_episode").latest("pk")
    assert event.actor == "system"
    assert event.new["signal"] == "on_track"


def test_session_off_track_opens_alert_then_recovery_closes_it(
    cast: Cast, today: dt.date, toy_models: Path
) -> None:
    days = _days(today, 4)
    _session(cast, days[0], 15, 14, app_type="01")
    _session(cast, days[1], 16, 12)
    assert _open(AlertKind.OFF_TRACK) == []

    worse = _session(cast, days[2], 24, 13)  # 9 above intake: deterioration at once

    [alert] = _open(AlertKind.OFF_TRACK)
    assert (alert.opened_by, alert.contact_id, alert.severity) == (None, worse.pk, "high")
    assert any("reliably worse than at intake" in r for r in alert.reasons)
    assert _episode(cast).signal == SignalStatus.OFF_TRACK
    opened = AuditEvent.objects.get(action="open_alert", target_id=str(alert.pk))
    assert (opened.actor, opened.new["kind"]) == ("system", "off_track")

    _session(cast, days[3], 10, 8)

    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    assert alert.closed_by is None
    assert "no longer seen" in alert.close_note
    closed = AuditEvent.objects.get(action="close_alert", target_id=str(alert.pk))
    assert closed.actor == "system"
    assert (closed.old["status"], closed.new["status"]) == ("open", "closed")
    assert _episode(cast).signal == SignalStatus.ON_TRACK


def test_session_still_off_track_updates_the_same_alert(
    cast: Cast, today: dt.date, toy_models: Path
) -> None:
    days = _days(today, 4)
    _session(cast, days[0], 15, 14, app_type="01")
    _session(cast, days[1], 16, 12)
    _session(cast, days[2], 24, 13)
    [alert] = _open(AlertKind.OFF_TRACK)

    _session(cast, days[3], 24, 14)

    assert [a.pk for a in _open(AlertKind.OFF_TRACK)] == [alert.pk]
    alert.refresh_from_db()
    assert any("PHQ-9 24 at session 3" in r for r in alert.reasons)
    assert alert.version == 2
    assert AuditEvent.objects.filter(action="update_alert", target_id=str(alert.pk)).exists()


def test_session_rupture_opens_rupture_alert(cast: Cast, today: dt.date, toy_models: Path) -> None:
    days = _days(today, 3)
    _session(cast, days[0], 18, 14, app_type="01")
    _session(cast, days[1], 16, 12, osr=[9, 9, 9, 9])

    _session(cast, days[2], 15, 11, osr=[4, 5, 4, 5])

    [alert] = _open(AlertKind.RUPTURE)
    assert alert.opened_by is None
    assert alert.reasons


def test_rating_an_agreed_goal_closes_the_no_goals_alert(
    cast: Cast, today: dt.date, toy_models: Path
) -> None:
    days = _days(today, 4)
    _session(cast, days[0], 18, 14, app_type="01")
    _session(cast, days[1], 16, 12)
    _session(cast, days[2], 15, 11)
    [alert] = _open(AlertKind.NO_GOALS)
    goal = actions.agree_goal(
        referral=cast.referral, description="Sleep better", agreed_on=days[2], by=cast.alice
    )
    episode = _episode(cast)

    # The engine counts a goal once it is agreed and rated (monitoring's rule).
    actions.record_session(
        episode=episode,
        expected_version=episode.version,
        contact_date=days[3],
        attendance="5",
        goal_ratings={goal.pk: 3},
        by=cast.alice,
    )

    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    assert AuditEvent.objects.filter(
        action="close_alert", actor="system", target_id=str(alert.pk)
    ).exists()


def test_risk_answer_opens_one_urgent_alert_the_engine_never_closes(
    cast: Cast, today: dt.date, toy_models: Path
) -> None:
    days = _days(today, 3)
    _session(cast, days[0], 18, 14, app_type="01")
    risky = [3, 3, 3, 3, 2, 0, 0, 0, 2]  # item 9 answered 2

    contact = _session(cast, days[1], risky, 12)

    [alert] = _open(AlertKind.RISK)
    assert (alert.contact_id, alert.severity) == (contact.pk, AlertSeverity.URGENT)
    # A calm next session does not close it: people close risk alerts, after an action.
    _session(cast, days[2], 10, 8)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    assert Alert.unscoped.filter(kind=AlertKind.RISK).count() == 1


def test_unanswered_risk_item_opens_a_risk_alert(
    cast: Cast, today: dt.date, toy_models: Path
) -> None:
    days = _days(today, 2)
    _session(cast, days[0], 18, 14, app_type="01")
    blank_item_9: list[Any] = [*phq9(14)[:8], None]

    contact = _session(cast, days[1], blank_item_9, 12)

    [alert] = _open(AlertKind.RISK)
    assert alert.contact_id == contact.pk
    assert any("unanswered" in r for r in alert.reasons)


def test_engine_leaves_alerts_people_opened(cast: Cast, today: dt.date, toy_models: Path) -> None:
    manual = actions.open_alert(
        referral=cast.referral,
        kind=AlertKind.OFF_TRACK,
        severity=AlertSeverity.HIGH,
        reasons=["Client said it is not helping."],
        by=cast.alice,
    )
    days = _days(today, 2)
    _session(cast, days[0], 18, 14, app_type="01")

    _session(cast, days[1], 16, 12)  # on track: the engine would close its own alert

    manual.refresh_from_db()
    assert manual.status == AlertStatus.OPEN


def test_no_model_for_a_measure_gives_not_judged_never_on_track(
    cast: Cast, today: dt.date, tmp_path: Path, settings: Any
) -> None:
    from ontrack.monitoring import save_bundle
    from ontrack.monitoring.testing import toy_bundle

    path = tmp_path / "no-gad7.npz"
    save_bundle(toy_bundle(with_gad7=False), path)
    settings.ONTRACK_MONITORING_BUNDLE = str(path)
    days = _days(today, 2)
    _session(cast, days[0], 18, 14, app_type="01")

    _session(cast, days[1], 16, 12)

    episode = _episode(cast)
    assert episode.signal == SignalStatus.UNKNOWN
    assert "GAD-7" in episode.signal_reasons[0]
    assert "could not be judged" in episode.signal_reasons[0]


def test_corrupt_model_file_gives_not_judged_and_still_records_the_session(
    cast: Cast, today: dt.date, tmp_path: Path, settings: Any
) -> None:
    path = tmp_path / "corrupt.npz"
    path.write_bytes(b"not a bundle")
    settings.ONTRACK_MONITORING_BUNDLE = str(path)

    contact = _session(cast, today, 18, 14, app_type="01")

    assert Contact.unscoped.filter(pk=contact.pk).exists()
    episode = _episode(cast)
    assert episode.signal == SignalStatus.UNKNOWN
    assert "not a readable OnTrack model bundle" in episode.signal_reasons[0]


def test_not_judged_leaves_open_alerts_as_they_are(
    cast: Cast, today: dt.date, toy_models: Path, tmp_path: Path, settings: Any
) -> None:
    days = _days(today, 4)
    _session(cast, days[0], 15, 14, app_type="01")
    _session(cast, days[1], 16, 12)
    _session(cast, days[2], 24, 13)
    [alert] = _open(AlertKind.OFF_TRACK)
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"x")
    settings.ONTRACK_MONITORING_BUNDLE = str(broken)

    _session(cast, days[3], 10, 8)

    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN  # nothing closed on an evaluation that failed


def test_managed_kinds_leave_out_risk_and_caseload() -> None:
    assert AlertKind.RISK not in MANAGED_KINDS
    assert AlertKind.CASELOAD not in MANAGED_KINDS


def test_record_session_books_next_session(cast: Cast, today: dt.date) -> None:
    episode = Episode.unscoped.get(pk=cast.episode.pk)
    actions.record_session(
        episode=episode,
        expected_version=episode.version,
        contact_date=today,
        attendance="5",
        next_session_on=today + dt.timedelta(days=7),
        by=cast.alice,
    )
    assert _episode(cast).next_session_on == today + dt.timedelta(days=7)


@pytest.mark.parametrize(
    ("offset", "message"),
    [(0, "after this one"), (-3, "after this one"), (400, "within a year")],
)
def test_record_session_bad_next_session_saves_nothing(
    cast: Cast, today: dt.date, offset: int, message: str
) -> None:
    episode = Episode.unscoped.get(pk=cast.episode.pk)
    with pytest.raises(actions.ActionError) as error:
        actions.record_session(
            episode=episode,
            expected_version=episode.version,
            contact_date=today,
            attendance="5",
            next_session_on=today + dt.timedelta(days=offset),
            by=cast.alice,
        )
    assert message in error.value.errors["next_session_on"]
    assert not Contact.unscoped.exists()


def test_demo_evaluation_gives_every_open_episode_a_signal(cast: Cast, toy_models: Path) -> None:
    from ontrack.web.canonical.demo import evaluate_open_episodes
    from ontrack.web.records.scoping import scopes_disabled

    contact = f.ContactFactory(
        referral=cast.referral, episode=cast.episode, app_type="01", session_number=None
    )
    f.QuestionnaireResponseFactory(contact=contact, items=phq9(18), total=18)
    f.QuestionnaireResponseFactory(contact=contact, measure="GAD-7", items=gad7(14), total=14)
    with scopes_disabled():
        evaluated = evaluate_open_episodes()

    assert evaluated == 2
    assert _episode(cast).signal == SignalStatus.BASELINE


@pytest.mark.parametrize("bundle", ["toy", "default"])
def test_timeline_course_matches_the_engine_at_the_latest_session(
    cast: Cast, today: dt.date, tmp_path: Path, settings: Any, bundle: str
) -> None:
    """The chart's expected course and boundary are the engine's own at the latest session."""
    if bundle == "toy":
        from ontrack.monitoring import save_bundle
        from ontrack.monitoring.testing import toy_bundle

        path = tmp_path / "toy.npz"
        save_bundle(toy_bundle(), path)
        settings.ONTRACK_MONITORING_BUNDLE = str(path)
    days = _days(today, 4)
    for day, (phq, gad), app in zip(
        days, [(18, 14), (16, 13), (17, 12), (15, 12)], ["01", "02", "02", "02"], strict=True
    ):
        _session(cast, day, phq, gad, app_type=app)
    from ontrack.web.records.monitoring import episode_history, expected_course, judge

    history = episode_history(cast.referral)
    evaluation = judge(history).evaluation
    assert evaluation is not None
    for progress in evaluation.progress:
        course = expected_course(history, progress.measure, 6)
        assert course is not None
        point = course.points[progress.session - 1]
        assert point.expected == pytest.approx(progress.expected, abs=1e-6)
        assert point.spread == pytest.approx(progress.spread, abs=1e-6)
        if progress.failure_boundary is None:
            assert point.boundary is None
        else:
            assert point.boundary == pytest.approx(progress.failure_boundary, abs=1e-6)
