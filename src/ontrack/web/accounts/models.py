"""Services, teams, staff and supervision: the configuration a service edits in the admin.

These are not clinical records, so the Django admin may change them directly; who may see
which client is decided from them in ``ontrack.web.records.scoping``.
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from ontrack.web.common.codes import Ethnicity, Gender, Qualification, TherapistRole, Therapy


class User(AbstractUser):
    """A person who signs in: a member of staff (see ``Staff``) or a client."""

    class Meta:
        db_table = "accounts_user"


class StaffRole(models.TextChoices):
    """What a member of staff does, which decides what they may see.

    A therapist sees their own caseload; a supervisor their supervisees' (and their own, if
    they also carry one); a service manager everything in their service; an admin configures
    the service and sees no client records.
    """

    THERAPIST = "therapist", "Therapist"
    SUPERVISOR = "supervisor", "Supervisor"
    MANAGER = "manager", "Service manager"
    ADMIN = "admin", "Administrator"


class Service(models.Model):
    """A talking-therapy service: an NHS TT provider, a counselling centre or a practice."""

    code = models.SlugField(
        max_length=64, unique=True, help_text="Identifier used in exports (OrgID_Provider)."
    )
    name = models.CharField(max_length=200)
    region = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A team within a service (a locality, a step of care, a pathway)."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)

    class Meta:
        ordering: ClassVar = ["service__name", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["service", "name"], name="team_name_unique_in_service")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.service})"


def _validate_codes(values: object, choices: type[models.TextChoices], field: str) -> None:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValidationError({field: "Give a list of codes."})
    unknown = sorted(set(values) - set(choices.values))
    if unknown:
        raise ValidationError({field: f"Unknown code(s): {', '.join(unknown)}."})


# No practitioner carries more open cases than this; a bigger number is a typing mistake.
MAX_CASELOAD = 200


class Staff(models.Model):
    """A member of staff: their role, what they can deliver and who they are."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="staff")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="staff")
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="staff"
    )
    role = models.CharField(max_length=16, choices=StaffRole.choices)
    therapist_role = models.CharField(
        max_length=16,
        choices=TherapistRole.choices,
        blank=True,
        help_text="Set for anyone who carries a caseload (therapists, and supervisors who do).",
    )
    practitioner_id = models.CharField(
        max_length=64, unique=True, help_text="Pseudonymous identifier used in exports."
    )
    qualifications = models.JSONField(
        default=list, blank=True, help_text="QualAttainLevelIAPT codes, main one first."
    )
    modalities = models.JSONField(
        default=list, blank=True, help_text="SNOMED codes of the therapies they deliver."
    )
    languages = models.JSONField(
        default=list, blank=True, help_text="Languages they work in (e.g. English, Urdu)."
    )
    gender = models.CharField(max_length=1, choices=Gender.choices, blank=True)
    ethnicity = models.CharField(max_length=1, choices=Ethnicity.choices, blank=True)
    year_of_birth = models.PositiveSmallIntegerField(null=True, blank=True)
    caseload_limit = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_CASELOAD)],
        help_text=f"Maximum open cases agreed for this practitioner (0 = none, at most "
        f"{MAX_CASELOAD}).",
    )
    triage = models.BooleanField(
        default=False,
        help_text="Works on intake and assessment: sees the intake queue and the waiting list.",
    )

    class Meta:
        verbose_name_plural = "staff"
        ordering: ClassVar = ["user__last_name", "user__first_name"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~Q(role__in=["manager", "admin"]) | Q(therapist_role=""),
                name="staff_managers_and_admins_carry_no_caseload",
            ),
            models.CheckConstraint(
                condition=~Q(role="therapist") | ~Q(therapist_role=""),
                name="staff_therapist_has_therapist_role",
            ),
            models.CheckConstraint(
                condition=Q(caseload_limit__lte=MAX_CASELOAD),
                name="staff_caseload_limit_bounded",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = self.user.get_full_name()
        return full or self.user.get_username()

    @property
    def carries_caseload(self) -> bool:
        return bool(self.therapist_role)

    def clean(self) -> None:
        _validate_codes(self.qualifications, Qualification, "qualifications")
        _validate_codes(self.modalities, Therapy, "modalities")
        if not isinstance(self.languages, list):
            raise ValidationError({"languages": "Give a list of languages."})
        if self.role in (StaffRole.MANAGER, StaffRole.ADMIN) and self.therapist_role:
            raise ValidationError(
                {"therapist_role": "Managers and administrators carry no caseload."}
            )
        if self.role == StaffRole.THERAPIST and not self.therapist_role:
            raise ValidationError({"therapist_role": "Say what kind of therapist this is."})
        if self.team is not None and self.team.service_id != self.service_id:
            raise ValidationError({"team": "The team belongs to another service."})


class Supervision(models.Model):
    """One supervisor supervising one member of staff, from a date until (optionally) a date."""

    supervisor = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="supervising")
    supervisee = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="supervised_by")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~Q(supervisor=models.F("supervisee")),
                name="supervision_not_self",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="supervision_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["supervisor", "supervisee"],
                condition=Q(ended_on__isnull=True),
                name="supervision_one_current_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supervisor} supervises {self.supervisee}"

    def clean(self) -> None:
        if (
            self.supervisor_id is not None
            and self.supervisee_id is not None
            and self.supervisor.service_id != self.supervisee.service_id
        ):
            raise ValidationError("Supervisor and supervisee must work in the same service.")
        if self.supervisor_id is not None and self.supervisor.role != StaffRole.SUPERVISOR:
            raise ValidationError({"supervisor": "Only staff with the supervisor role supervise."})


class FormToken(models.Model):
    """A one-time token a form carries, claimed when the form is saved.

    Going back and submitting the same form again finds its token claimed and is refused,
    so it cannot record a second session. Claimed in the same transaction as the save: a
    save that fails leaves the token free to try again.
    """

    token = models.CharField(max_length=64, unique=True)
    claimed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    claimed_at = models.DateTimeField(auto_now_add=True)
    result = models.CharField(max_length=200, blank=True, help_text="Where what it saved lives.")

    def __str__(self) -> str:
        return self.token


class GrantStatus(models.TextChoices):
    """Where a request for manager rights stands."""

    PENDING = "pending", "Waiting for a second manager"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class RoleGrant(models.Model):
    """A request to make a member of staff a service manager, held until a second person
    approves it (ADR 0146): a manager sees every client of the service, so no one person
    hands that out."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=16, choices=StaffRole.choices)
    old_role = models.CharField(max_length=16, choices=StaffRole.choices)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=8, choices=GrantStatus.choices, default=GrantStatus.PENDING
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-requested_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["staff"],
                condition=Q(status="pending"),
                name="role_grant_one_pending_per_staff",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="pending", decided_by__isnull=True, decided_at__isnull=True)
                    | (~Q(status="pending") & Q(decided_by__isnull=False, decided_at__isnull=False))
                ),
                name="role_grant_decided_iff_not_pending",
            ),
            models.CheckConstraint(
                condition=~Q(decided_by=models.F("requested_by")),
                name="role_grant_decided_by_another",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} for {self.staff} ({self.get_status_display()})"
