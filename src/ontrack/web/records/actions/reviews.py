"""Record a why-review's decision and write supervision notes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from ontrack.monitoring import Reason
from ontrack.web.accounts.models import User
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import ActionError, check_text
from ontrack.web.common.codes import AlertActionKind, ReviewDecisionKind
from ontrack.web.records import permissions
from ontrack.web.records.actions.alerts import record_alert_action
from ontrack.web.records.models import Alert, Contact, Episode, ReviewDecision, SupervisionNote

_DECISION_FIELDS = ("referral", "episode", "alert", "contact", "decisions", "reasons_agreed")


def _check_codes(
    errors: dict[str, str], name: str, values: Sequence[str], known: Sequence[str], what: str
) -> list[str]:
    if isinstance(values, str) or not all(isinstance(v, str) for v in values):
        errors[name] = f"Choose {what} from the list."
        return []
    unknown = [v for v in values if v not in known]
    if unknown:
        errors[name] = f"{', '.join(repr(v) for v in unknown)} is not a known {what}."
    return list(dict.fromkeys(values))


def _check_decision(
    episode: Episode,
    review: Mapping[str, Any],
    decisions: Sequence[str],
    reasons_agreed: Sequence[str],
    note: str,
    alert: Alert | None,
) -> tuple[list[str], list[str], str]:
    """Check a why-review decision; return the decisions, reasons and note, or raise."""
    errors: dict[str, str] = {}
    chosen = _check_codes(errors, "decisions", decisions, ReviewDecisionKind.values, "decision")
    if not chosen and "decisions" not in errors:
        errors["decisions"] = (
            "Choose at least one decision (choose 'Carry on as planned' if nothing changes)."
        )
    if ReviewDecisionKind.CONTINUE in chosen and len(chosen) > 1:
        errors["decisions"] = (
            "'Carry on as planned' means nothing changes: choose it alone, or untick it and "
            "choose the changes."
        )
    agreed = _check_codes(
        errors, "reasons_agreed", reasons_agreed, [r.value for r in Reason], "reason"
    )
    note = check_text(errors, "note", note, limit=5000)
    if not isinstance(review, Mapping) or "reasons" not in review:
        errors["__all__"] = "The review to record is missing; reload the page."
    elif _already_decided(episode, review):
        errors["__all__"] = (
            "A decision on this review was already recorded (the form was sent twice?). "
            "Nothing more was saved; the review page shows it."
        )
    if alert is not None:
        if alert.referral_id != episode.referral_id:
            errors["__all__"] = "That alert belongs to another referral."
        elif alert.is_closed:
            errors["__all__"] = "That alert is closed; record the review from the episode."
    if errors:
        raise ActionError(errors)
    return chosen, agreed, note


def _already_decided(episode: Episode, review: Mapping[str, Any]) -> bool:
    """Whether this review (the episode as of the same latest contact) has a decision."""
    contact_id = review.get("contact_id")
    decided = ReviewDecision.unscoped.filter(episode=episode)
    if contact_id:
        return decided.filter(contact_id=int(contact_id)).exists()
    return decided.filter(contact__isnull=True).exists()


@transaction.atomic
def record_review_decision(
    *,
    episode: Episode,
    review: Mapping[str, Any],
    decisions: Sequence[str],
    reasons_agreed: Sequence[str] = (),
    note: str = "",
    alert: Alert | None = None,
    alert_version: int | None = None,
    by: User,
) -> ReviewDecision:
    """Record what therapist and client decided at a why-review of ``episode``.

    ``review`` is the review as it was shown (``WhyReview.to_json()``); it is kept with
    the decision. From an alert, the decision is also recorded as an action on the alert
    (``alert_version`` guards it like any other edit).
    """
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_record_session(viewer, episode), "record a review for this episode"
    )
    chosen, agreed, note = _check_decision(episode, review, decisions, reasons_agreed, note, alert)
    contact_id = review.get("contact_id")
    contact = Contact.unscoped.filter(pk=int(contact_id)).first() if contact_id else None
    decision = ReviewDecision.unscoped.create(
        referral_id=episode.referral_id,
        episode=episode,
        alert=alert,
        contact=contact,
        review=dict(review),
        decisions=chosen,
        reasons_agreed=agreed,
        note=note,
        decided_by=by,
        decided_at=timezone.now(),
    )
    record_change(
        by=by,
        action="record_review_decision",
        target=decision,
        client_id=episode.referral.client_id,
        new={**snapshot(decision, _DECISION_FIELDS), "note": note},
    )
    if alert is not None:
        labels = [str(ReviewDecisionKind(d).label) for d in chosen]
        record_alert_action(
            alert=alert,
            expected_version=alert.version if alert_version is None else alert_version,
            kind=AlertActionKind.WHY_REVIEW,
            note="Decided: " + "; ".join(labels) + (f". {note}" if note else "."),
            by=by,
        )
    return decision


@transaction.atomic
def add_supervision_note(
    *, episode: Episode, note: str, agreed_actions: str = "", by: User
) -> SupervisionNote:
    """Record what was discussed about ``episode`` in supervision, and what was agreed."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_supervise(viewer, episode), "write supervision notes for this case"
    )
    errors: dict[str, str] = {}
    note = check_text(errors, "note", note, limit=10000)
    if not note and "note" not in errors:
        errors["note"] = "Write what was discussed."
    agreed_actions = check_text(errors, "agreed_actions", agreed_actions, limit=5000)
    if errors:
        raise ActionError(errors)
    written = SupervisionNote.unscoped.create(
        episode=episode,
        note=note,
        agreed_actions=agreed_actions,
        written_by=by,
        written_at=timezone.now(),
    )
    record_change(
        by=by,
        action="add_supervision_note",
        target=written,
        client_id=episode.referral.client_id,
        new=snapshot(written, ("episode", "note", "agreed_actions")),
    )
    return written
