"""Every endpoint as every role and every token scope: nobody sees a record they may not.

The expected visibility is written out here from the rules in ``records.scoping`` (not
computed with them), so a leak in the API or in the scoping itself fails this test:

- Alice holds Cara; Bob holds Dan; Sue supervises Alice; Mo manages the service;
- Charlie and Oscar belong to another service; Adam administers (no client records);
- Cara and Dan are the clients, each seeing only themselves.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as Browser
from tests.web.api.conftest import Api, Records, make_token, session_api
from tests.web.conftest import ROLES, Cast

from ontrack.web.api.models import CONFIGURATION_RESOURCES, RESOURCES

SEES: dict[str, set[str]] = {
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
# Each readable collection: its path, the token resource that opens it, and where each item
# names its record (the key in Records).
COLLECTIONS: dict[str, tuple[str, str]] = {
    "/api/clients": ("clients", "clients"),
    "/api/referrals": ("referrals", "referrals"),
    "/api/assessments": ("assessments", "assessments"),
    "/api/episodes": ("episodes", "episodes"),
    "/api/signals": ("signals", "signals"),
    "/api/contacts": ("contacts", "contacts"),
    "/api/questionnaire-responses": ("questionnaires", "questionnaire-responses"),
    "/api/appointments": ("appointments", "appointments"),
    "/api/alerts": ("alerts", "alerts"),
    "/api/goals": ("goals", "goals"),
    "/api/homework": ("homework", "homework"),
}
ITEMS: dict[str, tuple[str, str]] = {
    "/api/clients/{id}": ("clients", "clients"),
    "/api/referrals/{id}": ("referrals", "referrals"),
    "/api/episodes/{id}": ("episodes", "episodes"),
    "/api/episodes/{id}/signal": ("signals", "signals"),
    "/api/contacts/{id}": ("contacts", "contacts"),
    "/api/questionnaire-responses/{id}": ("questionnaires", "questionnaire-responses"),
    "/api/appointments/{id}": ("appointments", "appointments"),
    "/api/alerts/{id}": ("alerts", "alerts"),
    "/api/goals/{id}": ("goals", "goals"),
    "/api/homework/{id}": ("homework", "homework"),
}
CONFIGURATION = {"/api/staff": "staff", "/api/teams": "teams", "/api/measures": "measures"}


def _item_id(path: str, item: dict[str, Any]) -> int:
    return int(item["episode_id"] if path == "/api/signals" else item["id"])


def _leaks(api: Api, records: Records, sees: set[str]) -> list[str]:
    """Read every collection and item; name every answer that differs from ``sees``."""
    wrong: list[str] = []
    owners = {"cara": records.cara, "dan": records.dan}
    for path, (_, key) in COLLECTIONS.items():
        response = api.get(f"{path}?limit=500")
        if response.status_code != 200:
            wrong.append(f"{path}: {response.status_code}")
            continue
        got = {_item_id(path, item) for item in response.json()["items"]}
        expected = {owners[name][key] for name in sees}
        if got != expected:
            wrong.append(f"{path}: got {sorted(got)}, expected {sorted(expected)}")
    for template, (_, key) in ITEMS.items():
        for name, ids in owners.items():
            status = api.get(template.replace("{id}", str(ids[key]))).status_code
            expected_status = 200 if name in sees else 404
            if status != expected_status:
                wrong.append(f"{template} of {name}: {status}, expected {expected_status}")
    return wrong


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_every_read_as_every_signed_in_role(cast: Cast, records: Records, role: str) -> None:
    assert _leaks(session_api(cast, role), records, SEES[role]) == []


def _maker(cast: Cast, role: str) -> Any:
    """Who may make a token acting as ``role``: their service's manager."""
    return cast.oscar if role in ("charlie", "oscar") else cast.mo


@pytest.mark.parametrize("role", ["alice", "bob", "charlie", "sue", "mo", "oscar"])
def test_every_read_as_a_token_acting_as_each_member_of_staff(
    cast: Cast, records: Records, role: str
) -> None:
    token = make_token(_maker(cast, role), acting_as=cast.user(role), scopes=["read"])
    assert _leaks(Api(Browser(), token), records, SEES[role]) == []


def test_an_administrators_token_reads_configuration_and_no_client_record(
    cast: Cast, records: Records
) -> None:
    api = Api(Browser(), make_token(cast.adam, resources=list(CONFIGURATION_RESOURCES)))
    for path in CONFIGURATION:
        assert api.get(path).status_code == 200, path
    for path in [*COLLECTIONS, *ITEMS]:
        url = path.replace("{id}", str(records.cara[ITEMS[path][1]])) if "{id}" in path else path
        assert api.get(url).status_code == 403, path


def test_anonymous_gets_401_everywhere_but_the_schema(cast: Cast, records: Records) -> None:
    api = Api(Browser())
    for path in [*COLLECTIONS, *ITEMS, *CONFIGURATION, "/api/me"]:
        url = path.replace("{id}", str(records.cara[ITEMS[path][1]])) if "{id}" in path else path
        assert api.get(url).status_code == 401, path


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_token_opens_only_its_resources(cast: Cast, records: Records, resource: str) -> None:
    token = make_token(cast.mo, acting_as=cast.mo, scopes=["read"], resources=[resource])
    api = Api(Browser(), token)
    readable = {**{p: r for p, (r, _) in COLLECTIONS.items()}, **CONFIGURATION}
    for path, needs in readable.items():
        expected = 200 if needs == resource else 403
        assert api.get(path).status_code == expected, (path, resource)
    for template, (needs, key) in ITEMS.items():
        status = api.get(template.replace("{id}", str(records.cara[key]))).status_code
        assert status == (200 if needs == resource else 403), (template, resource)


WRITES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("POST", "/api/episodes/{episodes}/sessions", "episodes", {"attendance": "5"}),
    ("POST", "/api/alerts/{alerts}/acknowledge", "alerts", {}),
    ("POST", "/api/alerts/{alerts}/actions", "alerts", {"kind": "supervision"}),
    ("PATCH", "/api/clients/{clients}", "clients", {"phone": "0"}),
    ("PATCH", "/api/goals/{goals}", "goals", {"status": "achieved"}),
    ("POST", "/api/appointments/{appointments}/outcome", "appointments", {"outcome": "dna"}),
    ("POST", "/api/referrals/{referrals}/assessments", "referrals", {"outcome": "suitable"}),
]


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_nobody_writes_to_a_record_they_cannot_see(cast: Cast, records: Records, role: str) -> None:
    """Cara's records, written by each role: whoever cannot see her gets 404 and nothing
    changes; whoever can is answered by the action (never a 5xx)."""
    from datetime import date

    from ontrack.web.audit.models import AuditEvent

    api = session_api(cast, role)
    before = AuditEvent.objects.filter(kind="change").count()
    for method, template, key, body in WRITES:
        url = template.replace("{" + key + "}", str(records.cara[key]))
        body = {**body, "contact_date": date.today().isoformat(), "assessed_on": "2026-01-01"}
        body = {k: v for k, v in body.items() if k in _accepts(template)}
        response = api.send(method, url, body, HTTP_IF_MATCH='"1"')
        if "cara" in SEES[role]:
            assert response.status_code < 500, (template, response.content)
        else:
            assert response.status_code == 404, (template, role, response.status_code)
    if "cara" not in SEES[role]:
        assert AuditEvent.objects.filter(kind="change").count() == before


def _accepts(template: str) -> set[str]:
    if template.endswith("/sessions"):
        return {"attendance", "contact_date"}
    if template.endswith("/assessments"):
        return {"outcome", "assessed_on"}
    return {"kind", "phone", "status", "outcome"}
