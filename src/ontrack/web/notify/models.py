"""Messages waiting, sent or failed; clients' opt-outs; each service's quiet hours."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.db import models
from django.db.models import Q

from ontrack.web.common.crypto import EncryptedTextField
from ontrack.web.records.scoping import ScopedModel


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class MessageStatus(models.TextChoices):
    """Where a message stands. Queued → sending → sent, or back to queued for another try,
    or failed after the last try; skipped when it must not be sent at all."""

    QUEUED = "queued", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not sent"


class Recipient(models.TextChoices):
    CLIENT = "client", "The client"
    STAFF = "staff", "A member of staff"


class Message(ScopedModel):
    """One message to one address, about one client."""

    client_path: ClassVar[str] = "client"

    client = models.ForeignKey("records.Client", on_delete=models.PROTECT, related_name="+")
    recipient = models.CharField(max_length=8, choices=Recipient.choices, default=Recipient.CLIENT)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    to = models.CharField(max_length=254, help_text="The address or number used.")
    purpose = models.CharField(
        max_length=40, help_text="What the message is for, e.g. questionnaire_invitation."
    )
    subject = models.CharField(max_length=200, blank=True)
    body = EncryptedTextField()
    dedupe_key = models.CharField(
        max_length=120, unique=True, help_text="The same key is never queued twice."
    )
    status = models.CharField(
        max_length=8, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    provider_ref = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["status", "created_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False)
                | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="message_sent_iff_sent_at",
            ),
            models.CheckConstraint(
                condition=Q(status="failed", failed_at__isnull=False)
                | (~Q(status="failed") & Q(failed_at__isnull=True)),
                name="message_failed_iff_failed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.purpose} ({self.get_status_display()})"


class OptOut(ScopedModel):
    """The client asked for no more reminders or invitations on a channel."""

    client_path: ClassVar[str] = "client"

    client = models.ForeignKey("records.Client", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    at = models.DateTimeField()
    how = models.CharField(max_length=40, help_text="How they asked: a link, their pages.")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["client", "channel"], name="opt_out_once_per_channel")
        ]

    def __str__(self) -> str:
        return f"No {self.get_channel_display().lower()}s to client {self.client_id}"


class MessagingSettings(models.Model):
    """A service's quiet hours: nothing is sent to clients between ``quiet_from`` and
    ``quiet_until`` (service time). Equal times mean no quiet hours."""

    service = models.OneToOneField(
        "accounts.Service", on_delete=models.CASCADE, related_name="messaging_settings"
    )
    quiet_from = models.TimeField(default=dt.time(21, 0))
    quiet_until = models.TimeField(default=dt.time(8, 0))

    class Meta:
        verbose_name_plural = "messaging settings"

    def __str__(self) -> str:
        return f"Quiet {self.quiet_from:%H:%M}–{self.quiet_until:%H:%M}"
