"""Evaluate an episode and keep its alerts in step with what the engine now sees.

``refresh_signal`` runs after every recorded session (inside ``record_session``'s
transaction), after goals are agreed and homework set, and for every open episode when
the demo is loaded. It is one pipeline, read top to bottom:

1. load the referral's rows (``RecordRows.load``) and the alerts the engine looks after;
2. evaluate them with ``ontrack.monitoring`` (``judge``);
3. decide which alerts open, change or close (``alert_decisions.decide_alerts``, a pure
   function: the rules are there);
4. write the signal and those changes, each with its audit row, the system as the actor;
5. hand a risk item left unanswered to the risk rule (``raise_risk_alert``). Positive risk
   answers are raised where they are read (every input path calls the risk rule before
   the evaluation, in the same transaction), so the engine's positive risk signals are
   already on the client's risk alert.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ontrack.monitoring import Severity, Signal
from ontrack.web.accounts.models import User
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.codes import AlertStatus
from ontrack.web.records.actions.alerts import open_alert
from ontrack.web.records.actions.risk import raise_risk_alert, session_where
from ontrack.web.records.alert_decisions import (
    MANAGED_KINDS,
    AlertChange,
    AlertState,
    ContactSeen,
    OpenAlert,
    UpdateAlert,
    decide_alerts,
)
from ontrack.web.records.models import Alert, Contact, Episode, Referral
from ontrack.web.records.monitoring import Judgement, RecordRows, judge
from ontrack.web.records.risk_rule import UNANSWERED, Finding

_SIGNAL_FIELDS = ("signal", "signal_reasons", "signal_contact")


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
    judgement = judge(rows.history())
    evaluation = judgement.evaluation
    alerts = _engine_alerts(referral) if evaluation is not None else []
    changes = decide_alerts(
        signals=evaluation.alerts if evaluation is not None else None,
        alerts=[_state(a) for a in alerts],
        contacts=[ContactSeen(c.pk, c.contact_date) for c in rows.contacts],
    )
    _store_signal(episode, judgement)
    contacts = {c.pk: c for c in rows.contacts}
    _apply(changes, referral, contacts, {a.pk: a for a in alerts})
    _raise_unanswered(referral, judgement.risk, contacts)
    return judgement


def _raise_unanswered(
    referral: Referral, risk: Sequence[Signal], contacts: dict[int, Contact]
) -> None:
    """A risk item left unanswered is a finding for the client's risk alert (high: "ask
    about it directly"); positive answers were raised where they were read."""
    for signal in risk:
        if signal.severity is Severity.URGENT or signal.contact_id is None:
            continue
        contact = contacts.get(int(signal.contact_id))
        if contact is None:
            continue
        sentence = (
            f"{signal.measure} risk item left unanswered "
            f"{session_where(contact.contact_date)}: ask about it directly."
        )
        raise_risk_alert(
            referral=referral, contact=contact, findings=[Finding(UNANSWERED, sentence)]
        )


def _engine_alerts(referral: Referral) -> list[Alert]:
    """The managed alerts the engine opened on the referral and has not closed."""
    alerts = list(
        Alert.unscoped.filter(referral=referral, kind__in=MANAGED_KINDS, opened_by__isnull=True)
        .exclude(status=AlertStatus.CLOSED)
        .order_by("opened_at", "pk")
    )
    for alert in alerts:
        alert.referral = referral  # for the audit record, without reading it again
    return alerts


def _state(alert: Alert) -> AlertState:
    return AlertState(
        id=alert.pk,
        kind=alert.kind,
        severity=alert.severity,
        reasons=tuple(alert.reasons),
        contact_id=alert.contact_id,
        opened_by_engine=alert.opened_by_id is None,
        closed=alert.status == AlertStatus.CLOSED,
    )


def _apply(
    changes: Sequence[AlertChange],
    referral: Referral,
    contacts: dict[int, Contact],
    alerts: dict[int, Alert],
) -> None:
    """Write each change with its audit row, the system as the actor."""
    for change in changes:
        if isinstance(change, OpenAlert):
            open_alert(
                referral=referral,
                contact=contacts.get(change.contact_id) if change.contact_id else None,
                kind=change.kind,
                severity=change.severity,
                reasons=list(change.reasons),
                by=None,
            )
        elif isinstance(change, UpdateAlert):
            contact = contacts.get(change.contact_id) if change.contact_id else None
            _update_alert(
                alerts[change.alert_id],
                severity=change.severity,
                reasons=list(change.reasons),
                contact=contact,
            )
        else:
            _close_alert(alerts[change.alert_id], change.note)


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
