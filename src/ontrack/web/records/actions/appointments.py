"""Book, move and cancel appointments, and record a missed one.

An attended appointment is recorded through the session form (``record_session`` marks
the day's booking attended); a missed or cancelled one becomes a contact with its NHS TT
attendance code, so the DNA and cancellation figures come from what happened. Moving an
appointment keeps the old one, marked moved, linked to the new one.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from ontrack.web.accounts.models import Staff, User
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import (
    ActionError,
    check_choice,
    check_text,
    claim_version,
    new_external_id,
)
from ontrack.web.common.codes import AppType, ConsMechanism, EpisodeStatus
from ontrack.web.records import permissions
from ontrack.web.records.models import Appointment, AppointmentStatus, Contact, Episode, Referral
from ontrack.web.records.models.appointments import OUTCOME_ATTENDANCE

_FIELDS = ("referral", "episode", "staff", "starts_at", "minutes", "app_type", "cons_mechanism")
_CANCELLED = {
    "client": AppointmentStatus.CANCELLED_BY_CLIENT,
    "service": AppointmentStatus.CANCELLED_BY_SERVICE,
}
_MISSED = {
    "dna": AppointmentStatus.DID_NOT_ATTEND,
    "late_not_seen": AppointmentStatus.LATE_NOT_SEEN,
}


def _check_slot(
    errors: dict[str, str],
    referral: Referral,
    staff: Staff,
    starts_at: object,
    minutes: object,
) -> dt.datetime | None:
    if not isinstance(starts_at, dt.datetime) or timezone.is_naive(starts_at):
        errors["starts_at"] = "Enter the date and time of the appointment."
        return None
    if starts_at < timezone.now():
        errors["starts_at"] = "An appointment cannot be booked in the past."
    elif starts_at.date() > timezone.localdate() + dt.timedelta(days=366):
        errors["starts_at"] = "Book within a year."
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 10 <= minutes <= 180:
        errors["minutes"] = "An appointment lasts from 10 to 180 minutes."
        return starts_at
    if staff.service_id != referral.client.service_id:
        errors["staff"] = "That member of staff works in another service."
        return starts_at
    ends = starts_at + dt.timedelta(minutes=minutes)
    clash = Appointment.unscoped.filter(
        staff=staff, status=AppointmentStatus.BOOKED, starts_at__lt=ends
    ).filter(starts_at__gt=starts_at - dt.timedelta(minutes=180))
    for other in clash:
        if other.starts_at + dt.timedelta(minutes=other.minutes) > starts_at:
            at = timezone.localtime(other.starts_at)
            errors["starts_at"] = (
                f"{staff} already has an appointment at {at:%H:%M} on {at:%d %b %Y}."
            )
            break
    return starts_at


@transaction.atomic
def book_appointment(
    *,
    referral: Referral,
    staff: Staff,
    starts_at: dt.datetime,
    minutes: int = 50,
    app_type: str = AppType.TREATMENT,
    cons_mechanism: str = ConsMechanism.FACE_TO_FACE,
    by: User,
) -> Appointment:
    """Book an appointment of ``referral`` with ``staff`` (treatment with its open episode)."""
    viewer = permissions.actor(by)
    permissions.require(permissions.can_book(viewer, referral.client), "book for this client")
    errors: dict[str, str] = {}
    when = _check_slot(errors, referral, staff, starts_at, minutes)
    app_type = check_choice(errors, "app_type", app_type, AppType, "kind of appointment")
    cons_mechanism = check_choice(
        errors, "cons_mechanism", cons_mechanism, ConsMechanism, "way of meeting"
    )
    if not referral.is_open:
        errors["__all__"] = "This referral has ended; book a follow-up from its page instead."
        if app_type == AppType.FOLLOW_UP:
            del errors["__all__"]
    if errors or when is None:
        raise ActionError(errors)
    episode = Episode.unscoped.filter(referral=referral, status=EpisodeStatus.OPEN).first()
    appointment = Appointment.unscoped.create(
        referral=referral,
        episode=episode,
        staff=staff,
        starts_at=when,
        minutes=minutes,
        app_type=app_type,
        cons_mechanism=cons_mechanism,
        booked_by=by,
    )
    if episode is not None and (
        episode.next_session_on is None or episode.next_session_on > when.date()
    ):
        Episode.unscoped.filter(pk=episode.pk).update(next_session_on=timezone.localdate(when))
    record_change(
        by=by,
        action="book_appointment",
        target=appointment,
        client_id=referral.client_id,
        new=snapshot(appointment, _FIELDS),
    )
    return appointment


def _require_booked(appointment: Appointment, by: User) -> None:
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_book(viewer, appointment.referral.client), "change this appointment"
    )
    if appointment.status != AppointmentStatus.BOOKED:
        raise ActionError(
            f"This appointment is already {appointment.get_status_display().lower()}."
        )


@transaction.atomic
def rebook_appointment(
    *,
    appointment: Appointment,
    expected_version: int,
    starts_at: dt.datetime,
    reason: str = "",
    by: User,
) -> Appointment:
    """Move an appointment to another time; the old one is kept, marked moved."""
    _require_booked(appointment, by)
    errors: dict[str, str] = {}
    text = check_text(errors, "reason", reason, limit=2000)
    if errors:
        raise ActionError(errors)
    claim_version(appointment, expected_version)
    old_status = appointment.status
    appointment.status = AppointmentStatus.CANCELLED_BY_SERVICE  # freed for the clash check
    Appointment.unscoped.filter(pk=appointment.pk).update(status=appointment.status)
    new = book_appointment(
        referral=appointment.referral,
        staff=appointment.staff,
        starts_at=starts_at,
        minutes=appointment.minutes,
        app_type=appointment.app_type,
        cons_mechanism=appointment.cons_mechanism,
        by=by,
    )
    appointment.status = AppointmentStatus.REBOOKED
    appointment.rebooked_as = new
    appointment.reason = text
    appointment.save(update_fields=["status", "rebooked_as", "reason", "version"])
    record_change(
        by=by,
        action="rebook_appointment",
        target=appointment,
        client_id=appointment.referral.client_id,
        old={"status": old_status, "starts_at": appointment.starts_at.isoformat()},
        new={"status": appointment.status, "rebooked_as": new.pk, "reason": text},
    )
    return new


@transaction.atomic
def record_appointment_outcome(
    *,
    appointment: Appointment,
    expected_version: int,
    outcome: str,
    reason: str = "",
    by: User,
) -> Contact:
    """Record a cancelled or missed appointment as a contact with its attendance code.

    ``outcome`` is ``client`` or ``service`` (cancelled by), ``dna`` or ``late_not_seen``.
    """
    _require_booked(appointment, by)
    errors: dict[str, str] = {}
    status = _CANCELLED.get(outcome) or _MISSED.get(outcome)
    if status is None:
        errors["outcome"] = "Choose what happened: cancelled, did not attend, or late."
    text = check_text(errors, "reason", reason, limit=2000)
    if outcome in _MISSED and appointment.starts_at > timezone.now():
        errors["outcome"] = "An appointment still to come cannot be missed yet."
    if errors or status is None:
        raise ActionError(errors)
    claim_version(appointment, expected_version)
    return _write_outcome(appointment, status, text, by)


def _write_outcome(
    appointment: Appointment, status: AppointmentStatus, text: str, by: User | AnonymousUser
) -> Contact:
    """Record what became of a booked appointment (version already claimed)."""
    day = timezone.localdate(appointment.starts_at)
    contact = Contact.unscoped.create(
        referral=appointment.referral,
        episode=appointment.episode,
        external_id=new_external_id("C"),
        contact_date=min(day, timezone.localdate()),
        app_type=appointment.app_type,
        attendance=OUTCOME_ATTENDANCE[status],
        cons_mechanism=appointment.cons_mechanism,
        therapist=appointment.staff if appointment.staff.carries_caseload else None,
        recorded_by=permissions.user_of(by),
    )
    appointment.status = status
    appointment.contact = contact
    appointment.reason = text
    appointment.save(update_fields=["status", "contact", "reason", "version"])
    if status in (AppointmentStatus.CANCELLED_BY_CLIENT, AppointmentStatus.CANCELLED_BY_SERVICE):
        _refresh_next_session(appointment, day)
    record_change(
        by=by,
        action="record_appointment_outcome",
        target=appointment,
        client_id=appointment.referral.client_id,
        old={"status": AppointmentStatus.BOOKED},
        new={"status": status, "contact": contact.pk, "reason": text},
    )
    return contact


def _refresh_next_session(appointment: Appointment, day: dt.date) -> None:
    """A cancelled booking is no longer the episode's next session: the next booked one
    is (or none). A date the therapist set without a booking is left alone."""
    if appointment.episode_id is None:
        return
    following = next_booked(appointment.referral, episode_id=appointment.episode_id)
    Episode.unscoped.filter(pk=appointment.episode_id, next_session_on=day).update(
        next_session_on=timezone.localdate(following.starts_at) if following else None
    )


def next_booked(referral: Referral, *, episode_id: int | None = None) -> Appointment | None:
    """The referral's next booked appointment still to come (of one episode, if given)."""
    found = Appointment.unscoped.filter(
        referral=referral, status=AppointmentStatus.BOOKED, starts_at__gte=timezone.now()
    )
    if episode_id is not None:
        found = found.filter(episode_id=episode_id)
    return found.select_related("staff__user").order_by("starts_at", "pk").first()


@transaction.atomic
def cancel_by_client(
    *, appointment: Appointment, reason: str = "", by: User | AnonymousUser
) -> Contact:
    """The client cancels their own booked appointment (signed in, or with the reminder's
    link): recorded as cancelled by the client (NHS TT attendance code 2), so the
    therapist's week shows it and the slot is free."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.is_the_client(viewer, appointment.referral.client_id),
        "cancel this appointment",
    )
    current = Appointment.unscoped.select_for_update().get(pk=appointment.pk)
    errors: dict[str, str] = {}
    text = check_text(errors, "reason", reason, limit=2000)
    if current.status != AppointmentStatus.BOOKED:
        errors["__all__"] = f"This appointment is already {current.get_status_display().lower()}."
    elif current.starts_at < timezone.now():
        errors["__all__"] = "This appointment has already started; call the service instead."
    if errors:
        raise ActionError(errors)
    claim_version(current, current.version)
    contact = _write_outcome(current, AppointmentStatus.CANCELLED_BY_CLIENT, text, by)
    appointment.refresh_from_db()
    return contact
