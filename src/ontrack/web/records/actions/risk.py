"""Raise, update and review the client's one risk alert: the risk rule's only writer.

Every input path calls ``raise_risk_alert`` with the risk findings it read
(``findings_from_answers`` reads them from any answers, however malformed); a refused input
goes through ``risk_first``; a risk review calls ``review_risk_alert``.
What changes is decided by ``ontrack.web.records.risk_rule`` (plain values, ADR 0120);
this module loads the client's risk alerts, writes the decision and its audit row. There is
no argument, setting or caller that skips it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ontrack.measures import MeasureError, get_measure
from ontrack.measures.risk import RiskGrade, grade_answers
from ontrack.web.accounts.models import User
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import ActionError, new_external_id
from ontrack.web.common.codes import AlertActionKind, AlertKind, AlertSeverity, AlertStatus
from ontrack.web.records import permissions
from ontrack.web.records.models import Alert, AlertAction, Client, Contact, Referral
from ontrack.web.records.risk_rule import (
    Finding,
    Review,
    RiskAlertState,
    RiskDecision,
    decide_risk_alert,
    review_outcome,
    review_problems,
)

_FIELDS = (
    "referral",
    "contact",
    "kind",
    "severity",
    "risk_level",
    "reasons",
    "status",
    "opened_at",
    "follows",
)
T = TypeVar("T")
_UPDATED = ("referral", "contact", "severity", "risk_level", "reasons", "status")


def _number(value: Any) -> float | None:
    """A usable answer from anything a path may hold: a number, or text that is one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip()) if len(value) <= 20 else None
        except ValueError:
            return None
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value) if abs(value) < 10**6 else None
    if isinstance(value, float) and math.isfinite(value):
        return value
    return None


def risk_grades(measure: str, answers: Any) -> tuple[RiskGrade, ...]:
    """Grade every positive risk answer that can be read from ``answers`` (item 1 first),
    whatever else is wrong with them: too few or too many, text, blanks, nonsense."""
    try:
        m = get_measure(measure)
    except (MeasureError, TypeError):
        return ()
    if not m.risk_items or isinstance(answers, str | bytes):
        return ()
    try:
        values = list(answers)[: m.n_items]
    except TypeError:
        return ()
    read = {n: v for n, raw in enumerate(values, 1) if (v := _number(raw)) is not None}
    return grade_answers(m, read)


def findings_from_grades(grades: Sequence[RiskGrade], where: str) -> list[Finding]:
    """One finding per graded risk answer; ``where`` says where it was given, in words."""
    return [Finding(int(g.level), _sentence(g, where)) for g in grades]


def findings_from_answers(measure: str, answers: Any, where: str) -> list[Finding]:
    """Findings for the positive risk answers among ``answers`` (see ``risk_grades``)."""
    return findings_from_grades(risk_grades(measure, answers), where)


def session_where(contact_date: object) -> str:
    """Where a session's answers were given, in words: the same for the form that was
    refused, the one saved after it and the engine's later look, so one answer is one
    finding. A date that cannot be read is taken as today."""
    on = contact_date if isinstance(contact_date, dt.date) else timezone.localdate()
    return f"at the session on {on:%d %b %Y}"


def _sentence(grade: RiskGrade, where: str) -> str:
    value = f"{grade.answer:g}"
    said = f" ({grade.label})" if grade.label else ""
    return f"{grade.measure} item {grade.item} answered {value}{said} {where}."


def alert_risk_answers(
    *, referral: Referral, questionnaires: object, where: str, by: User
) -> Alert | None:
    """The risk rule for answers that could not be saved (a refused form, a bad import
    row): every positive risk answer that can be read opens or updates the client's risk
    alert, in its own transaction. ``questionnaires`` maps a measure code to its answers,
    in any shape; what cannot be read is skipped."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_manage_alerts(viewer, referral.client), "raise alerts for this client"
    )
    if not isinstance(questionnaires, Mapping):
        return None
    findings = [
        finding
        for code, answers in questionnaires.items()
        if isinstance(code, str)
        for finding in findings_from_answers(code, answers, where)
    ]
    return raise_risk_alert(referral=referral, findings=findings)


def risk_first(
    run: Callable[[], T],
    *,
    referral: Referral,
    questionnaires: object,
    where: str,
    by: User,
) -> T:
    """Run an action that reads questionnaires; if it refuses them (``ActionError``), the
    positive risk answers among them still open or update the risk alert
    (``alert_risk_answers``, after the refused transaction), and the refusal stands.

    ``run`` must be (or start) its own transaction, so the alert outlives its rollback.
    """
    try:
        return run()
    except ActionError:
        alert_risk_answers(referral=referral, questionnaires=questionnaires, where=where, by=by)
        raise


def _state(alert: Alert) -> RiskAlertState:
    return RiskAlertState(
        id=alert.pk,
        external_id=alert.external_id,
        level=alert.risk_level,
        reasons=tuple(alert.reasons),
        closed=alert.status == AlertStatus.CLOSED,
        closed_on=timezone.localdate(alert.closed_at) if alert.closed_at else None,
    )


def client_risk_alerts(client_id: int, *, lock: bool = False) -> list[Alert]:
    """The client's risk alerts, open and closed, in the order they opened.

    ``lock`` holds the client's row until the transaction ends, so two findings arriving at
    once cannot both open an alert.
    """
    if lock:
        Client.unscoped.select_for_update().filter(pk=client_id).first()
    return list(
        Alert.unscoped.filter(referral__client_id=client_id, kind=AlertKind.RISK)
        .select_related("referral")
        .order_by("opened_at", "pk")
    )


def open_risk_alert_of(client_id: int) -> Alert | None:
    """The client's open risk alert, if there is one."""
    return (
        Alert.unscoped.filter(referral__client_id=client_id, kind=AlertKind.RISK)
        .exclude(status=AlertStatus.CLOSED)
        .order_by("-opened_at", "-pk")
        .first()
    )


@transaction.atomic
def raise_risk_alert(
    *,
    referral: Referral,
    findings: Sequence[Finding],
    contact: Contact | None = None,
    opened_by: User | None = None,
) -> Alert | None:
    """Open or update the client's one risk alert for ``findings``; return the alert that
    holds them (None when there are none).

    The system is the actor (``opened_by`` names a person who raised it by hand). Findings
    already on one of the client's risk alerts change nothing.
    """
    if not findings:
        return None
    alerts = client_risk_alerts(referral.client_id, lock=True)
    decision = decide_risk_alert(findings, [_state(a) for a in alerts])
    if decision is None:
        wanted = {f.sentence for f in findings}
        holding = [a for a in alerts if wanted & set(a.reasons)]
        open_ones = [a for a in holding if a.status != AlertStatus.CLOSED]
        found = open_ones or holding
        return found[-1] if found else None
    by_id = {a.pk: a for a in alerts}
    if decision.opens:
        follows = by_id.get(decision.follows) if decision.follows is not None else None
        return _open(referral, contact, decision, follows, opened_by)
    return _update(by_id[decision.alert_id], referral, contact, decision)  # type: ignore[index]


def _open(
    referral: Referral,
    contact: Contact | None,
    decision: RiskDecision,
    follows: Alert | None,
    by: User | None,
) -> Alert:
    alert = Alert.unscoped.create(
        referral=referral,
        contact=contact,
        external_id=new_external_id("A"),
        kind=AlertKind.RISK,
        severity=decision.severity,
        risk_level=decision.level,
        reasons=list(decision.reasons),
        opened_at=timezone.now(),
        opened_by=by,
        follows=follows,
    )
    record_change(
        by=by,
        action="open_alert",
        target=alert,
        client_id=referral.client_id,
        new=snapshot(alert, _FIELDS),
    )
    return alert


def _update(
    alert: Alert, referral: Referral, contact: Contact | None, decision: RiskDecision
) -> Alert:
    """A new finding: the alert takes the new grade and reasons and is open again (back
    in someone's inbox, the times it was first acknowledged and acted on kept)."""
    old = snapshot(alert, _UPDATED)
    if alert.referral_id != referral.pk and not alert.referral.is_open:
        alert.referral = referral  # the care now under way owns it
    if contact is not None:
        alert.contact = contact
    alert.severity = decision.severity
    alert.risk_level = decision.level
    alert.reasons = list(decision.reasons)
    alert.status = AlertStatus.OPEN
    Alert.unscoped.filter(pk=alert.pk).update(
        referral=alert.referral,
        contact=alert.contact,
        severity=alert.severity,
        risk_level=alert.risk_level,
        reasons=alert.reasons,
        status=alert.status,
        version=F("version") + 1,
    )
    alert.version += 1
    record_change(
        by=None,
        action="update_risk_alert",
        target=alert,
        client_id=alert.referral.client_id,
        old=old,
        new={**snapshot(alert, _UPDATED), "findings": [f.sentence for f in decision.new]},
    )
    return alert


@transaction.atomic
def review_risk_alert(*, referral: Referral, review: Review, by: User) -> Alert | None:
    """A recorded risk review: what closes the client's open risk alert.

    The review is recorded on the open alert as its action; a complete review (asked
    directly, safety plan, crisis contacts) closes it, unless it found high risk: then the
    alert stays open, urgent. A review that found high risk with no alert open opens one.
    Returns the client's risk alert afterwards (None if there is none).
    """
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_manage_alerts(viewer, referral.client), "review risk for this client"
    )
    alerts = client_risk_alerts(referral.client_id, lock=True)
    current = next((a for a in reversed(alerts) if a.status != AlertStatus.CLOSED), None)
    when = f"{review.on:%d %b %Y}"
    finding = Finding(3, f"The risk review on {when} found high risk: {review.summary}")
    if current is None:
        if review.high_risk:
            return raise_risk_alert(referral=referral, findings=[finding])
        return None
    problems = review_problems(review)
    if problems:
        raise ActionError(problems)
    _record_review(current, review, by)
    if review_outcome(review) == "keep open":
        return raise_risk_alert(referral=referral, findings=[finding])
    return _close(current, f"Closed by the risk review on {when}: {review.summary}", by)


def _record_review(alert: Alert, review: Review, by: User) -> AlertAction:
    now = timezone.now()
    old = snapshot(alert, ("status", "acknowledged_at", "acknowledged_by", "acted_at"))
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, by
    if alert.acted_at is None:
        alert.acted_at = now
    alert.status = AlertStatus.ACTED_ON
    alert.version += 1
    alert.save(
        update_fields=["status", "acknowledged_at", "acknowledged_by", "acted_at", "version"]
    )
    note = f"Risk review on {review.on:%d %b %Y}: {review.summary}"
    action = AlertAction.unscoped.create(
        alert=alert, kind=AlertActionKind.RISK_ASSESSMENT, note=note, at=now, by=by
    )
    record_change(
        by=by,
        action="record_alert_action",
        target=alert,
        client_id=alert.referral.client_id,
        old=old,
        new={
            **snapshot(alert, ("status", "acknowledged_at", "acknowledged_by", "acted_at")),
            "action": {"id": action.pk, "kind": action.kind, "note": note},
        },
    )
    return action


def _close(alert: Alert, note: str, by: User) -> Alert:
    old = snapshot(alert, ("status", "closed_at", "closed_by", "close_note"))
    alert.status = AlertStatus.CLOSED
    alert.closed_at = timezone.now()
    alert.closed_by = by
    alert.close_note = note
    alert.version += 1
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


def risk_alert_message(alert: Alert) -> str:
    """What to tell the person who just gave (or typed) a positive risk answer."""
    if alert.severity == AlertSeverity.URGENT:
        return (
            "An urgent risk alert was opened (or updated): a risk question was answered "
            "positively. Review risk with the client today."
        )
    return (
        "A high risk alert was opened (or updated): a risk question was left unanswered. "
        "Ask about risk directly by the next working day."
    )
