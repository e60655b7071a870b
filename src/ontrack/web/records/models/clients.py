"""The client: who they are, how to reach them, what they consent to and prefer."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models

from ontrack.web.common.codes import ContactPreference, Ethnicity, Gender, ImdDecile
from ontrack.web.common.crypto import EncryptedTextField
from ontrack.web.records.scoping import ScopedModel

# Fields an editor may change through ``update_client``; each is audited old → new.
CLIENT_EDITABLE_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "ethnicity",
    "imd_decile",
    "first_language",
    "phone",
    "email",
    "address",
    "postcode",
    "contact_preference",
    "consent_to_treatment",
    "consent_to_sms",
    "consent_to_email",
    "consent_to_research",
    "preferred_therapist_gender",
    "preferred_language",
    "needs_interpreter",
    "therapist_preferences",
    "gp_practice",
)


class Client(ScopedModel):
    """A person referred to the service."""

    client_path: ClassVar[str] = ""

    service = models.ForeignKey(
        "accounts.Service", on_delete=models.PROTECT, related_name="clients"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client",
        help_text="Their own sign-in, if they have one.",
    )
    person_id = models.CharField(
        max_length=64, unique=True, help_text="Pseudonymous identifier used in exports."
    )
    # Who they are.
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=1, choices=Gender.choices, default=Gender.NOT_KNOWN)
    ethnicity = models.CharField(
        max_length=1, choices=Ethnicity.choices, default=Ethnicity.NOT_STATED
    )
    imd_decile = models.PositiveSmallIntegerField(
        choices=ImdDecile.choices,
        null=True,
        blank=True,
        help_text="Deprivation decile of their home area (1 = most deprived); blank = not known.",
    )
    first_language = models.CharField(max_length=64, blank=True)
    # How to reach them.
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    address = EncryptedTextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    contact_preference = models.CharField(
        max_length=8, choices=ContactPreference.choices, blank=True
    )
    gp_practice = models.CharField(
        max_length=200, blank=True, help_text="Their GP practice (the discharge letter goes there)."
    )
    # What they consent to.
    consent_to_treatment = models.BooleanField(
        null=True, blank=True, help_text="Blank = not recorded."
    )
    consent_to_sms = models.BooleanField(null=True, blank=True, help_text="Blank = not recorded.")
    consent_to_email = models.BooleanField(null=True, blank=True, help_text="Blank = not recorded.")
    consent_to_research = models.BooleanField(
        null=True,
        blank=True,
        help_text="Anonymised data may be used for service evaluation; blank = not recorded.",
    )
    # What they would like in a therapist (used by matching).
    preferred_therapist_gender = models.CharField(
        max_length=1, choices=Gender.choices, blank=True, help_text="Blank = no preference."
    )
    preferred_language = models.CharField(max_length=64, blank=True)
    needs_interpreter = models.BooleanField(default=False)
    therapist_preferences = EncryptedTextField(
        blank=True, help_text="Anything else they asked for (culture, age, experience)."
    )

    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["family_name", "given_name", "pk"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def age_on(self, day: dt.date) -> int | None:
        """Return their age in whole years on ``day``, or None if the birth date is unknown."""
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
