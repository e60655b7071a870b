"""FHIR R4 Questionnaire export and QuestionnaireResponse import for any measure definition.

Resources are built as plain JSON dicts and validated against the ``fhir.resources`` R4B
models (the R4-family models shipped in fhir.resources 8; see docs/adr/0010). PHQ-9 and GAD-7
items carry their LOINC codes and the LL358-3 answer list; every coded answer carries its
score in the R4 ``ordinalValue`` extension, so any FHIR client can total it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from ontrack.measures.definition import Measure
from ontrack.measures.errors import MeasureError
from ontrack.measures.registry import resolve
from ontrack.measures.response import (
    ORDINAL_VALUE,
    TOTAL_LINK_ID,
    ResponseError,
    link_id,
    measure_for_response,
    read_response,
    slug,
    walk_items,
)
from ontrack.measures.scoring import Answer, ScoreResult, score

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
# OnTrack has no registered FHIR home; ".invalid" (RFC 2606) can never clash with a real one.
# Pass ``base=`` to publish under your own canonical URL.
DEFAULT_BASE = "https://ontrack.invalid/fhir"


def questionnaire_url(m: Measure, base: str = DEFAULT_BASE) -> str:
    """Return the canonical URL OnTrack gives this measure's Questionnaire."""
    return f"{base.rstrip('/')}/Questionnaire/{slug(m)}"


def questionnaire(measure: str | Measure, *, base: str = DEFAULT_BASE) -> dict[str, Any]:
    """Export a definition as a FHIR R4 Questionnaire (a JSON-ready dict), validated.

    Scoring-only definitions get numbered items with no wording and a note saying why.

    >>> q = questionnaire("PHQ-9")
    >>> q["code"][0]["code"], q["item"][1]["linkId"], q["item"][-1]["code"][0]["code"]
    ('44249-1', '44250-9', '44261-6')
    """
    m = resolve(measure)
    items: list[dict[str, Any]] = []
    if m.stem and m.has_text:
        items.append({"linkId": "stem", "type": "display", "text": m.stem})
    items += [_item(m, number, base) for number in range(1, m.n_items + 1)]
    items.append(_total_item(m))
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": slug(m),
        "url": questionnaire_url(m, base),
        "version": m.version,
        "name": re.sub(r"[^A-Za-z0-9]", "", m.code.title()) or "Measure",
        "title": m.name,
        "status": "active",
        "subjectType": ["Patient"],
        "description": _description(m),
        "copyright": m.attribution or m.licence,
        "item": items,
    }
    if m.fhir.panel_loinc:
        resource["code"] = [{"system": LOINC, "code": m.fhir.panel_loinc, "display": m.name}]
    return validate("Questionnaire", resource)


def questionnaire_json(measure: str | Measure, *, base: str = DEFAULT_BASE) -> str:
    """Return the Questionnaire as indented JSON text."""
    return json.dumps(questionnaire(measure, base=base), indent=2, ensure_ascii=False)


def _description(m: Measure) -> str:
    text = f"{m.name}. {m.n_items} items, total {m.min}-{m.max}. Source: {m.source}."
    if not m.has_text:
        text += (
            " Scoring-only definition: the item wording is not reproduced because its licence "
            "does not allow it; a licensed service supplies the text."
        )
    return text


def _item(m: Measure, number: int, base: str) -> dict[str, Any]:
    item = m.items[number - 1]
    out: dict[str, Any] = {
        "linkId": link_id(m, number),
        "text": item.text or f"{m.code} item {number} (wording not shipped: licence)",
        "required": number not in m.optional_items and m.max_missing == 0,
    }
    if item.loinc:
        out["code"] = [{"system": LOINC, "code": item.loinc}]
    if m.answer_labels and m.item_step == 1:
        out["type"] = "choice"
        out["answerOption"] = [
            {"valueCoding": _answer_coding(m, value, base)}
            for value in range(m.item_min, m.item_max + 1)
        ]
        return out
    integer = m.item_step == 1
    out["type"] = "integer" if integer else "decimal"
    kind = "valueInteger" if integer else "valueDecimal"
    out["extension"] = [
        {"url": MIN_VALUE, kind: m.item_min},
        {"url": MAX_VALUE, kind: m.item_max},
    ]
    return out


def _answer_coding(m: Measure, value: int, base: str) -> dict[str, Any]:
    index = value - m.item_min
    coding: dict[str, Any]
    if m.fhir.answer_codes:
        coding = {"system": LOINC, "code": m.fhir.answer_codes[index]}
    else:
        coding = {"system": f"{base.rstrip('/')}/CodeSystem/{slug(m)}-answers", "code": str(value)}
    coding["display"] = m.answer_labels[index]
    coding["extension"] = [{"url": ORDINAL_VALUE, "valueDecimal": value}]
    return coding


def _total_item(m: Measure) -> dict[str, Any]:
    integer = m.method.value == "sum" and m.item_step == 1 and m.max_missing == 0
    out: dict[str, Any] = {
        "linkId": m.fhir.total_loinc or TOTAL_LINK_ID,
        "text": f"{m.code} total score ({m.min}-{m.max})",
        "type": "integer" if integer else "decimal",
        "readOnly": True,
        "required": False,
    }
    codes = []
    if m.fhir.total_loinc:
        codes.append({"system": LOINC, "code": m.fhir.total_loinc})
    if m.fhir.total_snomed:
        codes.append({"system": SNOMED, "code": m.fhir.total_snomed})
    if codes:
        out["code"] = codes
    return out


def validate(resource_type: str, resource: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a resource against the fhir.resources R4B model; return it unchanged.

    Raises ``MeasureError`` naming the first problem.
    """
    model = _model(resource_type)
    try:
        model.model_validate(dict(resource))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MeasureError(f"invalid FHIR {resource_type}: {where}: {first['msg']}") from None
    return dict(resource)


def _model(resource_type: str) -> Any:
    # Imported lazily: the fhir.resources models take a moment to import, and most users of
    # the measures library never touch FHIR.
    if resource_type == "Questionnaire":
        from fhir.resources.R4B.questionnaire import Questionnaire

        return Questionnaire
    if resource_type == "QuestionnaireResponse":
        from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

        return QuestionnaireResponse
    if resource_type == "Observation":
        from fhir.resources.R4B.observation import Observation

        return Observation
    raise MeasureError(f"unsupported FHIR resource type {resource_type!r}")


def response_answers(measure: str | Measure, response: Mapping[str, Any]) -> list[Answer]:
    """Read item answers (item 1 first, None where unanswered) from a QuestionnaireResponse.

    Raises ``ResponseError`` (a ``MeasureError``) for anything malformed, carrying every
    risk item answered validly in the same resource.
    """
    reading = read_response(response, measure)
    try:
        validate("QuestionnaireResponse", response)
    except MeasureError as exc:
        raise ResponseError(str(exc), measure=reading.measure.code, risk=reading.risk) from None
    except (RecursionError, ValueError, TypeError):
        raise ResponseError(
            "not a valid FHIR QuestionnaireResponse", measure=reading.measure.code,
            risk=reading.risk,
        ) from None  # fmt: skip
    return list(reading.answers)


def score_response(
    response: Mapping[str, Any], *, measure: str | Measure | None = None
) -> ScoreResult:
    """Score a FHIR QuestionnaireResponse; the measure comes from its ``questionnaire`` URL
    unless given. A total in the response is checked against the computed one.

    Raises ``ResponseError`` for a malformed or unscorable response, with its risk answers.

    >>> qr = response_for("GAD-7", [1, 1, 2, 1, 0, 0, 1])
    >>> score_response(qr).total
    6.0
    """
    m = measure_for_response(response) if measure is None else resolve(measure)
    answers = response_answers(m, response)
    try:
        result = score(m, answers)
    except MeasureError as exc:
        reading = read_response(response, m, raise_on_problems=False)
        problem = str(exc).split("; RISK:")[0]
        raise ResponseError(problem, measure=m.code, risk=reading.risk) from None
    stated = _stated_total(m, response)
    if stated is not None and not math.isclose(stated, result.total, abs_tol=0.01):
        result.notes.append(
            f"the response states a total of {stated:g} but its answers score {result.total:g}: "
            "OnTrack uses the computed total"
        )
    return result


def _stated_total(m: Measure, response: Mapping[str, Any]) -> float | None:
    links = {TOTAL_LINK_ID, m.fhir.total_loinc}
    for item, problem in walk_items(response.get("item", [])):
        if problem is not None or str(item.get("linkId", "")).lstrip("/") not in links:
            continue
        answer = item.get("answer")
        if not isinstance(answer, list) or not answer or not isinstance(answer[0], Mapping):
            continue
        for key in ("valueInteger", "valueDecimal"):
            value = answer[0].get(key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if math.isfinite(value) and abs(value) < 1e9:
                return float(value)
    return None


def response_for(
    measure: str | Measure,
    answers: list[Answer],
    *,
    base: str = DEFAULT_BASE,
    subject: str | None = None,
    authored: str | None = None,
) -> dict[str, Any]:
    """Build a completed QuestionnaireResponse for these answers (with the computed total).

    >>> response_for("PHQ-9", [0] * 9)["item"][0]["answer"][0]["valueCoding"]["code"]
    'LA6568-5'
    """
    m = resolve(measure)
    result = score(m, answers)
    items: list[dict[str, Any]] = []
    for number, value in enumerate(answers, start=1):
        entry: dict[str, Any] = {"linkId": link_id(m, number)}
        if value is not None:
            entry["answer"] = [_answer_json(m, value, base)]
        items.append(entry)
    total_key = "valueInteger" if float(result.total).is_integer() else "valueDecimal"
    total = int(result.total) if total_key == "valueInteger" else result.total
    items.append({"linkId": m.fhir.total_loinc or TOTAL_LINK_ID, "answer": [{total_key: total}]})
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": questionnaire_url(m, base),
        "item": items,
    }
    if subject:
        resource["subject"] = {"reference": subject}
    if authored:
        resource["authored"] = authored
    return validate("QuestionnaireResponse", resource)


def _answer_json(m: Measure, value: float, base: str) -> dict[str, Any]:
    if m.answer_labels and m.item_step == 1:
        return {"valueCoding": _answer_coding(m, int(value), base)}
    if m.item_step == 1:
        return {"valueInteger": int(value)}
    return {"valueDecimal": value}


def observation(
    result: ScoreResult, *, subject: str | None = None, effective: str | None = None
) -> dict[str, Any]:
    """Express a score as a FHIR Observation with the total's LOINC/SNOMED code, validated."""
    m = resolve(result.measure)
    codes = []
    if m.fhir.total_loinc:
        codes.append({"system": LOINC, "code": m.fhir.total_loinc})
    if m.fhir.total_snomed:
        codes.append({"system": SNOMED, "code": m.fhir.total_snomed})
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": codes, "text": f"{m.code} total score"},
        "valueQuantity": {
            "value": result.total,
            "unit": "{score}",
            "system": "http://unitsofmeasure.org",
            "code": "{score}",
        },
    }
    if subject:
        resource["subject"] = {"reference": subject}
    if effective:
        resource["effectiveDateTime"] = effective
    return validate("Observation", resource)
