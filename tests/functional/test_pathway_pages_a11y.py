"""axe (WCAG 2.2 A and AA) on the pathway pages the self-referral-to-discharge flow does
not open, and a staff form (the waiting-well check-in) by keyboard alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.functional.conftest import check_accessibility, sign_in
from tests.functional.test_flows import _focused, _tab_to
from tests.functional.test_pathway_flows import Service, make_service
from tests.web import factories as f

from ontrack.web.common.codes import Therapy
from ontrack.web.pathway.models import WaitingCheckIn, WaitingListEntry
from ontrack.web.records.models import Referral

pytestmark = [pytest.mark.browser]


@pytest.fixture
def service(transactional_db: None) -> Service:
    return make_service()


def _people(service: Service) -> tuple[Referral, Referral, Referral, Any]:
    """A client waiting, one in treatment with Alice (a session recorded), one discharged."""
    today = timezone.localdate()
    svc = service.alice.service
    waiting = f.ReferralFactory(
        client=f.ClientFactory(service=svc, given_name="Wyn", family_name="Waits"),
        referral_date=today - dt.timedelta(days=40),
        step=None,
    )
    WaitingListEntry.unscoped.create(
        referral=waiting, step=3, therapy=Therapy.CBT, added_on=today - dt.timedelta(days=30)
    )
    treated = f.ReferralFactory(
        client=f.ClientFactory(service=svc, given_name="Tia", family_name="Treated")
    )
    episode = f.EpisodeFactory(referral=treated, therapist=service.alice)
    contact = f.ContactFactory(
        referral=treated, episode=episode, therapist=service.alice, session_number=1,
        contact_date=today - dt.timedelta(days=7),
    )  # fmt: skip
    ended = f.ReferralFactory(
        client=f.ClientFactory(service=svc, given_name="Ed", family_name="Ended"),
        end_date=today - dt.timedelta(days=2),
        end_code="12",
    )
    f.EpisodeFactory(
        referral=ended, therapist=service.alice, status="closed",
        ended_on=today - dt.timedelta(days=2),
    )  # fmt: skip
    return waiting, treated, ended, contact


def test_pathway_pages_pass_axe(page: Any, live_server: Any, service: Service) -> None:
    base = live_server.url
    waiting, treated, ended, contact = _people(service)
    sign_in(page, base, "mo")
    for what, url in [
        ("new referral form", "/referrals/new/"),
        ("check-in form", f"/referrals/{waiting.pk}/check-in/"),
        ("attempt to reach the client", f"/referrals/{waiting.pk}/contact-attempt/"),
        ("booking", f"/referrals/{treated.pk}/appointments/new/"),
        ("change of course", f"/referrals/{treated.pk}/change/"),
        ("correcting a contact", f"/contacts/{contact.pk}/correct/"),
        ("follow-up after discharge", f"/referrals/{ended.pk}/follow-up/"),
        ("referral in treatment", f"/referrals/{treated.pk}/"),
    ]:
        response = page.goto(base + url)
        assert response.status == 200, f"{what}: {response.status}"
        check_accessibility(page, what)
    # A form refused shows its errors, and still passes.
    page.goto(f"{base}/referrals/{waiting.pk}/contact-attempt/")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    check_accessibility(page, "attempt to reach the client, refused")


def test_check_in_by_keyboard_alone(page: Any, live_server: Any, service: Service) -> None:
    base = live_server.url
    waiting, *_ = _people(service)
    sign_in(page, base, "tess")
    page.goto(f"{base}/referrals/{waiting.pk}/check-in/")
    focused = _tab_to(page, "phq9")
    assert focused["outline"] != "none none", "focus must be visible"
    page.keyboard.type("110000000")
    _tab_to(page, "gad7")
    page.keyboard.type("1000000")
    _tab_to(page, "note")
    page.keyboard.type("Managing; sleeping better.")
    _tab_to(page, "Save the check-in")
    assert _focused(page)["tag"] == "BUTTON"
    page.keyboard.press("Enter")
    expect(page.get_by_text("Check-in recorded")).to_be_visible()
    assert WaitingCheckIn.unscoped.get().referral_id == waiting.pk
