"""Concerns and complaints: raise, acknowledge, escalate along the service's route, resolve
or withdraw.

The route (``CONCERN_ROUTES``: NHS or private practice) is fixed on the concern when it is
raised, so a later change to the service's configuration does not move a complaint that is
under way. The client may escalate their own concern; staff who deal with concerns may too.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import ActionError, check_choice, check_text, claim_version
from ontrack.web.common.codes import (
    CONCERN_CLOSED_STAGES,
    ConcernAddressee,
    ConcernKind,
    ConcernRoute,
    ConcernStage,
    next_concern_stage,
)
from ontrack.web.records import permissions
from ontrack.web.records.models import Client, Concern, ConcernStep, Referral
from ontrack.web.records.permissions import Actor, user_of

_RAISED_FIELDS = ("referral", "kind", "summary", "stage", "raised_at", "route", "addressed_to")


@transaction.atomic
def raise_concern(
    *,
    client: Client,
    kind: str,
    summary: str,
    referral: Referral | None = None,
    addressed_to: str = ConcernAddressee.THERAPIST,
    route: str = ConcernRoute.NHS,
    by: Actor,
) -> Concern:
    """Record a concern, complaint or request for another therapist, as the client put it."""
    viewer = permissions.actor(by)
    permissions.require(permissions.can_raise_concern(viewer, client), "raise a concern here")
    errors: dict[str, str] = {}
    kind = check_choice(errors, "kind", kind, ConcernKind, "kind of concern")
    addressed_to = check_choice(
        errors, "addressed_to", addressed_to, ConcernAddressee, "person to deal with it"
    )
    route = check_choice(errors, "route", route, ConcernRoute, "complaints route")
    summary = check_text(errors, "summary", summary, limit=5000)
    if not summary and "summary" not in errors:
        errors["summary"] = "Say what the concern is about."
    if referral is not None and referral.client_id != client.pk:
        errors["referral"] = "That referral belongs to someone else."
    if errors:
        raise ActionError(errors)
    now = timezone.now()
    concern = Concern.unscoped.create(
        client=client,
        referral=referral,
        kind=kind,
        summary=summary,
        raised_at=now,
        raised_by=user_of(by),
        addressed_to=addressed_to,
        route=route,
    )
    ConcernStep.unscoped.create(concern=concern, stage=ConcernStage.RAISED, at=now, by=user_of(by))
    record_change(
        by=by,
        action="raise_concern",
        target=concern,
        client_id=client.pk,
        new=snapshot(concern, _RAISED_FIELDS),
    )
    return concern


def _step(
    concern: Concern,
    expected_version: int,
    stage: str,
    note: str,
    by: Actor,
    action: str,
) -> Concern:
    claim_version(concern, expected_version)
    now = timezone.now()
    old = snapshot(concern, ("stage", "closed_at", "outcome"))
    concern.stage = stage
    if stage in CONCERN_CLOSED_STAGES:
        concern.closed_at = now
        concern.outcome = note
    concern.save(update_fields=["stage", "closed_at", "outcome", "version"])
    step = ConcernStep.unscoped.create(
        concern=concern, stage=stage, note=note, at=now, by=user_of(by)
    )
    record_change(
        by=by,
        action=action,
        target=concern,
        client_id=concern.client_id,
        old=old,
        new={**snapshot(concern, ("stage", "closed_at", "outcome")), "step": step.pk, "note": note},
    )
    return concern


@transaction.atomic
def acknowledge_concern(*, concern: Concern, expected_version: int, by: Actor) -> Concern:
    """Say that the service has received the concern (NHS: within 3 working days)."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_take_concern(viewer, concern.client, concern.addressed_to),
        "acknowledge this concern",
    )
    if concern.acknowledged_at is not None:
        raise ActionError("This concern was already acknowledged.")
    if concern.stage in CONCERN_CLOSED_STAGES:
        raise ActionError("This concern is closed.")
    claim_version(concern, expected_version)
    concern.acknowledged_at = timezone.now()
    concern.acknowledged_by = user_of(by)
    concern.save(update_fields=["acknowledged_at", "acknowledged_by", "version"])
    record_change(
        by=by,
        action="acknowledge_concern",
        target=concern,
        client_id=concern.client_id,
        old={"acknowledged_at": None},
        new=snapshot(concern, ("acknowledged_at",)),
    )
    return concern


@transaction.atomic
def escalate_concern(*, concern: Concern, expected_version: int, note: str, by: Actor) -> Concern:
    """Move a concern to the next step of its route, saying why.

    The client may take their own concern to the next step; so may supervisors and managers.
    """
    viewer = permissions.actor(by)
    permissions.require(
        permissions.is_the_client(viewer, concern.client_id)
        or permissions.can_escalate_concerns(viewer, concern.client),
        "escalate this concern",
    )
    errors: dict[str, str] = {}
    note = check_text(errors, "note", note, limit=5000)
    if not note and "note" not in errors:
        errors["note"] = "Say why it is being escalated."
    next_stage = next_concern_stage(concern.route, concern.stage)
    if concern.stage in CONCERN_CLOSED_STAGES:
        errors["__all__"] = "This concern is closed."
    elif next_stage is None:
        last = ConcernStage(concern.stage).label
        errors["__all__"] = f"This concern is already at the last step ({last})."
    if errors or next_stage is None:
        raise ActionError(errors)
    return _step(concern, expected_version, next_stage, note, by, "escalate_concern")


@transaction.atomic
def close_concern(
    *,
    concern: Concern,
    expected_version: int,
    stage: str,
    outcome: str,
    by: Actor,
) -> Concern:
    """Close a concern as resolved (staff) or withdrawn (the client, or staff for them)."""
    viewer = permissions.actor(by)
    errors: dict[str, str] = {}
    stage = check_choice(errors, "stage", stage, ConcernStage, "closing step")
    if stage and stage not in CONCERN_CLOSED_STAGES:
        errors["stage"] = "A concern closes as resolved or withdrawn."
    own_withdrawal = stage == ConcernStage.WITHDRAWN and permissions.is_the_client(
        viewer, concern.client_id
    )
    permissions.require(
        own_withdrawal
        or permissions.can_take_concern(viewer, concern.client, concern.addressed_to),
        "close this concern",
    )
    outcome = check_text(errors, "outcome", outcome, limit=5000)
    if not outcome and "outcome" not in errors:
        errors["outcome"] = "Say how it was resolved, or why it was withdrawn."
    if concern.stage in CONCERN_CLOSED_STAGES:
        errors["__all__"] = "This concern is already closed."
    if errors:
        raise ActionError(errors)
    return _step(concern, expected_version, stage, outcome, by, "close_concern")
