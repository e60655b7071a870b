"""FHIR R4 at ``/fhir/`` (FHIR's own paths, no trailing slash; ADR 0132).

- ``metadata``: the CapabilityStatement (public: it holds no data);
- ``Questionnaire/{id}`` and search: every measure definition, LOINC-coded where LOINC
  codes exist, without item wording where the licence forbids it (``ontrack.measures.fhir``);
- ``QuestionnaireResponse``: read and search (``patient``, ``authored``) over the scored
  questionnaires of contacts (id ``qr-N``) and those clients sent themselves (``online-N``);
  create is the signed-in client's own submission (``create_response``);
- ``Observation``: each total, ``derivedFrom`` its QuestionnaireResponse;
- ``Patient/{id}``: minimal and pseudonymous (the export's person id, gender, nothing else).

Reads go through the scoped managers; access is the API's (token resources
``measures``, ``questionnaires``, ``clients``; or the session). Every answer, error
included, is FHIR JSON: refusals are OperationOutcomes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from ninja.utils import check_csrf

from ontrack.measures import MeasureError, all_measures, get_measure
from ontrack.measures.fhir import (
    LOINC,
    SNOMED,
    questionnaire,
    questionnaire_url,
    response_for,
    validate,
)
from ontrack.measures.response import TOTAL_LINK_ID, slug
from ontrack.web.api.auth import SAFE_METHODS, audit_page
from ontrack.web.api.models import ApiToken
from ontrack.web.audit.events import record_list_view, record_view
from ontrack.web.common.actions import ActionError
from ontrack.web.portal.actions import receive_fhir_response
from ontrack.web.records.actions.online import current_referral_of
from ontrack.web.records.models import Client, OnlineSubmission, QuestionnaireResponse
from ontrack.web.records.scoping import ViewerKind, viewer_for

FHIR_JSON = "application/fhir+json"
FHIR_VERSION = "4.0.1"
MAX_COUNT = 100
PERSON_ID_SYSTEM = "https://ontrack.invalid/fhir/person-id"
_GENDER = {"1": "male", "2": "female", "9": "other", "X": "unknown"}
_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


class FhirError(Exception):
    """A refusal, answered as an OperationOutcome with this status."""

    def __init__(self, status: int, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def outcome(message: str, *, code: str = "invalid", severity: str = "error") -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": message}],
    }


def fhir_response(resource: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(resource, status=status, content_type=FHIR_JSON)


def fhir_view(
    resource: str | None, methods: Iterable[str] = ("GET",)
) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., HttpResponse]]:
    """Wrap a FHIR interaction: method, access (``resource`` None = public), errors."""
    allowed = frozenset(methods)

    def wrap(view: Callable[..., dict[str, Any]]) -> Callable[..., HttpResponse]:
        @csrf_exempt  # a session's writes are checked below; a token's need no CSRF
        def run(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in allowed:
                    raise FhirError(
                        405, f"{request.method} is not supported here.", "not-supported"
                    )
                if resource is not None:
                    _admit(request, resource)
                status, body = 200, view(request, *args, **kwargs)
                if isinstance(body, tuple):
                    status, body = body
            except FhirError as error:
                return fhir_response(outcome(str(error), code=error.code), error.status)
            response = fhir_response(body, status)
            if status == 201 and body.get("id"):
                response["Location"] = f"/fhir/{body['resourceType']}/{body['id']}"
            return response

        run.__name__ = view.__name__
        run.__doc__ = view.__doc__
        return run

    return wrap


def _admit(request: HttpRequest, resource: str) -> None:
    """Let in a token with this resource's scope, or a signed-in session (CSRF on writes)."""
    write = request.method not in SAFE_METHODS
    if "Authorization" in request.headers:
        token: ApiToken | None = getattr(request, "api_token", None)
        if token is None:
            problem = getattr(request, "api_token_problem", "") or "Unknown API token."
            raise FhirError(401, problem, "login")
        if not token.allows(resource, write=write):
            verb = "change" if write else "read"
            raise FhirError(403, f"This token may not {verb} {resource}.", "forbidden")
        return
    if not request.user.is_authenticated:
        raise FhirError(401, "Sign in, or send 'Authorization: Bearer <token>'.", "login")
    if write and check_csrf(request) is not None:
        raise FhirError(403, "CSRF check failed: send the X-CSRFToken header.", "forbidden")


# -- metadata ----------------------------------------------------------------------------------


@fhir_view(None)
def metadata(request: HttpRequest) -> dict[str, Any]:
    """The CapabilityStatement: what this server does (public; it holds no data)."""

    def interactions(*codes: str) -> list[dict[str, str]]:
        return [{"code": c} for c in codes]

    def params(*pairs: tuple[str, str]) -> list[dict[str, str]]:
        return [{"name": n, "type": t} for n, t in pairs]

    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.localdate().isoformat(),
        "kind": "instance",
        "software": {"name": "OnTrack"},
        "implementation": {"description": "OnTrack FHIR R4 interface", "url": _base(request)},
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Authorization: Bearer <token> (made by the service "
                    "manager), or the signed-in session. Only this statement is public.",
                },
                "resource": [
                    {
                        "type": "Questionnaire",
                        "interaction": interactions("read", "search-type"),
                        "searchParam": params(("url", "uri"), ("code", "token")),
                    },
                    {
                        "type": "QuestionnaireResponse",
                        "interaction": interactions("read", "search-type", "create"),
                        "searchParam": params(("patient", "reference"), ("authored", "date")),
                    },
                    {
                        "type": "Observation",
                        "interaction": interactions("read", "search-type"),
                        "searchParam": params(
                            ("patient", "reference"), ("date", "date"), ("code", "token")
                        ),
                    },
                    {"type": "Patient", "interaction": interactions("read")},
                ],
            }
        ],
    }


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir")


# -- Questionnaire -----------------------------------------------------------------------------


@fhir_view("measures")
def questionnaire_read(request: HttpRequest, questionnaire_id: str) -> dict[str, Any]:
    for m in all_measures():
        if slug(m) == questionnaire_id:
            return questionnaire(m)
    raise FhirError(404, f"No Questionnaire {questionnaire_id[:64]!r}.", "not-found")


@fhir_view("measures")
def questionnaire_search(request: HttpRequest) -> dict[str, Any]:
    """Every measure's Questionnaire; ``url`` or ``code`` (a LOINC panel) narrow it."""
    url, code = request.GET.get("url"), request.GET.get("code")
    found = [
        questionnaire(m)
        for m in all_measures()
        if (url is None or url.split("|")[0] == questionnaire_url(m))
        and (code is None or code.rsplit("|", 1)[-1] == (m.fhir.panel_loinc or ""))
    ]
    return _bundle(request, found)


# -- QuestionnaireResponse and Observation ------------------------------------------------------


def _patient_ref(person_id: str) -> str:
    return f"Patient/{person_id}"


def _stored_response(item: QuestionnaireResponse | OnlineSubmission) -> dict[str, Any]:
    """A stored, scored questionnaire as a FHIR QuestionnaireResponse."""
    if isinstance(item, QuestionnaireResponse):
        rid, client = f"qr-{item.pk}", item.contact.referral.client
        authored = item.contact.contact_date.isoformat()
    else:
        rid, client = f"online-{item.pk}", item.referral.client
        authored = item.submitted_at.isoformat()
    resource: dict[str, Any]
    try:
        if item.items is None:
            raise MeasureError("only the total was recorded")
        resource = response_for(
            item.measure, list(item.items), subject=_patient_ref(client.person_id),
            authored=authored,
        )  # fmt: skip
    except MeasureError:
        # An imported total without its answers (or answers that no longer score): the
        # total is all there is to say.
        m = get_measure(item.measure)
        resource = {
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "questionnaire": questionnaire_url(m),
            "subject": {"reference": _patient_ref(client.person_id)},
            "authored": authored,
            "item": [
                {
                    "linkId": m.fhir.total_loinc or TOTAL_LINK_ID,
                    "answer": [{"valueDecimal": item.total}],
                }
            ],
        }
    resource["id"] = rid
    return validate("QuestionnaireResponse", resource)


def _observation(item: QuestionnaireResponse | OnlineSubmission) -> dict[str, Any]:
    """The total of a stored questionnaire as an Observation derived from its response."""
    m = get_measure(item.measure)
    if isinstance(item, QuestionnaireResponse):
        rid, client = f"qr-{item.pk}", item.contact.referral.client
        effective = item.contact.contact_date.isoformat()
    else:
        rid, client = f"online-{item.pk}", item.referral.client
        effective = item.submitted_at.isoformat()
    codes = []
    if m.fhir.total_loinc:
        codes.append({"system": LOINC, "code": m.fhir.total_loinc})
    if m.fhir.total_snomed:
        codes.append({"system": SNOMED, "code": m.fhir.total_snomed})
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                    }
                ]
            }
        ],
        "code": {"coding": codes, "text": f"{m.code} total score"},
        "subject": {"reference": _patient_ref(client.person_id)},
        "effectiveDateTime": effective,
        "valueQuantity": {
            "value": item.total,
            "unit": "{score}",
            "system": "http://unitsofmeasure.org",
            "code": "{score}",
        },
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{rid}"}],
    }
    if item.band:
        resource["interpretation"] = [{"text": item.band}]
    return validate("Observation", resource)


def _find(rid: str) -> QuestionnaireResponse | OnlineSubmission:
    kind, _, number = rid.partition("-")
    if number.isdigit() and len(number) < 16:
        if kind == "qr":
            found: Any = _contact_responses().filter(pk=int(number)).first()
        elif kind == "online":
            found = _online().filter(pk=int(number)).first()
        else:
            found = None
        if found is not None:
            return found  # type: ignore[no-any-return]
    raise FhirError(404, f"No resource {rid[:64]!r} that you may see.", "not-found")


def _contact_responses() -> Any:
    return QuestionnaireResponse.objects.select_related("contact__referral__client")


def _online() -> Any:
    return OnlineSubmission.objects.select_related("referral__client")


def _client_id(item: QuestionnaireResponse | OnlineSubmission) -> int:
    if isinstance(item, QuestionnaireResponse):
        return int(item.contact.referral.client_id)
    return int(item.referral.client_id)


def _read(request: HttpRequest, rid: str) -> QuestionnaireResponse | OnlineSubmission:
    """The stored questionnaire ``rid`` names, its reading logged as a view of the record."""
    item = _find(rid)
    record_view(
        by=request.user, page=audit_page(request, "fhir"), target=item, client_id=_client_id(item)
    )
    return item


@fhir_view("questionnaires")
def questionnaire_response_read(request: HttpRequest, response_id: str) -> dict[str, Any]:
    return _stored_response(_read(request, response_id))


@fhir_view("questionnaires")
def observation_read(request: HttpRequest, observation_id: str) -> dict[str, Any]:
    return _observation(_read(request, observation_id))


def _search(request: HttpRequest, date_param: str) -> list[Any]:
    """The stored questionnaires matching ``patient`` and the date parameter, newest first."""
    contact_qs, online_qs = _contact_responses(), _online()
    patient = request.GET.get("patient") or request.GET.get("subject")
    if patient is not None:
        person = patient.removeprefix("Patient/")
        if not _ID.match(person):
            raise FhirError(400, "patient must be a Patient id (or Patient/<id>).")
        contact_qs = contact_qs.filter(contact__referral__client__person_id=person)
        online_qs = online_qs.filter(referral__client__person_id=person)
    for value in request.GET.getlist(date_param):
        op, day = _date_filter(date_param, value)
        contact_qs = contact_qs.filter(**{f"contact__contact_date__{op}": day})
        online_qs = online_qs.filter(**{f"submitted_at__date__{op}": day})
    code = request.GET.get("code")
    if code is not None:
        wanted = code.rsplit("|", 1)[-1]
        measures = [m.code for m in all_measures() if wanted in (m.fhir.total_loinc, m.code)]
        contact_qs = contact_qs.filter(measure__in=measures)
        online_qs = online_qs.filter(measure__in=measures)
    count = _count(request)
    newest = [
        *contact_qs.order_by("-contact__contact_date", "-pk")[:count],
        *online_qs.order_by("-submitted_at", "-pk")[:count],
    ]
    newest.sort(key=_when, reverse=True)
    found = newest[:count]
    record_list_view(
        by=request.user,
        page=audit_page(request, "fhir"),
        path=request.get_full_path(),
        client_ids=[_client_id(item) for item in found],
    )
    return found


def _when(item: QuestionnaireResponse | OnlineSubmission) -> dt.date:
    if isinstance(item, QuestionnaireResponse):
        return item.contact.contact_date
    return timezone.localdate(item.submitted_at)


_PREFIXES = {"eq": "exact", "ge": "gte", "le": "lte", "gt": "gt", "lt": "lt"}


def _date_filter(name: str, value: str) -> tuple[str, dt.date]:
    prefix = value[:2] if value[:2] in _PREFIXES else "eq"
    text = value[2:] if value[:2] in _PREFIXES else value
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return _PREFIXES[prefix], dt.date.fromisoformat(text)
    except ValueError:
        raise FhirError(400, f"{name} must be a date such as ge2026-01-31.") from None


def _count(request: HttpRequest) -> int:
    raw = request.GET.get("_count", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_COUNT:
        raise FhirError(400, f"_count must be a whole number from 1 to {MAX_COUNT}.")
    return int(raw)


@fhir_view("questionnaires")
def observation_search(request: HttpRequest) -> dict[str, Any]:
    """Totals by ``patient``, ``date`` (ge/le/gt/lt/eq) and ``code`` (LOINC or measure)."""
    return _bundle(request, [_observation(item) for item in _search(request, "date")])


@fhir_view("questionnaires", methods=("GET", "POST"))
def questionnaire_responses(request: HttpRequest) -> Any:
    """GET: search responses by ``patient`` and ``authored`` (ge/le/gt/lt/eq).
    POST: the signed-in client sends a completed questionnaire (``create_response``)."""
    if request.method == "POST":
        return create_response(request)
    return _bundle(request, [_stored_response(item) for item in _search(request, "authored")])


def create_response(request: HttpRequest) -> tuple[int, dict[str, Any]]:
    """Store a QuestionnaireResponse the client completed elsewhere (moved here from
    ``/my/questionnaires/fhir/``).

    The portal's ``receive_fhir_response`` does all of it, as for every input path: it
    reads the body defensively, scores and stores it as the client's online submission,
    and opens or updates the urgent risk alert for a positive risk answer, even when the
    rest is malformed and refused (400, an OperationOutcome naming the first problem).
    Staff record answers at a session instead (``POST /api/episodes/{id}/sessions``).
    """
    viewer = viewer_for(request.user)
    if viewer.kind != ViewerKind.CLIENT or viewer.client_id is None:
        raise FhirError(
            403,
            "A QuestionnaireResponse is created by the client themselves, signed in; staff "
            "record answers at a session (POST /api/episodes/{id}/sessions).",
            "forbidden",
        )
    client = Client.objects.get(pk=viewer.client_id)
    try:
        submission = receive_fhir_response(
            client=client,
            referral=current_referral_of(client.pk),
            body=request.body,
            by=request.user,  # type: ignore[arg-type]
        )
    except ActionError as error:
        raise FhirError(400, " ".join(error.errors.values())) from None
    except PermissionDenied as exc:
        raise FhirError(403, str(exc) or "You may not do this.", "forbidden") from None
    return 201, _stored_response(submission)


def _bundle(request: HttpRequest, resources: list[dict[str, Any]]) -> dict[str, Any]:
    base = _base(request)
    # Each entry was validated as it was built; the tests validate whole bundles (R4B).
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "link": [{"relation": "self", "url": request.build_absolute_uri()}],
        "entry": [
            {
                "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }


# -- Patient -----------------------------------------------------------------------------------


@fhir_view("clients")
def patient_read(request: HttpRequest, patient_id: str) -> dict[str, Any]:
    """A client as a pseudonymous Patient: the export's person id and gender, no more."""
    client = Client.objects.filter(person_id=patient_id[:64]).first()
    if client is None:
        raise FhirError(404, f"No Patient {patient_id[:64]!r} that you may see.", "not-found")
    record_view(
        by=request.user, page=audit_page(request, "fhir"), target=client, client_id=client.pk
    )
    return {
        "resourceType": "Patient",
        "id": client.person_id,
        "identifier": [{"system": PERSON_ID_SYSTEM, "value": client.person_id}],
        "gender": _GENDER.get(client.gender, "unknown"),
    }
