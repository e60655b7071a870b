"""Schemathesis against /api/openapi.json, in process through WSGI, with bounded examples:
no 5xx, and every answer matches the schema (status, content type, headers, body),
schema-violating input is refused, and auth is enforced.

Each operation is called as a token with every resource, acting as Alice (who holds Cara's
episode, so writes can succeed as well as be refused). Marked ``fuzz`` to run it alone
(``pytest -m fuzz``); it runs in the normal run too, at ``examples(10)`` per operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from tests.conftest import examples
from tests.web.api.conftest import Records, make_token
from tests.web.conftest import Cast

from ontrack.web.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def bearer(cast: Cast, records: Records, settings: Any) -> Iterator[dict[str, str]]:
    # Schemathesis tries bad credentials on purpose, many times: the limit on bad tokens
    # per address (tested in test_tokens.py) would answer 429 instead of 401.
    settings.ONTRACK_API_FAILURES_ALLOWED = 1_000_000
    # The plain WSGI handler closes the database connection after each request (Django's
    # test client does not): inside a test's transaction that would end the test's data.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {"Authorization": f"Bearer {make_token(cast.mo, acting_as=cast.alice)}"}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.fuzz
@schema.parametrize()
@settings(
    max_examples=examples(10),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_generated_request_within_its_schema(
    case: Any, bearer: dict[str, str]
) -> None:
    # Every check but "schema-valid data is accepted": the schema gives shapes, the actions
    # judge meaning (a session dated in the future is well-formed and still refused, 400).
    case.call_and_validate(
        headers=bearer, excluded_checks=[schemathesis.checks.positive_data_acceptance]
    )
