"""Sessions numbered by date, and the booked appointment a session fulfils."""

from __future__ import annotations

from ontrack.web.common.codes import TREATMENT_APP_TYPES
from ontrack.web.records.models import (
    Appointment,
    AppointmentStatus,
    Contact,
    Episode,
    Referral,
)


def renumber_sessions(referral: Referral) -> dict[int, int | None]:
    """Number the referral's attended treatment sessions by date (1 = first), never by the
    order they were typed: a session recorded late for an earlier day takes its place.
    Contacts entered in error have no number. Return each contact's number by its id."""
    contacts = list(
        Contact.unscoped.filter(referral=referral)
        .order_by("contact_date", "recorded_at", "pk")
        .only("pk", "attendance", "app_type", "session_number", "entered_in_error_at")
    )
    wanted: dict[int, int | None] = {}
    number = 0
    for c in contacts:
        counts = c.attended and c.app_type in TREATMENT_APP_TYPES and not c.in_error
        number += 1 if counts else 0
        wanted[c.pk] = number if counts else None
    changed = [c for c in contacts if c.session_number != wanted[c.pk]]
    # Clear first, then set: the numbers are unique within the referral at every step.
    # (A session just written has no number yet: nothing to clear, one statement fewer.)
    numbered = [c.pk for c in changed if c.session_number is not None]
    if numbered:
        Contact.unscoped.filter(pk__in=numbered).update(session_number=None)
    for c in changed:
        if wanted[c.pk] is not None:
            Contact.unscoped.filter(pk=c.pk).update(session_number=wanted[c.pk])
    return wanted


def attend_booked_appointment(episode: Episode, contact: Contact) -> None:
    """An attended session fulfils the appointment booked for it that day, if any."""
    if not contact.attended:
        return
    booked = (
        Appointment.unscoped.filter(
            referral=episode.referral,
            status=AppointmentStatus.BOOKED,
            starts_at__date=contact.contact_date,
        )
        .order_by("starts_at")
        .first()
    )
    if booked is not None:
        booked.status = AppointmentStatus.ATTENDED
        booked.contact = contact
        booked.version += 1
        booked.save(update_fields=["status", "contact", "version"])
