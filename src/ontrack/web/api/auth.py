"""Who is calling the API: an integration's token, or the signed-in session.

``ApiTokenMiddleware`` (before ``ScopeMiddleware``) reads ``Authorization: Bearer …`` on
``/api/`` and ``/fhir/`` only: a good token makes the request run as the member of staff
it acts as, so the scoped managers and the actions see that person and no one else; a
request that presents a token never falls back to the session cookie. The ninja auth
classes then say whether this caller may use this resource (a token's scopes and
resources), audit each token use, and check CSRF for the session's writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from ontrack.web.api import tokens
from ontrack.web.api.models import ApiToken
from ontrack.web.pathway import ratelimit

API_PREFIXES = ("/api/", "/fhir/", "/fhir")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _bearer(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _repeated_query(request: HttpRequest) -> str:
    """The first query parameter given more than once ("" when none is)."""
    return next((k for k, values in request.GET.lists() if len(values) > 1), "")


class ApiTokenMiddleware:
    """Resolve an API token before the record scope is set (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and (repeated := _repeated_query(request)):
            # Every REST query parameter takes one value: a second one is refused, not
            # silently read as the last (FHIR search parameters may repeat: not here).
            return JsonResponse(
                {"detail": f"Query parameter '{repeated}' is given more than once.",
                 "errors": {repeated: "Give it once."}},
                status=400,
            )  # fmt: skip
        if request.path.startswith(API_PREFIXES) and "Authorization" in request.headers:
            secret = _bearer(request) or ""
            token, problem = tokens.resolve(secret) if secret else (None, "")
            if token is None and not ratelimit.allow(
                request, "api-token", limit=settings.ONTRACK_API_FAILURES_ALLOWED, window=600
            ):
                return JsonResponse(
                    {"detail": "Too many bad tokens from this address: wait ten minutes.",
                     "errors": {}},
                    status=429,
                )  # fmt: skip
            request.api_token = token  # type: ignore[attr-defined]
            request.api_token_problem = problem or (  # type: ignore[attr-defined]
                "" if token else "Send the token as 'Authorization: Bearer <token>'."
            )
            request.user = token.acting_as if token else AnonymousUser()
            response = self.get_response(request)
            if token is not None and not getattr(request, "api_audited", False):
                tokens.record_use(token, str(request.method), request.path, response.status_code)
            return response
        return self.get_response(request)


def audit_page(request: HttpRequest, what: str) -> str:
    """The audit name of a read made by this request: a token's read names the token, and
    then stands for its use (one audit event per request, not two)."""
    token: ApiToken | None = getattr(request, "api_token", None)
    if token is None:
        return what
    request.api_audited = True  # type: ignore[attr-defined]
    return f"{what} token {token.pk}"


class TokenAuth(HttpBearer):
    """``Authorization: Bearer otk_…``: an integration token with this resource's scope."""

    def __init__(self, resource: str) -> None:
        self.resource = resource
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found: ApiToken | None = getattr(request, "api_token", None)
        if found is None:
            problem = getattr(request, "api_token_problem", "")
            if problem:
                raise HttpError(401, problem)
            return None
        write = request.method not in SAFE_METHODS
        if not found.allows(self.resource, write=write):
            raise HttpError(
                403,
                f"This token may not {'change' if write else 'read'} {self.resource} "
                f"(it has scopes {', '.join(found.scopes)} on {', '.join(found.resources)}).",
            )
        return found


class SessionAuth(APIKeyCookie):
    """The signed-in session (the web app's own use); writes need the CSRF token."""

    def __init__(self) -> None:
        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        if "Authorization" in request.headers:
            return None  # a token was presented: it alone decides
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if user.is_authenticated else None


def auth_for(resource: str) -> list[Any]:
    """The ways in to one resource, in the order they are tried."""
    return [TokenAuth(resource), SessionAuth()]
