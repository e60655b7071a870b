"""What people decided about a case: why-review decisions and supervision notes."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from ontrack.web.common.crypto import EncryptedTextField
from ontrack.web.records.scoping import ScopedModel


class ReviewDecision(ScopedModel):
    """A why-review held with the client, and what they decided together.

    ``review`` keeps the ranked reasons, evidence and questions exactly as they were shown,
    so the record says what the decision was based on even after the engine changes.
    """

    client_path: ClassVar[str] = "referral__client"

    referral = models.ForeignKey(
        "records.Referral", on_delete=models.PROTECT, related_name="review_decisions"
    )
    episode = models.ForeignKey(
        "records.Episode", on_delete=models.PROTECT, related_name="review_decisions"
    )
    alert = models.ForeignKey(
        "records.Alert",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_decisions",
        help_text="The alert the review was opened from, if any.",
    )
    contact = models.ForeignKey(
        "records.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The latest contact the review was based on.",
    )
    review = models.JSONField(help_text="The review as shown: reasons, evidence, questions.")
    decisions = models.JSONField(help_text="Codes of what was decided (ReviewDecisionKind).")
    reasons_agreed = models.JSONField(
        default=list, blank=True, help_text="The reasons therapist and client agreed on."
    )
    note = EncryptedTextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["-decided_at", "pk"]

    def __str__(self) -> str:
        return f"Why-review of {self.decided_at:%d %b %Y}"

    @property
    def decision_labels(self) -> list[str]:
        """Return what was decided, in words."""
        from ontrack.web.common.codes import ReviewDecisionKind

        labels = dict(ReviewDecisionKind.choices)
        return [str(labels.get(code, code)) for code in self.decisions]

    @property
    def reason_titles(self) -> list[str]:
        """Return the reasons agreed, with the titles the review showed."""
        titles = {r["reason"]: r["title"] for r in self.review.get("reasons", [])}
        return [str(titles.get(code, code)) for code in self.reasons_agreed]


class SupervisionNote(ScopedModel):
    """A note written in supervision about one episode of care."""

    client_path: ClassVar[str] = "episode__referral__client"

    episode = models.ForeignKey(
        "records.Episode", on_delete=models.PROTECT, related_name="supervision_notes"
    )
    note = EncryptedTextField()
    agreed_actions = EncryptedTextField(blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["-written_at", "pk"]

    def __str__(self) -> str:
        return f"Supervision note of {self.written_at:%d %b %Y}"
