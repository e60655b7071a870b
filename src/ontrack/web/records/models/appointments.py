"""Appointments: what is booked with whom, and what became of it.

An appointment is the plan; the ``Contact`` is what happened (NHS TT counts contacts,
attended or not). Recording its outcome writes the contact: an attended appointment
through the session form, a missed or cancelled one as a contact with its attendance code.
Rebooking keeps the old appointment (``rebooked_as``), so the history shows every change.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ontrack.web.common.codes import AppType, ConsMechanism
from ontrack.web.common.crypto import EncryptedTextField
from ontrack.web.records.scoping import ScopedModel


class AppointmentStatus(models.TextChoices):
    """Where an appointment stands."""

    BOOKED = "booked", "Booked"
    ATTENDED = "attended", "Attended"
    CANCELLED_BY_CLIENT = "cancelled_client", "Cancelled by the client"
    CANCELLED_BY_SERVICE = "cancelled_service", "Cancelled by the service"
    DID_NOT_ATTEND = "dna", "Did not attend"
    LATE_NOT_SEEN = "late_not_seen", "Arrived late, could not be seen"
    REBOOKED = "rebooked", "Moved to another time"


# The NHS TT attendance code each outcome is recorded with.
OUTCOME_ATTENDANCE = {
    AppointmentStatus.CANCELLED_BY_CLIENT: "2",
    AppointmentStatus.DID_NOT_ATTEND: "3",
    AppointmentStatus.CANCELLED_BY_SERVICE: "4",
    AppointmentStatus.LATE_NOT_SEEN: "7",
}
OPEN_STATUSES = (AppointmentStatus.BOOKED,)


class Appointment(ScopedModel):
    """One booked appointment of a referral with a member of staff."""

    client_path: ClassVar[str] = "referral__client"

    referral = models.ForeignKey(
        "records.Referral", on_delete=models.PROTECT, related_name="appointments"
    )
    episode = models.ForeignKey(
        "records.Episode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    staff = models.ForeignKey(
        "accounts.Staff", on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField(default=50)
    app_type = models.CharField(max_length=2, choices=AppType.choices, default=AppType.TREATMENT)
    cons_mechanism = models.CharField(
        max_length=2, choices=ConsMechanism.choices, default=ConsMechanism.FACE_TO_FACE
    )
    status = models.CharField(
        max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    contact = models.OneToOneField(
        "records.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointment",
        help_text="The contact that records what happened.",
    )
    rebooked_as = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rebooked_from",
    )
    reason = EncryptedTextField(blank=True, help_text="Why it was cancelled or moved.")
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    booked_at = models.DateTimeField(auto_now_add=True)

    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering: ClassVar = ["starts_at", "pk"]
        indexes: ClassVar = [
            models.Index(fields=["staff", "starts_at"]),
            models.Index(fields=["referral", "status"]),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~Q(status="rebooked") | Q(rebooked_as__isnull=False),
                name="appointment_rebooked_has_new_one",
            ),
        ]

    def __str__(self) -> str:
        return f"Appointment at {self.starts_at:%d %b %Y %H:%M}"

    @property
    def is_booked(self) -> bool:
        return self.status == AppointmentStatus.BOOKED
