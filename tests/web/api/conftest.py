"""The API's test helpers: the cast (tests/web/conftest.py) with records on both clients,
a token maker, and a JSON client that speaks as a token or a session."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client as Browser
from django.utils import timezone
from tests.web import factories as f
from tests.web.conftest import Cast, browser_as

from ontrack.web.accounts.models import User
from ontrack.web.api import tokens
from ontrack.web.records.models import (
    Alert,
    Appointment,
    Assessment,
    Contact,
    Goal,
    Homework,
    QuestionnaireResponse,
)
from ontrack.web.records.scoping import scopes_disabled


class Api:
    """A JSON client for /api/ and /fhir/: as a token (Bearer) or as a signed-in browser."""

    def __init__(self, browser: Browser, token: str | None = None) -> None:
        self.browser = browser
        self.headers: dict[str, str] = {}
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token}"

    def _headers(self, extra: dict[str, str]) -> dict[str, str]:
        # HTTP_IF_MATCH="..." (Django's test-client spelling) -> If-Match
        named = {
            k[5:].replace("_", "-") if k.startswith("HTTP_") else k: v for k, v in extra.items()
        }
        return {**self.headers, **named}

    def get(self, path: str, **headers: str) -> Any:
        return self.browser.get(path, headers=self._headers(headers))

    def send(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        data = body if isinstance(body, str | bytes) else json.dumps(body or {})
        call = getattr(self.browser, method.lower())
        return call(
            path, data=data, content_type="application/json", headers=self._headers(headers)
        )

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.send("POST", path, body, **headers)

    def patch(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.send("PATCH", path, body, **headers)


def make_token(
    by: User,
    *,
    scopes: Sequence[str] = ("read", "write"),
    resources: Sequence[str] | None = None,
    acting_as: User | None = None,
) -> str:
    from ontrack.web.api.models import RESOURCES

    with scopes_disabled():
        made = tokens.create_token(
            name="test integration",
            scopes=list(scopes),
            resources=list(resources or RESOURCES),
            acting_as=acting_as,
            by=by,
        )
    return made.secret


def token_api(by: User, **kwargs: Any) -> Api:
    return Api(Browser(), make_token(by, **kwargs))


def session_api(cast: Cast, role: str, *, csrf: bool = False) -> Api:
    browser = browser_as(cast, role)
    if csrf:
        browser = Browser(enforce_csrf_checks=True)
        user = cast.user(role)
        if user is not None:
            browser.force_login(user)
    return Api(browser)


@dataclass
class Records:
    """One of each record for Cara (Alice's client) and for Dan (Bob's)."""

    cara: dict[str, int]
    dan: dict[str, int]


def _records_for(referral: Any) -> dict[str, int]:
    episode = referral.episodes.first()
    contact = f.ContactFactory(referral=referral, episode=episode)
    appointment = Appointment.unscoped.create(
        referral=referral,
        episode=episode,
        staff=episode.therapist,
        starts_at=timezone.now() + dt.timedelta(days=3),
    )
    assessment = Assessment.unscoped.create(
        referral=referral,
        assessed_on=referral.referral_date,
        assessor=episode.therapist,
        outcome="suitable",
    )
    return {
        "appointments": appointment.pk,
        "assessments": assessment.pk,
        "signals": episode.pk,
        "clients": referral.client_id,
        "referrals": referral.pk,
        "episodes": referral.episodes.first().pk,
        "contacts": contact.pk,
        "questionnaire-responses": f.QuestionnaireResponseFactory(contact=contact).pk,
        "alerts": f.AlertFactory(referral=referral, contact=contact).pk,
        "goals": f.GoalFactory(referral=referral).pk,
        "homework": f.HomeworkFactory(referral=referral, set_contact=contact).pk,
    }


@pytest.fixture
def records(cast: Cast) -> Records:
    with scopes_disabled():
        dan_referral = cast.other_client.referrals.get()
        return Records(cara=_records_for(cast.referral), dan=_records_for(dan_referral))


def today() -> dt.date:
    return timezone.localdate()


__all__ = ["Alert", "Contact", "Goal", "Homework", "QuestionnaireResponse"]
