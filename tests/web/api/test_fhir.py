"""FHIR R4 at /fhir/: what is emitted validates against the R4 models (fhir.resources'
R4B package: R4 and R4B share these resources; the default package is R5, ADR 0132)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as Browser
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from tests.web import factories as f
from tests.web.api.conftest import Api, Records, session_api, token_api
from tests.web.conftest import Cast

from ontrack.measures import all_measures
from ontrack.measures.response import slug
from ontrack.web.records.scoping import scopes_disabled

MODELS: dict[str, Any] = {
    "Bundle": Bundle,
    "CapabilityStatement": CapabilityStatement,
    "Observation": Observation,
    "OperationOutcome": OperationOutcome,
    "Patient": Patient,
    "Questionnaire": Questionnaire,
    "QuestionnaireResponse": QuestionnaireResponse,
}


def r4(response: Any, status: int = 200) -> dict[str, Any]:
    """The body, checked: the status, FHIR's content type, and valid R4."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    body: dict[str, Any] = response.json()
    MODELS[body["resourceType"]].model_validate(body)
    return body


def test_metadata_is_public_and_a_capability_statement(db: None) -> None:
    body = r4(Browser().get("/fhir/metadata"))
    assert body["fhirVersion"] == "4.0.1"
    types = {r["type"] for r in body["rest"][0]["resource"]}
    assert types == {"Questionnaire", "QuestionnaireResponse", "Observation", "Patient"}


def test_no_trailing_slash(cast: Cast) -> None:
    assert Browser().get("/fhir/metadata/").status_code == 404


def test_everything_but_metadata_needs_credentials(cast: Cast) -> None:
    for path in ("/fhir/Questionnaire/phq-9", "/fhir/QuestionnaireResponse", "/fhir/Observation"):
        body = r4(Browser().get(path), 401)
        assert body["issue"][0]["code"] == "login"


def test_a_questionnaire_for_every_measure(cast: Cast) -> None:
    api = token_api(cast.adam, resources=["measures"])
    bundle = r4(api.get("/fhir/Questionnaire"))
    assert bundle["total"] == len(all_measures())
    for m in all_measures():
        body = r4(api.get(f"/fhir/Questionnaire/{slug(m)}"))
        texts = [i.get("text", "") for i in body["item"] if i["type"] != "display"][:-1]
        if not m.has_text:
            # The licence forbids the wording: numbered items and a note, nothing else.
            assert all("wording not shipped" in t for t in texts), m.code
            assert not any(i["type"] == "display" for i in body["item"]), m.code


def test_phq9_and_gad7_carry_their_loinc_codes(cast: Cast) -> None:
    api = token_api(cast.adam, resources=["measures"])
    for qid, panel, total in (("phq-9", "44249-1", "44261-6"), ("gad-7", "69737-5", "70274-6")):
        body = r4(api.get(f"/fhir/Questionnaire/{qid}"))
        assert body["code"][0] == {
            "system": "http://loinc.org",
            "code": panel,
            "display": body["title"],
        }
        assert body["item"][-1]["code"][0]["code"] == total
        answers = [o["valueCoding"]["code"] for o in body["item"][1]["answerOption"]]
        assert answers == ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
    found = r4(api.get("/fhir/Questionnaire?code=http://loinc.org|44249-1"))
    assert [e["resource"]["id"] for e in found["entry"]] == ["phq-9"]
    assert r4(api.get("/fhir/Questionnaire/nope"), 404)["issue"][0]["code"] == "not-found"


def test_responses_and_observations_by_patient_and_date(cast: Cast, records: Records) -> None:
    api = token_api(cast.mo, acting_as=cast.alice, resources=["questionnaires", "clients"])
    person = cast.client.person_id
    bundle = r4(api.get(f"/fhir/QuestionnaireResponse?patient={person}"))
    (entry,) = bundle["entry"]
    response = entry["resource"]
    rid = response["id"]
    assert rid == f"qr-{records.cara['questionnaire-responses']}"
    assert response["subject"]["reference"] == f"Patient/{person}"
    assert response["questionnaire"].endswith("/Questionnaire/phq-9")
    assert r4(api.get(f"/fhir/QuestionnaireResponse/{rid}"))["id"] == rid
    day = response["authored"]
    assert r4(api.get(f"/fhir/QuestionnaireResponse?authored=gt{day}"))["total"] == 0
    assert r4(api.get(f"/fhir/QuestionnaireResponse?authored=ge{day}"))["total"] == 1
    observations = r4(api.get(f"/fhir/Observation?patient=Patient/{person}&code=44261-6"))
    (obs,) = [e["resource"] for e in observations["entry"]]
    assert obs["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{rid}"}]
    assert obs["code"]["coding"][0] == {"system": "http://loinc.org", "code": "44261-6"}
    assert obs["valueQuantity"]["value"] == 11.0
    assert r4(api.get(f"/fhir/Observation/{rid}"))["id"] == rid
    # Dan's are not Alice's to see.
    dan = f"qr-{records.dan['questionnaire-responses']}"
    assert r4(api.get(f"/fhir/QuestionnaireResponse/{dan}"), 404)
    assert r4(api.get(f"/fhir/Observation?patient={cast.other_client.person_id}"))["total"] == 0


def test_a_total_without_answers_is_still_a_valid_response(cast: Cast) -> None:
    with scopes_disabled():
        contact = f.ContactFactory(referral=cast.referral, episode=cast.episode)
        item = f.QuestionnaireResponseFactory(
            contact=contact, measure="WSAS", items=None, total=12.0, band=""
        )
    api = token_api(cast.mo, acting_as=cast.alice, resources=["questionnaires"])
    body = r4(api.get(f"/fhir/QuestionnaireResponse/qr-{item.pk}"))
    assert body["item"][0]["answer"] == [{"valueDecimal": 12.0}]


def test_the_patient_is_minimal_and_pseudonymous(cast: Cast) -> None:
    api = token_api(cast.mo, acting_as=cast.alice, resources=["clients"])
    body = r4(api.get(f"/fhir/Patient/{cast.client.person_id}"))
    assert set(body) == {"resourceType", "id", "identifier", "gender"}
    text = str(body)
    for detail in ("Cara", "Client", "1990"):
        assert detail not in text
    assert r4(api.get(f"/fhir/Patient/{cast.other_client.person_id}"), 404)


@pytest.mark.parametrize(
    "query",
    ["patient=a%20b", "authored=yesterday", "authored=ge2026-13-45", "_count=0", "_count=x"],
)
def test_bad_search_parameters_are_a_400_outcome(cast: Cast, query: str) -> None:
    api = token_api(cast.mo, resources=["questionnaires"])
    assert r4(api.get(f"/fhir/QuestionnaireResponse?{query}"), 400)["issue"][0]["diagnostics"]


def test_token_scopes_and_sessions(cast: Cast, records: Records) -> None:
    measures_only = token_api(cast.mo, resources=["measures"])
    assert r4(measures_only.get("/fhir/QuestionnaireResponse"), 403)
    assert r4(measures_only.get("/fhir/Patient/x"), 403)
    dan = session_api(cast, "dan")
    own = r4(dan.get("/fhir/QuestionnaireResponse"))
    assert [e["resource"]["id"] for e in own["entry"]] == [
        f"qr-{records.dan['questionnaire-responses']}"
    ]
    assert r4(Api(Browser(), "otk_wrong").get("/fhir/Observation"), 401)
