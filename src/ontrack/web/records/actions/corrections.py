"""Correct a recorded session, or mark it entered in error: audited, with a reason.

A correction changes what was recorded (date, attendance, how it took place, notes, the
questionnaire answers) and keeps the old values in the audit trail. A contact entered in
error stays in the record, marked, and drops out of session numbers, signals and exports.
Either way the sessions are renumbered by date and the episode is evaluated again. A risk
alert a contact raised is never closed by correcting or voiding it; a corrected answer that
is a risk answer opens one, as everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from ontrack.web.accounts.models import User
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import ActionError, check_choice, check_text, claim_version
from ontrack.web.common.codes import ATTENDED, Attendance, ConsMechanism, EpisodeStatus
from ontrack.web.records import permissions
from ontrack.web.records.actions.numbering import renumber_sessions
from ontrack.web.records.actions.risk import risk_first, session_where
from ontrack.web.records.actions.sessions import (
    Answers,
    Scored,
    open_risk_alerts,
    score_questionnaires,
)
from ontrack.web.records.actions.signals import refresh_signal
from ontrack.web.records.models import Contact, Episode, QuestionnaireResponse

_FIELDS = ("contact_date", "attendance", "cons_mechanism", "notes", "session_number")


def _check_reason(errors: dict[str, str], reason: object) -> str:
    text = check_text(errors, "reason", reason, limit=2000)
    if "reason" not in errors and not text:
        errors["reason"] = "Say why: a correction is kept with its reason."
    return text


def _check_date(errors: dict[str, str], contact: Contact, day: object) -> dt.date | None:
    referral = contact.referral
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        errors["contact_date"] = "Enter the date of the session."
        return None
    if day > timezone.localdate():
        errors["contact_date"] = "The session date cannot be in the future."
    elif day < referral.referral_date:
        errors["contact_date"] = "The session date cannot be before the referral date."
    elif referral.end_date is not None and day > referral.end_date:
        errors["contact_date"] = "The session date cannot be after the referral ended."
    elif contact.episode is not None and day < contact.episode.started_on:
        errors["contact_date"] = "The session date cannot be before the episode started."
    return day


def validate_correction(
    contact: Contact, reason: object, changes: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Scored], str]:
    """Check a correction; return the cleaned field changes, the rescored questionnaires
    and the reason, or raise ``ActionError`` naming every bad input."""
    errors: dict[str, str] = {}
    text = _check_reason(errors, reason)
    clean: dict[str, Any] = {}
    if contact.in_error:
        errors["__all__"] = "This contact was marked entered in error; it cannot be corrected."
    if "contact_date" in changes:
        clean["contact_date"] = _check_date(errors, contact, changes["contact_date"])
    if "attendance" in changes:
        clean["attendance"] = check_choice(
            errors, "attendance", changes["attendance"], Attendance, "attendance"
        )
    if "cons_mechanism" in changes:
        clean["cons_mechanism"] = check_choice(
            errors, "cons_mechanism", changes["cons_mechanism"], ConsMechanism, "mechanism"
        )
    if "notes" in changes:
        clean["notes"] = check_text(errors, "notes", changes["notes"], limit=20000)
    answers: Mapping[str, Answers] = changes.get("questionnaires") or {}
    scored = score_questionnaires(errors, answers)
    attended = clean.get("attendance", contact.attendance) in ATTENDED
    has_measures = bool(answers) or QuestionnaireResponse.unscoped.filter(contact=contact).exists()
    if not attended and has_measures:
        errors["attendance"] = (
            "Answers are recorded only for a session the client attended: this one has "
            "questionnaires, so it cannot be marked as missed. Mark it entered in error instead."
        )
    unknown = set(changes) - {*_FIELDS, "questionnaires"}
    if unknown:
        errors["__all__"] = f"These cannot be corrected here: {', '.join(sorted(unknown))}."
    if errors:
        raise ActionError(errors)
    return clean, scored, text


def correct_session(
    *,
    contact: Contact,
    expected_version: int,
    reason: str,
    changes: Mapping[str, Any],
    by: User,
) -> Contact:
    """Correct what was recorded at a contact; the old values stay in the audit trail.

    ``changes`` may hold ``contact_date``, ``attendance``, ``cons_mechanism``, ``notes``
    and ``questionnaires`` (measure code → item answers, replacing that measure's answers).
    A refused correction still raises its positive risk answers (``risk_first``).
    """
    viewer = permissions.actor(by)
    permissions.require(permissions.can_correct_contact(viewer, contact), "correct this contact")
    return risk_first(
        lambda: _correct_session(
            contact=contact,
            expected_version=expected_version,
            reason=reason,
            changes=changes,
            by=by,
        ),
        referral=contact.referral,
        questionnaires=changes.get("questionnaires") if isinstance(changes, Mapping) else None,
        where=corrected_where(contact.contact_date),
        by=by,
    )


def corrected_where(contact_date: object) -> str:
    """Where corrected answers were given, in words (one answer, one finding)."""
    return f"in the corrected answers of the {session_where(contact_date)[len('at the ') :]}"


@transaction.atomic
def _correct_session(
    *,
    contact: Contact,
    expected_version: int,
    reason: str,
    changes: Mapping[str, Any],
    by: User,
) -> Contact:
    viewer = permissions.actor(by)
    permissions.require(permissions.can_correct_contact(viewer, contact), "correct this contact")
    clean, scored, text = validate_correction(contact, reason, changes)
    claim_version(contact, expected_version)
    old = snapshot(contact, _FIELDS)
    old_scores = {
        q.measure: q.items for q in QuestionnaireResponse.unscoped.filter(contact=contact)
    }
    for name, value in clean.items():
        setattr(contact, name, value)
    contact.save(update_fields=[*clean, "version"])
    _replace_scores(contact, scored)
    renumber_sessions(contact.referral)
    contact.refresh_from_db(fields=["session_number"])
    record_change(
        by=by,
        action="correct_session",
        target=contact,
        client_id=contact.referral.client_id,
        old={**old, "questionnaires": {s.code: old_scores.get(s.code) for s in scored}},
        new={
            **snapshot(contact, _FIELDS),
            "questionnaires": {s.code: s.answers for s in scored},
            "reason": text,
        },
    )
    open_risk_alerts(
        referral=contact.referral,
        contact=contact,
        scored=scored,
        where=corrected_where(contact.contact_date),
    )
    _evaluate(contact, by)
    return contact


def _replace_scores(contact: Contact, scored: list[Scored]) -> None:
    for item in scored:
        QuestionnaireResponse.unscoped.update_or_create(
            contact=contact,
            measure=item.code,
            defaults={
                "items": item.answers,
                "total": item.result.total,
                "band": item.result.band or "",
                "caseness": item.result.caseness,
                "risk": item.result.risk,
                "prorated": item.result.prorated,
                "missing": item.result.missing,
            },
        )


def _evaluate(contact: Contact, by: User) -> None:
    episode = (
        Episode.unscoped.filter(referral=contact.referral, status=EpisodeStatus.OPEN)
        .select_related("referral__client")
        .first()
    )
    if episode is not None:
        refresh_signal(episode=episode, by=by)


@transaction.atomic
def mark_entered_in_error(
    *, contact: Contact, expected_version: int, reason: str, by: User
) -> Contact:
    """Mark a contact as recorded by mistake: kept, but out of numbers, signals and exports."""
    viewer = permissions.actor(by)
    permissions.require(permissions.can_correct_contact(viewer, contact), "correct this contact")
    errors: dict[str, str] = {}
    text = _check_reason(errors, reason)
    if contact.in_error:
        errors["__all__"] = "This contact is already marked entered in error."
    if errors:
        raise ActionError(errors)
    claim_version(contact, expected_version)
    old = snapshot(contact, ("session_number", "entered_in_error_at"))
    contact.session_number = None
    contact.entered_in_error_at = timezone.now()
    contact.entered_in_error_by = by
    contact.entered_in_error_reason = text
    contact.save(
        update_fields=[
            "session_number",
            "entered_in_error_at",
            "entered_in_error_by",
            "entered_in_error_reason",
            "version",
        ]
    )
    renumber_sessions(contact.referral)
    record_change(
        by=by,
        action="mark_entered_in_error",
        target=contact,
        client_id=contact.referral.client_id,
        old=old,
        new={**snapshot(contact, ("session_number", "entered_in_error_at")), "reason": text},
    )
    _evaluate(contact, by)
    return contact
