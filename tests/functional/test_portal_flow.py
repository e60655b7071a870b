"""The client's side in a real browser on a 390-pixel phone screen, axe on every page:
a link opens this week's questionnaires with no account; then, signed in, progress, rating
the session, raising a concern and escalating a complaint. No page scrolls sideways."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.functional.conftest import PASSWORD, check_accessibility, screenshot, sign_in
from tests.web import factories as f
from tests.web.conftest import gad7, phq9

from ontrack.web.accounts.models import StaffRole
from ontrack.web.pathway.actions import request_reallocation
from ontrack.web.pathway.models import WaitingListEntry
from ontrack.web.portal.actions.requests import request_appointment_change
from ontrack.web.portal.links import issue_link
from ontrack.web.portal.models import LinkPurpose
from ontrack.web.records import actions
from ontrack.web.records.models import (
    AllianceResponse,
    Appointment,
    Concern,
    Episode,
    OnlineSubmission,
)

pytestmark = [pytest.mark.browser]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Any) -> Any:
    context = browser.new_context(
        viewport=PHONE,
        locale="en-GB",
        timezone_id="Europe/London",
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _fits(page: Any, what: str) -> None:
    """No sideways scrolling at 390 pixels."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what} is {width}px wide"


def _check(page: Any, what: str, shot: str) -> None:
    check_accessibility(page, what)
    _fits(page, what)
    screenshot(page, shot)


@pytest.fixture
def client_in_care(transactional_db: None) -> Any:
    service = f.ServiceFactory(code="riverside", name="Riverside Talking Therapies")
    alice_user = f.UserFactory(
        username="alice", first_name="Alice", last_name="Okafor", password=PASSWORD
    )
    alice = f.StaffFactory(user=alice_user, service=service, role=StaffRole.THERAPIST)
    manager = f.UserFactory(username="mo", first_name="Mo", last_name="Khan", password=PASSWORD)
    f.StaffFactory(user=manager, service=service, role=StaffRole.MANAGER, therapist_role="")
    user = f.UserFactory(username="cara", first_name="Cara", last_name="Davies", password=PASSWORD)
    client = f.ClientFactory(service=service, user=user, given_name="Cara", family_name="Davies")
    today = timezone.localdate()
    referral = f.ReferralFactory(client=client, referral_date=today - dt.timedelta(days=60))
    episode = f.EpisodeFactory(
        referral=referral, therapist=alice, started_on=today - dt.timedelta(days=40)
    )
    for i, (phq, gad) in enumerate(((18, 14), (15, 12), (11, 9))):
        episode.refresh_from_db()
        actions.record_session(
            episode=episode,
            expected_version=episode.version,
            contact_date=today - dt.timedelta(days=14 - 7 * i),
            attendance="5",
            app_type="01" if i == 0 else "02",
            questionnaires={"PHQ-9": phq9(phq), "GAD-7": gad7(gad)},
            next_session_on=today + dt.timedelta(days=7) if i == 2 else None,
            by=alice_user,
        )
    actions.book_appointment(
        referral=referral,
        staff=alice,
        starts_at=timezone.make_aware(
            dt.datetime.combine(today + dt.timedelta(days=7), dt.time(10))
        ),
        by=alice_user,
    )
    return client, referral


def _answer_all(page: Any, value: str) -> None:
    for group in page.locator("fieldset").all():
        group.locator(f"input[value='{value}']").check()


def test_client_flow_on_a_phone(phone: Any, live_server: Any, client_in_care: Any) -> None:
    client, referral = client_in_care
    base = live_server.url
    _link, token = issue_link(
        client=client,
        purpose=LinkPurpose.QUESTIONNAIRES,
        referral=referral,
        valid_for=dt.timedelta(days=4),
    )

    # The link: this week's questionnaires, no account.
    phone.goto(f"{base}/l/{token}/")
    expect(phone.get_by_role("heading", name="Your questionnaires")).to_be_visible()
    _check(phone, "link page", "20-portal-link")
    phone.get_by_role("link", name="Start the PHQ-9").click()
    _check(phone, "questionnaire by link", "21-portal-questionnaire")
    phone.get_by_role("button", name="Send my answers").click()  # nothing answered
    expect(phone.get_by_text("There is a problem: nothing has been saved")).to_be_visible()
    check_accessibility(phone, "questionnaire with errors")
    _answer_all(phone, "1")
    phone.get_by_role("button", name="Send my answers").click()
    phone.get_by_role("link", name="Start the GAD-7").click()
    _answer_all(phone, "1")
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_text("All your questionnaires are done")).to_be_visible()
    assert OnlineSubmission.unscoped.filter(via_link=True).count() == 2

    # Signed in: the home page, then progress in plain words with a chart.
    sign_in(phone, base, "cara")
    phone.wait_for_url(f"{base}/my/")
    _check(phone, "client home", "22-portal-home")
    phone.get_by_role("link", name="Your progress").first.click()
    expect(phone.get_by_text(re.compile("Your PHQ-9 has gone from 18 to 11"))).to_be_visible()
    assert phone.locator("svg.app-chart").count() >= 2
    _check(phone, "progress", "23-portal-progress")

    # Rate the last session: out of range is impossible, so leave one out first.
    phone.goto(f"{base}/my/")
    phone.get_by_role("link", name="Rate your last session").click()
    expect(phone.get_by_text("Who will see it:")).to_be_visible()
    _check(phone, "rate the session", "24-portal-rate")
    _answer_all(phone, "9")
    phone.get_by_role("button", name="Send my rating").click()
    expect(phone.get_by_text("Thank you for rating your session.")).to_be_visible()
    assert AllianceResponse.unscoped.get().total == 36

    # Raise a concern: no words first (a clear message, nothing saved), then words.
    phone.get_by_role("link", name="Raise a concern").click()
    _check(phone, "raise a concern", "25-portal-concern")
    phone.get_by_label("Make a complaint").check()
    phone.get_by_label("My therapist").check()
    phone.get_by_role("button", name="Send").click()
    expect(phone.get_by_text("Say what the concern is about.").first).to_be_visible()
    check_accessibility(phone, "concern with errors")
    assert Concern.unscoped.count() == 0
    phone.get_by_label("What happened, and what would help?").fill(
        "Two sessions were cancelled at short notice."
    )
    phone.get_by_role("button", name="Send").click()
    expect(phone.get_by_role("heading", name=re.compile("Your complaint"))).to_be_visible()
    _check(phone, "the complaint", "26-portal-complaint")

    # Escalate it to the next step of the NHS route.
    phone.get_by_label("Why are you taking it to the next step?").fill("No reply after a week.")
    phone.get_by_role("button", name="Take it to the next step").click()
    expect(phone.get_by_text("Now: the service manager")).to_be_visible()
    assert Concern.unscoped.get().stage == "local_resolution"
    _check(phone, "escalated complaint", "27-portal-escalated")

    # Ask for another therapist: back on the waiting list, told the likely wait honestly.
    phone.goto(f"{base}/my/")
    phone.get_by_role("link", name="Ask for another therapist").click()
    expect(phone.get_by_text("not a sign of failure", exact=False)).to_be_visible()
    _check(phone, "another therapist", "34-portal-another-therapist")
    phone.get_by_label("The service manager").check()
    phone.get_by_role("button", name="Ask for another therapist").click()
    expect(phone.get_by_text("You are on the waiting list for a new therapist")).to_be_visible()
    expect(phone.locator("#wait-estimate")).to_contain_text("waiting ahead of you")
    _check(phone, "another therapist asked", "35-portal-another-therapist-asked")
    assert WaitingListEntry.unscoped.filter(referral=referral, left_on__isnull=True).exists()

    # Cancel the next appointment: the pathway's own booking, cancelled by the client.
    phone.goto(f"{base}/my/appointment/")
    expect(phone.get_by_text("10:00, with Alice Okafor", exact=False)).to_be_visible()
    _check(phone, "appointment", "36-portal-appointment")
    phone.get_by_label("Cancel this appointment").check()
    phone.get_by_role("button", name="Send").click()
    expect(phone.get_by_text("Your appointment is cancelled")).to_be_visible()
    assert Appointment.unscoped.get().status == "cancelled_client"
    _check(phone, "appointment cancelled", "37-portal-appointment-cancelled")

    # The other client pages pass axe and fit too.
    for path, what in (
        ("/my/goals/", "goals"),
        ("/my/homework/", "homework"),
        ("/my/ending/", "ending review"),
        ("/my/experience/end/", "experience questions"),
        ("/my/messages/", "reminders"),
        ("/my/questionnaires/", "questionnaires"),
        ("/my/concerns/", "concerns list"),
        ("/my/recordings/", "listening back"),
    ):
        phone.goto(f"{base}{path}")
        check_accessibility(phone, what)
        _fits(phone, what)


def test_every_kind_of_link_page_on_a_phone(
    phone: Any, live_server: Any, client_in_care: Any
) -> None:
    from ontrack.web.records.models import Contact

    client, referral = client_in_care
    episode = Episode.unscoped.get(referral=referral)
    contact = Contact.unscoped.filter(referral=referral).order_by("-contact_date").first()
    kinds = {
        LinkPurpose.RATE_SESSION: {"contact": contact},
        LinkPurpose.APPOINTMENT: {
            "episode": episode,
            "appointment": Appointment.unscoped.get(referral=referral),
        },
        LinkPurpose.STOP_MESSAGES: {},
    }
    for purpose, extra in kinds.items():
        _link, token = issue_link(
            client=client, purpose=purpose, valid_for=dt.timedelta(days=2), **extra
        )
        phone.goto(f"{live_server.url}/l/{token}/")
        _check(phone, f"{purpose} link", f"30-portal-link-{purpose}")
    phone.get_by_role("button", name="Stop reminders").click()
    expect(phone.get_by_text("will not send you any more reminders")).to_be_visible()
    _check(phone, "link done", "31-portal-link-done")


def test_staff_pages_of_the_client_side(page: Any, live_server: Any, client_in_care: Any) -> None:
    client, _referral = client_in_care
    actions.raise_concern(
        client=client, kind="complaint", summary="Cancelled twice.", by=client.user
    )
    concern = Concern.unscoped.get()
    appointment = Appointment.unscoped.get(referral=_referral)
    request_appointment_change(
        appointment=appointment, kind="rebook", reason="Mornings suit me", by=client.user
    )
    request_reallocation(episode=Episode.unscoped.get(referral=_referral), by=client.user)
    base = live_server.url
    sign_in(page, base, "mo")
    page.wait_for_url(f"{base}/caseload/")
    for path, what in (
        ("/concerns/", "concerns inbox"),
        (f"/concerns/{concern.pk}/", "concern detail"),
        ("/messages/", "messages"),
        ("/requests/", "appointment requests"),
        (f"/clients/{client.pk}/online/", "online settings"),
        ("/waiting-list/", "waiting list with a request for another therapist"),
        (f"/referrals/{_referral.pk}/allocate/", "allocating a request for another therapist"),
    ):
        page.goto(f"{base}{path}")
        check_accessibility(page, what)
    screenshot(page, "32-online-settings")
    page.goto(f"{base}/concerns/")
    screenshot(page, "33-concerns-inbox")


def test_bad_link_page_on_a_phone(phone: Any, live_server: Any, client_in_care: Any) -> None:
    phone.goto(f"{live_server.url}/l/not-a-real-link:xyz/")
    expect(
        phone.get_by_text("This link is not complete or has been changed", exact=False)
    ).to_be_visible()
    _check(phone, "bad link", "29-portal-bad-link")
