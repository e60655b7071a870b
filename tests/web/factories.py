"""factory_boy factories for the web tests. They write through ``unscoped`` managers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from ontrack.web.accounts.models import Service, Staff, StaffRole, Supervision, Team, User
from ontrack.web.common import codes
from ontrack.web.records.models import (
    Alert,
    AllianceResponse,
    Client,
    Contact,
    Episode,
    Goal,
    Homework,
    QuestionnaireResponse,
    Referral,
)

TODAY = timezone.localdate()


class _Factory(DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _get_manager(cls, model_class: Any) -> Any:
        return getattr(model_class, "unscoped", model_class._default_manager)


class ServiceFactory(_Factory):
    class Meta:
        model = Service

    code = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Talking Therapies {n}")


class TeamFactory(_Factory):
    class Meta:
        model = Team

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(_Factory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    password = factory.django.Password("correct horse battery")


class StaffFactory(_Factory):
    class Meta:
        model = Staff

    user = factory.SubFactory(UserFactory)
    service = factory.SubFactory(ServiceFactory)
    role = StaffRole.THERAPIST
    therapist_role = codes.TherapistRole.HIGH_INTENSITY
    practitioner_id = factory.Sequence(lambda n: f"T{n:04d}")
    qualifications = factory.LazyFunction(lambda: [codes.Qualification.HI_CBT.value])
    modalities = factory.LazyFunction(lambda: [codes.Therapy.CBT.value])
    languages = factory.LazyFunction(lambda: ["English"])
    caseload_limit = 30


class SupervisionFactory(_Factory):
    class Meta:
        model = Supervision

    supervisor = factory.SubFactory(StaffFactory, role=StaffRole.SUPERVISOR)
    supervisee = factory.SubFactory(StaffFactory)
    started_on = TODAY - dt.timedelta(days=365)


class ClientFactory(_Factory):
    class Meta:
        model = Client

    service = factory.SubFactory(ServiceFactory)
    person_id = factory.Sequence(lambda n: f"P{n:06d}")
    given_name = "Cara"
    family_name = factory.Sequence(lambda n: f"Client{n}")
    date_of_birth = dt.date(1990, 5, 17)
    gender = codes.Gender.FEMALE
    ethnicity = codes.Ethnicity.WHITE_BRITISH
    imd_decile = 3
    consent_to_treatment = True


class ReferralFactory(_Factory):
    class Meta:
        model = Referral

    client = factory.SubFactory(ClientFactory)
    external_id = factory.Sequence(lambda n: f"R{n:06d}")
    referral_date = TODAY - dt.timedelta(days=120)
    source = codes.SourceOfReferral.GP
    problem_descriptor = codes.ProblemDescriptor.DEPRESSIVE_EPISODE
    step = codes.Step.HIGH_INTENSITY
    age_at_referral = 35


class EpisodeFactory(_Factory):
    class Meta:
        model = Episode

    referral = factory.SubFactory(ReferralFactory)
    therapist = factory.SubFactory(StaffFactory)
    step = codes.Step.HIGH_INTENSITY
    therapy = codes.Therapy.CBT
    started_on = TODAY - dt.timedelta(days=90)


class ContactFactory(_Factory):
    class Meta:
        model = Contact

    referral = factory.SubFactory(ReferralFactory)
    episode = None
    external_id = factory.Sequence(lambda n: f"C{n:07d}")
    contact_date = TODAY - dt.timedelta(days=30)
    app_type = codes.AppType.TREATMENT
    attendance = codes.Attendance.ATTENDED_ON_TIME
    therapy = codes.Therapy.CBT
    step = 3
    session_number = factory.Sequence(lambda n: n + 1)


class QuestionnaireResponseFactory(_Factory):
    class Meta:
        model = QuestionnaireResponse

    contact = factory.SubFactory(ContactFactory)
    measure = "PHQ-9"
    items = factory.LazyFunction(lambda: [2, 2, 2, 1, 1, 1, 1, 1, 0])
    total = 11.0
    band = "moderate"
    caseness = True


class AllianceResponseFactory(_Factory):
    class Meta:
        model = AllianceResponse

    contact = factory.SubFactory(ContactFactory)
    measure = "OSR"
    items = factory.LazyFunction(lambda: [8, 8, 9, 8])
    total = 33.0


class GoalFactory(_Factory):
    class Meta:
        model = Goal

    referral = factory.SubFactory(ReferralFactory)
    number = 1
    description = "Walk to the shop on my own"
    agreed_on = TODAY - dt.timedelta(days=60)


class HomeworkFactory(_Factory):
    class Meta:
        model = Homework

    referral = factory.SubFactory(ReferralFactory)
    external_id = factory.Sequence(lambda n: f"H{n:06d}")
    set_contact = factory.SubFactory(ContactFactory, referral=factory.SelfAttribute("..referral"))
    behaviour = "Go for a 10-minute walk after breakfast on Monday, Wednesday and Friday"
    rationale = "Activity lifts mood"
    criteria_met = 2


class AlertFactory(_Factory):
    class Meta:
        model = Alert

    referral = factory.SubFactory(ReferralFactory)
    external_id = factory.Sequence(lambda n: f"A{n:06d}")
    kind = codes.AlertKind.OFF_TRACK
    severity = codes.AlertSeverity.HIGH
    reasons = factory.LazyFunction(lambda: ["PHQ-9 is 4 points above the expected course."])
    opened_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
