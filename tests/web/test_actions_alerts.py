"""Alert actions: open, acknowledge, act, close; the rule that risk needs an action first."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from tests.web import factories as f
from tests.web.conftest import Cast

from ontrack.web.audit.models import AuditEvent
from ontrack.web.common.codes import AlertKind, AlertSeverity, AlertStatus
from ontrack.web.records import actions
from ontrack.web.records.models import Alert, AlertAction

pytestmark = pytest.mark.django_db


def _risk_alert(cast: Cast) -> Alert:
    return actions.open_alert(
        referral=cast.referral,
        kind=AlertKind.RISK,
        severity=AlertSeverity.URGENT,
        reasons=["PHQ-9 item 9 answered 2."],
        by=None,
    )


def test_open_alert_by_engine_writes_alert_and_audit(cast: Cast) -> None:
    alert = actions.open_alert(
        referral=cast.referral,
        kind=AlertKind.OFF_TRACK,
        severity=AlertSeverity.HIGH,
        reasons=["PHQ-9 is above the failure boundary at session 4."],
        by=None,
    )

    assert alert.status == AlertStatus.OPEN
    assert alert.opened_by is None
    event = AuditEvent.objects.get(action="open_alert")
    assert event.actor == "system"
    assert event.new["kind"] == "off_track"
    assert event.new["reasons"] == ["PHQ-9 is above the failure boundary at session 4."]


def test_open_alert_risk_is_always_urgent(cast: Cast) -> None:
    alert = actions.open_alert(
        referral=cast.referral,
        kind=AlertKind.RISK,
        severity=AlertSeverity.ROUTINE,
        reasons=["CORE-10 item 6 answered 1."],
        by=cast.alice,
    )
    assert alert.severity == AlertSeverity.URGENT
    assert alert.opened_by_id == cast.alice.pk


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "bad"}, "kind"),
        ({"severity": "meh"}, "severity"),
        ({"reasons": []}, "reasons"),
        ({"reasons": "one string"}, "reasons"),
        ({"reasons": ["", "x"]}, "reasons"),
    ],
)
def test_open_alert_bad_input_saves_nothing(
    cast: Cast, kwargs: dict[str, object], field: str
) -> None:
    arguments: dict[str, object] = {
        "referral": cast.referral,
        "kind": AlertKind.STALLED,
        "severity": AlertSeverity.ROUTINE,
        "reasons": ["No reliable improvement after 6 sessions."],
        "by": None,
        **kwargs,
    }
    with pytest.raises(actions.ActionError) as caught:
        actions.open_alert(**arguments)  # type: ignore[arg-type]
    assert field in caught.value.errors
    assert Alert.unscoped.count() == 0
    assert AuditEvent.objects.count() == 0


def test_open_alert_contact_of_another_referral_is_refused(cast: Cast) -> None:
    contact = f.ContactFactory(referral=f.ReferralFactory(client=cast.other_client))
    with pytest.raises(actions.ActionError) as caught:
        actions.open_alert(
            referral=cast.referral,
            contact=contact,
            kind="rupture",
            severity="high",
            reasons=["OSR fell 8 points."],
            by=None,
        )
    assert "another referral" in caught.value.errors["contact"]


def test_acknowledge_alert_records_who_and_when(cast: Cast) -> None:
    alert = _risk_alert(cast)

    actions.acknowledge_alert(alert=alert, expected_version=alert.version, by=cast.alice)

    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert alert.acknowledged_by_id == cast.alice.pk
    assert alert.acknowledged_at is not None
    event = AuditEvent.objects.get(action="acknowledge_alert")
    assert event.old == {"status": "open", "acknowledged_at": None, "acknowledged_by": None}
    assert event.new["status"] == "acknowledged"
    assert event.new["acknowledged_by"] == cast.alice.pk


def test_acknowledge_alert_twice_is_refused(cast: Cast) -> None:
    alert = _risk_alert(cast)
    actions.acknowledge_alert(alert=alert, expected_version=alert.version, by=cast.alice)
    with pytest.raises(actions.ActionError, match="already acknowledged"):
        actions.acknowledge_alert(alert=alert, expected_version=alert.version, by=cast.sue)


def test_acknowledge_alert_with_stale_version_is_refused(cast: Cast) -> None:
    alert = _risk_alert(cast)
    stale = Alert.unscoped.get(pk=alert.pk)
    actions.record_alert_action(
        alert=alert, expected_version=alert.version, kind="risk_assessment", by=cast.alice
    )
    with pytest.raises(actions.ConcurrencyError):
        actions.record_alert_action(
            alert=stale, expected_version=stale.version, kind="supervision", by=cast.sue
        )
    assert AlertAction.unscoped.count() == 1


def test_record_alert_action_sets_acted_and_acknowledged(cast: Cast) -> None:
    alert = _risk_alert(cast)

    action = actions.record_alert_action(
        alert=alert,
        expected_version=alert.version,
        kind="risk_assessment",
        note="Safety plan reviewed with Cara; no current intent.",
        by=cast.alice,
    )

    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACTED_ON
    assert alert.acted_at == action.at
    assert alert.acknowledged_at == action.at
    assert action.by_id == cast.alice.pk
    event = AuditEvent.objects.get(action="record_alert_action")
    assert event.new["action"]["kind"] == "risk_assessment"
    assert event.old["acted_at"] is None


@pytest.mark.parametrize(
    ("kind", "note", "field"), [("", "", "kind"), ("dance", "", "kind"), ("other", "", "note")]
)
def test_record_alert_action_bad_input_saves_nothing(
    cast: Cast, kind: str, note: str, field: str
) -> None:
    alert = _risk_alert(cast)
    with pytest.raises(actions.ActionError) as caught:
        actions.record_alert_action(
            alert=alert, expected_version=alert.version, kind=kind, note=note, by=cast.alice
        )
    assert field in caught.value.errors
    alert.refresh_from_db()
    assert alert.acted_at is None
    assert AlertAction.unscoped.count() == 0


def test_close_risk_alert_without_action_is_refused(cast: Cast) -> None:
    alert = _risk_alert(cast)
    actions.acknowledge_alert(alert=alert, expected_version=alert.version, by=cast.alice)

    with pytest.raises(actions.ActionError, match="closed by a recorded risk review"):
        actions.close_alert(alert=alert, expected_version=alert.version, note="fine", by=cast.mo)

    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert not AuditEvent.objects.filter(action="close_alert").exists()


def test_close_risk_alert_without_action_is_refused_by_the_database(cast: Cast) -> None:
    alert = _risk_alert(cast)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.unscoped.filter(pk=alert.pk).update(
            status=AlertStatus.CLOSED, closed_at=timezone.now()
        )


def test_close_risk_alert_is_refused_even_after_an_action(cast: Cast) -> None:
    # Only a recorded risk review closes a risk alert (review_risk_alert; ADR 0120).
    alert = _risk_alert(cast)
    actions.record_alert_action(
        alert=alert, expected_version=alert.version, kind="crisis_referral", by=cast.alice
    )

    with pytest.raises(actions.ActionError, match="record the risk review instead"):
        actions.close_alert(
            alert=alert,
            expected_version=alert.version,
            note="Crisis team took over.",
            by=cast.alice,
        )

    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACTED_ON
    assert not AuditEvent.objects.filter(action="close_alert").exists()


def test_close_routine_alert_without_action_is_allowed(cast: Cast) -> None:
    alert = f.AlertFactory(referral=cast.referral, kind=AlertKind.NO_GOALS)
    actions.close_alert(alert=alert, expected_version=alert.version, by=cast.alice)
    alert.refresh_from_db()
    assert alert.is_closed


def test_close_alert_twice_is_refused(cast: Cast) -> None:
    alert = f.AlertFactory(referral=cast.referral)
    actions.close_alert(alert=alert, expected_version=alert.version, by=cast.alice)
    with pytest.raises(actions.ActionError, match="already closed"):
        actions.close_alert(alert=alert, expected_version=alert.version, by=cast.alice)
    with pytest.raises(actions.ActionError, match="closed"):
        actions.record_alert_action(
            alert=alert, expected_version=alert.version, kind="supervision", by=cast.alice
        )


@pytest.mark.parametrize("role", ["bob", "charlie", "oscar", "adam", "cara", "dan"])
def test_alert_actions_refused_without_access(cast: Cast, role: str) -> None:
    alert = _risk_alert(cast)
    user = cast.user(role)
    with pytest.raises(PermissionDenied):
        actions.acknowledge_alert(alert=alert, expected_version=alert.version, by=user)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        actions.record_alert_action(
            alert=alert, expected_version=alert.version, kind="supervision", by=user
        )  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        actions.close_alert(alert=alert, expected_version=alert.version, by=user)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        actions.open_alert(
            referral=cast.referral, kind="risk", severity="urgent", reasons=["x"], by=user
        )
    assert AuditEvent.objects.filter(action__in=["acknowledge_alert", "close_alert"]).count() == 0


@pytest.mark.parametrize("role", ["alice", "sue", "mo"])
def test_alert_actions_allowed_to_clinical_staff_with_access(cast: Cast, role: str) -> None:
    alert = f.AlertFactory(referral=cast.referral, kind=AlertKind.OFF_TRACK)
    user = cast.user(role)
    assert user is not None
    actions.record_alert_action(
        alert=alert, expected_version=alert.version, kind="supervision", by=user
    )
    actions.close_alert(alert=alert, expected_version=alert.version, by=user)
    assert AuditEvent.objects.filter(actor=role).count() == 2
