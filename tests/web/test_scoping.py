"""Scoping: one place decides who sees which client; a forgotten scope fails loudly."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from tests.web import factories as f
from tests.web.conftest import ROLES, Cast

from ontrack.web.records.models import (
    Alert,
    AlertAction,
    AllianceResponse,
    Client,
    Concern,
    ConcernStep,
    Contact,
    Episode,
    Goal,
    GoalRating,
    Homework,
    OnlineSubmission,
    QuestionnaireResponse,
    Referral,
    ReviewDecision,
    SupervisionNote,
)
from ontrack.web.records.scoping import ScopedModel, ScopeError, scope, scopes_disabled

pytestmark = pytest.mark.django_db

# Which clients each role may see: Cara is Alice's client, Dan is Bob's.
VISIBLE = {
    "anonymous": set(),
    "alice": {"cara"},
    "bob": {"dan"},
    "charlie": set(),
    "sue": {"cara"},
    "mo": {"cara", "dan"},
    "oscar": set(),
    "adam": set(),
    "cara": {"cara"},
    "dan": {"dan"},
}


def _fill_records(cast: Cast) -> None:
    """Give both clients one row of every clinical model."""
    for client in (cast.client, cast.other_client):
        referral = Referral.unscoped.filter(client=client).first()
        assert referral is not None
        contact = f.ContactFactory(referral=referral)
        f.QuestionnaireResponseFactory(contact=contact)
        f.AllianceResponseFactory(contact=contact)
        goal = f.GoalFactory(referral=referral)
        GoalRating.unscoped.create(goal=goal, contact=contact, rating=5)
        f.HomeworkFactory(referral=referral, set_contact=contact)
        alert = f.AlertFactory(referral=referral, contact=contact)
        AlertAction.unscoped.create(alert=alert, kind="supervision", at=alert.opened_at)
        concern = Concern.unscoped.create(
            client=client, kind="concern", summary="x", raised_at=alert.opened_at
        )
        ConcernStep.unscoped.create(concern=concern, stage="raised", at=alert.opened_at)
        episode = Episode.unscoped.filter(referral=referral).first()
        assert episode is not None
        ReviewDecision.unscoped.create(
            referral=referral,
            episode=episode,
            alert=alert,
            review={"reasons": []},
            decisions=["continue"],
            decided_by=cast.sue,
            decided_at=alert.opened_at,
        )
        SupervisionNote.unscoped.create(
            episode=episode, note="Discussed.", written_by=cast.sue, written_at=alert.opened_at
        )
        OnlineSubmission.unscoped.create(
            referral=referral,
            measure="PHQ-9",
            items=[0] * 9,
            total=0,
            submitted_at=alert.opened_at,
            submitted_by=client.user,
        )


def test_every_clinical_model_is_scoped() -> None:
    records = apps.get_app_config("records").get_models()
    unscoped = [m.__name__ for m in records if not issubclass(m, ScopedModel)]
    assert unscoped == [], f"clinical models without scoping: {unscoped}"


def test_every_client_path_leads_to_a_client(db: None) -> None:
    for model in apps.get_app_config("records").get_models():
        path = model.client_path  # type: ignore[attr-defined]
        lookup = f"{path}__pk__isnull" if path else "pk__isnull"
        assert list(model.unscoped.filter(**{lookup: False})) == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("model", [Client, Referral, Contact, Alert, QuestionnaireResponse])
def test_query_outside_a_scope_raises(db: None, model: type[ScopedModel]) -> None:
    with pytest.raises(ScopeError, match="outside a scope"):
        list(model.objects.all())


def test_related_manager_outside_a_scope_raises(cast: Cast) -> None:
    with pytest.raises(ScopeError):
        list(cast.client.referrals.all())


def test_scopes_disabled_sees_everything(cast: Cast) -> None:
    with scopes_disabled():
        assert Client.objects.count() == 2


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("model", "client_attr"),
    [
        (Client, "given_name"),
        (Referral, "client__given_name"),
        (Episode, "referral__client__given_name"),
        (Contact, "referral__client__given_name"),
        (QuestionnaireResponse, "contact__referral__client__given_name"),
        (AllianceResponse, "contact__referral__client__given_name"),
        (Goal, "referral__client__given_name"),
        (GoalRating, "goal__referral__client__given_name"),
        (Homework, "referral__client__given_name"),
        (Alert, "referral__client__given_name"),
        (AlertAction, "alert__referral__client__given_name"),
        (Concern, "client__given_name"),
        (ConcernStep, "concern__client__given_name"),
        (ReviewDecision, "referral__client__given_name"),
        (SupervisionNote, "episode__referral__client__given_name"),
        (OnlineSubmission, "referral__client__given_name"),
    ],
)
def test_each_role_sees_only_its_clients_records(
    cast: Cast, role: str, model: type[ScopedModel], client_attr: str
) -> None:
    _fill_records(cast)
    user = cast.user(role) or AnonymousUser()

    with scope(user):
        seen = {name.lower() for name in model.objects.values_list(client_attr, flat=True)}

    assert seen == VISIBLE[role]


def test_supervisor_loses_sight_when_supervision_ends(cast: Cast, today: object) -> None:
    from ontrack.web.accounts.models import Supervision

    Supervision.objects.filter(supervisee__user=cast.alice).update(ended_on=cast.episode.started_on)
    cast.sue.__dict__.pop("_ontrack_viewer", None)
    with scope(cast.sue):
        assert not Client.objects.exists()


def test_therapist_keeps_sight_of_past_clients_but_not_reassigned_ones(cast: Cast) -> None:
    episode = Episode.unscoped.get(pk=cast.episode.pk)
    episode.therapist = cast.bob_staff
    episode.save()
    with scope(cast.alice):
        assert not Client.objects.filter(pk=cast.client.pk).exists()
    with scope(cast.bob):
        assert Client.objects.filter(pk=cast.client.pk).exists()
