"""FHIR R4 export and import, validated with the fhir.resources R4B models."""

import pytest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import examples

from ontrack.measures import MeasureError, all_measures, get_measure, score
from ontrack.measures.fhir import (
    LOINC,
    ORDINAL_VALUE,
    observation,
    questionnaire,
    response_for,
    score_response,
)

PHQ9_ITEMS = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5",
              "44253-3", "44260-8"]  # fmt: skip
GAD7_ITEMS = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]
LL358_3 = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]


@pytest.mark.parametrize("code", [m.code for m in all_measures()])
def test_every_definition_exports_a_valid_questionnaire(code):
    resource = questionnaire(code)

    parsed = Questionnaire.model_validate(resource)

    assert parsed.status == "active"
    scored = [i for i in resource["item"] if i["type"] != "display" and not i.get("readOnly")]
    assert len(scored) == get_measure(code).n_items


@pytest.mark.parametrize(
    ("code", "panel", "items", "total"),
    [("PHQ-9", "44249-1", PHQ9_ITEMS, "44261-6"), ("GAD-7", "69737-5", GAD7_ITEMS, "70274-6")],
)
def test_phq9_gad7_questionnaires_carry_loinc_codes(code, panel, items, total):
    resource = questionnaire(code)
    scored = [i for i in resource["item"] if i["type"] == "choice"]

    assert resource["code"] == [{"system": LOINC, "code": panel, "display": resource["title"]}]
    assert [i["code"][0]["code"] for i in scored] == items
    assert [i["linkId"] for i in scored] == items
    assert resource["item"][-1]["code"][0] == {"system": LOINC, "code": total}
    assert resource["item"][-1]["readOnly"] is True


def test_answer_options_use_ll358_3_with_ordinal_values():
    options = questionnaire("PHQ-9")["item"][1]["answerOption"]

    codings = [o["valueCoding"] for o in options]
    assert [c["code"] for c in codings] == LL358_3
    assert [c["extension"][0] for c in codings] == [
        {"url": ORDINAL_VALUE, "valueDecimal": v} for v in range(4)
    ]
    assert codings[0]["display"] == "Not at all"


def test_scoring_only_questionnaire_has_no_wording():
    resource = questionnaire("WSAS")

    texts = [i["text"] for i in resource["item"][:-1]]
    assert all("wording not shipped" in t for t in texts)
    assert "Scoring-only" in resource["description"]


def test_visual_analogue_items_export_as_bounded_decimals():
    item = questionnaire("SRS")["item"][0]

    assert item["type"] == "decimal"
    assert [e["valueDecimal"] for e in item["extension"]] == [0, 10]


def test_score_a_hand_written_response():
    # Shape of docs/reference/fhir.md#questionnaireresponse: another system's PHQ-9 with US Core style "/" linkIds.
    answers = ["LA6569-3", "LA6570-1", "LA6568-5", "LA6569-3", "LA6569-3", "LA6570-1",
               "LA6568-5", "LA6568-5", "LA6569-3"]  # fmt: skip
    response = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "http://example.org/fhir/Questionnaire/phq-9",
        "subject": {"reference": "Patient/123"},
        "authored": "2025-04-01T10:00:00Z",
        "item": [
            {"linkId": f"/{link}", "answer": [{"valueCoding": {"system": LOINC, "code": code}}]}
            for link, code in zip(PHQ9_ITEMS, answers, strict=True)
        ]
        + [{"linkId": "44261-6", "answer": [{"valueInteger": 8}]}],
    }

    result = score_response(response)

    assert result.measure == "PHQ-9"
    assert result.total == 8
    assert result.risk is True
    assert result.notes == ["risk: item 9 answered 1; review risk today, whatever the total"]


def test_stated_total_that_disagrees_is_noted():
    response = response_for("GAD-7", [1, 1, 1, 1, 1, 1, 1])
    response["item"][-1]["answer"] = [{"valueInteger": 12}]

    result = score_response(response)

    assert result.total == 7
    assert any("states a total of 12" in note for note in result.notes)


def test_missing_answer_in_response_is_prorated():
    response = response_for("PHQ-9", [1, 1, 1, 1, 1, 1, 1, 1, 0])
    del response["item"][3]["answer"]

    assert score_response(response).prorated is True


@settings(max_examples=examples(60), deadline=None)
@given(st.data())
def test_response_round_trip_scores_the_same(data):
    m = data.draw(st.sampled_from(all_measures()))
    steps = round((m.item_max - m.item_min) / m.item_step)
    answers = [
        round(m.item_min + data.draw(st.integers(0, steps)) * m.item_step, 6) for _ in m.items
    ]

    response = response_for(m, answers)
    QuestionnaireResponse.model_validate(response)

    assert score_response(response).total == score(m, answers).total


def test_observation_is_valid_and_coded():
    resource = observation(score("PHQ-9", [1] * 9), subject="Patient/1")

    parsed = Observation.model_validate(resource)
    assert parsed.valueQuantity.value == 9
    assert {c["code"] for c in resource["code"]["coding"]} == {"44261-6", "720433000"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.pop("status"), "invalid FHIR QuestionnaireResponse"),
        (lambda r: r.update(questionnaire="http://example.org/Questionnaire/bdi"), "not a known"),
        (lambda r: r.pop("questionnaire"), "no 'questionnaire'"),
        (lambda r: r["item"].append({"linkId": "x-9", "answer": [{"valueInteger": 1}]}),
         "unknown linkId 'x-9'"),
        (lambda r: r["item"].append(dict(r["item"][0])), "answered twice"),
        (lambda r: r["item"][0].update(answer=[{"valueString": "often"}]), "must be an integer"),
        (lambda r: r["item"][0].update(answer=[{"valueCoding": {"code": "LA9999-9"}}]),
         "has no score"),
        (lambda r: r["item"][0].update(answer=[{"valueInteger": 7}]), "out of range"),
    ],
)  # fmt: skip
def test_score_response_rejects_bad_responses(change, message):
    response = response_for("PHQ-9", [1] * 9)
    change(response)

    with pytest.raises(MeasureError, match=message):
        score_response(response)
