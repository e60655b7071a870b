"""Evaluate an episode and keep its alerts in step with what the engine now sees.

``refresh_signal`` runs after every recorded session (inside ``record_session``'s
transaction), after goals are agreed and homework set, and for every open episode when
the demo is loaded. It stores the signal on the episode and, for each kind of alert the
engine manages, opens an alert, updates its reasons, or closes it when the kind is no
longer seen. Every change is audited with the system as the actor.

What it never does: close or soften a risk alert (people close those, after recording
an action), or touch an alert a person opened by hand. Risk signals only ever add alerts.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ontrack import monitoring
from ontrack.web.accounts.models import User
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.codes import AlertKind, AlertSeverity, AlertStatus
from ontrack.web.records.actions.alerts import open_alert
from ontrack.web.records.models import Alert, Contact, Episode
from ontrack.web.records.monitoring import Judgement, RecordRows, judge

# Kinds the engine opens, updates and closes by itself. ``caseload`` is about the
# therapist, not the client: it is shown on the supervisor's queue (caseload against
# limit), not raised on every client of a busy therapist. ``risk`` only ever opens.
MANAGED_KINDS = (
    AlertKind.OFF_TRACK,
    AlertKind.RUPTURE,
    AlertKind.DROPOUT,
    AlertKind.STALLED,
    AlertKind.FOCUS,
    AlertKind.NO_GOALS,
    AlertKind.NO_HOMEWORK,
)
_SEVERITY_RANK = {AlertSeverity.URGENT: 0, AlertSeverity.HIGH: 1, AlertSeverity.ROUTINE: 2}
_SIGNAL_FIELDS = ("signal", "signal_reasons", "signal_contact")


def _severity(signals: Sequence[monitoring.Signal]) -> str:
    severities = [AlertSeverity(s.severity.value) for s in signals]
    return min(severities, key=_SEVERITY_RANK.__getitem__).value


def _reasons(signals: Sequence[monitoring.Signal]) -> list[str]:
    return list(dict.fromkeys(r for s in signals for r in s.reasons))


def _contact(contact_id: str | int | None, loaded: dict[int, Contact]) -> Contact | None:
    """Return the contact a signal names: the one already read with the record if it is."""
    if contact_id is None:
        return None
    known = loaded.get(int(contact_id))
    return known if known is not None else Contact.unscoped.filter(pk=int(contact_id)).first()


def _store_signal(episode: Episode, judgement: Judgement) -> None:
    old = snapshot(episode, _SIGNAL_FIELDS)
    episode.signal = judgement.signal
    episode.signal_reasons = list(judgement.reasons)
    episode.signal_detail = judgement.detail()
    episode.signal_at = timezone.now()
    episode.signal_contact_id = judgement.contact_id
    # Not a clinical edit: the version stays, so nobody's open form conflicts with it.
    Episode.unscoped.filter(pk=episode.pk).update(
        signal=episode.signal,
        signal_reasons=episode.signal_reasons,
        signal_detail=episode.signal_detail,
        signal_at=episode.signal_at,
        signal_contact_id=episode.signal_contact_id,
    )
    new = snapshot(episode, _SIGNAL_FIELDS)
    if new != old:
        record_change(
            by=None,
            action="evaluate_episode",
            target=episode,
            client_id=episode.referral.client_id,
            old=old,
            new=new,
        )


def _update_alert(
    alert: Alert, *, severity: str, reasons: list[str], contact: Contact | None
) -> None:
    old = snapshot(alert, ("severity", "reasons", "contact"))
    alert.severity, alert.reasons, alert.contact = severity, reasons, contact
    Alert.unscoped.filter(pk=alert.pk).update(
        severity=severity, reasons=reasons, contact=contact, version=F("version") + 1
    )
    alert.version += 1
    record_change(
        by=None,
        action="update_alert",
        target=alert,
        client_id=alert.referral.client_id,
        old=old,
        new=snapshot(alert, ("severity", "reasons", "contact")),
    )


def _close_alert(alert: Alert, note: str) -> None:
    old = snapshot(alert, ("status", "closed_at", "closed_by", "close_note"))
    alert.status = AlertStatus.CLOSED
    alert.closed_at = timezone.now()
    alert.closed_by = None
    alert.close_note = note
    Alert.unscoped.filter(pk=alert.pk).update(
        status=alert.status,
        closed_at=alert.closed_at,
        closed_by=None,
        close_note=note,
        version=F("version") + 1,
    )
    alert.version += 1
    record_change(
        by=None,
        action="close_alert",
        target=alert,
        client_id=alert.referral.client_id,
        old=old,
        new=snapshot(alert, ("status", "closed_at", "closed_by", "close_note")),
    )


def _ensure_risk_alerts(
    episode: Episode, judgement: Judgement, loaded: dict[int, Contact]
) -> list[Alert]:
    """Open a risk alert for each risk signal whose contact has none (never closes any)."""
    opened: list[Alert] = []
    referral = episode.referral
    if not judgement.risk:
        return opened
    # One query for every contact that already carries a risk alert, not one per signal.
    alerted = set(
        Alert.unscoped.filter(referral=referral, kind=AlertKind.RISK).values_list(
            "contact_id", flat=True
        )
    )
    for signal in judgement.risk:
        contact = _contact(signal.contact_id, loaded)
        if contact is None or contact.pk in alerted:
            continue
        alerted.add(contact.pk)
        opened.append(
            open_alert(
                referral=referral,
                contact=contact,
                kind=AlertKind.RISK,
                severity=AlertSeverity.URGENT,
                reasons=list(signal.reasons),
                by=None,
                # A positive answer is urgent; an unanswered risk item ("ask about it
                # directly") opens a high alert. Neither can be switched off.
                risk_item_unanswered=signal.severity is not monitoring.Severity.URGENT,
            )
        )
    return opened


def _when(contact: Contact | None) -> str:
    return f"the contact on {contact.contact_date:%d %b %Y}" if contact else "the latest contact"


@transaction.atomic
def refresh_signal(*, episode: Episode, by: User | None) -> Judgement:
    """Evaluate ``episode`` from its record and bring its signal and alerts up to date.

    ``by`` is who caused the evaluation (for the record of the session); the changes
    themselves are made by the system. A risk alert is never closed or changed here.
    When progress cannot be judged, managed alerts are left as they are (nothing is
    closed on the strength of an evaluation that did not happen).
    """
    del by  # The engine, not the person, opens and closes these alerts.
    referral = episode.referral
    rows = RecordRows.load(referral)
    loaded = {c.pk: c for c in rows.contacts}
    judgement = judge(rows.history())
    _store_signal(episode, judgement)
    _ensure_risk_alerts(episode, judgement, loaded)
    if judgement.evaluation is None:
        return judgement
    latest = _contact(judgement.contact_id, loaded)
    wanted: dict[str, list[monitoring.Signal]] = {}
    for signal in judgement.evaluation.alerts:
        if signal.kind.value in MANAGED_KINDS:
            wanted.setdefault(signal.kind.value, []).append(signal)
    current = {
        a.kind: a
        for a in Alert.unscoped.filter(
            referral=referral, kind__in=MANAGED_KINDS, opened_by__isnull=True
        )
        .exclude(status=AlertStatus.CLOSED)
        .order_by("opened_at", "pk")
    }
    for managed in current.values():
        managed.referral = referral  # for the audit record, without reading it again
    for kind in MANAGED_KINDS:
        signals, alert = wanted.get(kind), current.get(kind)
        if signals and alert is None:
            open_alert(
                referral=referral,
                contact=latest,
                kind=kind,
                severity=_severity(signals),
                reasons=_reasons(signals),
                by=None,
            )
        elif signals and alert is not None:
            severity, reasons = _severity(signals), _reasons(signals)
            if (alert.severity, alert.reasons) != (severity, reasons):
                _update_alert(alert, severity=severity, reasons=reasons, contact=latest)
        elif alert is not None:
            _close_alert(
                alert,
                f"Closed by the early-warning checks: no longer seen after {_when(latest)}.",
            )
    return judgement
