"""Self-referrals from the public form, waiting for staff to check them."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from ontrack.web.common.crypto import EncryptedTextField
from ontrack.web.pathway.codes import SelfReferralStatus


class SelfReferral(models.Model):
    """What someone sent through the public self-referral form (no account).

    It is not a client record yet: staff who do triage check it, look for the person
    already on the books, then register the client and the referral, or decline it.
    """

    SENSITIVE_TEXT: ClassVar = ("what_is_happening", "address")

    service = models.ForeignKey(
        "accounts.Service", on_delete=models.PROTECT, related_name="self_referrals"
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    address = EncryptedTextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    contact_preference = models.CharField(max_length=8, blank=True)
    ok_to_leave_message = models.BooleanField(default=False)
    gp_practice = models.CharField(max_length=200, blank=True)
    what_is_happening = EncryptedTextField()
    consent = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=SelfReferralStatus.choices, default=SelfReferralStatus.NEW
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_note = EncryptedTextField(blank=True)
    referral = models.OneToOneField(
        "records.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="self_referral",
    )
    version = models.PositiveIntegerField(default=1)

    objects = models.Manager()
    unscoped = models.Manager()

    class Meta:
        ordering: ClassVar = ["submitted_at", "pk"]
        indexes: ClassVar = [models.Index(fields=["service", "status"])]

    def __str__(self) -> str:
        return f"Self-referral of {self.submitted_at:%d %b %Y}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


DEFAULT_CRISIS_TEXT = (
    "This form is not for emergencies. If you are in danger now or may act on thoughts of "
    "ending your life, call 999 or go to A&E. For urgent help that is not an emergency, call "
    "NHS 111 and choose the mental health option. You can talk to Samaritans at any time on "
    "116 123."
)


class IntakeSettings(models.Model):
    """A service's own words on its public pages: the crisis text above the self-referral."""

    service = models.OneToOneField(
        "accounts.Service", on_delete=models.CASCADE, related_name="intake_settings"
    )
    crisis_text = models.TextField(default=DEFAULT_CRISIS_TEXT)

    class Meta:
        verbose_name_plural = "intake settings"

    def __str__(self) -> str:
        return f"Intake settings of {self.service}"
