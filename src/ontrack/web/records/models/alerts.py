"""Early-warning alerts and what people did about them.

An alert lives through opened → acknowledged → acted on → closed, and each step keeps who
and when, because an unread alert helps nobody and the time to each step is measured.
A risk alert cannot be closed until an action has been recorded: the action refuses, and
a database constraint refuses too.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ontrack.web.common.codes import AlertActionKind, AlertKind, AlertSeverity, AlertStatus
from ontrack.web.common.crypto import EncryptedTextField
from ontrack.web.records.scoping import ScopedModel


class Alert(ScopedModel):
    """One alert about one referral, with its reasons in plain words."""

    client_path: ClassVar[str] = "referral__client"

    referral = models.ForeignKey(
        "records.Referral", on_delete=models.PROTECT, related_name="alerts"
    )
    contact = models.ForeignKey(
        "records.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
        help_text="The contact after which it opened.",
    )
    external_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    severity = models.CharField(max_length=8, choices=AlertSeverity.choices)
    reasons = models.JSONField(default=list, help_text="What was seen, in plain words.")
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the early-warning engine opened it.",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the first action was recorded."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    close_note = EncryptedTextField(blank=True)
    risk_level = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=(
            "Risk alerts: the worst finding since it opened (0 a risk item left unanswered, "
            "1-3 the answer's level, 3 a review that found high risk); ADR 0120."
        ),
    )
    follows = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followed_by",
        help_text="Risk alerts: the closed risk alert of the same client this one follows.",
    )

    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering: ClassVar = ["-opened_at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(acknowledged_by__isnull=True) | Q(acknowledged_at__isnull=False),
                name="alert_acknowledged_by_has_time",
            ),
            models.CheckConstraint(
                condition=Q(closed_by__isnull=True) | Q(closed_at__isnull=False),
                name="alert_closed_by_has_time",
            ),
            models.CheckConstraint(
                condition=(Q(status="closed") & Q(closed_at__isnull=False))
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="alert_closed_iff_closed_at",
            ),
            models.CheckConstraint(
                condition=~Q(kind="risk") | Q(closed_at__isnull=True) | Q(acted_at__isnull=False),
                name="alert_risk_closed_only_after_action",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True)
                | Q(acknowledged_at__gte=models.F("opened_at")),
                name="alert_acknowledged_after_opened",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=models.F("opened_at")),
                name="alert_closed_after_opened",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["status", "severity"])]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} {self.get_kind_display().lower()} alert"

    @property
    def is_closed(self) -> bool:
        return self.status == AlertStatus.CLOSED


class AlertAction(ScopedModel):
    """One thing someone did about an alert."""

    client_path: ClassVar[str] = "alert__referral__client"

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(max_length=32, choices=AlertActionKind.choices)
    note = EncryptedTextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["at", "pk"]

    def __str__(self) -> str:
        return self.get_kind_display()
