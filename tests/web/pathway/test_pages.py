"""Every pathway page as every member of the cast, the forms through the pages (nothing
saved on bad input, never a 500), and the number of queries the lists make."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from tests.web import factories as f
from tests.web.pathway.conftest import ROLES, Pathway

from ontrack.web.common.codes import AlertKind
from ontrack.web.pathway.models import SelfReferral, WaitingListEntry
from ontrack.web.records.actions import new_form_token
from ontrack.web.records.models import Alert, Appointment, Client, Contact, Episode, Referral


def browser(pathway: Pathway, role: str) -> Browser:
    b = Browser()
    user = pathway.user(role)
    if user is not None:
        b.force_login(user)
    return b


TRIAGE_ONLY = {
    "anonymous": "login",
    "alice": 403,
    "bob": 403,
    "tess": 200,
    "charlie": 403,
    "sue": 403,
    "mo": 200,
    "oscar": 200,  # his own service's (empty) list
    "adam": 403,
    "cara": 403,
}
WAITING_REFERRAL = {
    "anonymous": "login",
    "alice": 404,
    "bob": 404,
    "tess": 200,
    "charlie": 404,
    "sue": 404,
    "mo": 200,
    "oscar": 404,
    "adam": 404,
    "cara": 404,
}
CARAS_REFERRAL = {
    "anonymous": "login",
    "alice": 200,
    "bob": 404,
    "tess": 404,  # Cara is in treatment: no longer in the triage view
    "charlie": 404,
    "sue": 200,
    "mo": 200,
    "oscar": 404,
    "adam": 404,
    "cara": 403,  # her own referral, but a staff page
}
WEEK = {
    "anonymous": "login",
    "alice": 200,
    "bob": 200,
    "tess": 200,
    "charlie": 200,
    "sue": 200,
    "mo": 200,
    "oscar": 200,
    "adam": 403,
    "cara": 403,
}


def _pages(p: Pathway) -> dict[str, tuple[str, dict[str, Any]]]:
    wanda, cara = p.waiting_referral.pk, p.cast.referral.pk
    return {
        "referrals/new": ("/referrals/new/", TRIAGE_ONLY),
        "waiting-list": ("/waiting-list/", TRIAGE_ONLY),
        "intake": ("/intake/", TRIAGE_ONLY),
        "waiting referral": (f"/referrals/{wanda}/", WAITING_REFERRAL),
        "assess": (f"/referrals/{wanda}/assess/", WAITING_REFERRAL),
        "allocate": (f"/referrals/{wanda}/allocate/", {**WAITING_REFERRAL}),
        "check-in": (f"/referrals/{wanda}/check-in/", WAITING_REFERRAL),
        "cara's referral": (f"/referrals/{cara}/", CARAS_REFERRAL),
        "book": (f"/referrals/{cara}/appointments/new/", CARAS_REFERRAL),
        "change course": (f"/referrals/{cara}/change/", CARAS_REFERRAL),
        "end": (f"/referrals/{cara}/end/", CARAS_REFERRAL),
        "appointments": ("/appointments/", WEEK),
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_pathway_page_as_every_role(pathway: Pathway, role: str) -> None:
    b = browser(pathway, role)
    wrong = []
    for name, (url, expected) in _pages(pathway).items():
        response = b.get(url)
        ok = (
            response.status_code == 302 and response["Location"].startswith("/accounts/sign-in/")
            if expected[role] == "login"
            else response.status_code == expected[role]
        )
        if not ok:
            wrong.append(f"{name}: got {response.status_code}, expected {expected[role]}")
    assert wrong == []


def test_waiting_list_links_each_person_to_their_referral(pathway: Pathway) -> None:
    page = browser(pathway, "tess").get("/waiting-list/").content.decode()
    assert f'href="/referrals/{pathway.waiting_referral.pk}/"' in page
    assert "Wanda Waiting" in page


def test_referral_page_shows_stage_and_next_step(pathway: Pathway) -> None:
    page = browser(pathway, "tess").get(f"/referrals/{pathway.waiting_referral.pk}/")
    text = page.content.decode()
    assert "Waiting for treatment" in text
    assert "Next step:" in text
    assert "Allocate a therapist" in text


def test_waiting_list_query_count_does_not_grow(pathway: Pathway) -> None:
    def queries() -> int:
        b = browser(pathway, "tess")
        b.get("/waiting-list/")  # sign-in and session
        with CaptureQueriesContext(connection) as ctx:
            assert b.get("/waiting-list/").status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for n in range(25):
        client = f.ClientFactory(service=pathway.cast.service, family_name=f"W{n}")
        referral = f.ReferralFactory(client=client)
        WaitingListEntry.unscoped.create(referral=referral, step=2, added_on=referral.referral_date)
    assert queries() == few
    assert few <= 8


def test_referral_page_query_count_is_bounded(pathway: Pathway, today: dt.date) -> None:
    url = f"/referrals/{pathway.cast.referral.pk}/"
    f.ContactFactory(
        referral=pathway.cast.referral, episode=pathway.cast.episode, session_number=20
    )
    b = browser(pathway, "alice")
    b.get(url)
    with CaptureQueriesContext(connection) as ctx:
        b.get(url)
    few = len(ctx.captured_queries)
    for n in range(12):
        f.ContactFactory(
            referral=pathway.cast.referral,
            episode=pathway.cast.episode,
            contact_date=today - dt.timedelta(days=60 - n),
            session_number=n + 1,
        )
    with CaptureQueriesContext(connection) as ctx:
        b.get(url)
    assert len(ctx.captured_queries) == few
    assert few <= 25


def test_appointments_week_query_count(pathway: Pathway) -> None:
    b = browser(pathway, "alice")
    b.get("/appointments/")
    for hour in range(9, 17):
        Appointment.unscoped.create(
            referral=pathway.cast.referral,
            staff=pathway.cast.alice_staff,
            starts_at=timezone.now().replace(hour=hour, minute=0, second=0, microsecond=0),
        )
    with CaptureQueriesContext(connection) as ctx:
        page = b.get("/appointments/")
    assert page.status_code == 200
    assert len(ctx.captured_queries) <= 8


# -- forms through the pages -----------------------------------------------------------------


def test_self_referral_page_shows_crisis_text_and_lands_in_intake(pathway: Pathway) -> None:
    b = Browser()
    url = "/self-referral/?service=north"
    assert "call 999" in b.get(url).content.decode()
    response = b.post(
        url,
        {
            "service": "north",
            "given_name": "Sam",
            "family_name": "Self",
            "date_of_birth": "1990-02-03",
            "phone": "07700 900999",
            "what_is_happening": "Panic attacks on the bus.",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    assert SelfReferral.objects.get().full_name == "Sam Self"
    queue = browser(pathway, "tess").get("/intake/").content.decode()
    assert "Sam Self" in queue


def test_self_referral_bad_input_is_400_and_saves_nothing(pathway: Pathway) -> None:
    response = Browser().post(
        "/self-referral/?service=north", {"service": "north", "given_name": "Sam"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "There is a problem" in text
    assert not SelfReferral.objects.exists()


def test_self_referral_is_rate_limited(pathway: Pathway) -> None:
    b = Browser()
    for _ in range(5):
        b.post("/self-referral/?service=north", {"service": "north"})
    response = b.post("/self-referral/?service=north", {"service": "north"})
    assert response.status_code == 429
    assert "call 999" in response.content.decode()


def test_self_referral_unknown_service_is_404(pathway: Pathway) -> None:
    assert Browser().get("/self-referral/?service=nowhere").status_code == 404


def _new_referral_post(**extra: str) -> dict[str, str]:
    data = {
        "given_name": "Nia",
        "family_name": "Newcome",
        "date_of_birth": "1985-06-07",
        "gender": "2",
        "ethnicity": "A",
        "phone": "07700 900321",
        "referral_date": timezone.localdate().isoformat(),
        "source": "A1",
        "problem_descriptor": "F32",
    }
    data.update(extra)
    return data


def test_new_referral_form_registers_and_shows_the_referral(pathway: Pathway) -> None:
    response = browser(pathway, "tess").post("/referrals/new/", _new_referral_post())
    assert response.status_code == 302
    referral = Referral.unscoped.get(client__family_name="Newcome")
    assert response["Location"] == f"/referrals/{referral.pk}/"


def test_new_referral_duplicate_asks_to_confirm(pathway: Pathway) -> None:
    b = browser(pathway, "tess")
    b.post("/referrals/new/", _new_referral_post())
    again = b.post("/referrals/new/", _new_referral_post())
    assert again.status_code == 400
    assert "may be someone already registered" in again.content.decode()
    assert Client.unscoped.filter(family_name="Newcome").count() == 1


def test_new_referral_referral_in_future_names_the_field(pathway: Pathway) -> None:
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = browser(pathway, "tess").post(
        "/referrals/new/", _new_referral_post(referral_date=future)
    )
    assert response.status_code == 400
    assert 'id="id_referral_date-error"' in response.content.decode()


def _assess_post(pathway: Pathway, **extra: str) -> dict[str, str]:
    data = {
        "version": str(Referral.unscoped.get(pk=pathway.waiting_referral.pk).version),
        "assessed_on": timezone.localdate().isoformat(),
        "attendance": "5",
        "cons_mechanism": "01",
        "problem_descriptor": "F32",
        "phq9": "221111110",
        "gad7": "1111111",
        "risk_to_self": "low",
        "risk_to_others": "none",
        "asked_directly": "on",
        "readiness": "ready",
        "decision": "offer",
        "step": "2",
        "therapy": "748051000000105",
        "reason": "Mild depression with a housing problem.",
        "circ_housing": "on",
        "circ_housing_detail": "Mould in the flat",
        "circ_housing_signpost": str(pathway.housing_help.pk),
    }
    data.update(extra)
    return data


def test_assess_form_saves_and_signposts(pathway: Pathway) -> None:
    WaitingListEntry.unscoped.filter(pk=pathway.entry.pk).delete()
    response = browser(pathway, "tess").post(
        f"/referrals/{pathway.waiting_referral.pk}/assess/", _assess_post(pathway)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    page = browser(pathway, "tess").get(f"/referrals/{pathway.waiting_referral.pk}/")
    text = page.content.decode()
    assert "signposted to <strong>Riverside Housing Advice</strong>" in text
    assert "Waiting for treatment" in text


def test_assess_form_bad_answers_show_at_the_field(pathway: Pathway) -> None:
    WaitingListEntry.unscoped.filter(pk=pathway.entry.pk).delete()
    response = browser(pathway, "tess").post(
        f"/referrals/{pathway.waiting_referral.pk}/assess/", _assess_post(pathway, phq9="22x")
    )
    assert response.status_code == 400
    assert 'id="id_phq9-error"' in response.content.decode()
    assert not Contact.unscoped.filter(referral=pathway.waiting_referral).exists()


def test_check_in_with_risk_answer_opens_alert_through_the_page(pathway: Pathway) -> None:
    response = browser(pathway, "tess").post(
        f"/referrals/{pathway.waiting_referral.pk}/check-in/",
        {
            "form_token": new_form_token(),
            "checked_on": timezone.localdate().isoformat(),
            "phq9": "111111112",
        },
        follow=True,
    )
    assert "An urgent risk alert was opened" in response.content.decode()
    assert Alert.unscoped.filter(kind=AlertKind.RISK).count() == 1


def test_allocate_through_the_page(pathway: Pathway) -> None:
    url = f"/referrals/{pathway.waiting_referral.pk}/allocate/"
    page = browser(pathway, "tess").get(url).content.decode()
    assert "room for" in page
    response = browser(pathway, "tess").post(
        url,
        {
            "version": str(pathway.entry.version),
            "therapist": str(pathway.cast.bob_staff.pk),
            "started_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    assert (
        Episode.unscoped.get(referral=pathway.waiting_referral).therapist == pathway.cast.bob_staff
    )


def test_allocate_stale_form_says_conflict(pathway: Pathway) -> None:
    url = f"/referrals/{pathway.waiting_referral.pk}/allocate/"
    stale = {
        "version": str(pathway.entry.version),
        "therapist": str(pathway.cast.bob_staff.pk),
        "started_on": timezone.localdate().isoformat(),
    }
    WaitingListEntry.unscoped.filter(pk=pathway.entry.pk).update(version=pathway.entry.version + 1)
    response = browser(pathway, "mo").post(url, stale)
    assert response.status_code == 400
    assert "changed by someone else" in response.content.decode()
    assert not Episode.unscoped.filter(referral=pathway.waiting_referral).exists()


def test_book_in_the_past_through_the_page(pathway: Pathway) -> None:
    past = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = browser(pathway, "alice").post(
        f"/referrals/{pathway.cast.referral.pk}/appointments/new/",
        {
            "starts_at": past,
            "minutes": "50",
            "app_type": "02",
            "cons_mechanism": "01",
            "staff": str(pathway.cast.alice_staff.pk),
        },
    )
    assert response.status_code == 400
    assert "cannot be booked in the past" in response.content.decode()
    assert not Appointment.unscoped.exists()


def test_end_form_inconsistent_code_is_400(pathway: Pathway) -> None:
    response = browser(pathway, "alice").post(
        f"/referrals/{pathway.cast.referral.pk}/end/",
        {
            "version": str(pathway.cast.referral.version),
            "end_date": timezone.localdate().isoformat(),
            "end_code": "46",
        },
    )
    assert response.status_code == 400
    assert "two treatment sessions" in response.content.decode()
    assert Referral.unscoped.get(pk=pathway.cast.referral.pk).is_open


def test_session_form_sent_twice_saves_once(pathway: Pathway) -> None:
    from tests.web.conftest import session_post

    url = reverse("record_session", args=[pathway.cast.client.pk, pathway.cast.episode.pk])
    data = session_post(pathway.cast, timezone.localdate())
    b = browser(pathway, "alice")
    assert b.post(url, data).status_code == 302
    data["version"] = Episode.unscoped.get(pk=pathway.cast.episode.pk).version
    data["same_day_confirmed"] = "on"
    again = b.post(url, data)
    assert again.status_code == 400
    assert "already sent and saved" in again.content.decode()
    assert Contact.unscoped.count() == 1


def test_session_form_same_day_asks_to_confirm(pathway: Pathway) -> None:
    from tests.web.conftest import session_post

    url = reverse("record_session", args=[pathway.cast.client.pk, pathway.cast.episode.pk])
    b = browser(pathway, "alice")
    assert b.post(url, session_post(pathway.cast, timezone.localdate())).status_code == 302
    second = b.post(url, session_post(pathway.cast, timezone.localdate()))
    assert second.status_code == 400
    assert "tick to confirm" in second.content.decode()
    assert 'name="same_day_confirmed"' in second.content.decode()
    confirmed = session_post(pathway.cast, timezone.localdate(), same_day_confirmed="on")
    assert b.post(url, confirmed).status_code == 302
    assert Contact.unscoped.count() == 2


def test_use_this_measure_keeps_what_was_typed(pathway: Pathway) -> None:
    from tests.web.conftest import session_post

    url = reverse("record_session", args=[pathway.cast.client.pk, pathway.cast.episode.pk])
    data = session_post(
        pathway.cast,
        timezone.localdate(),
        phq9_quick="210110000",
        notes="Talked about sleep",
        adsm="PCL-5",
        change_adsm="1",
    )
    response = browser(pathway, "alice").post(url, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "210110000" in text
    assert "Talked about sleep" in text
    assert "PCL-5" in text
    assert "There is a problem" not in text
    assert not Contact.unscoped.exists()


def test_correct_page_marks_entered_in_error(pathway: Pathway, today: dt.date) -> None:
    contact = f.ContactFactory(
        referral=pathway.cast.referral,
        episode=pathway.cast.episode,
        therapist=pathway.cast.alice_staff,
        session_number=1,
    )
    url = f"/contacts/{contact.pk}/correct/"
    assert browser(pathway, "bob").get(url).status_code == 404
    response = browser(pathway, "alice").post(
        url,
        {"in_error": "1", "version": str(contact.version), "error_reason": "Wrong client."},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.in_error


def test_discharge_letters_are_pdfs_once_ended(pathway: Pathway, today: dt.date) -> None:
    from ontrack.web.pathway import actions as pathway_actions
    from ontrack.web.records import actions as records_actions

    cast = pathway.cast
    url = f"/referrals/{cast.referral.pk}/letter-gp.pdf"
    assert browser(pathway, "alice").get(url).status_code == 404  # still open
    for days, total in ((14, 16), (7, 5)):
        episode = Episode.unscoped.get(pk=cast.episode.pk)
        records_actions.record_session(
            episode=episode,
            expected_version=episode.version,
            contact_date=today - dt.timedelta(days=days),
            attendance="5",
            questionnaires={
                "PHQ-9": [min(3, total - 3 * i) if total > 3 * i else 0 for i in range(8)] + [0]
            },
            by=cast.alice,
        )
    referral = Referral.unscoped.get(pk=cast.referral.pk)
    pathway_actions.end_course(
        referral=referral,
        expected_version=referral.version,
        end_date=today,
        end_code="46",
        review=pathway_actions.Review(what_helped="Activity scheduling"),
        by=cast.alice,
    )
    for to in ("client", "gp"):
        response = browser(pathway, "alice").get(f"/referrals/{cast.referral.pk}/letter-{to}.pdf")
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    assert browser(pathway, "bob").get(url).status_code == 404
    assert (
        browser(pathway, "alice").get(f"/referrals/{cast.referral.pk}/letter-x.pdf").status_code
        == 404
    )


@pytest.mark.parametrize("broken", [{"decision": ""}, {"assessed_on": "31/02/2026"}])
def test_assess_form_refused_still_raises_a_typed_risk_answer(
    pathway: Pathway, broken: dict[str, str]
) -> None:
    WaitingListEntry.unscoped.filter(pk=pathway.entry.pk).delete()
    data = {**_assess_post(pathway, phq9="111111113"), **broken}
    response = browser(pathway, "tess").post(
        f"/referrals/{pathway.waiting_referral.pk}/assess/", data
    )
    assert response.status_code == 400
    assert not Contact.unscoped.filter(referral=pathway.waiting_referral).exists()
    alert = Alert.unscoped.get(kind=AlertKind.RISK)
    assert (alert.severity, alert.risk_level) == ("urgent", 3)
    assert "at the assessment on" in alert.reasons[0]


def test_check_in_form_refused_still_raises_a_typed_risk_answer(pathway: Pathway) -> None:
    response = browser(pathway, "tess").post(
        f"/referrals/{pathway.waiting_referral.pk}/check-in/",
        {"checked_on": "not a date", "phq9": "111111111"},
    )
    assert response.status_code == 400
    alert = Alert.unscoped.get(kind=AlertKind.RISK)
    assert (alert.severity, alert.risk_level) == ("urgent", 1)
    assert "waiting-well check-in" in alert.reasons[0]


def test_follow_up_form_refused_still_raises_a_typed_risk_answer(pathway: Pathway) -> None:
    cast = pathway.cast
    Referral.unscoped.filter(pk=cast.referral.pk).update(
        end_date=timezone.localdate() - dt.timedelta(days=1), end_code="46"
    )
    response = browser(pathway, "alice").post(
        f"/referrals/{cast.referral.pk}/follow-up/",
        {"contact_date": "31/02/2026", "attendance": "5", "phq9": "000000002"},
    )
    assert response.status_code == 400
    assert not Contact.unscoped.filter(referral=cast.referral, app_type="06").exists()
    alert = Alert.unscoped.get(kind=AlertKind.RISK)
    assert (alert.severity, alert.risk_level) == ("urgent", 2)
    assert "at the follow-up on" in alert.reasons[0]


def test_correct_form_refused_still_raises_a_typed_risk_answer(pathway: Pathway) -> None:
    contact = f.ContactFactory(
        referral=pathway.cast.referral,
        episode=pathway.cast.episode,
        therapist=pathway.cast.alice_staff,
        session_number=1,
    )
    from ontrack.web.audit.models import AuditEvent

    version = contact.version
    response = browser(pathway, "alice").post(
        f"/contacts/{contact.pk}/correct/",
        {"version": "not a number", "contact_date": "x", "phq9": "000000003", "reason": ""},
    )
    assert response.status_code == 400
    contact.refresh_from_db()
    assert contact.version == version
    assert not AuditEvent.objects.filter(action="correct_session").exists()
    alert = Alert.unscoped.get(kind=AlertKind.RISK)
    assert (alert.severity, alert.risk_level) == ("urgent", 3)
    assert "in the corrected answers of the session on" in alert.reasons[0]


def test_marking_a_contact_with_homework_in_error_keeps_the_record_readable(
    pathway: Pathway, today: dt.date
) -> None:
    # Found by the form fuzz: the homework set (or reviewed) at a contact entered in error
    # pointed outside the episode and the evaluation after it answered 500.
    cast = pathway.cast
    first = f.ContactFactory(
        referral=cast.referral,
        episode=cast.episode,
        therapist=cast.alice_staff,
        contact_date=today - dt.timedelta(days=7),
        session_number=1,
    )
    second = f.ContactFactory(
        referral=cast.referral,
        episode=cast.episode,
        therapist=cast.alice_staff,
        contact_date=today,
        session_number=2,
    )
    f.HomeworkFactory(referral=cast.referral, set_contact=first)
    f.HomeworkFactory(
        referral=cast.referral, set_contact=first, reviewed_contact=second, outcome="done"
    )
    for contact in (second, first):
        response = browser(pathway, "alice").post(
            f"/contacts/{contact.pk}/correct/",
            {"in_error": "1", "version": str(contact.version), "error_reason": "Wrong client."},
        )
        assert response.status_code == 302
        assert browser(pathway, "alice").get(f"/clients/{cast.client.pk}/").status_code == 200
