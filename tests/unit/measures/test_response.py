"""Malformed QuestionnaireResponses: a clear ResponseError, and a valid risk answer never lost."""

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ontrack.measures import MeasureError, ResponseError, load_response, read_response
from ontrack.measures.fhir import response_answers, response_for, score_response
from ontrack.measures.response import MAX_RESPONSE_BYTES, Unreadable, parse_json

PHQ9_ITEM9 = "44260-8"


def phq9(answers=(1, 1, 1, 1, 1, 1, 1, 1, 2)):
    """A valid PHQ-9 response with integer answers (item 9 positive by default)."""
    response = response_for("PHQ-9", list(answers))
    for item, value in zip(response["item"], answers, strict=False):
        item["answer"] = [{"valueInteger": value}]
    return response


def with_item1(answer):
    response = phq9()
    response["item"][0]["answer"] = [answer]
    return response


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ({"valueInteger": None}, "no value (valueInteger is null)"),
        ({"valueInteger": "1"}, "must be a number"),
        ({"valueInteger": True}, "must be a number"),
        ({"valueInteger": 1.5}, "whole number"),
        ({"valueInteger": 10**400}, "401 digits"),
        ({"valueDecimal": float("nan")}, "not a finite number"),
        ({"valueInteger": 7}, "out of range 0..3"),
        ({"valueString": "often"}, "integer, decimal or coding"),
        ({"valueInteger": 1, "valueDecimal": 1.0}, "integer, decimal or coding"),
        ({"valueCoding": "LA6568-5"}, "valueCoding must be a JSON object"),
        ({"valueCoding": {"code": "nope"}}, "has no score"),
        ("1", "must be a JSON object"),
    ],
)
def test_read_response_bad_item_names_it_and_keeps_risk(answer, said):
    with pytest.raises(ResponseError) as caught:
        read_response(with_item1(answer))

    error = caught.value
    assert said in error.problem
    assert "item 1" in error.problem
    assert error.risk_items == (9,)
    assert "RISK: PHQ-9 item 9 answered 2 (More than half the days)" in str(error)
    assert "\n" not in str(error)


def test_score_response_too_many_missing_is_a_response_error_with_risk():
    response = phq9()
    for item in response["item"][:5]:
        item.pop("answer")

    with pytest.raises(ResponseError) as caught:
        score_response(response)

    assert "answers missing" in caught.value.problem
    assert caught.value.risk_items == (9,)
    assert str(caught.value).count("RISK") == 1


def test_response_answers_valid_response_reads_every_answer():
    assert response_answers("PHQ-9", phq9()) == [1, 1, 1, 1, 1, 1, 1, 1, 2]


def test_response_answers_fhir_model_failure_keeps_risk():
    response = phq9()
    response["authored"] = "yesterday"

    with pytest.raises(ResponseError) as caught:
        response_answers("PHQ-9", response)

    assert caught.value.risk_items == (9,)
    assert "authored" in caught.value.problem


def test_read_response_negative_risk_answer_carries_no_risk():
    response = phq9((0,) * 9)
    response["item"][0]["answer"] = [{"valueInteger": None}]

    with pytest.raises(ResponseError) as caught:
        read_response(response)

    assert caught.value.risk == ()
    assert "RISK" not in str(caught.value)


def test_read_response_risk_item_itself_malformed_is_not_graded():
    response = phq9()
    response["item"][8]["answer"] = [{"valueInteger": None}]

    with pytest.raises(ResponseError) as caught:
        read_response(response)

    assert "item 9" in caught.value.problem
    assert caught.value.risk == ()


@pytest.mark.parametrize(
    ("mutate", "said"),
    [
        (lambda text: text.replace('"status"', '"text": "caf\u00e9", "status"').encode("latin-1"),
         "not UTF-8"),
        (lambda text: text.replace('{"valueInteger": 1}', '{"valueDecimal": 1' + "0" * 400 + ".5}",
                                   1).encode(), "402 digits"),
        (lambda text: text.replace('{"valueInteger": 1}', '{"valueInteger": 1, "x": '
                                   + "[" * 50_000 + "]" * 50_000 + "}", 1).encode(),
         "nesting deeper than 40 levels"),
        (lambda text: text.replace('{"valueInteger": 1}', '{"valueInteger": NaN}', 1).encode(),
         "NaN"),
    ],
)  # fmt: skip
def test_load_response_unusable_document_is_refused_with_its_risk(mutate, said):
    data = mutate(json.dumps(phq9(), ensure_ascii=False))

    with pytest.raises(ResponseError) as caught:
        load_response(data)

    assert said in caught.value.problem
    assert caught.value.risk_items == (9,)


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"{", "not valid JSON"),
        (b"[1, 2]", "one JSON object"),
        (b"x" * (MAX_RESPONSE_BYTES + 1), "at most 1,000,000"),
    ],
)
def test_load_response_not_a_document_is_refused(data, said):
    with pytest.raises(ResponseError, match=said):
        load_response(data)


def test_load_response_valid_document_round_trips():
    response = phq9()

    assert load_response(json.dumps(response).encode()) == response


def test_parse_json_deep_nesting_does_not_recurse():
    text = '{"a": ' + "[" * 200_000 + "]" * 200_000 + ', "b": 2}'

    parsed = parse_json(text)

    assert isinstance(parsed["a"][0][0], list | Unreadable)
    assert parsed["b"] == 2


_junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip
_keys = st.sampled_from(["answer", "linkId", "item", "valueInteger", "valueDecimal",
                         "valueCoding", "code", "extension", "questionnaire", "status"])  # fmt: skip


@st.composite
def mangled_phq9(draw):
    """A PHQ-9 response with item 9 = 2 and random damage to items 1-8 or the envelope."""
    response = copy.deepcopy(phq9())
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(["item", "answer", "value", "envelope"]))
        index = draw(st.integers(0, 7))
        item = response["item"][index]
        if where == "item":
            response["item"][index] = draw(_junk)
        elif where == "answer" and isinstance(item, dict):
            item["answer"] = draw(_junk)
        elif where == "value" and isinstance(item, dict):
            item["answer"] = [{draw(_keys): draw(_junk)}]
        else:
            key = draw(_keys.filter(lambda k: k not in {"questionnaire", "item"}))
            response[key] = draw(_junk)
    return response


@settings(max_examples=300, deadline=None)
@given(mangled_phq9())
def test_score_response_any_damage_is_a_response_error_that_keeps_item_9(response):
    try:
        result = score_response(response)
    except ResponseError as error:
        failure = error
    else:
        assert 9 in result.risk_items
        return
    assert failure.risk_items == (9,)
    assert "\n" not in str(failure)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_load_response_any_bytes_give_a_document_or_a_measure_error(data):
    try:
        document = load_response(data)
    except MeasureError:
        return
    assert isinstance(document, dict)
