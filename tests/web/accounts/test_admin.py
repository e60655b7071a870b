"""Administration is not clinical access (issue 20, item 2): the administrator configures
its own service and staff, cannot make itself a manager, never sees a client's sign-in,
and every role or privilege change is an audited event."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests.web import factories as f
from tests.web.conftest import Cast, browser_as

from ontrack.web.accounts.admin import grant_service_administration
from ontrack.web.accounts.models import RoleGrant, Staff, StaffRole, User
from ontrack.web.audit.models import AuditEvent


@pytest.fixture
def adam(cast: Cast) -> Browser:
    """Adam, the service's administrator, with the demo's administrator permissions."""
    grant_service_administration(cast.adam)
    return browser_as(cast, "adam")


def _staff_post(staff: Staff, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user": staff.user_id,
        "service": staff.service_id,
        "team": staff.team_id or "",
        "role": staff.role,
        "therapist_role": staff.therapist_role,
        "practitioner_id": staff.practitioner_id,
        "languages": ", ".join(staff.languages or []),
        "gender": staff.gender,
        "ethnicity": staff.ethnicity,
        "year_of_birth": staff.year_of_birth or "",
        "caseload_limit": staff.caseload_limit,
    }
    data.update(changes)
    return data


def _user_post(user: User, **changes: Any) -> dict[str, Any]:
    joined = timezone.localtime(user.date_joined)
    data: dict[str, Any] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
    }
    if user.is_staff:
        data["is_staff"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _staff_url(staff: Staff) -> str:
    return reverse("admin:accounts_staff_change", args=[staff.pk])


def test_the_administrator_cannot_make_itself_a_manager(cast: Cast, adam: Browser) -> None:
    own = Staff.objects.get(user=cast.adam)
    assert adam.get(reverse("caseload")).status_code == 403
    page = adam.get(_staff_url(own)).content.decode()
    assert 'name="role"' not in page  # shown, not offered
    response = adam.post(_staff_url(own), _staff_post(own, role=StaffRole.MANAGER))
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.role == StaffRole.ADMIN
    assert adam.get(reverse("caseload")).status_code == 403
    assert adam.get(reverse("client_record", args=[cast.client.pk])).status_code == 404
    # Nor remove its own staff row, or raise its own sign-in's privileges.
    assert (
        adam.post(
            reverse("admin:accounts_staff_delete", args=[own.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert Staff.objects.filter(pk=own.pk).exists()
    adam.post(
        reverse("admin:accounts_user_change", args=[cast.adam.pk]),
        _user_post(cast.adam, is_superuser="on"),
    )
    cast.adam.refresh_from_db()
    assert not cast.adam.is_superuser


def test_role_changes_are_audited(cast: Cast, adam: Browser) -> None:
    bob = Staff.objects.get(user=cast.bob)
    response = adam.post(_staff_url(bob), _staff_post(bob, role=StaffRole.SUPERVISOR))
    assert response.status_code == 302, response.content.decode()[:2000]
    bob.refresh_from_db()
    assert bob.role == StaffRole.SUPERVISOR
    (event,) = AuditEvent.objects.filter(action="staff_role_changed")
    assert event.actor == "adam"
    assert (event.target_type, event.target_id) == ("accounts.staff", str(bob.pk))
    assert event.old["role"] == "therapist"
    assert event.new["role"] == "supervisor"
    # Saving without a change of role writes no role event.
    adam.post(_staff_url(bob), _staff_post(bob, caseload_limit=30))
    assert AuditEvent.objects.filter(action="staff_role_changed").count() == 1


def test_privilege_and_password_changes_are_audited(cast: Cast, adam: Browser) -> None:
    url = reverse("admin:accounts_user_change", args=[cast.bob.pk])
    response = adam.post(url, _user_post(cast.bob, is_staff="on", is_superuser="on"))
    assert response.status_code == 302
    cast.bob.refresh_from_db()
    assert cast.bob.is_staff
    assert not cast.bob.is_superuser  # only a superuser grants superuser
    (event,) = AuditEvent.objects.filter(action="sign_in_privileges_changed")
    assert (event.old["is_staff"], event.new["is_staff"]) == (False, True)
    new = "another long passphrase 7"
    response = adam.post(
        reverse("admin:auth_user_password_change", args=[cast.bob.pk]),
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302
    assert [e.target_id for e in AuditEvent.objects.filter(action="password_set_by_admin")] == [
        str(cast.bob.pk)
    ]


def test_the_admin_shows_only_its_own_service_and_no_client(cast: Cast, adam: Browser) -> None:
    staff_list = adam.get(reverse("admin:accounts_staff_changelist")).content.decode()
    assert "Alice Test" in staff_list
    assert "Charlie Test" not in staff_list  # another service's therapist
    services = adam.get(reverse("admin:accounts_service_changelist")).content.decode()
    assert cast.service.name in services
    assert cast.other_service.name not in services
    charlie = Staff.objects.get(user=cast.charlie)
    assert adam.get(_staff_url(charlie)).status_code == 302  # "does not exist"
    users = adam.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert ">alice<" in users
    assert ">cara<" not in users
    assert ">charlie<" not in users
    # No one resets a client's password here.
    for client in (cast.cara, cast.dan):
        url = reverse("admin:auth_user_password_change", args=[client.pk])
        assert adam.get(url).status_code == 404
        assert adam.post(url, {"password1": "x" * 20, "password2": "x" * 20}).status_code == 404
    # The choices offered on a staff form are the service's own.
    page = adam.get(reverse("admin:accounts_staff_add")).content.decode()
    assert cast.other_service.name not in page


def test_a_lost_phone_is_reset_by_the_administrator_and_audited(cast: Cast, adam: Browser) -> None:
    TOTPDevice.objects.create(user=cast.alice, name="phone", confirmed=True)
    StaticDevice.objects.create(user=cast.alice, name="backup codes")
    response = adam.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [cast.alice.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.alice).exists()
    assert not StaticDevice.objects.filter(user=cast.alice).exists()
    (event,) = AuditEvent.objects.filter(action="two_factor_reset")
    assert event.target_id == str(cast.alice.pk)


def test_authenticator_keys_and_lockout_records_are_not_for_the_administrator(
    cast: Cast, adam: Browser
) -> None:
    assert adam.get("/admin/otp_totp/totpdevice/").status_code == 404
    # Lockout records name every service's sign-ins and addresses.
    assert adam.get("/admin/axes/accessattempt/").status_code == 403


def test_admin_sign_in_goes_through_ontrack_sign_in(db: None) -> None:
    response = Browser().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=/admin/"


def test_other_apps_configuration_is_scoped_to_the_service_too(cast: Cast, adam: Browser) -> None:
    from ontrack.web.pathway.models import SignpostService
    from ontrack.web.privacy.models import RetentionPolicy

    ours = RetentionPolicy.objects.create(service=cast.service, keep_years=8)
    theirs = RetentionPolicy.objects.create(service=cast.other_service, keep_years=20)
    listed = adam.get(reverse("admin:privacy_retentionpolicy_changelist")).content.decode()
    assert f"/retentionpolicy/{ours.pk}/change/" in listed
    assert f"/retentionpolicy/{theirs.pk}/change/" not in listed
    url = reverse("admin:privacy_retentionpolicy_change", args=[theirs.pk])
    assert adam.get(url).status_code == 302  # "does not exist"
    signpost = SignpostService.objects.create(
        service=cast.other_service, name="Elsewhere", helps_with="housing", how_to_reach="-"
    )
    url = reverse("admin:pathway_signpostservice_change", args=[signpost.pk])
    assert adam.get(url).status_code == 302


# -- two-person approval of manager rights (ADR 0146) ------------------------------------------


def test_making_someone_a_manager_waits_for_a_second_manager(cast: Cast, adam: Browser) -> None:
    bob = Staff.objects.get(user=cast.bob)
    response = adam.post(_staff_url(bob), _staff_post(bob, role="manager", therapist_role=""))
    assert response.status_code == 302, response.content.decode()[:2000]
    bob.refresh_from_db()
    assert (bob.role, bob.therapist_role) == (StaffRole.THERAPIST, "pwp")  # not yet
    assert (
        browser_as(cast, "bob").get(reverse("client_record", args=[cast.client.pk])).status_code
        == 404
    )
    (grant,) = RoleGrant.objects.all()
    assert (grant.status, grant.role, grant.old_role) == ("pending", "manager", "therapist")
    assert AuditEvent.objects.filter(action="role_grant_requested", actor="adam").count() == 1
    assert not AuditEvent.objects.filter(action="staff_role_changed").exists()
    # Asking again while it waits is refused with the form's error.
    again = adam.post(_staff_url(bob), _staff_post(bob, role="manager", therapist_role=""))
    assert again.status_code == 200
    assert "already waiting for approval" in again.content.decode()
    assert RoleGrant.objects.count() == 1

    # Neither the administrator who asked, nor Bob, nor a therapist, nor another service's
    # manager may approve; Mo, the service's manager, may.
    url = reverse("role_grants")
    decide = {"grant": grant.pk, "decision": "approve"}
    assert adam.post(url, decide).status_code == 403  # not a manager
    assert browser_as(cast, "bob").post(url, decide).status_code == 403
    assert browser_as(cast, "oscar").post(url, decide).status_code == 400  # not theirs
    grant.refresh_from_db()
    assert grant.status == "pending"
    mo = browser_as(cast, "mo")
    page = mo.get(url).content.decode()
    assert "Bob Test" in page
    assert 'value="approve"' in page
    assert mo.post(url, decide).status_code == 302
    grant.refresh_from_db()
    bob.refresh_from_db()
    assert (grant.status, grant.decided_by, bob.role) == ("approved", cast.mo, "manager")
    assert bob.therapist_role == ""
    assert (
        browser_as(cast, "bob").get(reverse("client_record", args=[cast.client.pk])).status_code
        == 200
    )
    approved = AuditEvent.objects.get(action="role_grant_approved")
    changed = AuditEvent.objects.get(action="staff_role_changed")
    assert (approved.actor, changed.actor) == ("mo", "mo")
    assert (changed.old["role"], changed.new["role"]) == ("therapist", "manager")
    # Decided once only.
    assert mo.post(url, decide).status_code == 400


def test_a_manager_who_asked_cannot_approve_and_a_refusal_changes_nothing(cast: Cast) -> None:
    from ontrack.web.accounts import grants
    from ontrack.web.common.actions import ActionError

    bob = Staff.objects.get(user=cast.bob)
    grant = grants.request_role(staff=bob, role=StaffRole.MANAGER, by=cast.mo)
    with pytest.raises(ActionError, match="you asked for this"):
        grants.decide(grant=grant, approve=True, by=cast.mo)
    with pytest.raises(ActionError, match="their own manager rights"):
        grants.decide(grant=grant, approve=True, by=cast.bob)
    second = f.StaffFactory(
        user=f.UserFactory(username="meg"),
        service=cast.service,
        role=StaffRole.MANAGER,
        therapist_role="",
    )
    refused = browser_as(cast, "mo").post(
        reverse("role_grants"), {"grant": grant.pk, "decision": "refuse"}
    )
    assert refused.status_code == 400  # Mo asked: the page refuses too
    grants.decide(grant=grant, approve=False, by=second.user)
    bob.refresh_from_db()
    grant.refresh_from_db()
    assert (bob.role, grant.status) == ("therapist", "refused")
    assert AuditEvent.objects.filter(action="role_grant_refused", actor="meg").count() == 1
    assert not AuditEvent.objects.filter(action="staff_role_changed").exists()
    with pytest.raises(ActionError, match="for themselves"):
        grants.request_role(staff=second, role=StaffRole.MANAGER, by=second.user)


def test_a_manager_cannot_be_added_in_one_step_and_other_roles_need_no_approval(
    cast: Cast, adam: Browser
) -> None:
    newcomer = f.UserFactory(username="nina")
    data = _staff_post(
        Staff(user=newcomer, service=cast.service, role=StaffRole.MANAGER, therapist_role="")
    )
    response = adam.post(reverse("admin:accounts_staff_add"), data)
    assert response.status_code == 200
    assert "manager rights wait for a second manager" in response.content.decode()
    assert not Staff.objects.filter(user=newcomer).exists()
    # A supervisor, or taking manager rights away, takes effect at once (audited as before).
    sue = Staff.objects.get(user=cast.sue)
    assert adam.post(_staff_url(sue), _staff_post(sue, role=StaffRole.THERAPIST)).status_code == 302
    sue.refresh_from_db()
    assert sue.role == StaffRole.THERAPIST
    assert not RoleGrant.objects.exists()
