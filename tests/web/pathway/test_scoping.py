"""Who sees the pathway's records: triage staff see everyone waiting, an assessor and a
booked therapist see their clients, nobody sees another service's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.utils import timezone
from tests.web import factories as f
from tests.web.pathway.conftest import ROLES, Pathway

from ontrack.web.common.codes import AssessmentOutcome
from ontrack.web.pathway.models import (
    IntakeSettings,
    SelfReferral,
    SignpostService,
    WaitingListEntry,
)
from ontrack.web.records.models import Appointment, Assessment, Client
from ontrack.web.records.scoping import ScopedModel, scope

# Who sees Wanda, who waits for treatment (no episode yet).
SEES_WAITING = {
    "anonymous": False,
    "alice": False,
    "bob": False,
    "tess": True,
    "charlie": False,
    "sue": False,
    "mo": True,
    "oscar": False,
    "adam": False,
    "cara": False,
}


def test_every_pathway_model_with_client_data_is_scoped() -> None:
    plain = {SelfReferral, SignpostService, IntakeSettings}  # no client yet; configuration
    models = apps.get_app_config("pathway").get_models()
    unscoped = [m.__name__ for m in models if m not in plain and not issubclass(m, ScopedModel)]
    assert unscoped == []


def _sees(pathway: Pathway, role: str) -> bool:
    from django.contrib.auth.models import AnonymousUser

    user = pathway.user(role) or AnonymousUser()
    with scope(user):
        return (
            Client.objects.filter(pk=pathway.waiting_client.pk).exists()
            and WaitingListEntry.objects.filter(pk=pathway.entry.pk).exists()
        )


@pytest.mark.parametrize("role", ROLES)
def test_waiting_client_seen_by_triage_and_managers_only(pathway: Pathway, role: str) -> None:
    assert _sees(pathway, role) is SEES_WAITING[role]


def test_assessor_sees_the_client_they_assessed(pathway: Pathway) -> None:
    Assessment.unscoped.create(
        referral=pathway.waiting_referral,
        assessed_on=timezone.localdate(),
        assessor=pathway.cast.bob_staff,
        outcome=AssessmentOutcome.SUITABLE,
    )
    assert _sees(pathway, "bob")
    assert not _sees(pathway, "alice")


def test_booked_therapist_sees_the_client(pathway: Pathway) -> None:
    Appointment.unscoped.create(
        referral=pathway.waiting_referral,
        staff=pathway.cast.alice_staff,
        starts_at=timezone.now() + dt.timedelta(days=2),
    )
    assert _sees(pathway, "alice")
    assert _sees(pathway, "sue")  # Alice's supervisor sees what Alice sees
    assert not _sees(pathway, "bob")


def test_triage_staff_of_another_service_see_nothing(pathway: Pathway) -> None:
    other = pathway.cast.other_service
    user = f.UserFactory(username="otto")
    f.StaffFactory(user=user, service=other, triage=True)
    with scope(user):
        assert not Client.objects.filter(pk=pathway.waiting_client.pk).exists()


def test_allocated_client_leaves_triage_view(pathway: Pathway) -> None:
    f.EpisodeFactory(referral=pathway.waiting_referral, therapist=pathway.cast.bob_staff)
    assert not _sees(pathway, "tess")
    assert _sees(pathway, "bob")
