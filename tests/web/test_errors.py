"""A database that is briefly away answers 503 with Retry-After; other errors stay 500."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client as Browser
from tests.web.conftest import Cast

pytestmark = pytest.mark.django_db


def _failing(error: Exception) -> mock._patch:  # type: ignore[type-arg]
    # The session is read from the database on every signed-in request: make that fail.
    return mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=error)


def _signed_in(cast: Cast) -> Browser:
    browser = Browser(raise_request_exception=False)
    browser.force_login(cast.alice)
    return browser


@pytest.mark.parametrize(
    "error",
    [OperationalError("server closed the connection"), InterfaceError("connection already closed")],
)
def test_database_away_is_503_with_retry_after(cast: Cast, error: Exception) -> None:
    browser = _signed_in(cast)
    with _failing(error):
        response = browser.get("/caseload/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"Nothing was saved" in response.content


def test_database_away_on_the_api_and_fhir_answers_in_their_own_format(cast: Cast) -> None:
    browser = _signed_in(cast)
    with _failing(OperationalError("the database system is starting up")):
        api = browser.get("/api/clients")
        fhir = browser.get("/fhir/Patient/1")
    assert (api.status_code, fhir.status_code) == (503, 503)
    assert "briefly unavailable" in json.loads(api.content)["detail"]
    outcome = json.loads(fhir.content)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "transient"


def test_any_other_error_is_still_the_plain_500_page(cast: Cast) -> None:
    browser = _signed_in(cast)
    with _failing(RuntimeError("a bug")):
        response = browser.get("/caseload/")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
