"""What the client's side keeps: links, each service's portal settings, appointment
requests, the client's part of the ending review, patient experience answers and session
recordings. Free text a client writes is listed in ``sensitive.py``."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ontrack.web.common.codes import ConcernRoute
from ontrack.web.common.crypto import EncryptedTextField
from ontrack.web.records.scoping import ScopedModel

DEFAULT_CRISIS_TEXT = (
    "If you feel you might act on thoughts of hurting yourself, call 999 or go to A&E now. "
    "For urgent help that is not an emergency, call NHS 111 and choose option 2 for mental "
    "health. You can talk to Samaritans any time, free, on 116 123."
)


class LinkPurpose(models.TextChoices):
    """The one thing a link lets its holder do."""

    QUESTIONNAIRES = "questionnaires", "Complete this week's questionnaires"
    RATE_SESSION = "rate_session", "Rate a session"
    APPOINTMENT = "appointment", "Cancel or ask to change an appointment"
    STOP_MESSAGES = "stop_messages", "Stop reminders"


class AccessLink(ScopedModel):
    """A signed, single-purpose, expiring link sent to a client; only its hash is kept."""

    client_path: ClassVar[str] = "client"

    client = models.ForeignKey("records.Client", on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(
        "records.Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    contact = models.ForeignKey(
        "records.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    episode = models.ForeignKey(
        "records.Episode", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    appointment = models.ForeignKey(
        "records.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="For a reminder's link: the one booked appointment it may cancel or move.",
    )
    purpose = models.CharField(max_length=20, choices=LinkPurpose.choices)
    channel = models.CharField(max_length=8, blank=True, help_text="email or sms, if sent.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    opened_count = models.PositiveIntegerField(default=0)
    last_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="access_link_expires_after_creation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} link {self.pk}"


class LinkAttempt(models.Model):
    """A link that could not be opened, by address (hashed): the rate limit counts these."""

    address_hash = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(db_index=True)
    problem = models.CharField(max_length=16)

    def __str__(self) -> str:
        return f"{self.problem} at {self.at:%Y-%m-%d %H:%M}"


class ProfessionalBody(models.TextChoices):
    BABCP = "BABCP", "British Association for Behavioural and Cognitive Psychotherapies"
    BACP = "BACP", "British Association for Counselling and Psychotherapy"
    UKCP = "UKCP", "UK Council for Psychotherapy"


class PortalSettings(models.Model):
    """How one service runs its client pages: complaints route and timescales, crisis text,
    alliance measure, questionnaire window and recording retention (set in /admin/)."""

    service = models.OneToOneField(
        "accounts.Service", on_delete=models.CASCADE, related_name="portal_settings"
    )
    complaint_route = models.CharField(
        max_length=8, choices=ConcernRoute.choices, default=ConcernRoute.NHS
    )
    professional_body = models.CharField(
        max_length=8,
        choices=ProfessionalBody.choices,
        blank=True,
        help_text="Private practice: the therapists' professional body.",
    )
    acknowledge_days = models.PositiveSmallIntegerField(
        default=3, help_text="Working days to acknowledge a complaint (NHS: 3)."
    )
    respond_days = models.PositiveSmallIntegerField(
        default=25, help_text="Working days this service aims to answer each step in."
    )
    pals_contact = models.TextField(
        blank=True, help_text="How to reach PALS or the integrated care board's complaints team."
    )
    crisis_text = models.TextField(default=DEFAULT_CRISIS_TEXT)
    alliance_measure = models.CharField(max_length=32, default="OSR")
    questionnaire_open_days = models.PositiveSmallIntegerField(
        default=4, help_text="Days a questionnaire link stays open."
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        default=2, help_text="Days after the invitation to remind, if not done."
    )
    recording_retention_days = models.PositiveSmallIntegerField(
        default=90, help_text="Days a session recording is kept."
    )

    class Meta:
        verbose_name_plural = "portal settings"

    def __str__(self) -> str:
        return f"Client pages of service {self.service_id}"


class RequestKind(models.TextChoices):
    CANCEL = "cancel", "Cancel this appointment"
    REBOOK = "rebook", "Ask for another time"


class AppointmentRequest(ScopedModel):
    """The client cancelled a booked appointment or asked for another time: one row per
    request, for staff at ``/requests/``. A cancellation is already made on the
    appointment itself (cancelled by the client); a request to move waits for staff to
    move it with the pathway's own action."""

    client_path: ClassVar[str] = "referral__client"

    referral = models.ForeignKey("records.Referral", on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(
        "records.Episode", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    appointment = models.ForeignKey(
        "records.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="client_requests",
    )
    session_on = models.DateField()
    kind = models.CharField(max_length=8, choices=RequestKind.choices)
    reason = EncryptedTextField(blank=True)
    requested_at = models.DateTimeField()
    via_link = models.BooleanField(default=False)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.session_on:%d %b %Y})"


class EndingReview(ScopedModel):
    """The client's part of the ending review: what helped, what did not, what next."""

    client_path: ClassVar[str] = "referral__client"

    referral = models.OneToOneField("records.Referral", on_delete=models.PROTECT, related_name="+")
    helped = EncryptedTextField(blank=True)
    did_not_help = EncryptedTextField(blank=True)
    next_steps = EncryptedTextField(blank=True)
    submitted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Ending review of referral {self.referral_id}"


class ExperienceStage(models.TextChoices):
    ASSESSMENT = "assessment", "After the assessment"
    END = "end", "At the end of treatment"


class ExperienceAnswers(ScopedModel):
    """The NHS Talking Therapies patient experience questions (PEQ), answered once at the
    assessment and once at the end; answers keyed by their SNOMED CT codes."""

    client_path: ClassVar[str] = "referral__client"

    referral = models.ForeignKey("records.Referral", on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=12, choices=ExperienceStage.choices)
    answers = models.JSONField()
    submitted_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["referral", "stage"], name="peq_once_per_stage")
        ]

    def __str__(self) -> str:
        return f"PEQ {self.stage} of referral {self.referral_id}"


class RecordingConsent(ScopedModel):
    """Both people's consent to record sessions of one episode and listen back."""

    client_path: ClassVar[str] = "episode__referral__client"

    episode = models.OneToOneField("records.Episode", on_delete=models.PROTECT, related_name="+")
    client_agreed_at = models.DateTimeField(null=True, blank=True)
    therapist_agreed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.CharField(max_length=16, blank=True)

    def __str__(self) -> str:
        return f"Recording consent for episode {self.episode_id}"

    @property
    def in_force(self) -> bool:
        return (
            self.client_agreed_at is not None
            and self.therapist_agreed_at is not None
            and self.withdrawn_at is None
        )


class SessionRecording(ScopedModel):
    """A session's audio, encrypted at rest; the file goes when deleted, the row stays."""

    client_path: ClassVar[str] = "contact__referral__client"

    contact = models.ForeignKey("records.Contact", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=80, help_text="The encrypted file under the store.")
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField(help_text="Bytes before encryption.")
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    delete_after = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_why = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering: ClassVar = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"Recording of contact {self.contact_id}"
