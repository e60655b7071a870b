"""Integration tokens: one per connected system, scoped, service-bound, hashed at rest.

The secret is shown once, when the token is made; only its SHA-256 is kept (a random
256-bit secret needs no slow hash: nothing can be guessed from the digest). A token acts
as one member of staff of its service (``acting_as``), so everything it reads is scoped
and everything it writes is checked by the same actions as that person's pages; its
scopes (read, write) and resources narrow that further, never widen it.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

# Client records: a token for these acts as clinical staff and is scoped like them.
CLINICAL_RESOURCES = (
    "clients",
    "referrals",
    "assessments",
    "episodes",
    "appointments",
    "contacts",
    "questionnaires",
    "alerts",
    "goals",
    "homework",
    "signals",
)
# Service configuration: no client data (the only resources an administrator may grant).
CONFIGURATION_RESOURCES = ("staff", "teams", "measures")
RESOURCES = CLINICAL_RESOURCES + CONFIGURATION_RESOURCES
SCOPES = ("read", "write")


class ApiToken(models.Model):
    """One integration's token: who made it, who it acts as, what it may touch."""

    service = models.ForeignKey(
        "accounts.Service", on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="The integration, e.g. 'SMS provider'.")
    acting_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_tokens",
        help_text="The member of staff whose access the token uses (never more).",
    )
    scopes = models.JSONField(default=list, help_text="'read' and/or 'write'.")
    resources = models.JSONField(default=list, help_text="The resources it may touch.")
    prefix = models.CharField(max_length=12, help_text="The secret's first characters.")
    secret_sha256 = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["service__name", "name", "pk"]

    def __str__(self) -> str:
        # What the rate limit keys on (ninja's AuthRateThrottle hashes str(request.auth)).
        return f"api-token:{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, resource: str, *, write: bool) -> bool:
        return resource in self.resources and ("write" if write else "read") in self.scopes
