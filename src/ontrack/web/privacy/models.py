"""A service's retention policy: how long a closed record is kept before it is erased."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

# The NHS Records Management Code of Practice (2021) keeps mental health records for 20
# years after the last contact (8 years after death); a service may set its own.
DEFAULT_KEEP_YEARS = 20


class RetentionPolicy(models.Model):
    """How many whole years after a client's last referral ended their record is kept."""

    service = models.OneToOneField(
        "accounts.Service", on_delete=models.CASCADE, related_name="retention_policy"
    )
    keep_years = models.PositiveSmallIntegerField(
        default=DEFAULT_KEEP_YEARS,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Years after the last referral ended; the record is then erased.",
    )

    class Meta:
        verbose_name_plural = "retention policies"

    def __str__(self) -> str:
        return f"{self.service}: keep {self.keep_years} years"
