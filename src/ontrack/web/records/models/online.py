"""Questionnaires a client completed online before a session, waiting to be used at it.

A submission is scored when it arrives (the answers are kept, so the score can be checked)
and any positive risk answer opens an urgent risk alert at once; the therapist need not
open anything for that to happen. When the next session is recorded the submission is
attached to that contact (``used_contact``) and becomes its questionnaire response: the
score lives on once, in ``QuestionnaireResponse``, and a submission is used only once.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ontrack.web.common.codes import OnlineFrequency
from ontrack.web.records.scoping import ScopedModel


class SubmissionSource(models.TextChoices):
    """How the answers reached OnTrack."""

    FORM = "form", "OnTrack online questionnaire"
    FHIR = "fhir", "FHIR QuestionnaireResponse"


class OnlineSubmission(ScopedModel):
    """One questionnaire a client completed online for one referral."""

    client_path: ClassVar[str] = "referral__client"

    referral = models.ForeignKey(
        "records.Referral", on_delete=models.PROTECT, related_name="online_submissions"
    )
    measure = models.CharField(max_length=32, help_text="Measure code, e.g. PHQ-9.")
    items = models.JSONField(help_text="Item answers in order, as the client gave them.")
    total = models.FloatField()
    band = models.CharField(max_length=64, blank=True)
    caseness = models.BooleanField(null=True)
    risk = models.BooleanField(default=False, help_text="A risk item was answered positively.")
    source = models.CharField(
        max_length=8, choices=SubmissionSource.choices, default=SubmissionSource.FORM
    )
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The client's own sign-in; empty when sent through a link (see via_link).",
    )
    via_link = models.BooleanField(
        default=False, help_text="Sent through a signed link in an invitation, not a sign-in."
    )
    alert = models.ForeignKey(
        "records.Alert",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The urgent risk alert the answers opened, if any.",
    )
    used_contact = models.ForeignKey(
        "records.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="online_submissions",
        help_text="The session at which the answers were recorded; empty while waiting.",
    )
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-submitted_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(Q(used_contact__isnull=True) & Q(used_at__isnull=True))
                | (Q(used_contact__isnull=False) & Q(used_at__isnull=False)),
                name="online_submission_used_with_time",
            ),
            models.CheckConstraint(
                condition=~Q(risk=True) | Q(alert__isnull=False),
                name="online_submission_risk_has_alert",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["referral", "used_contact"])]

    def __str__(self) -> str:
        return f"{self.measure} {self.total:g} completed online"

    @property
    def is_used(self) -> bool:
        return self.used_contact_id is not None


class OnlineSettings(ScopedModel):
    """What the therapist decided for one client: which questionnaires are asked online, how
    often, and whether the client sees their own alliance ratings."""

    client_path: ClassVar[str] = "client"

    client = models.OneToOneField(
        "records.Client", on_delete=models.PROTECT, related_name="online_settings"
    )
    measures = models.JSONField(
        default=list,
        blank=True,
        help_text="Measure codes asked online; empty = the default set (PHQ-9, GAD-7 and the "
        "problem's ADSM).",
    )
    frequency = models.CharField(
        max_length=20, choices=OnlineFrequency.choices, default=OnlineFrequency.EVERY_SESSION
    )
    show_alliance = models.BooleanField(
        default=True, help_text="Whether the client sees their own session ratings."
    )
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name_plural = "online settings"

    def __str__(self) -> str:
        return f"Online settings of client {self.client_id}"
