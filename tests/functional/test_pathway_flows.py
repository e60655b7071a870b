"""The pathway in a real browser, with axe on every page: a self-referral through
assessment with a housing problem signposted, the waiting list, allocation, six sessions
with one corrected, and an ending with its review and letter; the self-referral form by
keyboard alone."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.functional.conftest import PASSWORD, check_accessibility, screenshot, sign_in
from tests.functional.test_flows import _focused, _tab_to
from tests.web import factories as f
from tests.web.conftest import gad7, phq9

from ontrack.web.accounts.models import Staff, StaffRole, User
from ontrack.web.common.codes import TherapistRole, Therapy
from ontrack.web.pathway.codes import CircumstanceKind
from ontrack.web.pathway.models import EndingReview, SelfReferral, SignpostService
from ontrack.web.records import actions
from ontrack.web.records.models import Contact, Episode, Referral

pytestmark = [pytest.mark.browser]


@dataclass
class Service:
    tess: User
    alice: Staff
    mo: User


@pytest.fixture
def service(transactional_db: None) -> Service:
    return make_service()


def make_service() -> Service:
    """Riverside: Tess (PWP, triage), Alice (high intensity), Mo (manager), and a housing
    advice service in the directory."""
    svc = f.ServiceFactory(code="riverside", name="Riverside Talking Therapies")

    def person(username: str, first: str, last: str, **extra: Any) -> Staff:
        user = f.UserFactory(username=username, first_name=first, last_name=last, password=PASSWORD)
        return f.StaffFactory(user=user, service=svc, **extra)

    tess = person(
        "tess", "Tess", "Adeyemi", therapist_role=TherapistRole.PWP, triage=True,
        modalities=[Therapy.GSH_BOOK.value],
    )  # fmt: skip
    alice = person("alice", "Alice", "Okafor", gender="2")
    mo = person("mo", "Mo", "Khan", role=StaffRole.MANAGER, therapist_role="")
    SignpostService.objects.create(
        service=svc,
        name="Riverside Housing Advice",
        helps_with=CircumstanceKind.HOUSING,
        how_to_reach="0300 123 4000, weekdays 9-5",
    )
    return Service(tess.user, alice, mo.user)


def _self_refer(page: Any, base: str) -> None:
    page.goto(f"{base}/self-referral/")
    expect(page.get_by_text("call 999")).to_be_visible()
    check_accessibility(page, "self-referral form")
    screenshot(page, "20-self-referral")
    page.get_by_label("First name").fill("Hana")
    page.get_by_label("Last name").fill("Mould")
    page.get_by_label("Date of birth").fill("1991-03-14")
    page.get_by_label("Telephone number").fill("07700 900111")
    page.get_by_label("What is happening for you?").fill(
        "Low since the winter. The flat is damp and mouldy; my son keeps getting ill."
    )
    page.get_by_label(re.compile("I agree that the service may keep")).check()
    page.get_by_role("button", name="Send").click()
    expect(
        page.get_by_role("heading", name=re.compile("your referral has been sent"))
    ).to_be_visible()
    check_accessibility(page, "self-referral sent")


def _register(page: Any, base: str, today: dt.date) -> Referral:
    sign_in(page, base, "tess")
    page.goto(f"{base}/intake/")
    check_accessibility(page, "intake queue")
    screenshot(page, "21-intake")
    page.get_by_role("link", name="Hana Mould").click()
    page.get_by_label("Gender").select_option("2")
    page.get_by_label("Ethnic category").select_option("A")
    page.get_by_label("Date the referral was received").fill(
        (today - dt.timedelta(days=70)).isoformat()
    )
    page.get_by_label("Problem descriptor (if known)").select_option("F32")
    check_accessibility(page, "checking a self-referral")
    page.get_by_role("button", name="Register the referral").click()
    expect(page.get_by_text("New referral: not assessed yet")).to_be_visible()
    return Referral.unscoped.get(client__family_name="Mould")


def _assess(page: Any, base: str, referral: Referral, today: dt.date) -> None:
    page.get_by_role("link", name="Assess").click()
    page.get_by_label("Date of the assessment").fill((today - dt.timedelta(days=63)).isoformat())
    page.get_by_label("PHQ-9 answers in order (9 digits, 0-3)").fill("222222110")
    page.get_by_label("GAD-7 answers in order (7 digits, 0-3)").fill("2211111")
    page.get_by_label("Suicidal thoughts and intent were asked about directly").check()
    page.get_by_label("Risk to self", exact=True).select_option("low")
    page.get_by_label("Risk to others", exact=True).select_option("none")
    page.get_by_role("checkbox", name=re.compile("^Housing")).check()
    page.get_by_label(re.compile("^Housing.*what is happening")).fill("Damp; landlord slow")
    page.get_by_label(re.compile("^Housing.*signposted to")).select_option(
        label="Riverside Housing Advice (Housing (homelessness, insecure or poor housing))"
    )
    page.get_by_label("Therapist's gender").select_option("2")
    page.get_by_label("Ready to start now").check()
    page.get_by_label("Offer treatment").check()
    page.get_by_label("Step offered").select_option("3")
    page.get_by_label("Therapy offered").select_option(Therapy.CBT.value)
    page.get_by_label("Reason for the decision").fill("Moderate depression; wants CBT.")
    check_accessibility(page, "assessment form")
    screenshot(page, "22-assessment")
    page.get_by_role("button", name="Save the assessment").click()
    expect(page.get_by_text("signposted to")).to_be_visible()
    expect(page.get_by_text("Riverside Housing Advice")).to_be_visible()
    check_accessibility(page, "referral page after assessment")
    screenshot(page, "23-referral-waiting")


def _allocate(page: Any, base: str, referral: Referral, today: dt.date) -> None:
    page.goto(f"{base}/waiting-list/")
    check_accessibility(page, "waiting list")
    screenshot(page, "24-waiting-list")
    page.get_by_role("link", name="Hana Mould").click()
    page.get_by_role("link", name="Allocate a therapist").click()
    expect(page.get_by_text("room for").first).to_be_visible()
    check_accessibility(page, "allocation")
    screenshot(page, "25-allocate")
    page.get_by_label("Therapist").select_option(label="Alice Okafor")
    page.get_by_label("Treatment starts on").fill((today - dt.timedelta(days=56)).isoformat())
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_text("Allocated to Alice Okafor")).to_be_visible()


def _six_sessions(page: Any, base: str, referral: Referral, alice: Staff, today: dt.date) -> None:
    episode = Episode.unscoped.get(referral=referral)
    totals = [(15, 11), (14, 10), (12, 9), (10, 7), (7, 5)]
    for week, (phq, gad) in zip((49, 42, 35, 28, 14), totals, strict=True):
        episode.refresh_from_db()
        actions.record_session(
            episode=episode,
            expected_version=episode.version,
            contact_date=today - dt.timedelta(days=week),
            attendance="5",
            questionnaires={"PHQ-9": phq9(phq), "GAD-7": gad7(gad)},
            by=alice.user,
        )
    page.context.clear_cookies()  # Tess signs out; Alice signs in
    sign_in(page, base, "alice")
    page.goto(f"{base}/clients/{referral.client_id}/episodes/{episode.pk}/sessions/new/")
    page.get_by_label("Date of the session").fill((today - dt.timedelta(days=7)).isoformat())
    page.get_by_label("Attended on time").check()
    page.get_by_label("PHQ-9 answers in order").fill("111100000")
    page.get_by_label("GAD-7 answers in order").fill("1110000")
    page.get_by_role("button", name="Save the session").click()
    expect(page.get_by_role("heading", name="Session recorded")).to_be_visible()
    sessions = Contact.unscoped.filter(referral=referral, session_number__isnull=False)
    assert sessions.count() == 6


def _correct_one(page: Any, base: str, referral: Referral, today: dt.date) -> None:
    """The fifth session was typed on the wrong date: it happened 31 days ago."""
    wrong = Contact.unscoped.get(referral=referral, contact_date=today - dt.timedelta(days=14))
    assert wrong.session_number == 5
    page.goto(f"{base}/referrals/{referral.pk}/")
    page.get_by_role(
        "link", name=re.compile(f"Correct the contact of {wrong.contact_date:%-d %b %Y}")
    ).click()
    check_accessibility(page, "correcting a session")
    screenshot(page, "26-correct-session")
    page.get_by_label("Date of the session").fill((today - dt.timedelta(days=31)).isoformat())
    page.get_by_label("Why it is being corrected").fill("Typed the wrong week.")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_text("The session is corrected")).to_be_visible()
    wrong.refresh_from_db()
    assert (wrong.contact_date, wrong.session_number) == (today - dt.timedelta(days=31), 4)


def _end(page: Any, base: str, referral: Referral) -> None:
    page.get_by_role("link", name="End the referral").click()
    page.get_by_label("End code (NHS Talking Therapies)").select_option("46")
    page.get_by_label("What helped", exact=True).fill("Activity scheduling; the housing letter.")
    page.get_by_label("What next (relapse prevention, other help)").fill("Relapse plan")
    check_accessibility(page, "ending")
    screenshot(page, "27-ending")
    page.get_by_role("button", name="End the referral").click()
    expect(page.get_by_text("The referral has ended")).to_be_visible()
    check_accessibility(page, "ended referral")
    screenshot(page, "28-ended")
    assert EndingReview.unscoped.get(referral=referral).what_next == "Relapse plan"
    link = page.get_by_role("link", name="Discharge letter to the GP (PDF)")
    response = page.request.get(base + link.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")


def test_self_referral_to_discharge(page: Any, live_server: Any, service: Service) -> None:
    base, today = live_server.url, timezone.localdate()
    _self_refer(page, base)
    referral = _register(page, base, today)
    _assess(page, base, referral, today)
    _allocate(page, base, referral, today)
    _six_sessions(page, base, referral, service.alice, today)
    _correct_one(page, base, referral, today)
    page.goto(f"{base}/appointments/")
    check_accessibility(page, "the week")
    screenshot(page, "29-week")
    page.goto(f"{base}/referrals/{referral.pk}/")
    _end(page, base, referral)
    assert Referral.unscoped.get(pk=referral.pk).end_code == "46"


def test_self_referral_by_keyboard_alone(page: Any, live_server: Any, service: Service) -> None:
    page.goto(f"{live_server.url}/self-referral/")
    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Skip to main content"
    page.keyboard.press("Enter")
    _tab_to(page, "given_name")
    page.keyboard.type("Kai")
    _tab_to(page, "family_name")
    page.keyboard.type("Keys")
    focused = _tab_to(page, "date_of_birth")
    assert focused["outline"] != "none none", "focus must be visible"
    page.keyboard.type("02031988")
    _tab_to(page, "phone")
    page.keyboard.type("07700 900222")
    _tab_to(page, "what_is_happening")
    page.keyboard.type("Cannot stop worrying.")
    _tab_to(page, "consent")
    page.keyboard.press("Space")
    _tab_to(page, "Send")
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("heading", name=re.compile("your referral has been sent"))
    ).to_be_visible()
    assert SelfReferral.objects.get().family_name == "Keys"
