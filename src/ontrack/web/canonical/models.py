"""The service dashboard's precomputed counts (ADR 0093).

``ReferralCells`` keeps what each referral adds to the dashboard (its breakdown groups and
its contributions by month, from ``ontrack.analytics.dashboard``); ``MonthCounts`` keeps
their sums per service, month and breakdown group. Both are kept current by
``ontrack.web.canonical.cells`` after every audited change to a client's record, and can be
rebuilt from scratch with ``manage.py rebuild_dashboard``. They hold counts, not records;
the client is referred to by number only, so an erasure (which removes the client's rows)
is followed by the removal of the client's cells and their counts.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class ReferralCells(models.Model):
    """One referral's groups and its contributions to the counts, by month."""

    service = models.ForeignKey("accounts.Service", on_delete=models.CASCADE, related_name="+")
    client_id = models.BigIntegerField(db_index=True)
    referral_id = models.CharField(max_length=64, help_text="The referral's external id.")
    groups = models.JSONField(help_text="Breakdown group per dimension.")
    months = models.JSONField(help_text='{"YYYY-MM": {count name: contribution}}.')

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["service", "referral_id"], name="one_cells_per_referral"
            )
        ]

    def __str__(self) -> str:
        return f"Dashboard cells of referral {self.referral_id}"


class MonthCounts(models.Model):
    """A service's counts in one month for one breakdown group ("overall" for the whole)."""

    service = models.ForeignKey("accounts.Service", on_delete=models.CASCADE, related_name="+")
    month = models.CharField(max_length=7, help_text="YYYY-MM")
    dimension = models.CharField(max_length=32)
    group = models.CharField(max_length=64)
    counts = models.JSONField(help_text="{count name: total}; zeros left out.")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["service", "month", "dimension", "group"], name="one_count_row_per_group"
            )
        ]

    def __str__(self) -> str:
        return f"Counts of {self.month}, {self.dimension} {self.group}"
