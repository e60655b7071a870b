"""Client, referral, assessment, episode, goal, homework and concern actions with their audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from tests.web import factories as f
from tests.web.conftest import Cast

from ontrack.web.audit.models import AuditEvent
from ontrack.web.common.codes import ConcernStage, EpisodeStatus, GoalStatus
from ontrack.web.records import actions
from ontrack.web.records.models import (
    Assessment,
    Client,
    Concern,
    ConcernStep,
    Contact,
    Episode,
    Goal,
    Homework,
    Referral,
)

pytestmark = pytest.mark.django_db


# -- clients ----------------------------------------------------------------------------------


def test_register_client_writes_client_and_audit(cast: Cast) -> None:
    client = actions.register_client(
        service=cast.service,
        given_name=" Erin ",
        family_name="Example",
        email="erin@example.org",
        imd_decile=2,
        preferred_therapist_gender="2",
        by=cast.mo,
    )

    assert (client.given_name, client.imd_decile) == ("Erin", 2)
    event = AuditEvent.objects.get(action="register_client")
    assert event.actor == "mo"
    assert event.client_id == client.pk
    assert event.new["given_name"] == "Erin"
    assert event.new["email"] == "erin@example.org"


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"family_name": ""}, "family_name"),
        ({"email": "not-an-email"}, "email"),
        ({"gender": "Q"}, "gender"),
        ({"imd_decile": 11}, "imd_decile"),
        ({"imd_decile": True}, "imd_decile"),
        ({"date_of_birth": dt.date(2999, 1, 1)}, "date_of_birth"),
        ({"consent_to_sms": "yes"}, "consent_to_sms"),
        ({"phone": "1" * 40}, "phone"),
        ({"favourite_colour": "blue"}, "__all__"),
    ],
)
def test_register_client_bad_input_saves_nothing(
    cast: Cast, details: dict[str, object], field: str
) -> None:
    arguments: dict[str, object] = {"given_name": "Erin", "family_name": "Example", **details}
    before = Client.unscoped.count()
    with pytest.raises(actions.ActionError) as caught:
        actions.register_client(service=cast.service, by=cast.mo, **arguments)  # type: ignore[arg-type]
    assert field in caught.value.errors
    assert Client.unscoped.count() == before
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize("role", ["charlie", "oscar", "adam", "cara"])
def test_register_client_refused_outside_the_service(cast: Cast, role: str) -> None:
    with pytest.raises(PermissionDenied):
        actions.register_client(
            service=cast.service,
            given_name="E",
            family_name="X",
            by=cast.user(role),  # type: ignore[arg-type]
        )


def test_update_client_audits_old_and_new(cast: Cast) -> None:
    client = Client.unscoped.get(pk=cast.client.pk)

    actions.update_client(
        client=client,
        expected_version=client.version,
        changes={"phone": "07700 900123", "consent_to_sms": True, "imd_decile": 3},
        by=cast.alice,
    )

    client.refresh_from_db()
    assert client.phone == "07700 900123"
    assert client.version == 2
    event = AuditEvent.objects.get(action="update_client")
    # imd_decile did not change, so it is not in the diff.
    assert event.old == {"phone": "", "consent_to_sms": None}  # None = not recorded
    assert event.new == {"phone": "07700 900123", "consent_to_sms": True}


def test_update_client_two_editors_cannot_overwrite_each_other(cast: Cast) -> None:
    first = Client.unscoped.get(pk=cast.client.pk)
    second = Client.unscoped.get(pk=cast.client.pk)
    actions.update_client(
        client=first, expected_version=first.version, changes={"phone": "0111"}, by=cast.alice
    )

    with pytest.raises(actions.ConcurrencyError) as caught:
        actions.update_client(
            client=second, expected_version=second.version, changes={"phone": "0222"}, by=cast.sue
        )

    assert (caught.value.expected, caught.value.current) == (1, 2)
    assert Client.unscoped.get(pk=cast.client.pk).phone == "0111"
    assert AuditEvent.objects.filter(action="update_client").count() == 1


def test_update_client_bad_input_changes_nothing(cast: Cast) -> None:
    client = Client.unscoped.get(pk=cast.client.pk)
    with pytest.raises(actions.ActionError):
        actions.update_client(
            client=client,
            expected_version=client.version,
            changes={"phone": "0111", "email": "nope"},
            by=cast.alice,
        )
    client.refresh_from_db()
    assert (client.phone, client.version) == ("", 1)


@pytest.mark.parametrize("role", ["bob", "charlie", "oscar", "adam", "dan"])
def test_update_client_refused_without_access(cast: Cast, role: str) -> None:
    with pytest.raises(PermissionDenied):
        actions.update_client(
            client=cast.client,
            expected_version=1,
            changes={"phone": "1"},
            by=cast.user(role),  # type: ignore[arg-type]
        )


# -- referral, assessment, episode, discharge ------------------------------------------------


def test_create_referral_assess_open_episode_and_end(cast: Cast, today: dt.date) -> None:
    client = actions.register_client(
        service=cast.service,
        given_name="Erin",
        family_name="Example",
        date_of_birth=dt.date(2000, 1, 1),
        by=cast.mo,
    )
    referral = actions.create_referral(
        client=client, referral_date=today - dt.timedelta(days=20), source="B1", by=cast.mo
    )
    assessment = actions.record_assessment(
        referral=referral,
        expected_version=referral.version,
        assessed_on=today - dt.timedelta(days=10),
        outcome="suitable",
        problem_descriptor="F41.1",
        recommended_step=2,
        risk_summary="No current risk.",
        by=cast.mo,
    )
    episode = actions.open_episode(
        referral=referral,
        therapist=cast.bob_staff,
        started_on=today - dt.timedelta(days=5),
        step=2,
        therapy="748051000000105",
        by=cast.mo,
    )
    actions.end_referral(
        referral=referral,
        expected_version=referral.version,
        end_date=today,
        end_code="46",
        by=cast.bob,
    )

    referral.refresh_from_db()
    episode.refresh_from_db()
    assert referral.age_at_referral is not None
    assert (referral.problem_descriptor, referral.step) == ("F41.1", 2)
    assert Contact.unscoped.get(pk=assessment.contact_id).app_type == "01"
    assert (episode.status, episode.ended_on) == (EpisodeStatus.CLOSED, today)
    assert (referral.end_date, referral.end_code) == (today, "46")
    assert list(
        AuditEvent.objects.filter(client_id=client.pk).values_list("action", flat=True)
    ) == [
        "register_client",
        "create_referral",
        "record_assessment",
        "open_episode",
        "close_episode",
        "end_referral",
    ]
    assessment_event = AuditEvent.objects.get(action="record_assessment")
    assert assessment_event.old == {"problem_descriptor": "", "step": None}
    assert assessment_event.new["risk_summary"] == "No current risk."


def test_create_referral_refused_while_one_is_open(cast: Cast, today: dt.date) -> None:
    with pytest.raises(actions.ActionError, match="already has an open referral"):
        actions.create_referral(client=cast.client, referral_date=today, by=cast.alice)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"referral_date": dt.date(2999, 1, 1)}, "referral_date"),
        ({"referral_date": "yesterday"}, "referral_date"),
        ({"source": "Z9"}, "source"),
        ({"problem_descriptor": "F99"}, "problem_descriptor"),
    ],
)
def test_create_referral_bad_input_saves_nothing(
    cast: Cast, today: dt.date, kwargs: dict[str, object], field: str
) -> None:
    client = f.ClientFactory(service=cast.service)
    arguments: dict[str, object] = {"referral_date": today, **kwargs}
    with pytest.raises(actions.ActionError) as caught:
        actions.create_referral(client=client, by=cast.mo, **arguments)  # type: ignore[arg-type]
    assert field in caught.value.errors
    assert not Referral.unscoped.filter(client=client).exists()


def test_record_assessment_bad_input_saves_nothing(cast: Cast, today: dt.date) -> None:
    with pytest.raises(actions.ActionError) as caught:
        actions.record_assessment(
            referral=cast.referral,
            expected_version=cast.referral.version,
            assessed_on=cast.referral.referral_date - dt.timedelta(days=1),
            outcome="maybe",
            recommended_step=4,
            by=cast.alice,
        )
    assert set(caught.value.errors) == {"assessed_on", "outcome", "recommended_step"}
    assert Assessment.unscoped.count() == 0
    assert Contact.unscoped.count() == 0


def test_open_episode_refuses_second_open_episode_and_other_service(
    cast: Cast, today: dt.date
) -> None:
    charlie = cast.charlie.staff
    with pytest.raises(actions.ActionError) as caught:
        actions.open_episode(
            referral=cast.referral, therapist=charlie, started_on=today, by=cast.mo
        )
    assert "another service" in caught.value.errors["therapist"]
    assert "already has an open episode" in caught.value.errors["__all__"]
    assert Episode.unscoped.filter(referral=cast.referral).count() == 1


def test_reassign_episode_by_supervisor_moves_the_caseload(cast: Cast) -> None:
    episode = Episode.unscoped.get(pk=cast.episode.pk)
    actions.reassign_episode(
        episode=episode, expected_version=episode.version, therapist=cast.bob_staff, by=cast.sue
    )
    event = AuditEvent.objects.get(action="reassign_episode")
    assert (event.old, event.new) == (
        {"therapist": cast.alice_staff.pk},
        {"therapist": cast.bob_staff.pk},
    )


def test_reassign_episode_refused_to_therapist(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        actions.reassign_episode(
            episode=cast.episode, expected_version=1, therapist=cast.bob_staff, by=cast.alice
        )


def test_end_referral_bad_input_changes_nothing(cast: Cast, today: dt.date) -> None:
    f.ContactFactory(referral=cast.referral, contact_date=today)
    with pytest.raises(actions.ActionError) as caught:
        actions.end_referral(
            referral=cast.referral,
            expected_version=1,
            end_date=today - dt.timedelta(days=1),
            end_code="99",
            by=cast.alice,
        )
    assert set(caught.value.errors) == {"end_date", "end_code"}
    cast.referral.refresh_from_db()
    assert cast.referral.end_date is None
    assert Episode.unscoped.get(pk=cast.episode.pk).status == EpisodeStatus.OPEN


# -- goals and homework -----------------------------------------------------------------------


def test_agree_goal_numbers_up_to_three(cast: Cast, today: dt.date) -> None:
    for text in ("Sleep through", "Back to work", "See friends"):
        actions.agree_goal(referral=cast.referral, description=text, agreed_on=today, by=cast.alice)

    with pytest.raises(actions.ActionError, match="already has 3 goals"):
        actions.agree_goal(
            referral=cast.referral, description="More", agreed_on=today, by=cast.alice
        )

    assert list(Goal.unscoped.values_list("number", flat=True)) == [1, 2, 3]
    assert AuditEvent.objects.filter(action="agree_goal").count() == 3


def test_agree_goal_bad_input_saves_nothing(cast: Cast, today: dt.date) -> None:
    with pytest.raises(actions.ActionError) as caught:
        actions.agree_goal(
            referral=cast.referral,
            description="  ",
            agreed_on=today + dt.timedelta(days=1),
            by=cast.alice,
        )
    assert set(caught.value.errors) == {"description", "agreed_on"}
    assert Goal.unscoped.count() == 0


def test_update_goal_audits_status(cast: Cast) -> None:
    goal = f.GoalFactory(referral=cast.referral)
    actions.update_goal(goal=goal, expected_version=1, status=GoalStatus.ACHIEVED, by=cast.alice)
    event = AuditEvent.objects.get(action="update_goal")
    assert (event.old["status"], event.new["status"]) == ("active", "achieved")
    with pytest.raises(actions.ConcurrencyError):
        actions.update_goal(goal=goal, expected_version=1, status="dropped", by=cast.alice)


def test_set_homework_at_attended_contact(cast: Cast) -> None:
    contact = f.ContactFactory(referral=cast.referral, episode=cast.episode)
    plan = actions.HomeworkPlan(
        behaviour="Thought record after each low moment", obstacles="Forgetting"
    )
    homework = actions.set_homework(contact=contact, plan=plan, by=cast.alice)
    assert homework.criteria_met == 2
    assert AuditEvent.objects.get(action="set_homework").new["behaviour"] == plan.behaviour


def test_set_homework_at_missed_contact_is_refused(cast: Cast) -> None:
    contact = f.ContactFactory(
        referral=cast.referral, episode=cast.episode, attendance="3", session_number=None
    )
    with pytest.raises(actions.ActionError, match="attended session"):
        actions.set_homework(
            contact=contact, plan=actions.HomeworkPlan(behaviour="x"), by=cast.alice
        )
    assert Homework.unscoped.count() == 0


# -- concerns and complaints ------------------------------------------------------------------


def test_concern_raised_by_client_escalates_to_ombudsman(cast: Cast) -> None:
    concern = actions.raise_concern(
        client=cast.client,
        kind="complaint",
        summary="My sessions keep being cancelled.",
        by=cast.cara,
    )
    for _ in range(3):
        concern = actions.escalate_concern(
            concern=concern, expected_version=concern.version, note="Not resolved.", by=cast.mo
        )

    assert concern.stage == ConcernStage.OMBUDSMAN
    with pytest.raises(actions.ActionError, match="last step"):
        actions.escalate_concern(
            concern=concern, expected_version=concern.version, note="Again", by=cast.mo
        )
    assert list(ConcernStep.unscoped.values_list("stage", flat=True)) == [
        "raised",
        "local_resolution",
        "formal_complaint",
        "ombudsman",
    ]
    assert AuditEvent.objects.filter(action="escalate_concern").count() == 3
    assert AuditEvent.objects.get(action="raise_concern").actor == "cara"


def test_concern_resolved_by_supervisor_and_withdrawn_by_client(cast: Cast) -> None:
    resolved = actions.raise_concern(
        client=cast.client,
        kind="change_therapist",
        summary="I'd like a female therapist.",
        by=cast.alice,
    )
    actions.close_concern(
        concern=resolved, expected_version=1, stage="resolved", outcome="Moved to Bea.", by=cast.sue
    )
    withdrawn = actions.raise_concern(
        client=cast.client, kind="concern", summary="Letters", by=cast.cara
    )
    actions.close_concern(
        concern=withdrawn,
        expected_version=1,
        stage="withdrawn",
        outcome="Sorted out.",
        by=cast.cara,
    )

    assert Concern.unscoped.get(pk=resolved.pk).closed_at is not None
    assert Concern.unscoped.get(pk=withdrawn.pk).stage == "withdrawn"


def test_concern_bad_input_and_permissions(cast: Cast) -> None:
    with pytest.raises(actions.ActionError) as caught:
        actions.raise_concern(client=cast.client, kind="rant", summary="", by=cast.cara)
    assert set(caught.value.errors) == {"kind", "summary"}
    with pytest.raises(PermissionDenied):
        actions.raise_concern(client=cast.client, kind="concern", summary="x", by=cast.dan)
    concern = actions.raise_concern(client=cast.client, kind="concern", summary="x", by=cast.cara)
    with pytest.raises(PermissionDenied):
        actions.escalate_concern(concern=concern, expected_version=1, note="x", by=cast.alice)
    with pytest.raises(PermissionDenied):
        actions.close_concern(
            concern=concern, expected_version=1, stage="resolved", outcome="x", by=cast.cara
        )
    with pytest.raises(actions.ActionError) as caught:
        actions.close_concern(
            concern=concern, expected_version=1, stage="raised", outcome="", by=cast.mo
        )
    assert set(caught.value.errors) == {"stage", "outcome"}
    assert Concern.unscoped.get(pk=concern.pk).stage == "raised"
