"""The fidelity audit in a real browser: from a client's record to the course's audit (each
criterion with its evidence, the notes as read), its PDF, and the supervisor's page of a
therapist's rates for development; axe-core on every page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from tests.functional.conftest import Clinic, check_accessibility, screenshot, sign_in

from ontrack.web.records.models import Contact, Referral

pytestmark = [pytest.mark.browser]

NOTES = (
    "Pt reports low mood most days, sleeping poorly. PHQ-9 discussed. Goals: back to work "
    "3 days a week. Risk: denies SI, no plans.",
    "Reviewed activity diary: managed 2 of 3 walks. Agreed to walk for 15 minutes after "
    "breakfast on Mon, Wed and Fri, because activity lifts mood more than waiting to feel "
    "like it. She worries about rainy mornings; plan is to walk round the shopping centre "
    "instead. She will tick the diary and rate mood before and after. Written on her sheet.",
    "Went through the diary together. No homework set today; we will decide next week.",
)


def test_supervisor_opens_a_course_audit_and_a_therapists_rates(
    page: Any, live_server: Any, clinic: Clinic
) -> None:
    base = live_server.url
    ben = Referral.unscoped.get(client__given_name="Ben")
    sessions = Contact.unscoped.filter(referral=ben, session_number__isnull=False).order_by(
        "contact_date"
    )
    for contact, note in zip(sessions, NOTES, strict=False):
        Contact.unscoped.filter(pk=contact.pk).update(notes=note)

    sign_in(page, base, "sue")
    page.goto(f"{base}/clients/{ben.client_id}/")
    page.get_by_role("link", name="Care audit", exact=True).click()
    expect(page.get_by_role("heading", name="Was the treatment delivered?")).to_be_visible()
    row = page.locator("#criterion-homework_set")
    expect(row).to_be_visible()
    expect(page.locator("#criterion-goals_agreed")).to_have_attribute("data-status", "met")
    expect(page.get_by_text("Agreed to walk for 15 minutes after breakfast").first).to_be_visible()
    # the evidence links to the contact it was seen at
    page.locator("#notes ~ section h3 a").first.click()
    expect(page).to_have_url(f"{base}/clients/{ben.client_id}/contacts/{sessions[0].pk}/")
    page.go_back()
    check_accessibility(page, "course audit")
    screenshot(page, "30-fidelity-audit")
    href = page.get_by_role("link", name="Printable report (PDF)").get_attribute("href")
    pdf = page.request.get(f"{base}{href}")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")

    page.get_by_role("link", name="Fidelity", exact=True).click()
    page.get_by_role("link", name="Alice Okafor").click()
    expect(page.get_by_role("heading", name="Every criterion")).to_be_visible()
    expect(page.locator("#framing")).to_contain_text("not a ranking")
    check_accessibility(page, "therapist development")
    screenshot(page, "31-fidelity-development")
