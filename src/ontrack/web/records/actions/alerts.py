"""Open, acknowledge, act on and close early-warning alerts.

The early-warning engine opens alerts with ``by=None`` (the system); people do the rest.
A risk alert cannot be closed until an action has been recorded on it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from ontrack.web.accounts.models import User
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import (
    ActionError,
    check_choice,
    check_text,
    claim_version,
    new_external_id,
)
from ontrack.web.common.codes import AlertActionKind, AlertKind, AlertSeverity, AlertStatus
from ontrack.web.records import permissions
from ontrack.web.records.actions.risk import raise_risk_alert
from ontrack.web.records.models import Alert, AlertAction, Contact, Referral
from ontrack.web.records.risk_rule import HIGH_RISK_FOUND, UNANSWERED, Finding

_ALERT_FIELDS = ("referral", "contact", "kind", "severity", "reasons", "status", "opened_at")


def _check_reasons(errors: dict[str, str], reasons: Sequence[str]) -> list[str]:
    if isinstance(reasons, str) or not all(isinstance(r, str) and r.strip() for r in reasons):
        errors["reasons"] = "Give each reason as a sentence."
        return []
    if not reasons:
        errors["reasons"] = "Say what was seen: an alert needs at least one reason."
    return [r.strip() for r in reasons]


@transaction.atomic
def open_alert(
    *,
    referral: Referral,
    kind: str,
    severity: str,
    reasons: Sequence[str],
    contact: Contact | None = None,
    by: User | None,
    risk_item_unanswered: bool = False,
) -> Alert:
    """Open an alert on ``referral``; ``by=None`` when the early-warning engine opens it.

    A risk alert goes through the risk rule (``raise_risk_alert``): the client's one open
    risk alert is updated rather than a second opened. Raised by a person it is urgent,
    whatever severity was asked for; the engine's "risk item left unanswered"
    (``risk_item_unanswered``) is high.
    """
    if by is not None:
        viewer = permissions.actor(by)
        permissions.require(
            permissions.can_manage_alerts(viewer, referral.client), "open alerts for this client"
        )
    errors: dict[str, str] = {}
    kind = check_choice(errors, "kind", kind, AlertKind, "alert kind")
    severity = check_choice(errors, "severity", severity, AlertSeverity, "alert severity")
    clean_reasons = _check_reasons(errors, reasons)
    if contact is not None and contact.referral_id != referral.pk:
        errors["contact"] = "That contact belongs to another referral."
    if errors:
        raise ActionError(errors)
    if kind == AlertKind.RISK:
        level = UNANSWERED if risk_item_unanswered and by is None else HIGH_RISK_FOUND
        raised = raise_risk_alert(
            referral=referral,
            contact=contact,
            findings=[Finding(level, reason) for reason in clean_reasons],
            opened_by=by,
        )
        assert raised is not None  # there is at least one reason
        return raised
    alert = Alert.unscoped.create(
        referral=referral,
        contact=contact,
        external_id=new_external_id("A"),
        kind=kind,
        severity=severity,
        reasons=clean_reasons,
        opened_at=timezone.now(),
        opened_by=by,
    )
    record_change(
        by=by,
        action="open_alert",
        target=alert,
        client_id=referral.client_id,
        new=snapshot(alert, _ALERT_FIELDS),
    )
    return alert


def _require_manage(alert: Alert, by: User) -> None:
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_manage_alerts(viewer, alert.referral.client), "act on this alert"
    )


@transaction.atomic
def acknowledge_alert(*, alert: Alert, expected_version: int, by: User) -> Alert:
    """Record that someone has read the alert and owns it now."""
    _require_manage(alert, by)
    if alert.status != AlertStatus.OPEN:
        raise ActionError(
            f"This alert is already {alert.get_status_display().lower()}; "
            "only an open alert can be acknowledged."
        )
    claim_version(alert, expected_version)
    old = snapshot(alert, ("status", "acknowledged_at", "acknowledged_by"))
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = by
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "version"])
    record_change(
        by=by,
        action="acknowledge_alert",
        target=alert,
        client_id=alert.referral.client_id,
        old=old,
        new=snapshot(alert, ("status", "acknowledged_at", "acknowledged_by")),
    )
    return alert


@transaction.atomic
def record_alert_action(
    *, alert: Alert, expected_version: int, kind: str, note: str = "", by: User
) -> AlertAction:
    """Record what was done about an alert (acknowledging it too, if nobody had)."""
    _require_manage(alert, by)
    errors: dict[str, str] = {}
    kind = check_choice(errors, "kind", kind, AlertActionKind, "action")
    note = check_text(errors, "note", note, limit=5000)
    if kind == AlertActionKind.OTHER and not note:
        errors["note"] = "Say what was done: 'Other' needs a note."
    if alert.is_closed:
        errors["__all__"] = "This alert is closed; open a new one if the concern is back."
    if errors:
        raise ActionError(errors)
    claim_version(alert, expected_version)
    now = timezone.now()
    old = snapshot(alert, ("status", "acknowledged_at", "acknowledged_by", "acted_at"))
    if alert.acknowledged_at is None:
        alert.acknowledged_at = now
        alert.acknowledged_by = by
    if alert.acted_at is None:
        alert.acted_at = now
    alert.status = AlertStatus.ACTED_ON
    alert.save(
        update_fields=["status", "acknowledged_at", "acknowledged_by", "acted_at", "version"]
    )
    action = AlertAction.unscoped.create(alert=alert, kind=kind, note=note, at=now, by=by)
    record_change(
        by=by,
        action="record_alert_action",
        target=alert,
        client_id=alert.referral.client_id,
        old=old,
        new={
            **snapshot(alert, ("status", "acknowledged_at", "acknowledged_by", "acted_at")),
            "action": {"id": action.pk, "kind": kind, "note": note},
        },
    )
    return action


@transaction.atomic
def close_alert(*, alert: Alert, expected_version: int, note: str = "", by: User) -> Alert:
    """Close an alert. A risk alert is closed only by a recorded risk review
    (``review_risk_alert``); nothing overrides that."""
    _require_manage(alert, by)
    errors: dict[str, str] = {}
    note = check_text(errors, "note", note, limit=5000)
    if alert.is_closed:
        errors["__all__"] = "This alert is already closed."
    elif alert.kind == AlertKind.RISK:
        errors["__all__"] = (
            "A risk alert is closed by a recorded risk review (asked directly, safety plan, "
            "crisis contacts): record the risk review instead."
        )
    if errors:
        raise ActionError(errors)
    claim_version(alert, expected_version)
    old = snapshot(alert, ("status", "closed_at", "closed_by", "close_note"))
    alert.status = AlertStatus.CLOSED
    alert.closed_at = timezone.now()
    alert.closed_by = by
    alert.close_note = note
    alert.save(update_fields=["status", "closed_at", "closed_by", "close_note", "version"])
    record_change(
        by=by,
        action="close_alert",
        target=alert,
        client_id=alert.referral.client_id,
        old=old,
        new=snapshot(alert, ("status", "closed_at", "closed_by", "close_note")),
    )
    return alert
