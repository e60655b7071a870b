"""The waiting list: joining it, waiting-well check-ins, and attempts to keep in touch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from ontrack.web.accounts.models import User
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import ActionError, check_choice, check_text
from ontrack.web.common.codes import Step, Therapy
from ontrack.web.pathway.codes import AttemptMethod, AttemptOutcome, LeftWaitingList
from ontrack.web.pathway.models import ContactAttempt, WaitingCheckIn, WaitingListEntry
from ontrack.web.records import permissions
from ontrack.web.records.actions.risk import risk_first
from ontrack.web.records.actions.sessions import (
    Answers,
    open_risk_alerts,
    score_questionnaires,
)
from ontrack.web.records.models import Referral

_ENTRY_FIELDS = ("referral", "step", "therapy", "added_on", "reason")


def _day(errors: dict[str, str], name: str, value: object, referral: Referral) -> dt.date | None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        errors[name] = "Enter the date."
        return None
    if value > timezone.localdate():
        errors[name] = "The date cannot be in the future."
    elif value < referral.referral_date:
        errors[name] = "The date cannot be before the referral date."
    return value


def _require(referral: Referral, by: User, what: str) -> None:
    viewer = permissions.actor(by)
    permissions.require(permissions.can_edit_client(viewer, referral.client), what)


@transaction.atomic
def add_to_waiting_list(
    *, referral: Referral, step: int, therapy: str, added_on: dt.date, reason: str, by: User
) -> WaitingListEntry:
    """Put a referral on the waiting list for a step and therapy."""
    _require(referral, by, "put this client on the waiting list")
    errors: dict[str, str] = {}
    day = _day(errors, "added_on", added_on, referral)
    if step not in Step.values:
        errors["step"] = "Choose the step of care (2 or 3)."
    therapy = check_choice(errors, "therapy", therapy, Therapy, "therapy", required=False)
    reason = check_text(errors, "reason", reason, limit=300)
    if not referral.is_open:
        errors["__all__"] = "This referral has ended."
    elif WaitingListEntry.unscoped.filter(referral=referral, left_on__isnull=True).exists():
        errors["__all__"] = "This client is already on the waiting list."
    if errors or day is None:
        raise ActionError(errors)
    entry = WaitingListEntry.unscoped.create(
        referral=referral, step=step, therapy=therapy, added_on=day, reason=reason
    )
    record_change(
        by=by,
        action="add_to_waiting_list",
        target=entry,
        client_id=referral.client_id,
        new=snapshot(entry, _ENTRY_FIELDS),
    )
    return entry


def leave_waiting_list(referral: Referral, on: dt.date, because: str, by: User) -> None:
    """Take a referral off the waiting list (inside the caller's action and transaction)."""
    for entry in WaitingListEntry.unscoped.filter(referral=referral, left_on__isnull=True):
        entry.left_on = max(on, entry.added_on)
        entry.left_because = LeftWaitingList(because)
        entry.version += 1
        entry.save(update_fields=["left_on", "left_because", "version"])
        record_change(
            by=by,
            action="leave_waiting_list",
            target=entry,
            client_id=referral.client_id,
            old={"left_on": None},
            new=snapshot(entry, ("left_on", "left_because")),
        )


def record_check_in(
    *,
    referral: Referral,
    checked_on: dt.date,
    questionnaires: Mapping[str, Answers] | None = None,
    note: str = "",
    still_wants_therapy: bool = True,
    by: User,
) -> WaitingCheckIn:
    """Record a waiting-well check-in; a risk answer opens or updates the client's risk
    alert, as always, even when the check-in itself is refused."""
    _require(referral, by, "check in with this client")
    return risk_first(
        lambda: _record_check_in(
            referral=referral, checked_on=checked_on, questionnaires=questionnaires,
            note=note, still_wants_therapy=still_wants_therapy, by=by,
        ),
        referral=referral,
        questionnaires=questionnaires,
        where=check_in_where(checked_on),
        by=by,
    )  # fmt: skip


def check_in_where(checked_on: object) -> str:
    """Where a check-in's answers were given, in words (one answer, one finding)."""
    on = checked_on if isinstance(checked_on, dt.date) else dt.date.today()
    return f"at a waiting-well check-in on {on:%d %b %Y}"


@transaction.atomic
def _record_check_in(
    *,
    referral: Referral,
    checked_on: dt.date,
    questionnaires: Mapping[str, Answers] | None,
    note: str,
    still_wants_therapy: bool,
    by: User,
) -> WaitingCheckIn:
    errors: dict[str, str] = {}
    day = _day(errors, "checked_on", checked_on, referral)
    scored = score_questionnaires(errors, questionnaires or {})
    note = check_text(errors, "note", note, limit=5000)
    if not referral.is_open:
        errors["__all__"] = "This referral has ended."
    if errors or day is None:
        raise ActionError(errors)
    item = WaitingCheckIn.unscoped.create(
        referral=referral,
        checked_on=day,
        scores={
            s.code: {
                "items": s.answers,
                "total": s.result.total,
                "band": s.result.band or "",
                "risk": s.result.risk,
            }
            for s in scored
        },
        note=note,
        still_wants_therapy=bool(still_wants_therapy),
        recorded_by=by,
    )
    record_change(
        by=by,
        action="record_check_in",
        target=item,
        client_id=referral.client_id,
        new=snapshot(item, ("checked_on", "scores", "still_wants_therapy")),
    )
    open_risk_alerts(
        referral=referral,
        contact=None,
        scored=scored,
        where=check_in_where(day),
    )
    return item


@transaction.atomic
def record_contact_attempt(
    *,
    referral: Referral,
    attempted_on: dt.date,
    method: str,
    outcome: str,
    opt_in_by: dt.date | None = None,
    note: str = "",
    by: User,
) -> ContactAttempt:
    """Record an attempt to reach the client (after a missed appointment, say), or an
    opt-in letter with the date to reply by."""
    _require(referral, by, "record contact with this client")
    errors: dict[str, str] = {}
    day = _day(errors, "attempted_on", attempted_on, referral)
    method = check_choice(errors, "method", method, AttemptMethod, "way of contacting")
    outcome = check_choice(errors, "outcome", outcome, AttemptOutcome, "outcome")
    note = check_text(errors, "note", note, limit=2000)
    if method == AttemptMethod.LETTER and opt_in_by is None:
        errors["opt_in_by"] = "Give the date the client is asked to reply by."
    if opt_in_by is not None and day is not None and opt_in_by <= day:
        errors["opt_in_by"] = "The reply-by date must be after the letter is sent."
    if errors or day is None:
        raise ActionError(errors)
    item = ContactAttempt.unscoped.create(
        referral=referral,
        attempted_on=day,
        method=method,
        outcome=outcome,
        opt_in_by=opt_in_by,
        note=note,
        recorded_by=by,
    )
    record_change(
        by=by,
        action="record_contact_attempt",
        target=item,
        client_id=referral.client_id,
        new=snapshot(item, ("attempted_on", "method", "outcome", "opt_in_by", "note")),
    )
    return item
