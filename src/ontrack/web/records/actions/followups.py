"""Follow-up contacts after discharge (AppType 06): allowed once a referral has ended.

NHS TT counts follow-ups apart from treatment, so they take no session number and do not
reopen the referral; their questionnaires are stored and a risk answer opens the urgent
alert as everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from ontrack.web.accounts.models import User
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import ActionError, check_choice, check_text, new_external_id
from ontrack.web.common.codes import ATTENDED, AppType, Attendance, ConsMechanism
from ontrack.web.records import permissions
from ontrack.web.records.actions.risk import risk_first, session_where
from ontrack.web.records.actions.sessions import (
    Answers,
    Scored,
    open_risk_alerts,
    score_questionnaires,
    store_questionnaires,
)
from ontrack.web.records.models import Contact, Episode, Referral


def record_follow_up(
    *,
    referral: Referral,
    contact_date: dt.date,
    attendance: str,
    cons_mechanism: str = ConsMechanism.TELEPHONE,
    questionnaires: Mapping[str, Answers] | None = None,
    notes: str = "",
    by: User,
) -> Contact:
    """Record a follow-up contact of an ended referral (a refused one still raises its
    positive risk answers: ``risk_first``)."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_edit_client(viewer, referral.client) and viewer.staff is not None,
        "record follow-ups for this client",
    )
    return risk_first(
        lambda: _record_follow_up(
            referral=referral, contact_date=contact_date, attendance=attendance,
            cons_mechanism=cons_mechanism, questionnaires=questionnaires, notes=notes, by=by,
        ),
        referral=referral,
        questionnaires=questionnaires,
        where=follow_up_where(contact_date),
        by=by,
    )  # fmt: skip


def follow_up_where(contact_date: object) -> str:
    """Where a follow-up's answers were given, in words (one answer, one finding)."""
    return f"at the follow-up {session_where(contact_date)[len('at the session ') :]}"


@transaction.atomic
def _record_follow_up(
    *,
    referral: Referral,
    contact_date: dt.date,
    attendance: str,
    cons_mechanism: str,
    questionnaires: Mapping[str, Answers] | None,
    notes: str,
    by: User,
) -> Contact:
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_edit_client(viewer, referral.client) and viewer.staff is not None,
        "record follow-ups for this client",
    )
    assert viewer.staff is not None
    attendance, cons_mechanism, notes, scored = _check_follow_up(
        referral, contact_date, attendance, cons_mechanism, questionnaires or {}, notes
    )
    contact = Contact.unscoped.create(
        referral=referral,
        episode=Episode.unscoped.filter(referral=referral).order_by("-started_on").first(),
        external_id=new_external_id("C"),
        contact_date=contact_date,
        app_type=AppType.FOLLOW_UP,
        attendance=attendance,
        cons_mechanism=cons_mechanism,
        therapist=viewer.staff if viewer.staff.carries_caseload else None,
        notes=notes,
        recorded_by=by,
    )
    store_questionnaires(contact, scored)
    record_change(
        by=by,
        action="record_follow_up",
        target=contact,
        client_id=referral.client_id,
        new={
            **snapshot(contact, ("contact_date", "attendance", "cons_mechanism", "notes")),
            "questionnaires": {s.code: s.answers for s in scored},
        },
    )
    open_risk_alerts(
        referral=referral,
        contact=contact,
        scored=scored,
        where=follow_up_where(contact_date),
    )
    return contact


def _check_follow_up(
    referral: Referral,
    contact_date: object,
    attendance: str,
    cons_mechanism: str,
    answers: Mapping[str, Answers],
    notes: str,
) -> tuple[str, str, str, list[Scored]]:
    errors: dict[str, str] = {}
    if referral.is_open:
        errors["__all__"] = "This referral is still open: record a session instead."
    if not isinstance(contact_date, dt.date) or isinstance(contact_date, dt.datetime):
        errors["contact_date"] = "Enter the date of the follow-up."
    elif contact_date > timezone.localdate():
        errors["contact_date"] = "The follow-up date cannot be in the future."
    elif referral.end_date is not None and contact_date < referral.end_date:
        errors["contact_date"] = "A follow-up comes after the referral ended."
    attendance = check_choice(errors, "attendance", attendance, Attendance, "attendance")
    cons_mechanism = check_choice(errors, "cons_mechanism", cons_mechanism, ConsMechanism, "way")
    notes = check_text(errors, "notes", notes, limit=20000)
    scored = score_questionnaires(errors, answers)
    if answers and attendance not in ATTENDED:
        errors["attendance"] = "Answers are recorded only at a contact the client attended."
    if errors:
        raise ActionError(errors)
    return attendance, cons_mechanism, notes, scored
