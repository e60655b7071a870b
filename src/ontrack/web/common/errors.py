"""The server-error handler: a database that is briefly away is a 503, not a 500.

When PostgreSQL restarts (a failover, an upgrade, ``bench/pg_restart.py``) the requests
caught in between fail with ``OperationalError`` or ``InterfaceError``. Nothing they were
saving was saved (each action runs in one transaction), so the honest answer is "try again
shortly": 503 with ``Retry-After``, which integrations retry on. Every other uncaught error
keeps the plain 500 page.
"""

from __future__ import annotations

import json
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = (
    "The records are briefly unavailable (the database is restarting). Nothing was saved: "
    "try again in a few seconds."
)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: 503 with Retry-After while the database is away, else the 500 page."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        return _unavailable(request)
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def _unavailable(request: HttpRequest) -> HttpResponse:
    path = request.path
    if path.startswith("/fhir/"):
        body = {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "transient", "diagnostics": UNAVAILABLE}],
        }
        response = HttpResponse(json.dumps(body), content_type="application/fhir+json", status=503)
    elif path.startswith("/api/"):
        response = HttpResponse(
            json.dumps({"detail": UNAVAILABLE}), content_type="application/json", status=503
        )
    else:
        response = HttpResponse(
            loader.get_template("503.html").render({"message": UNAVAILABLE}), status=503
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
