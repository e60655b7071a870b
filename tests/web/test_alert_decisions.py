"""decide_alerts: which alerts an evaluation opens, changes or closes, on plain values.

No database: the decision is a pure function of the engine's signals and the alerts
already on the referral (``refresh_signal`` loads one and writes the other).
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from ontrack.monitoring import Severity, Signal, SignalKind
from ontrack.web.records.alert_decisions import (
    MANAGED_KINDS,
    AlertState,
    CloseAlert,
    ContactSeen,
    OpenAlert,
    UpdateAlert,
    decide_alerts,
)

CONTACTS = [ContactSeen(11, dt.date(2026, 3, 2)), ContactSeen(12, dt.date(2026, 3, 9))]


def _signal(
    kind: SignalKind, severity: Severity = Severity.HIGH, *reasons: str, contact: int | None = 12
) -> Signal:
    return Signal(
        kind=kind,
        severity=severity,
        reasons=reasons or (f"{kind} seen.",),
        contact_id=None if contact is None else str(contact),
    )


def _alert(
    pk: int,
    kind: str,
    severity: str = "high",
    reasons: tuple[str, ...] = ("off_track seen.",),
    *,
    contact: int | None = 11,
    engine: bool = True,
    closed: bool = False,
) -> AlertState:
    return AlertState(pk, kind, severity, reasons, contact, engine, closed)


def test_decide_alerts_managed_kind_seen_opens_one_alert_at_the_latest_contact() -> None:
    signals = [
        _signal(SignalKind.OFF_TRACK, Severity.ROUTINE, "PHQ-9 above the boundary."),
        _signal(SignalKind.OFF_TRACK, Severity.HIGH, "PHQ-9 above the boundary.", "GAD-7 too."),
        _signal(SignalKind.CASELOAD, Severity.HIGH),
    ]

    changes = decide_alerts(signals=signals, alerts=[], contacts=CONTACTS)

    assert changes == [
        OpenAlert("off_track", "high", ("PHQ-9 above the boundary.", "GAD-7 too."), 12)
    ]


def test_decide_alerts_unchanged_signal_changes_nothing_and_a_new_reason_updates() -> None:
    open_alert = _alert(7, "off_track", "high", ("off_track seen.",))
    same = [_signal(SignalKind.OFF_TRACK, Severity.HIGH)]
    worse = [_signal(SignalKind.OFF_TRACK, Severity.URGENT, "Reliably deteriorated.")]

    assert decide_alerts(signals=same, alerts=[open_alert], contacts=CONTACTS) == []
    assert decide_alerts(signals=worse, alerts=[open_alert], contacts=CONTACTS) == [
        UpdateAlert(7, "urgent", ("Reliably deteriorated.",), 12)
    ]


def test_decide_alerts_kind_no_longer_seen_closes_the_engines_alert_with_the_date() -> None:
    alerts = [_alert(7, "off_track"), _alert(8, "rupture", engine=False), _alert(9, "risk")]

    changes = decide_alerts(signals=[], alerts=alerts, contacts=CONTACTS)

    assert changes == [
        CloseAlert(
            7,
            "Closed by the early-warning checks: no longer seen after the contact on 09 Mar 2026.",
        )
    ]


def test_decide_alerts_latest_opened_alert_of_a_kind_is_the_one_kept() -> None:
    alerts = [_alert(3, "stalled", "routine"), _alert(4, "stalled", "routine")]
    signals = [_signal(SignalKind.STALLED, Severity.HIGH)]

    changes = decide_alerts(signals=signals, alerts=alerts, contacts=CONTACTS)

    assert changes == [UpdateAlert(4, "high", ("stalled seen.",), 12)]


def test_decide_alerts_managed_kinds_in_order_and_never_risk() -> None:
    signals = [
        _signal(SignalKind.NO_GOALS),
        _signal(SignalKind.RISK, Severity.URGENT, contact=11),
        _signal(SignalKind.OFF_TRACK),
    ]

    changes = decide_alerts(signals=signals, alerts=[], contacts=CONTACTS)

    assert [c.kind for c in changes if isinstance(c, OpenAlert)] == ["off_track", "no_goals"]
    assert "risk" not in MANAGED_KINDS


def test_decide_alerts_not_judged_changes_nothing() -> None:
    assert decide_alerts(signals=None, alerts=[_alert(7, "off_track")], contacts=CONTACTS) == []


_kinds = st.sampled_from(["risk", *MANAGED_KINDS])
_states = st.builds(
    AlertState,
    id=st.integers(1, 50),
    kind=_kinds,
    severity=st.sampled_from(["urgent", "high", "routine"]),
    reasons=st.just(("seen.",)),
    contact_id=st.sampled_from([None, 11, 12]),
    opened_by_engine=st.booleans(),
    closed=st.booleans(),
)
_signals = st.builds(
    Signal,
    kind=st.sampled_from([SignalKind.RISK, *MANAGED_KINDS]).map(SignalKind),
    severity=st.sampled_from([Severity.URGENT, Severity.HIGH, Severity.ROUTINE]),
    reasons=st.just(("seen.",)),
    contact_id=st.sampled_from([None, "11", "12"]),
)


@given(
    signals=st.none() | st.lists(_signals, max_size=6),
    alerts=st.lists(_states, max_size=6, unique_by=lambda a: a.id),
)
def test_decide_alerts_never_opens_changes_or_closes_a_risk_alert(
    signals: list[Signal] | None, alerts: list[AlertState]
) -> None:
    # Risk alerts have their own rule (risk_rule, tests/web/test_risk_rule.py).
    changes = decide_alerts(signals=signals, alerts=alerts, contacts=CONTACTS)

    risk_ids = {a.id for a in alerts if a.kind == "risk"}
    touched = {c.alert_id for c in changes if isinstance(c, UpdateAlert | CloseAlert)}
    assert not touched & risk_ids
    assert not [c for c in changes if isinstance(c, OpenAlert) and c.kind == "risk"]
