"""POST /fhir/QuestionnaireResponse: the client's completed questionnaire, moved here from
/my/questionnaires/fhir/ with its tests (from tests/web/test_risk_alerts.py and
tests/web/test_online.py). Malformed input (nulls, huge numbers, deep nesting, wrong types,
wrong resource type, bytes that are not UTF-8) is a 400 OperationOutcome, never a 500, and
never loses the risk answer it carries: the portal's ``receive_fhir_response`` does it all."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client as Browser
from django.utils import timezone
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import given
from hypothesis import strategies as st
from tests.web.api.conftest import token_api
from tests.web.conftest import Cast, browser_as, phq9
from tests.web.test_risk_alerts import (
    _SETTINGS,
    _answer,
    _holds,
    _open_alert,
    _phq9_text,
    _risk_alerts,
)

from ontrack.measures.fhir import response_for
from ontrack.web.records.models import Episode, OnlineSubmission

pytestmark = pytest.mark.django_db
URL = "/fhir/QuestionnaireResponse"


@pytest.mark.parametrize(
    "body",
    [
        _phq9_text('{"valueInteger": null}').encode(),
        _phq9_text('{"valueDecimal": ' + "9" * 400 + ".5}").encode(),
        _phq9_text('{"valueInteger": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}").encode(),
        _phq9_text('{"valueInteger": "1"}').encode(),
        _phq9_text('{"valueInteger": true}').encode(),
        _phq9_text('{"valueInteger": [1]}').encode(),
        _phq9_text('{"valueInteger": 1.5}').encode(),
        _phq9_text('{"valueInteger": 7}').encode(),
        _phq9_text('{"valueInteger": 1}').replace('"status"', '"text": "caf\u00e9", "status"')
        .encode("latin-1"),
    ],
    ids=["null", "400 digits", "deep", "text", "bool", "list", "fraction", "range", "latin-1"],
)  # fmt: skip
def test_fhir_malformed_response_is_400_and_the_risk_answer_alerts(cast: Cast, body: bytes) -> None:
    response = browser_as(cast, "cara").post(URL, body, content_type="application/fhir+json")

    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    [issue] = outcome["issue"]
    assert issue["severity"] == "error"
    assert "RISK: PHQ-9 item 9 answered 2" in issue["diagnostics"]
    assert not OnlineSubmission.unscoped.exists()
    alert = _open_alert(cast)
    assert (alert.severity, alert.risk_level) == ("urgent", 2)
    assert alert.reasons[0].startswith("PHQ-9 item 9 answered 2 (More than half the days)")


def test_fhir_item_1_left_out_is_400_and_alerts(cast: Cast) -> None:
    response = response_for("PHQ-9", [1] * 8 + [3])
    response["item"] = response["item"][1:]
    page = browser_as(cast, "cara").post(
        URL, json.dumps(response), content_type="application/fhir+json"
    )
    assert page.status_code == 400
    assert _holds(cast, 3)
    assert _open_alert(cast).severity == "urgent"


def test_fhir_sent_twice_is_one_finding_on_one_alert(cast: Cast) -> None:
    browser = browser_as(cast, "cara")
    bad = _phq9_text('{"valueInteger": null}', item9=3)
    good = json.dumps(response_for("PHQ-9", [1] * 8 + [3]))
    assert browser.post(URL, bad, content_type="application/fhir+json").status_code == 400
    ok = browser.post(URL, good, content_type="application/fhir+json")
    assert ok.status_code == 201
    [alert] = _risk_alerts(cast)
    assert OnlineSubmission.unscoped.get().alert_id == alert.pk
    assert len([r for r in alert.reasons if "item 9 answered 3" in r]) == 1


def test_fhir_without_booked_sessions_still_alerts_on_the_latest_referral(cast: Cast) -> None:
    Episode.unscoped.filter(pk=cast.episode.pk).update(
        status="closed", ended_on=timezone.localdate()
    )
    response = browser_as(cast, "cara").post(
        URL,
        json.dumps(response_for("PHQ-9", [0] * 8 + [3])),
        content_type="application/fhir+json",
    )
    assert response.status_code == 400
    assert "no sessions booked" in response.json()["issue"][0]["diagnostics"]
    assert _open_alert(cast).referral_id == cast.referral.pk


@_SETTINGS
@given(item9=st.integers(0, 3), others=st.lists(_answer, min_size=8, max_size=8))
def test_fhir_any_response_is_201_or_400_and_a_risk_answer_always_alerts(
    cast: Cast, item9: int, others: list[Any]
) -> None:
    resource = response_for("PHQ-9", [0] * 8 + [item9])
    for item, answer in zip(resource["item"][:8], others, strict=True):
        item["answer"] = answer
    response = browser_as(cast, "cara").post(
        URL, json.dumps(resource), content_type="application/fhir+json"
    )
    assert response.status_code in (201, 400)
    if response.status_code == 400:
        assert response.json()["resourceType"] == "OperationOutcome"
    if item9:
        assert _holds(cast, item9)


def test_a_response_is_created_scored_and_readable(cast: Cast) -> None:
    browser = browser_as(cast, "cara")
    body = json.dumps(response_for("PHQ-9", phq9(7)))
    ok = browser.post(URL, body, content_type="application/fhir+json")
    assert ok.status_code == 201, ok.content
    created = ok.json()
    QuestionnaireResponse.model_validate(created)
    submission = OnlineSubmission.unscoped.get()
    assert created["id"] == f"online-{submission.pk}"
    assert ok["Location"] == f"/fhir/QuestionnaireResponse/online-{submission.pk}"
    assert (submission.measure, submission.total, submission.source) == ("PHQ-9", 7, "fhir")
    total = [i for i in created["item"] if i["linkId"] == "44261-6"]
    assert total[0]["answer"] == [{"valueInteger": 7}]
    assert browser.get(ok["Location"]).json()["id"] == created["id"]
    observation = browser.get(f"/fhir/Observation/{created['id']}").json()
    assert observation["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{created['id']}"}]
    bad = browser.post(URL, "{not json", content_type="application/fhir+json")
    assert bad.status_code == 400
    OperationOutcome.model_validate(bad.json())
    assert OnlineSubmission.unscoped.count() == 1


def test_the_old_address_is_gone(cast: Cast) -> None:
    body = json.dumps(response_for("PHQ-9", phq9(7)))
    old = browser_as(cast, "cara").post(
        "/my/questionnaires/fhir/", body, content_type="application/fhir+json"
    )
    assert old.status_code == 404
    assert not OnlineSubmission.unscoped.exists()


def test_staff_and_tokens_do_not_create_responses(cast: Cast) -> None:
    body = json.dumps(response_for("PHQ-9", phq9(7)))
    alice = browser_as(cast, "alice").post(URL, body, content_type="application/fhir+json")
    assert alice.status_code == 403
    api = token_api(cast.mo, acting_as=cast.alice, resources=["questionnaires"])
    assert api.post(URL, body).status_code == 403
    read_only = token_api(cast.mo, scopes=["read"], resources=["questionnaires"])
    assert read_only.post(URL, body).status_code == 403
    assert Browser().post(URL, body, content_type="application/fhir+json").status_code == 401
    assert not OnlineSubmission.unscoped.exists()


def test_a_session_post_needs_the_csrf_token(cast: Cast) -> None:
    browser = Browser(enforce_csrf_checks=True)
    browser.force_login(cast.cara)
    body = json.dumps(response_for("PHQ-9", [0] * 8 + [2]))
    response = browser.post(URL, body, content_type="application/fhir+json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["issue"][0]["diagnostics"]
    assert not OnlineSubmission.unscoped.exists()


_RISKY = response_for("PHQ-9", [1] * 8 + [2])


@pytest.mark.parametrize(
    ("body", "alerts"),
    [
        # The wrong resource type, with a risk answer in the same resource.
        (json.dumps({**_RISKY, "resourceType": "Observation"}), True),
        # A wrongly typed element beside the answers.
        (json.dumps({**_RISKY, "status": 7}), True),
        (json.dumps({**_RISKY, "authored": {"when": "today"}}), True),
        # A stated total with fifty digits.
        (json.dumps(_RISKY).replace('"valueInteger": 10', '"valueInteger": ' + "9" * 50), True),
        # Not a resource at all: nothing to read a risk answer from.
        (json.dumps([_RISKY]), False),
        ("null", False),
        ('"QuestionnaireResponse"', False),
    ],
    ids=["resourceType", "status", "authored", "huge total", "array", "null", "string"],
)
def test_more_malformed_documents_are_400_outcomes_never_500(
    cast: Cast, body: str, alerts: bool
) -> None:
    response = browser_as(cast, "cara").post(URL, body, content_type="application/fhir+json")
    assert response.status_code == 400, response.content
    OperationOutcome.model_validate(response.json())
    assert not OnlineSubmission.unscoped.exists()
    if alerts:
        assert _holds(cast, 2)
