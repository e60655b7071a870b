"""Links that need no account: one purpose each, expiring, used once, rate-limited; a bad
link says what is wrong in plain words and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client as Browser
from django.utils import timezone
from tests.web.conftest import Cast, phq9
from tests.web.portal.conftest import book

from ontrack.web.audit.models import AuditEvent
from ontrack.web.common.codes import AlertKind
from ontrack.web.portal.links import issue_link
from ontrack.web.portal.models import AccessLink, AppointmentRequest, LinkPurpose
from ontrack.web.records import actions
from ontrack.web.records.models import Alert, AppointmentStatus, OnlineSubmission


def _link(cast: Cast, purpose: str = LinkPurpose.QUESTIONNAIRES, **extra: Any) -> str:
    extra.setdefault("referral", cast.referral)
    _link, token = issue_link(
        client=cast.client, purpose=purpose, valid_for=dt.timedelta(days=4), **extra
    )
    return token


def _answers(values: list[int]) -> dict[str, str]:
    return {f"item_{n}": str(v) for n, v in enumerate(values, 1)}


def test_link_opens_this_weeks_questionnaires_without_an_account(cast: Cast) -> None:
    token = _link(cast)
    page = Browser().get(f"/l/{token}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "PHQ-9" in text
    assert "GAD-7" in text
    # Only its purpose: nothing of the client's record, no navigation to their pages.
    assert "Your progress" not in text
    assert cast.client.family_name not in text


def test_link_questionnaire_is_stored_and_link_used_when_all_done(cast: Cast) -> None:
    token = _link(cast)
    browser = Browser()
    browser.post(f"/l/{token}/q/phq9/", _answers(phq9(12)))
    assert AccessLink.unscoped.get().used_at is None
    done = browser.post(f"/l/{token}/q/gad7/", _answers([1] * 7), follow=True)

    assert "All your questionnaires are done" in done.content.decode()
    stored = OnlineSubmission.unscoped.order_by("pk")
    assert [s.measure for s in stored] == ["PHQ-9", "GAD-7"]
    assert all(s.via_link and s.submitted_by is None for s in stored)
    assert AccessLink.unscoped.get().used_at is not None
    event = AuditEvent.objects.filter(action="submit_online_questionnaire").first()
    assert event is not None
    assert event.actor.startswith(f"client {cast.client.pk} (link")


def test_reused_link_says_so_and_changes_nothing(cast: Cast) -> None:
    token = _link(cast)
    browser = Browser()
    browser.post(f"/l/{token}/q/phq9/", _answers(phq9(12)))
    browser.post(f"/l/{token}/q/gad7/", _answers([1] * 7))
    browser.get(f"/l/{token}/")  # the last visit marks it used
    before = OnlineSubmission.unscoped.count()

    again = browser.post(f"/l/{token}/q/phq9/", _answers(phq9(20)))

    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert OnlineSubmission.unscoped.count() == before


def test_expired_link_says_so(cast: Cast) -> None:
    token = _link(cast)
    AccessLink.unscoped.update(
        created_at=timezone.now() - dt.timedelta(days=5),
        expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    response = Browser().post(f"/l/{token}/q/phq9/", _answers(phq9(12)))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert OnlineSubmission.unscoped.count() == 0


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
        lambda t: "x" + t,  # random part changed: the signature no longer matches
        lambda t: t.split(":")[0],  # signature cut off
    ],
)
def test_tampered_link_is_refused_before_the_database(cast: Cast, change: Any) -> None:
    token = _link(cast)
    response = Browser().post(f"/l/{change(token)}/q/phq9/", _answers(phq9(12)))
    assert response.status_code == 400
    assert "has been changed" in response.content.decode()
    assert OnlineSubmission.unscoped.count() == 0


def test_link_for_one_purpose_opens_nothing_else(cast: Cast) -> None:
    token = _link(cast, LinkPurpose.STOP_MESSAGES, referral=None)
    response = Browser().get(f"/l/{token}/q/phq9/")
    assert response.status_code == 404
    assert "for something else" in response.content.decode()


def test_many_bad_links_from_one_address_must_wait(cast: Cast, settings: Any) -> None:
    settings.ONTRACK_LINK_FAILURES_ALLOWED = 3
    browser = Browser()
    for _ in range(3):
        assert browser.get("/l/nonsense:abc/").status_code == 400
    good = _link(cast)
    response = browser.get(f"/l/{good}/")
    assert response.status_code == 429
    assert "Too many links" in response.content.decode()


def test_risk_answer_through_a_link_shows_crisis_text_and_raises_the_alert(cast: Cast) -> None:
    token = _link(cast)
    answers = phq9(15)
    answers[8] = 2
    response = Browser().post(f"/l/{token}/q/phq9/", _answers(answers), follow=True)
    text = response.content.decode()
    assert "116 123" in text
    assert "NHS 111" in text
    alert = Alert.unscoped.get(kind=AlertKind.RISK)
    assert alert.severity == "urgent"


def test_risk_answer_in_a_refused_submission_still_raises_the_alert(cast: Cast) -> None:
    token = _link(cast)
    answers: dict[str, str] = {"item_9": "3"}  # everything else missing
    response = Browser().post(f"/l/{token}/q/phq9/", answers)
    assert response.status_code == 400
    assert OnlineSubmission.unscoped.count() == 0
    assert Alert.unscoped.filter(kind=AlertKind.RISK).count() == 1


def test_appointment_link_cancels_its_appointment_once(cast: Cast) -> None:
    appointment = book(cast, 1)
    other = book(cast, 8)
    token = _link(cast, LinkPurpose.APPOINTMENT, referral=None, appointment=appointment)
    browser = Browser()
    opened = browser.get(f"/l/{token}/")
    assert opened.status_code == 200
    assert "10:00" in opened.content.decode()
    assert AppointmentRequest.unscoped.count() == 0  # opening it changes nothing

    done = browser.post(f"/l/{token}/", {"kind": "cancel", "reason": "Work"})
    again = browser.post(f"/l/{token}/", {"kind": "rebook"})

    assert "Your appointment is cancelled" in done.content.decode()
    assert again.status_code == 410
    (request,) = AppointmentRequest.unscoped.all()
    assert (request.kind, request.via_link, request.appointment) == ("cancel", True, appointment)
    appointment.refresh_from_db()
    other.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED_BY_CLIENT
    assert other.status == AppointmentStatus.BOOKED  # the link acts on its one appointment
    event = AuditEvent.objects.get(action="record_appointment_outcome")
    assert "link" in event.actor


def test_appointment_link_after_staff_cancelled_changes_nothing(cast: Cast) -> None:
    appointment = book(cast, 1)
    token = _link(cast, LinkPurpose.APPOINTMENT, referral=None, appointment=appointment)
    actions.record_appointment_outcome(
        appointment=appointment, expected_version=1, outcome="service", by=cast.alice
    )
    page = Browser().get(f"/l/{token}/").content.decode()
    assert "no longer booked" in page
    refused = Browser().post(f"/l/{token}/", {"kind": "cancel"})
    assert refused.status_code == 400
    assert AppointmentRequest.unscoped.count() == 0
    assert AccessLink.unscoped.get().used_at is None


def test_stop_link_opts_out_on_the_button_not_on_opening(cast: Cast) -> None:
    from ontrack.web.notify.models import OptOut

    token = _link(cast, LinkPurpose.STOP_MESSAGES, referral=None)
    browser = Browser()
    browser.get(f"/l/{token}/")
    assert OptOut.unscoped.count() == 0
    browser.post(f"/l/{token}/")
    assert set(OptOut.unscoped.values_list("channel", flat=True)) == {"email", "sms"}


def test_only_a_hash_of_the_token_is_stored(cast: Cast) -> None:
    token = _link(cast)
    stored = AccessLink.unscoped.get()
    assert token not in stored.token_hash
    assert len(stored.token_hash) == 64


def test_rating_link_out_of_range_keeps_the_link_then_rates_once(cast: Cast) -> None:
    from tests.web.conftest import gad7

    from ontrack.web.records import actions
    from ontrack.web.records.models import AllianceResponse

    contact = actions.record_session(
        episode=cast.episode,
        expected_version=cast.episode.version,
        contact_date=timezone.localdate() - dt.timedelta(days=1),
        attendance="5",
        app_type="01",
        questionnaires={"PHQ-9": phq9(12), "GAD-7": gad7(8)},
        by=cast.alice,
    )
    token = _link(cast, LinkPurpose.RATE_SESSION, referral=None, contact=contact)
    browser = Browser()
    page = browser.get(f"/l/{token}/").content.decode()
    assert "Who will see it:" in page
    bad = browser.post(f"/l/{token}/", _answers([8, 8, 12, 8]))
    assert bad.status_code == 400
    assert AllianceResponse.unscoped.count() == 0
    assert AccessLink.unscoped.get().used_at is None

    assert (
        "Your rating has been sent"
        in browser.post(f"/l/{token}/", _answers([8, 9, 8, 9])).content.decode()
    )
    assert browser.post(f"/l/{token}/", _answers([1, 1, 1, 1])).status_code == 410
    assert AllianceResponse.unscoped.get().total == 34
