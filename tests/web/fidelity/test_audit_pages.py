"""The fidelity audit pages: one course's audit (page and PDF), scoped like every clinical
page, and each therapist's rates for their own development."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader
from tests.web import factories as f
from tests.web.conftest import ROLES, Cast, browser_as, gad7, phq9, wrong_statuses

from ontrack.web.audit.models import AuditEvent
from ontrack.web.records.models import Contact, SupervisionNote

pytestmark = pytest.mark.django_db

SET = (
    "Reviewed last week's thought records. Agreed to walk for 20 minutes each morning "
    "to test the prediction that she will be too tired; plan written on her sheet."
)
NONE = "Talked about her week. No homework set today. Denies any thoughts of self-harm."


def _matrix(**statuses: int | str) -> dict[str, int | str]:
    out: dict[str, int | str] = {"anonymous": "login"}
    out.update(statuses)
    assert set(out) == set(ROLES)
    return out


# Staff who may see Cara see her audit; Cara herself does not (403); others do not know her.
STAFF_SEES_CARA = _matrix(
    alice=200, bob=404, charlie=404, sue=200, mo=200, oscar=404, adam=404, cara=403, dan=404
)


@pytest.fixture
def sessions(cast: Cast, today: dt.date) -> list[Contact]:
    contacts = []
    for n, note in enumerate((SET, NONE), start=1):
        contact = f.ContactFactory(
            referral=cast.referral,
            episode=cast.episode,
            therapist=cast.alice_staff,
            session_number=n,
            contact_date=today - dt.timedelta(days=21 - 7 * n),
            notes=note,
        )
        f.QuestionnaireResponseFactory(contact=contact, items=phq9(14), total=14)
        f.QuestionnaireResponseFactory(contact=contact, measure="GAD-7", items=gad7(9), total=9)
        contacts.append(contact)
    return contacts


def test_audit_page_and_pdf_are_scoped_like_clinical_pages(
    cast: Cast, sessions: list[Contact]
) -> None:
    pages = {
        "audit": (reverse("course_audit", args=[cast.client.pk]), STAFF_SEES_CARA),
        "pdf": (reverse("course_audit_pdf", args=[cast.client.pk]), STAFF_SEES_CARA),
    }
    for role in ROLES:
        assert wrong_statuses(browser_as(cast, role), pages, role) == [], role


def test_audit_page_shows_each_criterion_with_linked_quoted_evidence(
    cast: Cast, sessions: list[Contact]
) -> None:
    page = browser_as(cast, "alice").get(reverse("course_audit", args=[cast.client.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    # every structured criterion, with its result
    assert 'id="criterion-measures_every_contact" data-status="met"' in html
    assert 'id="criterion-goals_agreed" data-status="not_met"' in html
    # the session note's reading: homework set, quoted, linked to the contact
    first = reverse("contact_detail", args=[cast.client.pk, sessions[0].pk])
    assert f'<a href="{first}">Session 1' in html
    assert "Agreed to walk for 20 minutes each morning" in html
    assert 'data-criterion="homework_set" data-value="true"' in html
    assert 'data-criterion="homework_set" data-value="false"' in html  # "No homework set"
    assert "No homework set today." not in html.split('id="notes"')[1].split("<q")[1]
    # reached from the client's pages
    timeline = browser_as(cast, "alice").get(reverse("client_timeline", args=[cast.client.pk]))
    assert reverse("course_audit", args=[cast.client.pk]) in timeline.content.decode()


def test_audit_pdf_text_has_the_criteria_and_the_quoted_note(
    cast: Cast, sessions: list[Contact]
) -> None:
    response = browser_as(cast, "sue").get(reverse("course_audit_pdf", args=[cast.client.pk]))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "Fidelity audit of a course of care" in text
    assert "Cara Client" in text
    assert "Goals agreed by session 2" in text
    assert "NOT MET" in text
    assert "MET: PHQ-9, GAD-7" in text
    assert "Agreed to walk for 20 minutes each morning" in text
    assert "Session 1" in text
    links = [
        a.get_object()["/A"]["/URI"]
        for p in reader.pages
        for a in p.get("/Annots", []) or []
        if "/A" in a.get_object()
    ]
    assert any(
        str(u).endswith(reverse("contact_detail", args=[cast.client.pk, sessions[0].pk]))
        for u in links
    )


def test_off_track_course_needs_supervision_in_time(
    cast: Cast, sessions: list[Contact], today: dt.date
) -> None:
    url = reverse("course_audit", args=[cast.client.pk])
    opened = dt.datetime.now(dt.UTC) - dt.timedelta(days=20)
    f.AlertFactory(referral=cast.referral, contact=sessions[0], opened_at=opened)
    html = browser_as(cast, "alice").get(url).content.decode()
    assert 'id="criterion-supervision_off_track" data-status="not_met"' in html
    SupervisionNote.unscoped.create(
        episode=cast.episode,
        note="Discussed the plan.",
        written_by=cast.sue,
        written_at=opened + dt.timedelta(days=3),
    )
    html = browser_as(cast, "alice").get(url).content.decode()
    assert 'id="criterion-supervision_off_track" data-status="met"' in html


def test_therapist_sees_own_rates_supervisor_theirs_others_refused(
    cast: Cast, sessions: list[Contact]
) -> None:
    alice = browser_as(cast, "alice")
    start = alice.get(reverse("fidelity_development"))
    own = reverse("therapist_development", args=[cast.alice_staff.pk])
    assert start.status_code == 302
    assert start["Location"] == own
    page = alice.get(own).content.decode()
    assert "not a ranking" in page
    assert "Your courses" in page
    assert "Goals agreed by session 2" in page
    sue = browser_as(cast, "sue")
    assert own in sue.get(reverse("fidelity_development")).content.decode()
    assert sue.get(own).status_code == 200
    assert browser_as(cast, "mo").get(own).status_code == 200
    assert browser_as(cast, "bob").get(own).status_code == 403
    assert browser_as(cast, "oscar").get(own).status_code == 403
    assert browser_as(cast, "cara").get(own).status_code == 403
    # the page names clients whose courses missed a criterion: each view of it is audited
    listed = AuditEvent.objects.filter(action="therapist_development").last()
    assert listed is not None
    assert f",{cast.client.pk}," in listed.clients_shown


def test_audit_page_queries_do_not_grow_with_the_course(
    cast: Cast, sessions: list[Contact], today: dt.date, django_assert_max_num_queries: Any
) -> None:
    url = reverse("course_audit", args=[cast.client.pk])
    browser = browser_as(cast, "alice")
    browser.get(url)
    with django_assert_max_num_queries(30):
        browser.get(url)
    for n in range(3, 12):
        contact = f.ContactFactory(
            referral=cast.referral,
            episode=cast.episode,
            therapist=cast.alice_staff,
            session_number=n,
            contact_date=today - dt.timedelta(days=40 - n),
            notes=SET,
        )
        f.QuestionnaireResponseFactory(contact=contact, items=phq9(12), total=12)
    with django_assert_max_num_queries(30):
        assert browser.get(url).status_code == 200


def test_service_rates_by_imd_decile_for_managers_and_supervisors(
    cast: Cast, sessions: list[Contact]
) -> None:
    url = reverse("service_fidelity")
    page = browser_as(cast, "mo").get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Is care delivered equally?" in html
    decile = cast.client.imd_decile
    column = "Decile not known" if decile is None else f"Decile {decile}"
    assert column in html
    # Cara's course met the measures at both sessions: 1 of 1 judged, overall and in her decile
    row = html.split('id="service-measures_every_contact"')[1].split("</tr>")[0]
    assert row.count("100%") == 2
    assert "Cara" not in html  # aggregates only
    assert browser_as(cast, "sue").get(url).status_code == 200
    for role in ("alice", "adam", "cara"):
        assert browser_as(cast, role).get(url).status_code == 403, role
    assert url in browser_as(cast, "mo").get(reverse("fidelity_development")).content.decode()
