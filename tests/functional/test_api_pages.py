"""The API's pages in a real browser, axe on each: the service manager makes a token on
/api/tokens/ (the secret shown once), the token then works, and /api/docs renders the
schema from local files only (no request leaves the machine)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from tests.functional.conftest import PASSWORD, check_accessibility, screenshot, sign_in
from tests.web import factories as f

from ontrack.web.accounts.models import StaffRole

pytestmark = [pytest.mark.browser]


def test_manager_makes_a_token_and_it_works(page: Any, live_server: Any) -> None:
    service = f.ServiceFactory(code="north", name="North Talking Therapies")
    user = f.UserFactory(username="mo", first_name="Mo", last_name="Manager")
    user.set_password(PASSWORD)
    user.save()
    f.StaffFactory(user=user, service=service, role=StaffRole.MANAGER, therapist_role="")
    base = live_server.url
    sign_in(page, base, "mo")
    page.goto(f"{base}/api/tokens/")
    check_accessibility(page, "API tokens")
    page.get_by_label("Name").fill("Patient administration")
    page.get_by_label("read", exact=True).check()
    page.get_by_label("staff (configuration)").check()
    page.get_by_role("button", name="Make the token").click()
    secret = page.locator("#new-token").inner_text()
    assert secret.startswith("otk_")
    check_accessibility(page, "API tokens with a new token")
    screenshot(page, "api-tokens")
    request = urllib.request.Request(
        f"{base}/api/staff", headers={"Authorization": f"Bearer {secret}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert [s["name"] for s in json.load(answer)["items"]] == ["Mo Manager"]


def test_the_docs_render_from_local_files(page: Any, live_server: Any) -> None:
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    page.goto(f"{live_server.url}/api/docs")
    page.get_by_text("/api/episodes/{episode_id}/sessions").first.wait_for()
    assert outside == []
