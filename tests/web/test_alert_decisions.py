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


def test_decide_alerts_risk_answer_opens_an_urgent_alert_at_its_contact() -> None:
    risk = _signal(SignalKind.RISK, Severity.URGENT, "PHQ-9 item 9 answered 2.", contact=11)

    changes = decide_alerts(risk=[risk], signals=[], alerts=[], contacts=CONTACTS)

    assert changes == [OpenAlert("risk", "urgent", ("PHQ-9 item 9 answered 2.",), 11)]


def test_decide_alerts_unanswered_risk_item_asks_for_the_engines_exception() -> None:
    risk = _signal(SignalKind.RISK, Severity.HIGH, "Item 9 not answered.", contact=12)

    (change,) = decide_alerts(risk=[risk], signals=None, alerts=[], contacts=CONTACTS)

    assert isinstance(change, OpenAlert)
    assert (change.severity, change.risk_item_unanswered) == ("urgent", True)


def test_decide_alerts_contact_with_any_risk_alert_gets_no_second_one() -> None:
    risk = [_signal(SignalKind.RISK, Severity.URGENT, contact=11)] * 2
    closed = _alert(5, "risk", "urgent", contact=11, engine=False, closed=True)

    assert decide_alerts(risk=risk, signals=[], alerts=[closed], contacts=CONTACTS) == []
    assert len(decide_alerts(risk=risk, signals=[], alerts=[], contacts=CONTACTS)) == 1


def test_decide_alerts_risk_signal_naming_no_contact_of_the_record_opens_nothing() -> None:
    risk = [
        _signal(SignalKind.RISK, Severity.URGENT, contact=99),
        _signal(SignalKind.RISK, Severity.URGENT, contact=None),
    ]
    assert decide_alerts(risk=risk, signals=[], alerts=[], contacts=CONTACTS) == []


def test_decide_alerts_managed_kind_seen_opens_one_alert_at_the_latest_contact() -> None:
    signals = [
        _signal(SignalKind.OFF_TRACK, Severity.ROUTINE, "PHQ-9 above the boundary."),
        _signal(SignalKind.OFF_TRACK, Severity.HIGH, "PHQ-9 above the boundary.", "GAD-7 too."),
        _signal(SignalKind.CASELOAD, Severity.HIGH),
    ]

    changes = decide_alerts(risk=[], signals=signals, alerts=[], contacts=CONTACTS)

    assert changes == [
        OpenAlert("off_track", "high", ("PHQ-9 above the boundary.", "GAD-7 too."), 12)
    ]


def test_decide_alerts_unchanged_signal_changes_nothing_and_a_new_reason_updates() -> None:
    open_alert = _alert(7, "off_track", "high", ("off_track seen.",))
    same = [_signal(SignalKind.OFF_TRACK, Severity.HIGH)]
    worse = [_signal(SignalKind.OFF_TRACK, Severity.URGENT, "Reliably deteriorated.")]

    assert decide_alerts(risk=[], signals=same, alerts=[open_alert], contacts=CONTACTS) == []
    assert decide_alerts(risk=[], signals=worse, alerts=[open_alert], contacts=CONTACTS) == [
        UpdateAlert(7, "urgent", ("Reliably deteriorated.",), 12)
    ]


def test_decide_alerts_kind_no_longer_seen_closes_the_engines_alert_with_the_date() -> None:
    alerts = [_alert(7, "off_track"), _alert(8, "rupture", engine=False), _alert(9, "risk")]

    changes = decide_alerts(risk=[], signals=[], alerts=alerts, contacts=CONTACTS)

    assert changes == [
        CloseAlert(
            7,
            "Closed by the early-warning checks: no longer seen after the contact on 09 Mar 2026.",
        )
    ]


def test_decide_alerts_not_judged_leaves_managed_alerts_and_still_opens_risk() -> None:
    risk = [_signal(SignalKind.RISK, Severity.URGENT, contact=12)]
    alerts = [_alert(7, "off_track")]

    changes = decide_alerts(risk=risk, signals=None, alerts=alerts, contacts=CONTACTS)

    assert [type(c) for c in changes] == [OpenAlert]


def test_decide_alerts_latest_opened_alert_of_a_kind_is_the_one_kept() -> None:
    alerts = [_alert(3, "stalled", "routine"), _alert(4, "stalled", "routine")]
    signals = [_signal(SignalKind.STALLED, Severity.HIGH)]

    changes = decide_alerts(risk=[], signals=signals, alerts=alerts, contacts=CONTACTS)

    assert changes == [UpdateAlert(4, "high", ("stalled seen.",), 12)]


def test_decide_alerts_risk_comes_first_then_managed_kinds_in_order() -> None:
    signals = [_signal(SignalKind.NO_GOALS), _signal(SignalKind.OFF_TRACK)]
    risk = [_signal(SignalKind.RISK, Severity.URGENT, contact=11)]

    changes = decide_alerts(risk=risk, signals=signals, alerts=[], contacts=CONTACTS)

    assert [c.kind for c in changes if isinstance(c, OpenAlert)] == [
        "risk",
        "off_track",
        "no_goals",
    ]
    assert "risk" not in MANAGED_KINDS


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
    risk=st.lists(_signals.filter(lambda s: s.kind is SignalKind.RISK), max_size=4),
    signals=st.none() | st.lists(_signals, max_size=6),
    alerts=st.lists(_states, max_size=6, unique_by=lambda a: a.id),
)
def test_decide_alerts_every_risk_contact_ends_with_a_risk_alert_and_none_is_touched(
    risk: list[Signal], signals: list[Signal] | None, alerts: list[AlertState]
) -> None:
    changes = decide_alerts(risk=risk, signals=signals, alerts=alerts, contacts=CONTACTS)

    risk_ids = {a.id for a in alerts if a.kind == "risk"}
    touched = {c.alert_id for c in changes if isinstance(c, UpdateAlert | CloseAlert)}
    assert not touched & risk_ids
    covered = {a.contact_id for a in alerts if a.kind == "risk"} | {
        c.contact_id for c in changes if isinstance(c, OpenAlert) and c.kind == "risk"
    }
    assert {int(s.contact_id) for s in risk if s.contact_id is not None} <= covered
    opened = [c.contact_id for c in changes if isinstance(c, OpenAlert) and c.kind == "risk"]
    assert len(opened) == len(set(opened))
