"""What a client asks of the service: to cancel or move a booked appointment, to see
another therapist, to stop messages; and staff marking a request as dealt with.

Appointments are the pathway's own (``records.Appointment``, the one the staff week
shows): a cancellation is made on it at once (cancelled by the client), a request for
another time waits at ``/requests/`` for staff to move it with the pathway's action.
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
from ontrack.web.pathway.actions.reallocation import open_episode_of, request_reallocation
from ontrack.web.pathway.models import WaitingListEntry
from ontrack.web.portal.config import portal_settings
from ontrack.web.portal.models import AppointmentRequest, RequestKind
from ontrack.web.records import permissions
from ontrack.web.records.actions import cancel_by_client, raise_concern
from ontrack.web.records.models import (
    Appointment,
    AppointmentStatus,
    Client,
    Concern,
    Episode,
    Referral,
)
from ontrack.web.records.permissions import Actor, ClientLink, user_of

_REQUEST_FIELDS = ("referral", "appointment", "session_on", "kind", "reason", "via_link")


# What the client is told once a request is made (signed in or through a link).
REQUEST_DONE = {
    "cancel": "Your appointment is cancelled. The team can see this and will offer you "
    "another time if you want one.",
    "rebook": "Thank you: the team has your request for another time and will contact you.",
}


def open_request_for(appointment: Appointment) -> AppointmentRequest | None:
    """The client's request about this appointment that staff have not dealt with yet."""
    return AppointmentRequest.unscoped.filter(
        appointment=appointment, kind=RequestKind.REBOOK, handled_at__isnull=True
    ).first()


@transaction.atomic
def request_appointment_change(
    *, appointment: Appointment, kind: str, reason: str, by: Actor
) -> AppointmentRequest:
    """The client cancels their booked appointment (made at once on the pathway's
    appointment, recorded as cancelled by the client) or asks for another time (for staff
    to move it); either way staff see it at ``/requests/``."""
    referral = appointment.referral
    viewer = permissions.actor(by)
    permissions.require(
        permissions.is_the_client(viewer, referral.client_id), "change this appointment"
    )
    errors: dict[str, str] = {}
    kind = check_choice(errors, "kind", kind, RequestKind, "request")
    reason = check_text(errors, "reason", reason, limit=1000)
    if appointment.status != AppointmentStatus.BOOKED or appointment.starts_at < timezone.now():
        errors["__all__"] = "There is no booked appointment to change."
    elif kind == RequestKind.REBOOK and open_request_for(appointment) is not None:
        errors["__all__"] = (
            "You have already asked about this appointment; the team will be in touch."
        )
    if errors:
        raise ActionError(errors)
    if kind == RequestKind.CANCEL:
        cancel_by_client(appointment=appointment, reason=reason, by=by)
    request = AppointmentRequest.unscoped.create(
        referral=referral,
        episode=appointment.episode,
        appointment=appointment,
        session_on=timezone.localdate(appointment.starts_at),
        kind=kind,
        reason=reason,
        requested_at=timezone.now(),
        via_link=isinstance(by, ClientLink),
    )
    record_change(
        by=by,
        action="request_appointment_change",
        target=request,
        client_id=referral.client_id,
        new=snapshot(request, _REQUEST_FIELDS),
    )
    return request


@transaction.atomic
def handle_appointment_request(*, request: AppointmentRequest, by: Actor) -> AppointmentRequest:
    """Mark a request as dealt with (the booking itself is changed where bookings live)."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_edit_client(viewer, request.referral.client), "deal with this request"
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
        client_id=request.referral.client_id,
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
    *,
    client: Client,
    referral: Referral | None,
    episode: Episode | None,
    reason: str,
    addressed_to: str,
    by: Actor,
) -> tuple[Concern, WaitingListEntry | None]:
    """The client asks for another therapist.

    With a course under way, the reallocation starts at once on the pathway
    (``request_reallocation``): the referral goes back on the waiting list at the same step
    and therapy, where the allocator sees it with the matching's suggestions, and the
    current course goes on until someone is allocated. The request is also raised as a
    concern of kind "request for another therapist" (the client's own words, to the
    manager or the therapist as they chose), and each manager is emailed where to look.
    Nothing is saved if either part is refused.
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
    entry = None
    if episode is not None and episode.is_open:
        entry = request_reallocation(episode=episode, by=by)
    notify_managers(concern, "A client has asked for another therapist")
    return concern, entry


def reallocation_waiting(referral: Referral | None) -> WaitingListEntry | None:
    """The client's open request for another therapist on the waiting list, if any."""
    if referral is None:
        return None
    entry = WaitingListEntry.unscoped.filter(referral=referral, left_on__isnull=True).first()
    return entry if entry is not None and open_episode_of(entry) is not None else None


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


# What a client asking for another therapist is told, honestly (the wait itself is the
# waiting list's own estimate, ``ontrack.web.pathway.waits``).
ANOTHER_THERAPIST_WAIT = (
    "Changing therapist is not a sign of failure. Asking puts you back on the waiting list "
    "for a new therapist at the same step of care, so you may wait for someone to have "
    "space. Your place in the service is kept, and you keep seeing your current therapist "
    "until a new one is allocated; the sessions you have had stay in your record."
)
