"""Integration tokens: who may make them, what they open, hashed at rest, audited, revoked."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client as Browser
from tests.web.api.conftest import Api, make_token, token_api
from tests.web.conftest import Cast, browser_as

from ontrack.web.api import tokens
from ontrack.web.api.models import ApiToken
from ontrack.web.audit.models import AuditEvent
from ontrack.web.common.actions import ActionError
from ontrack.web.records.scoping import scopes_disabled


def test_the_secret_is_kept_only_as_its_sha256(cast: Cast) -> None:
    secret = make_token(cast.mo, resources=["clients"])
    token = ApiToken.objects.get()
    assert token.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(v) for v in ApiToken.objects.values().get().values()]
    assert secret not in stored
    assert secret.startswith(token.prefix)
    assert len(token.prefix) < 12


def test_a_manager_makes_a_token_acting_as_a_therapist_of_their_service(cast: Cast) -> None:
    api = token_api(cast.mo, acting_as=cast.alice, resources=["clients"])
    response = api.get("/api/clients")
    assert response.status_code == 200, response.content
    assert [c["id"] for c in response.json()["items"]] == [cast.client.pk]  # Alice's scope


@pytest.mark.parametrize("role", ["alice", "sue", "cara", "bob"])
def test_only_managers_and_administrators_make_tokens(cast: Cast, role: str) -> None:
    with pytest.raises(PermissionDenied), scopes_disabled():
        make_token(cast.user(role), resources=["staff"])  # type: ignore[arg-type]


def test_an_administrator_may_grant_configuration_only(cast: Cast) -> None:
    with pytest.raises(ActionError, match="never client records"), scopes_disabled():
        make_token(cast.adam, resources=["staff", "clients"])
    with pytest.raises(ActionError, match="acts as the administrator"), scopes_disabled():
        make_token(cast.adam, resources=["staff"], acting_as=cast.alice)
    api = token_api(cast.adam, resources=["staff", "teams", "measures"])
    assert api.get("/api/staff").status_code == 200
    assert api.get("/api/clients").status_code == 403


def test_a_token_cannot_act_as_someone_of_another_service(cast: Cast) -> None:
    with pytest.raises(ActionError, match="own service"), scopes_disabled():
        make_token(cast.mo, acting_as=cast.charlie, resources=["clients"])


def test_unknown_scopes_and_resources_are_named(cast: Cast) -> None:
    with pytest.raises(ActionError) as error, scopes_disabled():
        make_token(cast.mo, scopes=["admin"], resources=["everything"])
    assert "admin" in error.value.errors["scopes"]
    assert "everything" in error.value.errors["resources"]


def test_a_revoked_token_is_refused_at_once(cast: Cast) -> None:
    secret = make_token(cast.mo, resources=["clients"])
    api = Api(Browser(), secret)
    assert api.get("/api/clients").status_code == 200
    with scopes_disabled():
        tokens.revoke_token(token=ApiToken.objects.get(), by=cast.mo)
    response = api.get("/api/clients")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_a_bad_token_never_falls_back_to_the_session(cast: Cast) -> None:
    browser = browser_as(cast, "mo")
    assert browser.get("/api/clients").status_code == 200
    response = browser.get("/api/clients", headers={"Authorization": "Bearer otk_nonsense"})
    assert response.status_code == 401
    assert response.json()["detail"] == "Unknown API token."


def test_each_use_of_a_token_is_audited(cast: Cast) -> None:
    """One audit event per request names the token: the read it made (with the client it
    showed), or else its use with the status it got."""
    api = token_api(cast.mo, acting_as=cast.alice, resources=["clients"])
    token = ApiToken.objects.get()
    named = f"api token {token.pk}"
    api.get("/api/clients")
    api.get(f"/api/clients/{cast.client.pk}")
    api.get("/api/alerts")  # refused: not one of its resources
    api.post("/api/clients", {"given_name": "Eve", "family_name": "New"})
    events = list(AuditEvent.objects.filter(actor="alice").order_by("pk"))
    assert [(e.action, e.target_type, e.client_id) for e in events if e.kind == "view"] == [
        (named, "list", None),
        (named, "records.client", cast.client.pk),
        ("api GET /api/alerts 403", "api.apitoken", None),
        ("api POST /api/clients 201", "api.apitoken", None),
    ]
    assert events[0].clients_shown == f",{cast.client.pk},"
    assert [e.action for e in events if e.kind == "change"] == ["register_client"]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_acting_as_someone_who_left_stops_working(cast: Cast) -> None:
    api = token_api(cast.mo, acting_as=cast.alice, resources=["clients"])
    cast.alice.is_active = False
    cast.alice.save()
    response = api.get("/api/clients")
    assert response.status_code == 401
    assert "no longer works" in response.json()["detail"]


def test_tokens_page_for_the_manager(cast: Cast) -> None:
    browser = browser_as(cast, "mo")
    page = browser.get("/api/tokens/")
    assert page.status_code == 200
    assert 'href="/api/tokens/" aria-current="page"' in page.content.decode()  # in the menu
    response = browser.post(
        "/api/tokens/",
        {"name": "SMS provider", "acting_as": cast.mo.pk, "scopes": ["read"],
         "resources": ["appointments"]},
    )  # fmt: skip
    assert response.status_code == 200
    token = ApiToken.objects.get()
    shown = response.content.decode()
    assert token.prefix in shown
    assert "shown this once" in shown
    assert response["Cache-Control"] == "no-store"
    # Shown once: the list page does not carry it again.
    assert "shown this once" not in browser.get("/api/tokens/").content.decode()
    response = browser.post(f"/api/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_tokens_page_refuses_an_administrator_asking_for_client_records(cast: Cast) -> None:
    browser = browser_as(cast, "adam")
    response = browser.post(
        "/api/tokens/",
        {"name": "x", "acting_as": cast.adam.pk, "scopes": ["read"], "resources": ["clients"]},
    )
    assert response.status_code == 400
    assert "never client records" in response.content.decode()
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("role", ["alice", "sue", "cara"])
def test_tokens_page_is_closed_to_others(cast: Cast, role: str) -> None:
    assert browser_as(cast, role).get("/api/tokens/").status_code == 403


def test_the_command_makes_lists_and_revokes(cast: Cast) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "api_token", "create", "--by", "mo", "--name", "PAS", "--scopes", "read,write",
        "--resources", "clients,appointments", "--acting-as", "alice", stdout=out, stderr=err,
    )  # fmt: skip
    secret = out.getvalue().strip()
    assert Api(Browser(), secret).get("/api/clients").status_code == 200
    listing = io.StringIO()
    call_command("api_token", "list", stdout=listing)
    assert "PAS" in listing.getvalue()
    assert secret not in listing.getvalue()
    token = ApiToken.objects.get()
    call_command("api_token", "revoke", str(token.pk), "--by", "mo", stdout=io.StringIO())
    assert Api(Browser(), secret).get("/api/clients").status_code == 401


def test_the_command_says_what_is_wrong_in_one_line(cast: Cast) -> None:
    with pytest.raises(CommandError, match="never client records"):
        call_command(
            "api_token", "create", "--by", "adam", "--name", "x", "--resources", "clients",
            stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip
    with pytest.raises(CommandError, match="no user"):
        call_command("api_token", "revoke", "1", "--by", "nobody", stdout=io.StringIO())


def test_requests_over_the_rate_get_429(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    from ontrack.web.api.rest import api

    for throttle in api.throttle:  # type: ignore[union-attr]
        monkeypatch.setattr(throttle, "num_requests", 3)
    client = token_api(cast.mo, resources=["clients"])
    statuses = [client.get("/api/clients").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_bad_tokens_from_one_address_are_limited(cast: Cast, settings: object) -> None:
    settings.ONTRACK_API_FAILURES_ALLOWED = 2  # type: ignore[attr-defined]
    api = Api(Browser(), "otk_guess")
    assert [api.get("/api/clients").status_code for _ in range(3)] == [401, 401, 429]
    assert api.get("/fhir/Observation").status_code == 429


def test_me_says_who_the_request_acts_as(cast: Cast) -> None:
    api = token_api(cast.mo, acting_as=cast.alice, scopes=["read"], resources=["clients"])
    me = api.get("/api/me").json()
    assert (me["username"], me["kind"], me["via"], me["scopes"]) == (
        "alice", "therapist", "token", ["read"],
    )  # fmt: skip
    session = browser_as(cast, "cara").get("/api/me").json()
    assert (session["username"], session["kind"], session["via"]) == ("cara", "client", "session")
    assert Browser().get("/api/me").status_code == 401


def test_a_token_request_makes_no_session(cast: Cast) -> None:
    """A token is not a browser: no session row, no cookie (each used to cost a write)."""
    from django.contrib.sessions.models import Session

    api = token_api(cast.mo, acting_as=cast.alice, resources=["clients"])
    before = Session.objects.count()
    for path in ("/api/me", "/api/clients", f"/api/clients/{cast.client.pk}"):
        response = api.get(path)
        assert response.status_code == 200
        assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert Session.objects.count() == before
