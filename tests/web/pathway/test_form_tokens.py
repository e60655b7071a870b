"""Going back and sending a pathway form again saves nothing twice (a one-time form
token, as the session form has): the waiting-well check-in, the attempt to reach the
client, and the follow-up after discharge. A refused form still raises its risk answer."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client as Browser
from django.utils import timezone
from tests.web.pathway.conftest import Pathway

from ontrack.web.audit.models import AuditEvent, AuditKind
from ontrack.web.common.codes import AlertKind
from ontrack.web.pathway.models import ContactAttempt, WaitingCheckIn
from ontrack.web.records.models import Alert, Contact, Episode, Referral

pytestmark = pytest.mark.django_db


def _token(browser: Browser, url: str) -> str:
    page = browser.get(url).content.decode()
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    assert found, "the form carries a one-time token"
    return found.group(1)


def _changes(action: str) -> int:
    return AuditEvent.objects.filter(kind=AuditKind.CHANGE, action=action).count()


def _as(pathway: Pathway, role: str) -> Browser:
    browser = Browser()
    browser.force_login(pathway.user(role))  # type: ignore[arg-type]
    return browser


def _ended(pathway: Pathway) -> Referral:
    today = timezone.localdate()
    Referral.unscoped.filter(pk=pathway.cast.referral.pk).update(
        end_date=today - dt.timedelta(days=1), end_code="12"
    )
    Episode.unscoped.filter(pk=pathway.cast.episode.pk).update(
        status="closed", ended_on=today - dt.timedelta(days=1)
    )
    return pathway.cast.referral


def test_check_in_sent_twice_saves_once(pathway: Pathway) -> None:
    browser = _as(pathway, "tess")
    url = f"/referrals/{pathway.waiting_referral.pk}/check-in/"
    data = {
        "form_token": _token(browser, url),
        "checked_on": timezone.localdate().isoformat(),
        "phq9": "111100000",
        "still_wants_therapy": "on",
    }
    assert browser.post(url, data).status_code == 302
    again = browser.post(url, data)
    assert again.status_code == 400
    assert "already sent and saved" in again.content.decode()
    assert WaitingCheckIn.unscoped.count() == 1


def test_check_in_without_its_token_saves_nothing_but_raises_the_risk(pathway: Pathway) -> None:
    response = _as(pathway, "tess").post(
        f"/referrals/{pathway.waiting_referral.pk}/check-in/",
        {"checked_on": timezone.localdate().isoformat(), "phq9": "111111112"},
    )
    assert response.status_code == 400
    assert "This form has expired" in response.content.decode()
    assert not WaitingCheckIn.unscoped.exists()
    assert Alert.unscoped.get(kind=AlertKind.RISK).risk_level == 2


def test_contact_attempt_sent_twice_saves_once(pathway: Pathway) -> None:
    browser = _as(pathway, "tess")
    url = f"/referrals/{pathway.waiting_referral.pk}/contact-attempt/"
    data = {
        "form_token": _token(browser, url),
        "attempted_on": timezone.localdate().isoformat(),
        "method": "phone",
        "outcome": "no_answer",
    }
    first = browser.post(url, data)
    assert first.status_code == 302, first.content.decode()
    assert browser.post(url, data).status_code == 400
    assert ContactAttempt.unscoped.count() == 1
    assert _changes("record_contact_attempt") == 1


def test_refused_form_keeps_its_token_so_the_fixed_form_saves(pathway: Pathway) -> None:
    browser = _as(pathway, "tess")
    url = f"/referrals/{pathway.waiting_referral.pk}/contact-attempt/"
    token = _token(browser, url)
    refused = browser.post(url, {"form_token": token, "method": "phone"})
    assert refused.status_code == 400
    assert f'name="form_token" value="{token}"' in refused.content.decode()
    fixed = {
        "form_token": token,
        "attempted_on": timezone.localdate().isoformat(),
        "method": "phone",
        "outcome": "no_answer",
    }
    assert browser.post(url, fixed).status_code == 302
    assert ContactAttempt.unscoped.count() == 1


def test_follow_up_sent_twice_saves_once(pathway: Pathway) -> None:
    referral = _ended(pathway)
    browser = _as(pathway, "alice")
    url = f"/referrals/{referral.pk}/follow-up/"
    data = {
        "form_token": _token(browser, url),
        "contact_date": timezone.localdate().isoformat(),
        "attendance": "5",
        "cons_mechanism": "02",
        "phq9": "110000000",
    }
    first = browser.post(url, data)
    assert first.status_code == 302, first.content.decode()
    assert browser.post(url, data).status_code == 400
    assert Contact.unscoped.filter(referral=referral, app_type="06").count() == 1
    assert _changes("record_follow_up") == 1


def test_follow_up_refused_still_raises_a_typed_risk_answer(pathway: Pathway) -> None:
    referral = _ended(pathway)
    browser = _as(pathway, "alice")
    url = f"/referrals/{referral.pk}/follow-up/"
    response = browser.post(
        url,
        {
            "form_token": _token(browser, url),
            "contact_date": (timezone.localdate() - dt.timedelta(days=30)).isoformat(),
            "attendance": "5",
            "cons_mechanism": "02",
            "phq9": "111111113",
        },
    )
    assert response.status_code == 400  # a follow-up before the ending is refused
    assert not Contact.unscoped.filter(referral=referral, app_type="06").exists()
    alert = Alert.unscoped.get(kind=AlertKind.RISK)
    assert (alert.severity, alert.risk_level) == ("urgent", 3)
