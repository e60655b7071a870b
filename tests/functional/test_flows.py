"""The main flows in a real browser, with an automated accessibility check on every page.

Sign in, open the caseload, open an off-track client, record a session that triggers an
alert, acknowledge it and record what was done, set homework and print its sheet; the
session form by keyboard alone; the supervisor's and manager's pages.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.functional.conftest import Clinic, check_accessibility, screenshot, sign_in

from ontrack.web.common.codes import AlertKind, AlertStatus
from ontrack.web.records.models import (
    Alert,
    AlertAction,
    Contact,
    Homework,
    QuestionnaireResponse,
)

pytestmark = [
    pytest.mark.browser,
    # ibis's DuckDB backend (the service dashboard) calls a DuckDB method DuckDB deprecated.
    pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
]


def test_clinician_flow_from_caseload_to_homework_sheet(
    page: Any, live_server: Any, clinic: Clinic
) -> None:
    base = live_server.url
    page.goto(f"{base}/accounts/sign-in/")
    check_accessibility(page, "sign-in page")
    screenshot(page, "01-sign-in")
    sign_in(page, base, "alice")

    # The caseload: the off-track client is near the top with their signal.
    page.wait_for_url(f"{base}/caseload/")
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    row = page.locator("tr", has=page.get_by_role("link", name="Cara Davies"))
    assert "Off track" in row.inner_text()
    check_accessibility(page, "caseload")
    screenshot(page, "02-caseload")

    # The off-track client's timeline: chart, signal, and a way into the why-review.
    page.get_by_role("link", name="Cara Davies").click()
    expect(page.get_by_role("heading", name=re.compile("Signal after"))).to_be_visible()
    assert page.locator("svg.app-chart").count() >= 3
    page.get_by_text("PHQ-9 as a table, with links to the item answers").click()
    expect(page.get_by_role("table", name=re.compile("PHQ-9 scores"))).to_be_visible()
    check_accessibility(page, "timeline")
    screenshot(page, "03-timeline")

    page.get_by_role("link", name=re.compile("Why is this not working")).click()
    expect(page.get_by_role("heading", name="Why might therapy not be working?")).to_be_visible()
    check_accessibility(page, "why-review")
    screenshot(page, "04-why-review")
    page.go_back()

    # Record a session whose answers trigger an alert (a positive risk item).
    page.get_by_role("link", name="Record a session").click()
    check_accessibility(page, "session form")
    screenshot(page, "05-record-session")
    page.get_by_label("Attended on time").check()
    page.get_by_label("PHQ-9 answers in order").fill("332222212")
    page.get_by_label("GAD-7 answers in order").fill("2222222")
    page.get_by_label("OSR answers in order").fill("8 8 7 8")
    assert "All 9 answers (sum 19)" in page.locator("#id_phq9_quick-status").inner_text()
    page.get_by_role("button", name="Save the session").click()

    # The signal and the new alert show as soon as it is saved.
    expect(page.get_by_role("heading", name="Session recorded")).to_be_visible()
    expect(page.get_by_role("heading", name="Signal now")).to_be_visible()
    assert "An urgent risk alert was opened" in page.content()
    check_accessibility(page, "session saved")
    screenshot(page, "06-session-saved")
    contact = Contact.unscoped.latest("pk")
    risk = Alert.unscoped.get(contact=contact, kind=AlertKind.RISK)

    # Acknowledge it, record what was done, then the risk review closes it.
    page.get_by_role("link", name=re.compile(r"Act on this alert\W+Risk")).click()
    check_accessibility(page, "alert")
    screenshot(page, "07-alert")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Alert acknowledged.")).to_be_visible()
    page.get_by_label("What was done").select_option("risk_assessment")
    page.get_by_label("Note").fill("Asked about item 9; safety plan reviewed together.")
    page.get_by_role("button", name="Record what was done").click()
    expect(page.get_by_text("Action recorded.")).to_be_visible()
    page.get_by_role("link", name="Record the risk review").click()
    check_accessibility(page, "risk review")
    page.get_by_label("Suicidal thoughts and intent were asked about directly").check()
    page.get_by_label("Risk to self", exact=True).select_option("low")
    page.get_by_label("Risk to others", exact=True).select_option("none")
    page.get_by_label("Safety plan").fill("Call her sister; medication kept by her partner.")
    page.get_by_label("Crisis contacts").fill("NHS 111 option 2; Samaritans 116 123.")
    page.get_by_role("button", name="Record the risk review").click()
    expect(page.get_by_text("Risk review recorded: the risk alert is closed.")).to_be_visible()
    risk.refresh_from_db()
    assert risk.status == AlertStatus.CLOSED
    assert risk.acknowledged_by_id == risk.closed_by_id == clinic.alice.pk
    assert [a.kind for a in AlertAction.unscoped.filter(alert=risk)] == [
        "risk_assessment",
        "risk_assessment",
    ]

    # Set homework to Beck's criteria and print the client's sheet.
    page.goto(f"{base}/clients/{clinic.off_track.pk}/homework/")
    page.get_by_label(re.compile("The specific behaviour")).fill(
        "Write a thought record the next three times anxiety goes above 6/10"
    )
    page.get_by_label(re.compile("Why it should help")).fill(
        "Catching the thought helps test it rather than believe it"
    )
    page.get_by_label(re.compile("How the client will record")).fill("Thought record sheet")
    check_accessibility(page, "homework")
    screenshot(page, "08-homework")
    page.get_by_role("button", name="Set homework and print the sheet").click()
    expect(page.get_by_role("heading", name="Between-session task")).to_be_visible()
    expect(page.get_by_role("button", name="Print this sheet")).to_be_visible()
    check_accessibility(page, "homework sheet")
    screenshot(page, "09-homework-sheet")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print this sheet")).not_to_be_visible()
    expect(page.get_by_text("Write a thought record")).to_be_visible()
    page.emulate_media(media="screen")
    homework = Homework.unscoped.latest("pk")
    assert homework.criteria_met == 3
    pdf = page.request.get(f"{base}/homework/{homework.pk}/sheet.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")


def _focused(page: Any) -> dict[str, str]:
    return dict(
        page.evaluate(
            """() => { const e = document.activeElement;
                 const s = getComputedStyle(e);
                 return {id: e.id || '', name: e.getAttribute('name') || '', tag: e.tagName,
                         text: (e.innerText || '').trim().slice(0, 40),
                         outline: s.outlineStyle + ' ' + s.boxShadow}; }"""
        )
    )


def _tab_to(page: Any, name: str, limit: int = 60) -> dict[str, str]:
    """Press Tab until the field ``name`` has focus; fail if it is never reached."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if name in (focused["name"], focused["id"], focused["text"]):
            return focused
    raise AssertionError(f"{name} was not reached with the Tab key")


def test_session_form_by_keyboard_alone(page: Any, live_server: Any, clinic: Clinic) -> None:
    base = live_server.url
    sign_in(page, base, "alice")
    page.goto(f"{base}/clients/{clinic.off_track.pk}/episodes/{clinic.episode.pk}/sessions/new/")
    sessions_before = Contact.unscoped.count()

    # The skip link is the first stop and takes the keyboard to the form.
    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Skip to main content"
    page.keyboard.press("Enter")

    focused = _tab_to(page, "attendance")
    assert focused["outline"] != "none none", "focus must be visible"
    page.keyboard.press("Space")  # the first choice is "Attended on time"
    _tab_to(page, "phq9_quick")
    page.keyboard.type("111111110")
    _tab_to(page, "gad7_quick")
    page.keyboard.type("1111111")
    _tab_to(page, "osr_quick")
    page.keyboard.type("9 9 8 9")
    _tab_to(page, "notes")
    page.keyboard.type("Worked on sleep. Routine session.")
    _tab_to(page, "Save the session")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Session recorded")).to_be_visible()
    assert Contact.unscoped.count() == sessions_before + 1
    contact = Contact.unscoped.latest("pk")
    assert contact.attendance == "5"
    assert contact.notes == "Worked on sleep. Routine session."
    totals = QuestionnaireResponse.unscoped.filter(contact=contact).values_list("total", flat=True)
    assert sorted(totals) == [7.0, 8.0]


def test_session_form_errors_by_keyboard(page: Any, live_server: Any, clinic: Clinic) -> None:
    base = live_server.url
    sign_in(page, base, "alice")
    page.goto(f"{base}/clients/{clinic.off_track.pk}/episodes/{clinic.episode.pk}/sessions/new/")
    page.get_by_label("PHQ-9 answers in order").fill("1111")
    page.get_by_role("button", name="Save the session").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    assert "nothing has been saved" in summary.inner_text()
    check_accessibility(page, "session form with errors")
    # Each message links to its field.
    page.get_by_role("link", name=re.compile("Type 9 answers")).click()
    assert _focused(page)["name"] == "phq9_quick"


def test_supervisor_pages(page: Any, live_server: Any, clinic: Clinic) -> None:
    base = live_server.url
    sign_in(page, base, "sue")
    page.goto(f"{base}/supervision/")
    assert "Cara Davies" in page.locator("main").inner_text()
    check_accessibility(page, "supervision queue")
    screenshot(page, "10-supervision")

    page.get_by_role("link", name=re.compile(r"Notes\W+on Cara Davies")).click()
    page.get_by_label("What was discussed").fill("Rising PHQ-9; agreed to review focus.")
    page.get_by_role("button", name="Save the note").click()
    expect(page.get_by_text("Supervision note saved.")).to_be_visible()
    check_accessibility(page, "supervision notes")

    page.goto(f"{base}/alerts/")
    check_accessibility(page, "alerts inbox")
    screenshot(page, "11-alerts")


def test_manager_pages(page: Any, live_server: Any, clinic: Clinic) -> None:
    base = live_server.url
    sign_in(page, base, "mo")
    page.goto(f"{base}/service/")
    expect(page.get_by_role("heading", name="From referral to recovery")).to_be_visible()
    check_accessibility(page, "service dashboard")
    screenshot(page, "12-service")
    page.goto(f"{base}/clients/{clinic.off_track.pk}/goals/")
    check_accessibility(page, "goals")
    screenshot(page, "13-goals")


def test_client_completes_phq9_online_and_therapist_saves_it_prefilled(
    page: Any, live_server: Any, clinic: Clinic
) -> None:
    from tests.functional.conftest import PASSWORD
    from tests.web import factories as f

    from ontrack.web.records.models import Client, OnlineSubmission

    base = live_server.url
    user = f.UserFactory(username="cara", first_name="Cara", last_name="Davies", password=PASSWORD)
    Client.unscoped.filter(pk=clinic.off_track.pk).update(user=user)

    # The client completes the PHQ-9 from their own sign-in before the session.
    sign_in(page, base, "cara")
    page.get_by_role("link", name="Questionnaires", exact=True).click()
    expect(
        page.get_by_role("heading", name="Questionnaires before your next session")
    ).to_be_visible()
    check_accessibility(page, "client's questionnaires")
    page.get_by_role("link", name="Start the PHQ-9").click()
    answers = [1, 2, 1, 1, 0, 1, 0, 1, 0]
    for number, value in enumerate(answers, 1):
        page.locator(f"#phq9-item_{number}_{value}").check()
    check_accessibility(page, "client's PHQ-9")
    screenshot(page, "14-client-questionnaire")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you: your PHQ-9 answers are ready")).to_be_visible()
    submission = OnlineSubmission.unscoped.get()
    assert (submission.items, submission.total) == (answers, 7)

    # The therapist opens the session form: the answers are there, marked as the client's.
    page.context.clear_cookies()
    sign_in(page, base, "alice")
    page.goto(f"{base}/clients/{clinic.off_track.pk}/episodes/{clinic.episode.pk}/sessions/new/")
    expect(page.get_by_text("Completed online")).to_be_visible()
    expect(page.get_by_label("PHQ-9 answers in order")).to_have_value("121101010")
    page.get_by_label("Attended on time").check()
    page.get_by_label("GAD-7 answers in order").fill("1111111")
    check_accessibility(page, "session form pre-filled from online answers")
    screenshot(page, "15-session-prefilled")
    page.get_by_role("button", name="Save the session").click()
    expect(page.get_by_role("heading", name="Session recorded")).to_be_visible()

    contact = Contact.unscoped.latest("pk")
    submission.refresh_from_db()
    assert submission.used_contact_id == contact.pk
    phq = QuestionnaireResponse.unscoped.get(contact=contact, measure="PHQ-9")
    assert (phq.items, phq.total) == (answers, 7)
