"""What a client asks of the service: to cancel or move a booked session, to see another
therapist, to stop messages; and staff marking a request as dealt with.

The appointment request is a seam: today it records the request for staff (the episode's
``next_session_on`` is the booking records knows). When the pathway's appointment actions
land, ``request_appointment_change`` is the one place to call them from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ontrack.web.accounts.models import Staff, StaffRole
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import ActionError, check_choice, check_text
from ontrack.web.common.codes import ConcernAddressee, ConcernKind
from ontrack.web.notify.models import Channel, Recipient
from ontrack.web.notify.outbox import opt_out, queue_message
from ontrack.web.portal.config import portal_settings
from ontrack.web.portal.models import AppointmentRequest, RequestKind
from ontrack.web.records import permissions
from ontrack.web.records.actions import raise_concern
from ontrack.web.records.models import Client, Concern, Episode, Referral
from ontrack.web.records.permissions import Actor, ClientLink, user_of

_REQUEST_FIELDS = ("episode", "session_on", "kind", "reason", "via_link")


@transaction.atomic
def request_appointment_change(
    *, episode: Episode, kind: str, reason: str, by: Actor
) -> AppointmentRequest:
    """Record the client's request to cancel or move their next booked session."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.is_the_client(viewer, episode.referral.client_id), "change this appointment"
    )
    errors: dict[str, str] = {}
    kind = check_choice(errors, "kind", kind, RequestKind, "request")
    reason = check_text(errors, "reason", reason, limit=1000)
    booked = episode.next_session_on
    if not episode.is_open or booked is None or booked < timezone.localdate():
        errors["__all__"] = "There is no booked appointment to change."
    elif AppointmentRequest.unscoped.filter(
        episode=episode, session_on=booked, handled_at__isnull=True
    ).exists():
        errors["__all__"] = (
            "You have already asked about this appointment; the team will be in touch."
        )
    if errors or booked is None:
        raise ActionError(errors)
    request = AppointmentRequest.unscoped.create(
        episode=episode,
        session_on=booked,
        kind=kind,
        reason=reason,
        requested_at=timezone.now(),
        via_link=isinstance(by, ClientLink),
    )
    record_change(
        by=by,
        action="request_appointment_change",
        target=request,
        client_id=episode.referral.client_id,
        new=snapshot(request, _REQUEST_FIELDS),
    )
    return request


@transaction.atomic
def handle_appointment_request(*, request: AppointmentRequest, by: Actor) -> AppointmentRequest:
    """Mark a request as dealt with (the booking itself is changed where bookings live)."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_edit_client(viewer, request.episode.referral.client),
        "deal with this request",
    )
    done = AppointmentRequest.unscoped.filter(pk=request.pk, handled_at__isnull=True).update(
        handled_at=timezone.now(), handled_by=user_of(by)
    )
    if done != 1:
        raise ActionError("Someone has already dealt with this request.")
    request.refresh_from_db()
    record_change(
        by=by,
        action="handle_appointment_request",
        target=request,
        client_id=request.episode.referral.client_id,
        old={"handled_at": None},
        new=snapshot(request, ("handled_at",)),
    )
    return request


def _managers(service_id: int) -> list[Staff]:
    return list(
        Staff.objects.select_related("user").filter(
            service_id=service_id, role=StaffRole.MANAGER, user__is_active=True
        )
    )


def notify_managers(concern: Concern, subject: str) -> int:
    """Email each manager of the client's service that a concern is waiting (no content:
    the message says where to look, not what the client wrote)."""
    client = concern.client
    queued = 0
    for manager in _managers(client.service_id):
        if not manager.user.email:
            continue
        queue_message(
            client=client,
            recipient=Recipient.STAFF,
            channel=Channel.EMAIL,
            to=manager.user.email,
            purpose="staff_concern_notice",
            subject=subject,
            body=(
                f"A client has raised something for the service manager ({concern}).\n"
                f"Open the concerns inbox in OnTrack: {settings.ONTRACK_PUBLIC_URL}"
                f"{reverse('concerns_inbox')}"
            ),
            dedupe_key=f"concern:{concern.pk}:manager:{manager.pk}",
        )
        queued += 1
    return queued


@transaction.atomic
def ask_for_another_therapist(
    *, client: Client, referral: Referral | None, reason: str, addressed_to: str, by: Actor
) -> Concern:
    """The client asks for another therapist: a request the manager sees at once.

    It is raised as a concern of kind "request for another therapist"; the reallocation
    itself (matching, the wait) is the pathway's, once a person has talked it through.
    """
    route = portal_settings(client.service_id).complaint_route
    concern = raise_concern(
        client=client,
        referral=referral,
        kind=ConcernKind.CHANGE_THERAPIST,
        summary=reason,
        addressed_to=addressed_to,
        route=route,
        by=by,
    )
    notify_managers(concern, "A client has asked for another therapist")
    return concern


@transaction.atomic
def raise_client_concern(
    *,
    client: Client,
    referral: Referral | None,
    kind: str,
    summary: str,
    addressed_to: str,
    by: Actor,
) -> Concern:
    """Raise a concern or complaint on the service's own complaints route."""
    route = portal_settings(client.service_id).complaint_route
    concern = raise_concern(
        client=client,
        referral=referral,
        kind=kind,
        summary=summary,
        addressed_to=addressed_to,
        route=route,
        by=by,
    )
    if addressed_to == ConcernAddressee.MANAGER or kind == ConcernKind.COMPLAINT:
        notify_managers(concern, f"A client has raised a {concern.get_kind_display().lower()}")
    return concern


@transaction.atomic
def stop_messages(*, client: Client, channel: str | None, by: Actor, how: str) -> list[str]:
    """The client asks for no more reminders and invitations (one channel, or both)."""
    viewer = permissions.actor(by)
    permissions.require(permissions.is_the_client(viewer, client.pk), "stop these messages")
    channels: list[str] = [channel] if channel else [Channel.EMAIL.value, Channel.SMS.value]
    for each in channels:
        opt_out(client=client, channel=each, how=how)
    record_change(
        by=by,
        action="stop_messages",
        target=client,
        client_id=client.pk,
        new={"channels": channels, "how": how},
    )
    return channels


# What a client asking for another therapist is told about the wait, honestly.
ANOTHER_THERAPIST_WAIT = (
    "Changing therapist is not a sign of failure. The service manager will talk it through "
    "with you first. If you do change, you may wait for a new therapist to have space; your "
    "place in the service is kept and you can keep seeing your current therapist until then "
    "if you want to."
)
