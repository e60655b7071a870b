"""Concerns and complaints a client raises, and the escalation steps they go through."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ontrack.web.common.codes import ConcernAddressee, ConcernKind, ConcernRoute, ConcernStage
from ontrack.web.common.crypto import EncryptedTextField
from ontrack.web.records.scoping import ScopedModel


class Concern(ScopedModel):
    """A concern, a complaint, or a request for another therapist, raised without blame."""

    client_path: ClassVar[str] = "client"

    client = models.ForeignKey("records.Client", on_delete=models.PROTECT, related_name="concerns")
    referral = models.ForeignKey(
        "records.Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=ConcernKind.choices)
    summary = EncryptedTextField()
    stage = models.CharField(
        max_length=20, choices=ConcernStage.choices, default=ConcernStage.RAISED
    )
    raised_at = models.DateTimeField()
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    route = models.CharField(
        max_length=8,
        choices=ConcernRoute.choices,
        default=ConcernRoute.NHS,
        help_text="The complaints route of the service when it was raised.",
    )
    addressed_to = models.CharField(
        max_length=10,
        choices=ConcernAddressee.choices,
        default=ConcernAddressee.THERAPIST,
        help_text="Who the client asked to deal with it first; a concern for the manager is "
        "not shown to the therapist.",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = EncryptedTextField(blank=True)

    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering: ClassVar = ["-raised_at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(Q(stage__in=["resolved", "withdrawn"]) & Q(closed_at__isnull=False))
                | (~Q(stage__in=["resolved", "withdrawn"]) & Q(closed_at__isnull=True)),
                name="concern_closed_iff_resolved_or_withdrawn",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_by__isnull=True) | Q(acknowledged_at__isnull=False),
                name="concern_acknowledged_by_with_time",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["stage", "raised_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_stage_display().lower()})"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ConcernStep(ScopedModel):
    """One step in a concern's history: raised, escalated, resolved, withdrawn."""

    client_path: ClassVar[str] = "concern__client"

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="steps")
    stage = models.CharField(max_length=20, choices=ConcernStage.choices)
    note = EncryptedTextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["at", "pk"]

    def __str__(self) -> str:
        return self.get_stage_display()
