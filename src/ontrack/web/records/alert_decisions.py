"""Which alerts an evaluation opens, changes or closes: a decision on plain values.

``decide_alerts`` takes what the engine found (``ontrack.monitoring`` signals) and the
alerts already on the referral, and returns the changes to make, in order. It reads no
database and imports no Django, so every rule here is tested with plain values
(``tests/web/test_alert_decisions.py``); ``refresh_signal`` loads its inputs and writes
its changes.

The rules:

- risk: not here. Risk alerts follow their own rule, written once in
  ``ontrack.web.records.risk_rule`` (one open risk alert per client, graded, closed by a
  risk review; ADR 0120); ``refresh_signal`` hands the engine's risk signals to it.
- the other kinds the engine manages (``MANAGED_KINDS``): while signals of a kind are
  seen, one alert of that kind is open, carrying the most urgent severity and every
  reason; when they are no longer seen, the engine closes the alert it opened. Alerts a
  person opened are left alone. When progress could not be judged, nothing is changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ontrack.monitoring import Severity, Signal, SignalKind

# Kinds the engine opens, updates and closes by itself. ``caseload`` is about the
# therapist, not the client: it is shown on the supervisor's queue (caseload against
# limit), not raised on every client of a busy therapist. ``risk`` has its own rule.
MANAGED_KINDS: tuple[str, ...] = (
    SignalKind.OFF_TRACK,
    SignalKind.RUPTURE,
    SignalKind.DROPOUT,
    SignalKind.STALLED,
    SignalKind.FOCUS,
    SignalKind.NO_GOALS,
    SignalKind.NO_HOMEWORK,
)
_SEVERITY_RANK = {Severity.URGENT: 0, Severity.HIGH: 1, Severity.ROUTINE: 2}


@dataclass(frozen=True)
class AlertState:
    """An alert already on the referral, as far as the decision needs it."""

    id: int
    kind: str
    severity: str
    reasons: tuple[str, ...]
    contact_id: int | None
    opened_by_engine: bool
    closed: bool


@dataclass(frozen=True)
class ContactSeen:
    """A contact of the record: its id and date."""

    id: int
    date: dt.date


@dataclass(frozen=True)
class OpenAlert:
    kind: str
    severity: str
    reasons: tuple[str, ...]
    contact_id: int | None


@dataclass(frozen=True)
class UpdateAlert:
    alert_id: int
    severity: str
    reasons: tuple[str, ...]
    contact_id: int | None


@dataclass(frozen=True)
class CloseAlert:
    alert_id: int
    note: str


AlertChange = OpenAlert | UpdateAlert | CloseAlert


def decide_alerts(
    *,
    signals: Sequence[Signal] | None,
    alerts: Sequence[AlertState],
    contacts: Sequence[ContactSeen],
) -> list[AlertChange]:
    """Return the managed-alert changes for one evaluation.

    ``signals`` are the evaluation's alert signals, or None when progress could not be
    judged (then nothing changes); ``alerts`` the referral's alerts in the order they
    opened; ``contacts`` the record's contacts in date order (the last is the latest).
    Risk signals are not decided here (``risk_rule``).
    """
    if signals is None:
        return []
    latest = contacts[-1] if contacts else None
    return decide_managed_alerts(signals, alerts, latest)


def decide_managed_alerts(
    signals: Sequence[Signal], alerts: Sequence[AlertState], latest: ContactSeen | None
) -> list[AlertChange]:
    """Keep one engine alert open per managed kind while its signals are seen."""
    wanted: dict[str, list[Signal]] = {}
    alerts = [a for a in alerts if a.kind != SignalKind.RISK]
    for signal in signals:
        if signal.kind in MANAGED_KINDS:
            wanted.setdefault(signal.kind, []).append(signal)
    # The latest-opened alert of each kind is the one kept up to date.
    current = {
        a.kind: a for a in alerts if a.kind in MANAGED_KINDS and a.opened_by_engine and not a.closed
    }
    latest_id = latest.id if latest is not None else None
    changes: list[AlertChange] = []
    for kind in MANAGED_KINDS:
        seen, alert = wanted.get(kind), current.get(kind)
        if seen:
            severity, reasons = _severity(seen), _reasons(seen)
            if alert is None:
                changes.append(OpenAlert(kind, severity, reasons, latest_id))
            elif (alert.severity, alert.reasons) != (severity, reasons):
                changes.append(UpdateAlert(alert.id, severity, reasons, latest_id))
        elif alert is not None:
            note = f"Closed by the early-warning checks: no longer seen after {_when(latest)}."
            changes.append(CloseAlert(alert.id, note))
    return changes


def _severity(signals: Sequence[Signal]) -> str:
    return str(min((s.severity for s in signals), key=_SEVERITY_RANK.__getitem__))


def _reasons(signals: Sequence[Signal]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r for s in signals for r in s.reasons))


def _when(contact: ContactSeen | None) -> str:
    return f"the contact on {contact.date:%d %b %Y}" if contact else "the latest contact"
