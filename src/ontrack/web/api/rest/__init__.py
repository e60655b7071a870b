"""The REST API (django-ninja, ADR 0130): one ``NinjaAPI``, one router per resource.

Every refusal is a JSON ``{"detail": ..., "errors": {...}}`` with a 4xx status: bad input
(including what fails the schema) 400, no credentials 401, not allowed 403, not found or
not yours 404, a stale ``If-Match`` 409, no ``If-Match`` 428, too many requests 429.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.throttling import AuthRateThrottle

from ontrack.web.api.rest import alerts, care, config, goals, sessions
from ontrack.web.api.rest.common import action_error_body
from ontrack.web.common.actions import ActionError, ConcurrencyError

api = NinjaAPI(
    title="OnTrack API",
    version="1",
    description=(
        "Care records of a talking-therapy service: every read is scoped to what the caller "
        "may see, every write goes through the same checks as the pages. Authenticate with "
        "`Authorization: Bearer <token>` (made by the service manager) or the signed-in "
        "session (writes then need the CSRF token). See docs/api.md."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    # Per token or signed-in user; bad tokens are limited per address by the middleware.
    throttle=[AuthRateThrottle(getattr(settings, "ONTRACK_API_RATE", "600/m"))],
)

for prefix, router in (
    ("/clients", care.clients),
    ("/referrals", care.referrals),
    ("/assessments", care.assessments),
    ("/episodes", care.episodes),
    ("/signals", care.signals),
    ("/contacts", sessions.contacts),
    ("/questionnaire-responses", sessions.questionnaires),
    ("/appointments", sessions.appointments),
    ("/alerts", alerts.alerts),
    ("/goals", goals.goals),
    ("/homework", goals.homework),
    ("/staff", config.staff),
    ("/teams", config.teams),
    ("/measures", config.measures),
    ("/me", config.me),
):
    api.add_router(prefix, router)


def _error(request: HttpRequest, status: int, detail: str, **errors: str) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors}, status=status)


@api.exception_handler(ConcurrencyError)
def _stale(request: HttpRequest, exc: ConcurrencyError) -> HttpResponse:
    return api.create_response(request, action_error_body(exc), status=409)


@api.exception_handler(ActionError)
def _bad_input(request: HttpRequest, exc: ActionError) -> HttpResponse:
    return api.create_response(request, action_error_body(exc), status=400)


@api.exception_handler(ValidationError)
def _bad_schema(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, str] = {}
    for error in exc.errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query"))
        errors.setdefault(where or "__all__", str(error.get("msg", "invalid")))
    detail = "; ".join(f"{k}: {v}" for k, v in list(errors.items())[:5])
    return api.create_response(request, {"detail": detail, "errors": errors}, status=400)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or "You may not do this.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, str(exc) or "Not found.")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "Sign in, or send 'Authorization: Bearer <token>' (see /api/docs).")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(DjangoValidationError)
def _model_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return _error(request, 400, " ".join(exc.messages))


def schema() -> dict[str, Any]:
    """The OpenAPI document (what ``/api/openapi.json`` serves)."""
    return dict(api.get_openapi_schema())
