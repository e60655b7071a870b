"""In a real browser: the Content-Security-Policy breaks nothing, and nothing is fetched from
another host (issue 20, item 4)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from tests.functional.conftest import Clinic, sign_in

pytestmark = pytest.mark.browser


def test_pages_fetch_only_from_ontrack_and_break_no_csp_rule(
    page: Any, live_server: Any, clinic: Clinic
) -> None:
    base = live_server.url
    requested: list[str] = []
    refused: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(page, base, "alice")
    page.wait_for_url(f"{base}/caseload/")
    # The script that marks the page as scripted ran, from its own file.
    assert "js-enabled" in (page.locator("body").get_attribute("class") or "")
    page.get_by_role("link", name="Cara Davies").click()
    expect(page.locator("svg.app-chart").first).to_be_visible()
    page.get_by_role("link", name="Record a session").click()
    page.get_by_label("PHQ-9 answers in order").fill("111111111")
    # Quick entry (app.js, an ES module from /static/) ticks the radios under the CSP.
    expect(page.locator("#id_phq9_quick-status")).to_contain_text("All 9 answers")
    page.wait_for_load_state("networkidle")

    ours = urlsplit(base).netloc
    outside = [
        url
        for url in requested
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != ours
    ]
    assert outside == []
    assert refused == []
    assert any("/static/nhsuk/nhsuk-frontend.min.css" in url for url in requested)
