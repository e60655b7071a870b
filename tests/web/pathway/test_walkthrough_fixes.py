"""Item 9 of issue 13: what a walkthrough found on the session and alert pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from tests.web import factories as f
from tests.web.conftest import Cast, browser_as, gad7, phq9

from ontrack.web.accounts.admin import StaffForm
from ontrack.web.accounts.models import Staff
from ontrack.web.canonical.views import _decile_label
from ontrack.web.common.codes import AlertKind, AlertStatus
from ontrack.web.records.models import ReviewDecision
from ontrack.web.records.templatetags.ontrack import provenance


@pytest.fixture
def review_alert(cast: Cast) -> Any:
    contact = f.ContactFactory(
        referral=cast.referral, episode=cast.episode, therapist=cast.alice_staff, session_number=1
    )
    f.QuestionnaireResponseFactory(contact=contact, items=phq9(14), total=14)
    f.QuestionnaireResponseFactory(contact=contact, measure="GAD-7", items=gad7(9), total=9)
    alert = f.AlertFactory(referral=cast.referral, contact=contact, kind=AlertKind.OFF_TRACK)
    return contact, alert


def test_why_review_refuses_carry_on_with_a_change(
    cast: Cast, review_alert: Any, toy_models: Any
) -> None:
    contact, alert = review_alert
    response = browser_as(cast, "alice").post(
        reverse("alert_review", args=[alert.pk]),
        {"as_of": contact.pk, "alert_version": 1, "decisions": ["continue", "change_focus"]},
    )
    assert response.status_code == 400
    assert "Carry on as planned" in response.content.decode()
    assert not ReviewDecision.unscoped.exists()


def test_why_review_sent_twice_records_one_decision(
    cast: Cast, review_alert: Any, toy_models: Any
) -> None:
    contact, _ = review_alert
    url = reverse("episode_review", args=[cast.episode.pk])
    payload = {"as_of": contact.pk, "decisions": ["change_pace"]}
    assert browser_as(cast, "alice").post(url, payload).status_code == 302
    again = browser_as(cast, "alice").post(url, payload)
    assert again.status_code == 400
    assert "already recorded" in again.content.decode()
    assert ReviewDecision.unscoped.count() == 1


def test_alert_timings_read_from_opening(cast: Cast) -> None:
    opened = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    alert = f.AlertFactory(
        referral=cast.referral,
        opened_at=opened,
        status=AlertStatus.ACKNOWLEDGED,
        acknowledged_at=opened + dt.timedelta(hours=3),
        acknowledged_by=cast.alice,
    )
    page = browser_as(cast, "alice").get(reverse("alert_detail", args=[alert.pk]))
    assert "3\xa0hours after opening" in page.content.decode()


def test_alerts_unknown_status_is_ignored_and_the_filter_says_so(cast: Cast) -> None:
    now = dt.datetime.now(dt.UTC)
    f.AlertFactory(
        referral=cast.referral,
        status=AlertStatus.CLOSED,
        reasons=["closed one"],
        acknowledged_at=now,
        acted_at=now,
        closed_at=now,
    )
    f.AlertFactory(referral=cast.referral, reasons=["open one"])
    page = browser_as(cast, "alice").get("/alerts/?status=bogus").content.decode()
    assert '<option value="unresolved" selected>Not closed</option>' in page
    assert "open one" in page
    assert "closed one" not in page


def test_caseload_limit_is_bounded(cast: Cast) -> None:
    staff = cast.alice_staff
    staff.caseload_limit = 100_000
    with pytest.raises(ValidationError):
        staff.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Staff.objects.filter(pk=staff.pk).update(caseload_limit=201)


def test_staff_admin_offers_choices_not_json(cast: Cast) -> None:
    form = StaffForm(instance=cast.alice_staff)
    html = form.as_p()
    assert 'type="checkbox"' in html
    assert "Cognitive behavioural therapy (CBT)" in html
    assert form.initial["languages"] == "English"
    bound = StaffForm(
        {
            **{k: v for k, v in form.initial.items() if v is not None and k != "languages"},
            "user": cast.alice.pk,
            "service": cast.service.pk,
            "qualifications": ["11"],
            "modalities": ["304891004"],
            "languages": "English, Urdu ",
            "caseload_limit": 25,
        },
        instance=cast.alice_staff,
    )
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["languages"] == ["English", "Urdu"]


def test_deprivation_labels_agree_with_the_caption() -> None:
    assert [_decile_label(d) for d in (1, 5, 10)] == [
        "1 (most deprived)",
        "5",
        "10 (least deprived)",
    ]


def test_provenance_has_no_developer_commands() -> None:
    label = (
        "Default parameters fitted on simulated data (ontrack simulate --referrals 60000); "
        "run ontrack calibrate."
    )
    assert "ontrack" not in provenance(label)
    assert "simulated data" in provenance(label)
