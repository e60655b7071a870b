"""What the assessment found and decided: risk and safety plan, circumstances and
signposting, preferences, readiness and the decision."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ontrack.web.common.codes import Step, Therapy
from ontrack.web.common.crypto import EncryptedTextField
from ontrack.web.pathway.codes import (
    CircumstanceKind,
    Decision,
    PreferenceKind,
    Readiness,
    RiskLevel,
)
from ontrack.web.records.scoping import ScopedModel


class RiskAssessment(ScopedModel):
    """A structured risk assessment and safety plan (risk to self and to others).

    Recorded at assessment and whenever risk is reviewed; it is what closes a risk alert's
    review (the early-warning issue's "recorded risk review").
    """

    client_path: ClassVar[str] = "referral__client"
    SENSITIVE_TEXT: ClassVar = (
        "risk_to_self_detail",
        "risk_to_others_detail",
        "protective_factors",
        "safety_plan",
        "crisis_contacts",
    )

    referral = models.ForeignKey(
        "records.Referral", on_delete=models.PROTECT, related_name="risk_assessments"
    )
    contact = models.ForeignKey(
        "records.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessed_on = models.DateField()
    asked_directly = models.BooleanField(
        default=False, help_text="Suicidal thoughts and intent were asked about directly."
    )
    risk_to_self = models.CharField(max_length=10, choices=RiskLevel.choices)
    risk_to_self_detail = EncryptedTextField(blank=True)
    risk_to_others = models.CharField(max_length=10, choices=RiskLevel.choices)
    risk_to_others_detail = EncryptedTextField(blank=True)
    protective_factors = EncryptedTextField(blank=True)
    safety_plan = EncryptedTextField(blank=True)
    crisis_contacts = EncryptedTextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["assessed_on", "pk"]

    def __str__(self) -> str:
        return f"Risk assessment of {self.assessed_on:%d %b %Y}"

    @property
    def highest(self) -> str:
        order = list(RiskLevel.values)
        return max(self.risk_to_self, self.risk_to_others, key=order.index)


class SignpostService(models.Model):
    """A service a talking-therapy service signposts to (its own directory, kept in the admin)."""

    service = models.ForeignKey(
        "accounts.Service", on_delete=models.PROTECT, related_name="signpost_services"
    )
    name = models.CharField(max_length=200)
    helps_with = models.CharField(
        max_length=16, choices=CircumstanceKind.choices, help_text="What it helps with."
    )
    how_to_reach = models.TextField(help_text="Telephone, web address, opening times.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering: ClassVar = ["helps_with", "name"]

    def __str__(self) -> str:
        return self.name


class Circumstance(ScopedModel):
    """A social or personal circumstance found at a contact, and where the client was
    signposted for it."""

    client_path: ClassVar[str] = "referral__client"
    SENSITIVE_TEXT: ClassVar = ("detail",)

    referral = models.ForeignKey(
        "records.Referral", on_delete=models.PROTECT, related_name="circumstances"
    )
    contact = models.ForeignKey("records.Contact", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=CircumstanceKind.choices)
    detail = EncryptedTextField(blank=True)
    signposted_to = models.ForeignKey(
        SignpostService, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Empty for a circumstance brought in by a load of canonical tables (the load's audit
    # event says who brought it in; the dataset does not say who recorded it).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["contact", "kind"], name="circumstance_once_per_contact"
            )
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class TherapyPreference(ScopedModel):
    """One thing the client asked for in their therapist or therapy."""

    client_path: ClassVar[str] = "referral__client"

    referral = models.ForeignKey(
        "records.Referral", on_delete=models.PROTECT, related_name="preferences"
    )
    kind = models.CharField(max_length=12, choices=PreferenceKind.choices)
    value = models.CharField(max_length=200)
    essential = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar = ["pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["referral", "kind"], name="preference_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class TriageDecision(ScopedModel):
    """The decision at assessment, with its reason, readiness and the stepped-care advice."""

    client_path: ClassVar[str] = "referral__client"
    SENSITIVE_TEXT: ClassVar = ("reason", "readiness_note")

    referral = models.ForeignKey(
        "records.Referral", on_delete=models.PROTECT, related_name="triage_decisions"
    )
    assessment = models.OneToOneField(
        "records.Assessment", on_delete=models.PROTECT, related_name="triage"
    )
    decision = models.CharField(max_length=16, choices=Decision.choices)
    step = models.PositiveSmallIntegerField(choices=Step.choices, null=True, blank=True)
    therapy = models.CharField(max_length=20, choices=Therapy.choices, blank=True)
    reason = EncryptedTextField()
    readiness = models.CharField(max_length=10, choices=Readiness.choices)
    readiness_note = EncryptedTextField(blank=True)
    advice = models.TextField(blank=True, help_text="The stepped-care advice shown at the time.")
    matching_advice = models.TextField(
        blank=True,
        help_text="The stratified step and therapy advice (ontrack.matching) shown at the "
        "time, with its reasons; it never advises less care than stepped care.",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["decided_at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~Q(decision="offer") | Q(step__isnull=False),
                name="triage_offer_has_step",
            )
        ]

    def __str__(self) -> str:
        return self.get_decision_display()
