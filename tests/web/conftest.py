"""The test cast, as healthchecks does it, extended to OnTrack's roles.

- Alice: therapist holding Cara's episode (full access);
- Bob: therapist in the same service, not holding Cara (no access to her);
- Charlie: therapist in another service (no access);
- Sue: supervisor of Alice (sees Alice's caseload);
- Mo: manager of the service (sees the whole service, records nothing);
- Oscar: manager of another service (no access);
- Adam: administrator (service configuration, no client records);
- Cara: the client (sees only herself); Dan: another client of the service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from tests.web import factories as f

from ontrack.monitoring import save_bundle
from ontrack.monitoring.testing import toy_bundle
from ontrack.web.accounts.models import Service, Staff, StaffRole, User
from ontrack.web.records.actions.tokens import new_form_token
from ontrack.web.records.models import Client, Episode, Referral
from ontrack.web.records.scoping import scopes_disabled

ROLES = ("anonymous", "alice", "bob", "charlie", "sue", "mo", "oscar", "adam", "cara", "dan")
LOGIN = "/accounts/sign-in/"
# Who may open the session form of Cara's episode: Alice holds it, Sue supervises Alice; Mo
# manages the service but records no sessions; Cara is the client.
RECORD_SESSION = {
    "anonymous": "login",
    "alice": 200,
    "bob": 404,
    "charlie": 404,
    "sue": 200,
    "mo": 403,
    "oscar": 404,
    "adam": 404,
    "cara": 403,
    "dan": 404,
}


@dataclass
class Cast:
    service: Service
    other_service: Service
    alice: User
    bob: User
    charlie: User
    sue: User
    mo: User
    oscar: User
    adam: User
    cara: User
    dan: User
    alice_staff: Staff
    bob_staff: Staff
    client: Client
    referral: Referral
    episode: Episode
    other_client: Client

    def user(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)


def _staff(service: Service, username: str, role: str, **kwargs: object) -> Staff:
    user = f.UserFactory(username=username, first_name=username.title(), last_name="Test")
    return f.StaffFactory(user=user, service=service, role=role, **kwargs)


@pytest.fixture
def cast(db: None) -> Cast:
    service = f.ServiceFactory(code="north", name="North Talking Therapies")
    other = f.ServiceFactory(code="south", name="South Counselling")
    alice = _staff(service, "alice", StaffRole.THERAPIST)
    bob = _staff(service, "bob", StaffRole.THERAPIST, therapist_role="pwp")
    charlie = _staff(other, "charlie", StaffRole.THERAPIST)
    sue = _staff(service, "sue", StaffRole.SUPERVISOR)
    mo = _staff(service, "mo", StaffRole.MANAGER, therapist_role="")
    oscar = _staff(other, "oscar", StaffRole.MANAGER, therapist_role="")
    adam = _staff(service, "adam", StaffRole.ADMIN, therapist_role="")
    adam.user.is_staff = True
    adam.user.save()
    f.SupervisionFactory(supervisor=sue, supervisee=alice)
    cara = f.UserFactory(username="cara", first_name="Cara", last_name="Client")
    client = f.ClientFactory(service=service, user=cara, given_name="Cara", family_name="Client")
    referral = f.ReferralFactory(client=client)
    episode = f.EpisodeFactory(referral=referral, therapist=alice)
    dan = f.UserFactory(username="dan", first_name="Dan", last_name="Client")
    other_client = f.ClientFactory(service=service, user=dan, given_name="Dan")
    f.EpisodeFactory(referral=f.ReferralFactory(client=other_client), therapist=bob)
    return Cast(
        service=service,
        other_service=other,
        alice=alice.user,
        bob=bob.user,
        charlie=charlie.user,
        sue=sue.user,
        mo=mo.user,
        oscar=oscar.user,
        adam=adam.user,
        cara=cara,
        dan=dan,
        alice_staff=alice,
        bob_staff=bob,
        client=client,
        referral=referral,
        episode=episode,
        other_client=other_client,
    )


# -- pages as each member of the cast ---------------------------------------------------------


def browser_as(cast: Cast, role: str) -> Browser:
    """A test browser signed in as ``role`` (not signed in for "anonymous")."""
    browser = Browser()
    user = cast.user(role)
    if user is not None:
        browser.force_login(user)
    return browser


def is_sign_in_redirect(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith(LOGIN)


def status_matches(response: Any, expected: int | str) -> bool:
    """Whether a response has the expected status; "login" means a redirect to sign in."""
    if expected == "login":
        return is_sign_in_redirect(response)
    return bool(response.status_code == expected)


def check_status(response: Any, expected: int | str) -> None:
    assert status_matches(response, expected), (response.status_code, expected)


def wrong_statuses(
    browser: Browser, pages: Mapping[str, tuple[str, Mapping[str, int | str]]], role: str
) -> list[str]:
    """Visit each page as ``role``; name every one whose status is not the expected one."""
    wrong = []
    for name, (url, expected) in pages.items():
        response = browser.get(url)
        if not status_matches(response, expected[role]):
            wrong.append(f"{name}: got {response.status_code}, expected {expected[role]}")
    return wrong


def record_session_url(cast: Cast) -> str:
    return reverse("record_session", args=[cast.client.pk, cast.episode.pk])


def session_post(cast: Cast, today: dt.date, **extra: Any) -> dict[str, Any]:
    """The session form's fields for an attended treatment session today, nothing measured."""
    data: dict[str, Any] = {
        "version": Episode.unscoped.get(pk=cast.episode.pk).version,
        "form_token": new_form_token(),
        "contact_date": today.isoformat(),
        "attendance": "5",
        "app_type": "02",
        "cons_mechanism": "01",
        "therapy": "",
        "notes": "",
    }
    data.update(extra)
    return data


@pytest.fixture
def trusted() -> Iterator[None]:
    """Run the test body with scoping disabled, as trusted code."""
    with scopes_disabled():
        yield


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def toy_models(tmp_path: Path, settings: Any) -> Path:
    """Evaluate with the hand-set test bundle (curves for PHQ-9 and GAD-7, OSR norms)."""
    path = tmp_path / "toy-bundle.npz"
    save_bundle(toy_bundle(), path)
    settings.ONTRACK_MONITORING_BUNDLE = str(path)
    return path


def answers(total: int, items: int, risk_item: int | None = None) -> list[int]:
    """Return item answers (0-3) that add up to ``total``; the risk item stays 0.

    >>> answers(5, 9)
    [3, 2, 0, 0, 0, 0, 0, 0, 0]
    """
    out = [0] * items
    left = total
    for i in range(items):
        if i + 1 == risk_item:
            continue
        out[i] = min(3, left)
        left -= out[i]
    if left:
        raise ValueError(f"{total} does not fit in {items} items")
    return out


def phq9(total: int) -> list[int]:
    return answers(total, 9, risk_item=9)


def gad7(total: int) -> list[int]:
    return answers(total, 7)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Start each test with an empty cache (the service dashboard caches per service id,
    and ids repeat from one test database to the next)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
