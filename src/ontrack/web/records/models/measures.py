"""What is measured and agreed at contacts: questionnaires, alliance, goals, homework."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q

from ontrack.web.common.codes import GoalStatus, HomeworkOutcome
from ontrack.web.common.crypto import EncryptedTextField
from ontrack.web.records.scoping import ScopedModel


class QuestionnaireResponse(ScopedModel):
    """One outcome questionnaire completed at one contact, scored by ``ontrack.measures``.

    The item answers are kept (``None`` for a missing item) so the score can be checked
    and recomputed; the total, band, caseness and risk are what the scorer returned.
    """

    client_path: ClassVar[str] = "contact__referral__client"

    contact = models.ForeignKey(
        "records.Contact", on_delete=models.PROTECT, related_name="questionnaires"
    )
    measure = models.CharField(max_length=32, help_text="Measure code, e.g. PHQ-9.")
    items = models.JSONField(
        null=True,
        blank=True,
        help_text="Item answers in order (null for a missing answer); null when an import "
        "carried only the total.",
    )
    total = models.FloatField()
    band = models.CharField(max_length=64, blank=True)
    caseness = models.BooleanField(null=True)
    risk = models.BooleanField(default=False, help_text="A risk item was answered positively.")
    prorated = models.BooleanField(default=False)
    missing = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["contact__contact_date", "measure"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["contact", "measure"], name="questionnaire_once_per_contact"
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.total:g}"


class AllianceResponse(ScopedModel):
    """One rating of the working relationship completed at one contact."""

    client_path: ClassVar[str] = "contact__referral__client"

    contact = models.ForeignKey(
        "records.Contact", on_delete=models.PROTECT, related_name="alliance_ratings"
    )
    measure = models.CharField(max_length=32, help_text="Alliance measure code, e.g. OSR.")
    items = models.JSONField(null=True, blank=True)
    total = models.FloatField()

    class Meta:
        ordering: ClassVar = ["contact__contact_date", "measure"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["contact", "measure"], name="alliance_once_per_contact")
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.total:g}"


class Goal(ScopedModel):
    """One of up to three goals the client and therapist agreed (Goal Based Outcomes)."""

    client_path: ClassVar[str] = "referral__client"

    referral = models.ForeignKey("records.Referral", on_delete=models.PROTECT, related_name="goals")
    number = models.PositiveSmallIntegerField()
    description = EncryptedTextField(blank=True)
    agreed_on = models.DateField()
    status = models.CharField(max_length=8, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)

    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering: ClassVar = ["number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["referral", "number"], name="goal_number_unique"),
            models.CheckConstraint(
                condition=Q(number__gte=1) & Q(number__lte=3), name="goal_number_1_to_3"
            ),
        ]

    def __str__(self) -> str:
        return f"Goal {self.number}"


class GoalRating(ScopedModel):
    """Progress towards one goal rated at one contact: 0 = none, 10 = reached."""

    client_path: ClassVar[str] = "goal__referral__client"

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="ratings")
    contact = models.ForeignKey(
        "records.Contact", on_delete=models.PROTECT, related_name="goal_ratings"
    )
    rating = models.PositiveSmallIntegerField()

    class Meta:
        ordering: ClassVar = ["contact__contact_date"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["goal", "contact"], name="goal_rated_once_per_contact"),
            models.CheckConstraint(
                condition=Q(rating__gte=0) & Q(rating__lte=10), name="goal_rating_0_to_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.goal}: {self.rating}/10"


# Beck's criteria for a well-planned between-session task, in the order they are asked.
BECK_CRITERIA: tuple[tuple[str, str], ...] = (
    ("behaviour", "The specific behaviour: what, when, where and how often"),
    ("rationale", "Why it should help (the rationale, in the client's words)"),
    ("coping_strategy", "What to do if it gets difficult (the coping strategy)"),
    ("monitoring_method", "How the client will record or monitor it"),
    ("client_reaction", "The client's reaction to the plan"),
    ("obstacles", "Obstacles expected, and how to get round them"),
)


class Homework(ScopedModel):
    """A between-session task set at one contact and reviewed at a later one."""

    client_path: ClassVar[str] = "referral__client"

    referral = models.ForeignKey(
        "records.Referral", on_delete=models.PROTECT, related_name="homework"
    )
    external_id = models.CharField(max_length=64, unique=True)
    set_contact = models.ForeignKey(
        "records.Contact", on_delete=models.PROTECT, related_name="homework_set"
    )
    behaviour = EncryptedTextField(blank=True)
    rationale = EncryptedTextField(blank=True)
    coping_strategy = EncryptedTextField(blank=True)
    monitoring_method = EncryptedTextField(blank=True)
    client_reaction = EncryptedTextField(blank=True)
    obstacles = EncryptedTextField(blank=True)
    criteria_met = models.PositiveSmallIntegerField(
        default=0,
        help_text="How many of Beck's six criteria the plan recorded (kept for imports "
        "that carry the count but not the wording).",
    )
    reviewed_contact = models.ForeignKey(
        "records.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="homework_reviewed",
    )
    outcome = models.CharField(max_length=8, choices=HomeworkOutcome.choices, blank=True)
    progress_summary = EncryptedTextField(blank=True)
    # What the client said before the review, from their own pages.
    client_outcome = models.CharField(max_length=8, choices=HomeworkOutcome.choices, blank=True)
    client_obstacles = EncryptedTextField(
        blank=True, help_text="What got in the way, in their words."
    )
    client_reported_at = models.DateTimeField(null=True, blank=True)

    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name_plural = "homework"
        ordering: ClassVar = ["set_contact__contact_date", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(Q(reviewed_contact__isnull=True) & Q(outcome=""))
                | (Q(reviewed_contact__isnull=False) & ~Q(outcome="")),
                name="homework_reviewed_iff_outcome",
            ),
            models.CheckConstraint(
                condition=Q(criteria_met__gte=0) & Q(criteria_met__lte=6),
                name="homework_criteria_0_to_6",
            ),
        ]

    def __str__(self) -> str:
        return self.behaviour[:60] or f"Homework {self.external_id}"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_contact_id is not None
