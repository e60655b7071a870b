"""Waiting, keeping in touch, changing course and ending."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ontrack.web.common.codes import Step, Therapy
from ontrack.web.common.crypto import EncryptedTextField
from ontrack.web.pathway.codes import (
    AttemptMethod,
    AttemptOutcome,
    ClientsChoice,
    Considered,
    CourseChangeKind,
    LeftWaitingList,
)
from ontrack.web.records.scoping import ScopedModel


class WaitingListEntry(ScopedModel):
    """A referral waiting for treatment at a step and therapy; left when allocated or ended."""

    client_path: ClassVar[str] = "referral__client"

    referral = models.ForeignKey(
        "records.Referral", on_delete=models.PROTECT, related_name="waiting_entries"
    )
    step = models.PositiveSmallIntegerField(choices=Step.choices)
    therapy = models.CharField(max_length=20, choices=Therapy.choices, blank=True)
    added_on = models.DateField()
    reason = models.CharField(max_length=300, blank=True)
    left_on = models.DateField(null=True, blank=True)
    left_because = models.CharField(max_length=10, choices=LeftWaitingList.choices, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering: ClassVar = ["added_on", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(left_on__isnull=True),
                name="waiting_one_open_entry_per_referral",
            ),
            models.CheckConstraint(
                condition=(Q(left_on__isnull=True) & Q(left_because=""))
                | (Q(left_on__isnull=False) & ~Q(left_because="")),
                name="waiting_left_with_reason",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["left_on", "step"])]

    def __str__(self) -> str:
        return f"Waiting since {self.added_on:%d %b %Y}"


class WaitingCheckIn(ScopedModel):
    """A waiting-well check-in: how someone is while they wait (questionnaires kept)."""

    client_path: ClassVar[str] = "referral__client"
    SENSITIVE_TEXT: ClassVar = ("note",)

    referral = models.ForeignKey(
        "records.Referral", on_delete=models.PROTECT, related_name="check_ins"
    )
    checked_on = models.DateField()
    scores = models.JSONField(
        default=dict, help_text="Measure → {items, total, band, risk}, scored as at a session."
    )
    note = EncryptedTextField(blank=True)
    still_wants_therapy = models.BooleanField(default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["checked_on", "pk"]

    def __str__(self) -> str:
        return f"Check-in on {self.checked_on:%d %b %Y}"


class ContactAttempt(ScopedModel):
    """An attempt to reach a client, e.g. after a missed appointment, or an opt-in letter."""

    client_path: ClassVar[str] = "referral__client"
    SENSITIVE_TEXT: ClassVar = ("note",)

    referral = models.ForeignKey(
        "records.Referral", on_delete=models.PROTECT, related_name="contact_attempts"
    )
    attempted_on = models.DateField()
    method = models.CharField(max_length=8, choices=AttemptMethod.choices)
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices)
    opt_in_by = models.DateField(
        null=True, blank=True, help_text="For an opt-in letter: the date to reply by."
    )
    note = EncryptedTextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["attempted_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} on {self.attempted_on:%d %b %Y}"


class CourseChange(ScopedModel):
    """A change of course (step, therapy, therapist, back to waiting), with its reason in
    words that blame nobody; the episodes before and after keep the history."""

    client_path: ClassVar[str] = "referral__client"
    SENSITIVE_TEXT: ClassVar = ("reason",)

    referral = models.ForeignKey(
        "records.Referral", on_delete=models.PROTECT, related_name="course_changes"
    )
    kind = models.CharField(max_length=10, choices=CourseChangeKind.choices)
    changed_on = models.DateField()
    from_episode = models.ForeignKey(
        "records.Episode", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    to_episode = models.ForeignKey(
        "records.Episode", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reason = EncryptedTextField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["changed_on", "pk"]

    def __str__(self) -> str:
        return self.get_kind_display()


class EndingReview(ScopedModel):
    """The ending review with the client: what helped, what did not, what next.

    The client's own part comes from their pages (the portal fills ``client_*``); the
    therapist's part and the early-ending questions are recorded with the ending.
    """

    client_path: ClassVar[str] = "referral__client"
    SENSITIVE_TEXT: ClassVar = (
        "what_helped",
        "what_did_not",
        "what_next",
        "client_what_helped",
        "client_what_did_not",
        "client_what_next",
    )

    referral = models.OneToOneField(
        "records.Referral", on_delete=models.PROTECT, related_name="ending_review"
    )
    what_helped = EncryptedTextField(blank=True)
    what_did_not = EncryptedTextField(blank=True)
    what_next = EncryptedTextField(blank=True)
    whose_choice = models.CharField(max_length=8, choices=ClientsChoice.choices, blank=True)
    considered = models.CharField(max_length=16, choices=Considered.choices, blank=True)
    # The client's part, given from their own pages (issue 15); empty until they do.
    client_what_helped = EncryptedTextField(blank=True)
    client_what_did_not = EncryptedTextField(blank=True)
    client_what_next = EncryptedTextField(blank=True)
    client_gave_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return "Ending review"
