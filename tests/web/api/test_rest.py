"""The REST API end to end: reads scoped, writes through the actions, ETags, errors."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client as Browser
from tests.web.api.conftest import Records, session_api, today, token_api
from tests.web.conftest import Cast, browser_as, phq9

from ontrack.web.api.models import ApiToken
from ontrack.web.audit.models import AuditEvent
from ontrack.web.records.models import Alert, Contact, Episode
from ontrack.web.records.scoping import scopes_disabled


def _session(**extra: Any) -> dict[str, Any]:
    return {"contact_date": today().isoformat(), "attendance": "5", **extra}


def test_the_schema_and_docs_are_public_and_describe_every_endpoint(db: None) -> None:
    response = Browser().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert len(schema["paths"]) >= 15
    docs = Browser().get("/api/docs")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert "https://" not in page


def test_everything_else_needs_a_session_or_a_token(cast: Cast) -> None:
    response = Browser().get("/api/clients")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_no_cors_headers_are_sent(cast: Cast) -> None:
    api = token_api(cast.mo, resources=["clients"])
    response = api.get("/api/clients", HTTP_ORIGIN="https://elsewhere.example")
    assert not [h for h in response.headers if h.lower().startswith("access-control-")]
    preflight = Browser().options(
        "/api/clients",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
    )
    assert not [h for h in preflight.headers if h.lower().startswith("access-control-")]


def test_a_session_reads_and_is_scoped(cast: Cast, records: Records) -> None:
    alice = session_api(cast, "alice")
    ids = [c["id"] for c in alice.get("/api/clients").json()["items"]]
    assert ids == [cast.client.pk]
    assert alice.get(f"/api/clients/{cast.other_client.pk}").status_code == 404


def test_a_session_write_needs_the_csrf_token(cast: Cast) -> None:
    api = session_api(cast, "alice", csrf=True)
    episode = Episode.unscoped.get(pk=cast.episode.pk)
    response = api.post(
        f"/api/episodes/{episode.pk}/sessions", _session(), HTTP_IF_MATCH=f'"{episode.version}"'
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    with scopes_disabled():
        assert not Contact.objects.exists()


def test_pages_filter_and_count(cast: Cast, records: Records) -> None:
    api = token_api(cast.mo, resources=["referrals", "alerts"])
    page = api.get("/api/referrals?limit=1&offset=0").json()
    assert page["count"] == 2
    assert len(page["items"]) == 1
    assert api.get("/api/referrals?status=ended").json()["count"] == 0
    future = (today().replace(year=today().year + 1)).isoformat()
    assert api.get(f"/api/referrals?since={future}").json()["count"] == 0
    assert api.get("/api/alerts?status=open").json()["count"] == 2
    assert api.get("/api/alerts?status=closed").json()["count"] == 0


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=100000", "offset=-1", "since=yesterday", "offset=99999999999999999999"],
)
def test_bad_query_parameters_are_a_400(cast: Cast, query: str) -> None:
    api = token_api(cast.mo, resources=["referrals"])
    response = api.get(f"/api/referrals?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/clients/0", "/api/clients/99999999999999999999999"])
def test_ids_out_of_range_are_a_400_not_a_500(cast: Cast, path: str) -> None:
    assert token_api(cast.mo, resources=["clients"]).get(path).status_code == 400


def test_recording_a_session_and_reading_the_signal(cast: Cast, toy_models: Any) -> None:
    api = token_api(cast.mo, acting_as=cast.alice, resources=["episodes", "contacts", "signals"])
    read = api.get(f"/api/episodes/{cast.episode.pk}")
    assert read.status_code == 200
    body = _session(questionnaires={"PHQ-9": phq9(14), "GAD-7": [1, 1, 1, 1, 1, 1, 1]})
    response = api.post(
        f"/api/episodes/{cast.episode.pk}/sessions", body, HTTP_IF_MATCH=read["ETag"]
    )
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["contact"]["session_number"] == 1
    assert out["risk_alert_ids"] == []
    assert response["ETag"] != read["ETag"]
    signal = api.get(f"/api/episodes/{cast.episode.pk}/signal").json()
    assert signal["signal"] == out["signal"]["signal"]
    with scopes_disabled():
        contact = Contact.objects.get()
        assert sorted(contact.questionnaires.values_list("measure", flat=True)) == [
            "GAD-7",
            "PHQ-9",
        ]
    assert AuditEvent.objects.filter(action="record_session", actor="alice").count() == 1


def test_a_risk_answer_through_the_api_opens_the_urgent_alert(cast: Cast) -> None:
    api = token_api(cast.mo, acting_as=cast.alice, resources=["episodes", "contacts", "alerts"])
    etag = api.get(f"/api/episodes/{cast.episode.pk}")["ETag"]
    answers = [1, 1, 1, 1, 1, 1, 1, 1, 2]
    response = api.post(
        f"/api/episodes/{cast.episode.pk}/sessions",
        _session(questionnaires={"PHQ-9": answers}),
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 201, response.content
    (alert_id,) = response.json()["risk_alert_ids"]
    alert = api.get(f"/api/alerts/{alert_id}").json()
    assert (alert["kind"], alert["severity"], alert["status"]) == ("risk", "urgent", "open")


def test_a_stale_or_missing_if_match_changes_nothing(cast: Cast) -> None:
    api = token_api(cast.mo, acting_as=cast.alice, resources=["episodes", "contacts"])
    path = f"/api/episodes/{cast.episode.pk}/sessions"
    missing = api.post(path, _session())
    assert missing.status_code == 428
    stale = api.post(path, _session(), HTTP_IF_MATCH='"999"')
    assert stale.status_code == 409
    assert "changed by someone else" in stale.json()["detail"]
    garbled = api.post(path, _session(), HTTP_IF_MATCH="yesterday")
    assert garbled.status_code == 400
    with scopes_disabled():
        assert not Contact.objects.exists()


def test_bad_input_is_a_400_naming_the_field(cast: Cast) -> None:
    api = token_api(cast.mo, acting_as=cast.alice, resources=["episodes", "contacts"])
    etag = api.get(f"/api/episodes/{cast.episode.pk}")["ETag"]
    path = f"/api/episodes/{cast.episode.pk}/sessions"
    future = today().replace(year=today().year + 1).isoformat()
    cases = [
        (_session(contact_date=future), "contact_date"),
        (_session(attendance="Z"), "attendance"),
        (_session(questionnaires={"PHQ-9": [9] * 9}), "questionnaire:PHQ-9"),
        (_session(questionnaires={"NOPE": [1]}), "questionnaire:NOPE"),
        ({"contact_date": None, "attendance": "5"}, "contact_date"),
        (_session(notes="a\x00b"), "notes"),
        (_session(questionnaires={"PHQ-9": "all fine"}), "questionnaires.PHQ-9"),
    ]
    for body, field in cases:
        response = api.post(path, body, HTTP_IF_MATCH=etag)
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()["errors"], (field, response.json())
    for raw in ("not json", "[1, 2", "[]", '{"contact_date": 1e999}'):
        response = api.post(path, raw, HTTP_IF_MATCH=etag)
        assert response.status_code == 400, (raw, response.content)
    with scopes_disabled():
        assert not Contact.objects.exists()


def test_a_token_without_write_cannot_write(cast: Cast) -> None:
    api = token_api(cast.mo, acting_as=cast.alice, scopes=["read"], resources=["contacts"])
    response = api.post(f"/api/episodes/{cast.episode.pk}/sessions", _session())
    assert response.status_code == 403
    assert "may not change contacts" in response.json()["detail"]


def test_acting_as_someone_who_may_not_record_is_refused_by_the_action(cast: Cast) -> None:
    api = token_api(cast.mo, resources=["episodes", "contacts"])  # acts as Mo, a manager
    etag = api.get(f"/api/episodes/{cast.episode.pk}")["ETag"]
    response = api.post(f"/api/episodes/{cast.episode.pk}/sessions", _session(), HTTP_IF_MATCH=etag)
    assert response.status_code == 403
    assert "record sessions" in response.json()["detail"]


def test_alert_acknowledge_and_action(cast: Cast, records: Records) -> None:
    api = token_api(cast.mo, acting_as=cast.alice, resources=["alerts"])
    alert_id = records.cara["alerts"]
    etag = api.get(f"/api/alerts/{alert_id}")["ETag"]
    done = api.post(f"/api/alerts/{alert_id}/acknowledge", HTTP_IF_MATCH=etag)
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "acknowledged"
    again = api.post(f"/api/alerts/{alert_id}/acknowledge", HTTP_IF_MATCH=etag)
    assert again.status_code == 409
    acted = api.post(
        f"/api/alerts/{alert_id}/actions",
        {"kind": "discussed_with_client", "note": "Talked it through"},
        HTTP_IF_MATCH=done["ETag"],
    )
    assert acted.status_code == 201, acted.content
    with scopes_disabled():
        assert Alert.objects.get(pk=alert_id).status == "acted_on"
    bad = api.post(
        f"/api/alerts/{alert_id}/actions", {"kind": "shrug"}, HTTP_IF_MATCH=acted["ETag"]
    )
    assert bad.status_code == 400
    assert "kind" in bad.json()["errors"]


def test_clients_register_and_change_with_if_match(cast: Cast) -> None:
    api = token_api(cast.mo, acting_as=cast.alice, resources=["clients"])
    made = api.post("/api/clients", {"given_name": "Eve", "family_name": "New", "gender": "2"})
    assert made.status_code == 201, made.content
    client_id = made.json()["id"]
    changed = api.patch(
        f"/api/clients/{client_id}", {"phone": "01234 567890"}, HTTP_IF_MATCH=made["ETag"]
    )
    # Registered but not yet on Alice's caseload (no episode, assessment or booking): the
    # scoping that hides them on her pages hides them here.
    assert changed.status_code == 404, changed.content
    mo = token_api(cast.mo, resources=["clients"])
    etag = mo.get(f"/api/clients/{client_id}")["ETag"]
    first = mo.patch(f"/api/clients/{client_id}", {"phone": "01234 567890"}, HTTP_IF_MATCH=etag)
    assert first.status_code == 200, first.content
    assert first.json()["phone"] == "01234 567890"
    stale = mo.patch(f"/api/clients/{client_id}", {"phone": "0"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 409
    bad = mo.post("/api/clients", {"given_name": "", "family_name": "X"})
    assert bad.status_code == 400
    assert "given_name" in bad.json()["errors"]


def test_goals_agree_and_change(cast: Cast) -> None:
    api = token_api(cast.mo, acting_as=cast.alice, resources=["goals"])
    made = api.post(
        "/api/goals",
        {"referral_id": cast.referral.pk, "description": "Sleep better", "agreed_on": today().isoformat()},
    )  # fmt: skip
    assert made.status_code == 201, made.content
    goal_id = made.json()["id"]
    changed = api.patch(f"/api/goals/{goal_id}", {"status": "achieved"}, HTTP_IF_MATCH=made["ETag"])
    assert changed.status_code == 200, changed.content
    assert changed.json()["status"] == "achieved"
    stale = api.patch(f"/api/goals/{goal_id}", {"status": "dropped"}, HTTP_IF_MATCH=made["ETag"])
    assert stale.status_code == 409


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_one_gets_409(cast: Cast) -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:"):
        pytest.skip("in-memory SQLite is one connection per thread")
    api = token_api(cast.mo, acting_as=cast.alice, resources=["episodes", "contacts"])
    etag = api.get(f"/api/episodes/{cast.episode.pk}")["ETag"]
    results: list[int] = []
    barrier = threading.Barrier(2)

    def write() -> None:
        barrier.wait()
        response = api.post(
            f"/api/episodes/{cast.episode.pk}/sessions", _session(), HTTP_IF_MATCH=etag
        )
        results.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=write) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201, 409]


def test_two_writers_from_the_same_etag_one_gets_409(cast: Cast) -> None:
    first = token_api(cast.mo, acting_as=cast.alice, resources=["episodes", "contacts"])
    second = token_api(cast.mo, acting_as=cast.sue, resources=["episodes", "contacts"])
    path = f"/api/episodes/{cast.episode.pk}"
    etag_1, etag_2 = first.get(path)["ETag"], second.get(path)["ETag"]
    assert first.post(f"{path}/sessions", _session(), HTTP_IF_MATCH=etag_1).status_code == 201
    late = second.post(f"{path}/sessions", _session(), HTTP_IF_MATCH=etag_2)
    assert late.status_code == 409
    with scopes_disabled():
        assert Contact.objects.count() == 1


def test_referral_assessment_appointment_through_the_api(cast: Cast) -> None:
    api = token_api(cast.mo, acting_as=cast.alice)
    mo = token_api(cast.mo)
    client = mo.post("/api/clients", {"given_name": "Fay", "family_name": "Lee"}).json()
    referral = mo.post(
        "/api/referrals",
        {"client_id": client["id"], "referral_date": today().isoformat(), "source": "A1"},
    )
    assert referral.status_code == 201, referral.content
    again = mo.post(
        "/api/referrals", {"client_id": client["id"], "referral_date": today().isoformat()}
    )
    assert again.status_code == 400
    assert "open referral" in again.json()["detail"]
    etag = api.get(f"/api/referrals/{cast.referral.pk}")["ETag"]
    assessed = api.post(
        f"/api/referrals/{cast.referral.pk}/assessments",
        {"assessed_on": today().isoformat(), "outcome": "suitable"},
        HTTP_IF_MATCH=etag,
    )
    assert assessed.status_code == 201, assessed.content
    starts = f"{(today() + dt.timedelta(days=2)).isoformat()}T10:00:00"
    booked = api.post(
        "/api/appointments",
        {"referral_id": cast.referral.pk, "staff_id": cast.alice_staff.pk, "starts_at": starts},
    )
    assert booked.status_code == 201, booked.content
    assert booked.json()["starts_at"].startswith(starts[:10])
    cancelled = api.post(
        f"/api/appointments/{booked.json()['id']}/outcome",
        {"outcome": "client", "reason": "Unwell"},
        HTTP_IF_MATCH=booked["ETag"],
    )
    assert cancelled.status_code == 201, cancelled.content
    assert cancelled.json()["attendance"] == "2"
    listed = api.get("/api/appointments?status=cancelled_client").json()
    assert [a["id"] for a in listed["items"]] == [booked.json()["id"]]


def test_reads_of_client_records_are_in_the_audit_trail(cast: Cast, records: Records) -> None:
    api = token_api(
        cast.mo, acting_as=cast.alice, resources=["clients", "alerts", "questionnaires"]
    )
    api.get(f"/api/clients/{cast.client.pk}")
    api.get("/api/alerts?status=open")
    api.get(f"/fhir/Patient/{cast.client.person_id}")
    api.get(f"/fhir/Observation?patient={cast.client.person_id}")
    token = ApiToken.objects.get().pk
    views = AuditEvent.objects.filter(kind="view", actor="alice")
    assert [(e.action, e.client_id) for e in views if e.target_type != "list"] == [
        (f"api token {token}", cast.client.pk),
        (f"fhir token {token}", cast.client.pk),
    ]
    lists = [e for e in views if e.target_type == "list"]
    assert [(e.action, e.target_id, e.clients_shown) for e in lists] == [
        (f"api token {token}", "/api/alerts?status=open", f",{cast.client.pk},"),
        (
            f"fhir token {token}",
            f"/fhir/Observation?patient={cast.client.person_id}",
            f",{cast.client.pk},",
        ),
    ]
    # The same reads in a signed-in session are logged under the plain names.
    session_api(cast, "alice").get(f"/api/clients/{cast.client.pk}")
    assert AuditEvent.objects.filter(action="api", client_id=cast.client.pk).count() == 1


def test_the_clients_access_review_names_the_token_behind_each_api_read(
    cast: Cast, records: Records
) -> None:
    api = token_api(cast.mo, acting_as=cast.alice, resources=["clients", "alerts"])
    assert api.get(f"/api/clients/{cast.client.pk}").status_code == 200
    assert api.get("/api/alerts?status=open").status_code == 200
    assert api.get(f"/api/clients/{cast.other_client.pk}").status_code == 404
    token = ApiToken.objects.get()
    page = browser_as(cast, "mo").get(f"/clients/{cast.client.pk}/access/").content.decode()
    named = f"through API token {token.pk} “test integration”"
    # The record read and the list that showed her, each with the token's name.
    assert page.count(named) == 2
    assert "/api/alerts?status=open" in page
    # A read in a signed-in session names no token.
    session_api(cast, "sue").get(f"/api/clients/{cast.client.pk}")
    page = browser_as(cast, "mo").get(f"/clients/{cast.client.pk}/access/").content.decode()
    assert page.count("through API token") == 2
    assert ">sue<" in page


def test_a_query_parameter_given_twice_is_refused(cast: Cast, records: Records) -> None:
    browser = browser_as(cast, "alice")
    response = browser.get("/api/appointments?status=booked&status=false")
    assert response.status_code == 400
    assert "'status' is given more than once" in response.json()["detail"]
    assert browser.get("/api/appointments?status=booked").status_code == 200
