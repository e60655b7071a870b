"""The caseload on a phone: no sideways scrolling, each client a card that says why.

Issue 13 found the caseload 914 pixels wide on a 390-pixel phone, with no reason per row.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.functional.conftest import Clinic, check_accessibility, screenshot, sign_in

pytestmark = [
    pytest.mark.browser,
    # ibis's DuckDB backend (the service dashboard) calls a DuckDB method DuckDB deprecated.
    pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("who", ["alice", "mo"])
def test_caseload_fits_a_phone_and_says_why_on_each_row(
    browser: Any, live_server: Any, clinic: Clinic, who: str
) -> None:
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_in(page, live_server.url, who)
        page.goto(f"{live_server.url}/caseload/")

        width = page.evaluate("document.documentElement.scrollWidth")
        card = page.locator("tr", has=page.get_by_role("link", name="Cara Davies"))
        box = card.bounding_box()
        card_text = card.inner_text()
        reasons = page.locator(".app-caseload__reason").all_inner_texts()
        check_accessibility(page, f"caseload on a phone ({who})")
        screenshot(page, f"caseload-phone-{who}")
    finally:
        context.close()

    assert width <= PHONE["width"]
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    assert "Off track" in card_text
    assert len(reasons) == 5  # every client of the clinic has been judged
    assert any("reliably worse" in r for r in reasons), reasons
