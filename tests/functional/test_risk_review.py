"""A positive risk answer in a real browser: the session's risk alert, graded on the caseload
with its reason, then the structured risk review from the alert's page closes it (ADR 0120);
an accessibility check on the new page."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.functional.conftest import Clinic, check_accessibility, sign_in

from ontrack.web.common.codes import AlertKind, AlertStatus
from ontrack.web.records import actions
from ontrack.web.records.models import Alert

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
]


def test_risk_alert_from_caseload_to_risk_review(
    page: Any, live_server: Any, clinic: Clinic
) -> None:
    clinic.episode.refresh_from_db()
    actions.record_session(
        episode=clinic.episode,
        expected_version=clinic.episode.version,
        contact_date=timezone.localdate(),
        attendance="5",
        questionnaires={"PHQ-9": [2, 2, 2, 2, 2, 2, 2, 1, 3]},
        same_day_confirmed=True,
        by=clinic.alice,
    )
    alert = Alert.unscoped.get(kind=AlertKind.RISK)
    base = live_server.url
    page.goto(f"{base}/accounts/sign-in/")
    sign_in(page, base, "alice")
    page.wait_for_url(f"{base}/caseload/")
    row = page.locator("tr", has=page.get_by_text("Urgent: risk"))
    expect(row).to_contain_text("PHQ-9 item 9 answered 3 (Nearly every day)")

    page.goto(f"{base}/alerts/{alert.pk}/")
    expect(page.get_by_role("button", name="Close the alert")).to_have_count(0)
    page.get_by_role("link", name="Record the risk review").click()
    check_accessibility(page, "risk review")
    page.get_by_role("button", name="Record the risk review").click()
    expect(page.get_by_text("There is a problem").first).to_be_visible()
    page.get_by_label("Suicidal thoughts and intent were asked about directly").check()
    page.get_by_label("Risk to self", exact=True).select_option("moderate")
    page.get_by_label("Risk to others", exact=True).select_option("none")
    page.get_by_label("Safety plan").fill("Call her sister; medication kept by her partner.")
    page.get_by_label("Crisis contacts").fill("NHS 111 option 2; Samaritans 116 123.")
    page.get_by_role("button", name="Record the risk review").click()
    expect(page.get_by_text("Risk review recorded: the risk alert is closed.")).to_be_visible()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    assert alert.closed_by_id == clinic.alice.pk
