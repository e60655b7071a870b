"""Referral, assessment, episode of care and contact: the course of care itself."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ontrack.web.common.codes import (
    AppType,
    AssessmentOutcome,
    Attendance,
    ConsMechanism,
    EndCode,
    EpisodeStatus,
    ProblemDescriptor,
    SignalStatus,
    SourceOfReferral,
    Step,
    Therapy,
)
from ontrack.web.common.crypto import EncryptedTextField
from ontrack.web.records.scoping import ScopedModel


class Referral(ScopedModel):
    """One referral (pathway) of one client to the service: the unit of NHS TT outcomes."""

    client_path: ClassVar[str] = "client"

    client = models.ForeignKey("records.Client", on_delete=models.PROTECT, related_name="referrals")
    external_id = models.CharField(
        max_length=64, unique=True, help_text="Referral (pathway) identifier used in exports."
    )
    referral_date = models.DateField()
    source = models.CharField(max_length=2, choices=SourceOfReferral.choices, blank=True)
    problem_descriptor = models.CharField(
        max_length=8, choices=ProblemDescriptor.choices, blank=True
    )
    step = models.PositiveSmallIntegerField(choices=Step.choices, null=True, blank=True)
    age_at_referral = models.PositiveSmallIntegerField(null=True, blank=True)
    employed = models.BooleanField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    end_code = models.CharField(max_length=2, choices=EndCode.choices, blank=True)

    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering: ClassVar = ["-referral_date", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(Q(end_date__isnull=True) & Q(end_code=""))
                | (Q(end_date__isnull=False) & ~Q(end_code="")),
                name="referral_end_date_and_code_together",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("referral_date")),
                name="referral_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.external_id} of {self.referral_date:%d %b %Y}"

    @property
    def is_open(self) -> bool:
        return self.end_date is None


class Assessment(ScopedModel):
    """The assessment of a referral: what the problem is and what care fits it."""

    client_path: ClassVar[str] = "referral__client"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="assessments")
    contact = models.OneToOneField(
        "records.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessment",
    )
    assessed_on = models.DateField()
    assessor = models.ForeignKey("accounts.Staff", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=16, choices=AssessmentOutcome.choices)
    problem_descriptor = models.CharField(
        max_length=8, choices=ProblemDescriptor.choices, blank=True
    )
    recommended_step = models.PositiveSmallIntegerField(choices=Step.choices, null=True, blank=True)
    risk_summary = EncryptedTextField(blank=True)
    notes = EncryptedTextField(blank=True)

    class Meta:
        ordering: ClassVar = ["assessed_on", "pk"]

    def __str__(self) -> str:
        return f"Assessment of {self.assessed_on:%d %b %Y}"


class Episode(ScopedModel):
    """An episode of care: one therapist's course of treatment within a referral."""

    client_path: ClassVar[str] = "referral__client"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="episodes")
    therapist = models.ForeignKey(
        "accounts.Staff", on_delete=models.PROTECT, related_name="episodes"
    )
    step = models.PositiveSmallIntegerField(choices=Step.choices, null=True, blank=True)
    therapy = models.CharField(max_length=20, choices=Therapy.choices, blank=True)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=8, choices=EpisodeStatus.choices, default=EpisodeStatus.OPEN
    )
    next_session_on = models.DateField(
        null=True, blank=True, help_text="When the next session is booked, if it is."
    )
    # The latest evaluation by the early-warning checks (``ontrack.monitoring``), kept here
    # so the caseload can sort and filter on it without evaluating anything per page view.
    signal = models.CharField(
        max_length=16, choices=SignalStatus.choices, default=SignalStatus.UNKNOWN
    )
    signal_reasons = models.JSONField(
        default=list, blank=True, help_text="Why, in plain words (the evaluation's reasons)."
    )
    signal_detail = models.JSONField(
        default=dict, blank=True, help_text="The evaluation behind the signal, as JSON."
    )
    signal_at = models.DateTimeField(null=True, blank=True)
    signal_contact = models.ForeignKey(
        "records.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The contact the signal was judged after.",
    )

    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering: ClassVar = ["started_on", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(status="open"),
                name="episode_one_open_per_referral",
            ),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(ended_on__isnull=True))
                | (Q(status="closed") & Q(ended_on__isnull=False)),
                name="episode_closed_iff_ended",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["therapist", "status"])]

    def __str__(self) -> str:
        return f"Episode from {self.started_on:%d %b %Y} with {self.therapist}"

    @property
    def is_open(self) -> bool:
        return self.status == EpisodeStatus.OPEN


class Contact(ScopedModel):
    """One appointment of any kind and outcome (attended, did not attend, cancelled)."""

    client_path: ClassVar[str] = "referral__client"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="contacts")
    episode = models.ForeignKey(
        Episode, on_delete=models.PROTECT, null=True, blank=True, related_name="contacts"
    )
    external_id = models.CharField(
        max_length=64, unique=True, help_text="Care contact identifier used in exports."
    )
    contact_date = models.DateField()
    app_type = models.CharField(max_length=2, choices=AppType.choices)
    attendance = models.CharField(max_length=1, choices=Attendance.choices)
    cons_mechanism = models.CharField(
        max_length=2, choices=ConsMechanism.choices, default=ConsMechanism.FACE_TO_FACE
    )
    planned = models.BooleanField(default=True)
    therapist = models.ForeignKey(
        "accounts.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
    )
    therapy = models.CharField(max_length=20, choices=Therapy.choices, blank=True)
    step = models.PositiveSmallIntegerField(choices=Step.choices, null=True, blank=True)
    session_number = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Ordinal of this attended treatment session in the referral (1 = first).",
    )
    notes = EncryptedTextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    # A contact recorded by mistake is kept (the audit trail needs it) but marked, and left
    # out of session numbers, signals and exports; any risk alert it raised stays.
    entered_in_error_at = models.DateTimeField(null=True, blank=True)
    entered_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    entered_in_error_reason = EncryptedTextField(blank=True)

    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering: ClassVar = ["contact_date", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["referral", "session_number"],
                condition=Q(session_number__isnull=False),
                name="contact_session_number_unique_in_referral",
            ),
            models.CheckConstraint(
                condition=Q(session_number__isnull=True)
                | (Q(attendance__in=["5", "6"]) & Q(app_type__in=["02", "03", "05"])),
                name="contact_session_number_only_for_attended_treatment",
            ),
            models.CheckConstraint(
                condition=Q(entered_in_error_at__isnull=True) | Q(session_number__isnull=True),
                name="contact_in_error_has_no_session_number",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["referral", "contact_date"])]

    def __str__(self) -> str:
        return f"{self.get_app_type_display()} on {self.contact_date:%d %b %Y}"

    @property
    def attended(self) -> bool:
        return self.attendance in (Attendance.ATTENDED_ON_TIME, Attendance.ARRIVED_LATE_SEEN)

    @property
    def in_error(self) -> bool:
        return self.entered_in_error_at is not None
