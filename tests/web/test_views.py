"""Every page as every role, the session form's errors, and query counts on list pages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse
from tests.web import factories as f
from tests.web.conftest import (
    LOGIN,
    RECORD_SESSION,
    ROLES,
    Cast,
    browser_as,
    check_status,
    session_post,
)

from ontrack.web.accounts.admin import grant_service_administration
from ontrack.web.audit.models import AuditEvent, AuditKind
from ontrack.web.common.codes import AlertKind, AlertSeverity, AlertStatus
from ontrack.web.records.models import Alert, Contact, Episode, QuestionnaireResponse
from ontrack.web.records.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

# -- the matrix: every view as every role -----------------------------------------------------

# Expected status per role; "login" means a redirect to the sign-in page.
HOME = {
    "anonymous": "login",
    "adam": 200,
    **{r: 302 for r in ROLES if r not in ("anonymous", "adam")},
}
CASELOAD = {
    "anonymous": "login",
    "alice": 200,
    "bob": 200,
    "charlie": 200,
    "sue": 200,
    "mo": 200,
    "oscar": 200,
    "adam": 403,
    "cara": 403,
    "dan": 403,
}
CLIENT_RECORD = {
    "anonymous": "login",
    "alice": 200,
    "bob": 404,
    "charlie": 404,
    "sue": 200,
    "mo": 200,
    "oscar": 404,
    "adam": 404,
    "cara": 200,
    "dan": 404,
}
ALERT_STEP = {
    "anonymous": "login",
    "alice": 302,
    "bob": 404,
    "charlie": 404,
    "sue": 302,
    "mo": 302,
    "oscar": 404,
    "adam": 404,
    "cara": 403,
    "dan": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_home_as_each_role(cast: Cast, role: str) -> None:
    response = browser_as(cast, role).get("/")
    check_status(response, HOME[role])
    if role == "cara":
        assert response["Location"] == reverse("my_home")
    if role in ("alice", "sue", "mo"):
        assert response["Location"] == reverse("caseload")


@pytest.mark.parametrize("role", ROLES)
def test_caseload_as_each_role(cast: Cast, role: str) -> None:
    response = browser_as(cast, role).get(reverse("caseload"))
    check_status(response, CASELOAD[role])
    if response.status_code == 200:
        page = response.content.decode()
        shows_cara = "Cara Client" in page
        assert shows_cara == (role in ("alice", "sue", "mo"))
        assert ("Dan " in page) == (role in ("bob", "mo"))


@pytest.mark.parametrize("role", ROLES)
def test_client_record_as_each_role(cast: Cast, role: str) -> None:
    response = browser_as(cast, role).get(reverse("client_record", args=[cast.client.pk]))
    check_status(response, CLIENT_RECORD[role])
    views = AuditEvent.objects.filter(kind=AuditKind.VIEW, client_id=cast.client.pk)
    if response.status_code == 200:
        assert list(views.values_list("actor", flat=True)) == [role]
    else:
        assert not views.exists()


@pytest.mark.parametrize("role", ROLES)
def test_record_session_page_as_each_role(cast: Cast, role: str) -> None:
    url = reverse("record_session", args=[cast.client.pk, cast.episode.pk])
    check_status(browser_as(cast, role).get(url), RECORD_SESSION[role])


@pytest.mark.parametrize("role", ROLES)
def test_record_session_post_as_each_role(cast: Cast, role: str, today: dt.date) -> None:
    url = reverse("record_session", args=[cast.client.pk, cast.episode.pk])
    response = browser_as(cast, role).post(url, _session_post(cast, today))
    expected = RECORD_SESSION[role]
    check_status(response, 302 if expected == 200 else expected)
    assert Contact.unscoped.exists() == (expected == 200)


@pytest.mark.parametrize("step", ["acknowledge", "action", "close"])
@pytest.mark.parametrize("role", ROLES)
def test_alert_steps_as_each_role(cast: Cast, role: str, step: str) -> None:
    alert = f.AlertFactory(referral=cast.referral)
    data = {"version": alert.version, "kind": "supervision", "note": "Talked it through."}
    response = browser_as(cast, role).post(reverse(f"alert_{step}", args=[alert.pk]), data)
    check_status(response, ALERT_STEP[role])
    alert.refresh_from_db()
    changed = alert.version != 1
    assert changed == (ALERT_STEP[role] == 302)


def test_record_of_client_in_another_service_is_404_for_its_manager(cast: Cast) -> None:
    foreign = f.ClientFactory(service=cast.other_service)
    response = browser_as(cast, "mo").get(reverse("client_record", args=[foreign.pk]))
    assert response.status_code == 404
    assert (
        browser_as(cast, "oscar").get(reverse("client_record", args=[foreign.pk])).status_code
        == 200
    )


def test_record_session_for_someone_elses_episode_in_url_is_404(cast: Cast) -> None:
    # Dan's episode under Cara's client id: the episode must belong to the client.
    with scopes_disabled():
        dans_episode = Episode.objects.get(referral__client=cast.other_client)
    url = reverse("record_session", args=[cast.client.pk, dans_episode.pk])
    assert browser_as(cast, "mo").get(url).status_code == 404


# -- pages: content, accessibility hooks ------------------------------------------------------


def test_sign_in_page_labels_and_errors(db: None) -> None:
    browser = Browser()
    page = browser.get(LOGIN).content.decode()
    assert '<label class="nhsuk-label" for="id_username">' in page
    assert 'href="#maincontent"' in page
    response = browser.post(LOGIN, {"username": "nobody", "password": "wrong"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a correct username and password" in page
    assert 'role="alert"' in page


def test_sign_in_with_password_lands_on_caseload(cast: Cast) -> None:
    browser = Browser()
    response = browser.post(
        LOGIN, {"username": "alice", "password": "correct horse battery"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("caseload")
    assert b"Your caseload" in response.content


def test_client_record_shows_scores_goals_homework_and_alerts(cast: Cast, today: dt.date) -> None:
    contact = f.ContactFactory(
        referral=cast.referral, episode=cast.episode, notes="Discussed sleep."
    )
    f.QuestionnaireResponseFactory(contact=contact, total=17, band="moderately severe", risk=True)
    f.AllianceResponseFactory(contact=contact, total=29)
    f.GoalFactory(referral=cast.referral, description="Sleep through the night")
    f.HomeworkFactory(referral=cast.referral, set_contact=contact)
    f.AlertFactory(
        referral=cast.referral,
        kind=AlertKind.RISK,
        severity=AlertSeverity.URGENT,
        reasons=["PHQ-9 item 9 answered 2."],
    )

    staff_page = (
        browser_as(cast, "alice")
        .get(reverse("client_record", args=[cast.client.pk]))
        .content.decode()
    )
    client_page = (
        browser_as(cast, "cara")
        .get(reverse("client_record", args=[cast.client.pk]))
        .content.decode()
    )

    for text in (
        "17",
        "moderately severe",
        "OSR 29",
        "Sleep through the night",
        "10-minute walk",
        "PHQ-9 item 9 answered 2.",
        "Discussed sleep.",
        "Record a session",
    ):
        assert text in staff_page, text
    assert "Sleep through the night" in client_page
    assert "Discussed sleep." not in client_page  # notes are for staff
    assert "PHQ-9 item 9 answered 2." not in client_page
    assert "Record a session" not in client_page


def test_record_session_form_shows_questionnaires_and_alliance_provenance(cast: Cast) -> None:
    url = reverse("record_session", args=[cast.client.pk, cast.episode.pk])
    page = browser_as(cast, "alice").get(url).content.decode()
    assert "Little interest or pleasure in doing things" in page
    assert "OnTrack Session Rating" in page
    assert "Not a validated instrument" in page
    assert "CC BY 4.0" in page
    assert "Attendance</legend>" in page
    assert 'name="phq9_quick"' in page  # quick keyboard entry for each questionnaire


# -- the session form: success, every bad input, concurrency, risk ---------------------------


def _session_post(cast: Cast, today: dt.date, **extra: Any) -> dict[str, Any]:
    """A session with PHQ-9, GAD-7 and OSR answered, and a note."""
    answers = {
        **{f"phq9_{i}": v for i, v in enumerate([1, 1, 1, 1, 1, 1, 1, 1, 0], 1)},
        **{f"gad7_{i}": v for i, v in enumerate([1, 1, 1, 1, 1, 1, 1], 1)},
        **{f"osr_{i}": v for i, v in enumerate([9, 9, 8, 9], 1)},
    }
    return session_post(cast, today, **{"notes": "Good session.", **answers, **extra})


def test_record_session_form_saves_and_redirects(cast: Cast, today: dt.date) -> None:
    url = reverse("record_session", args=[cast.client.pk, cast.episode.pk])
    response = browser_as(cast, "alice").post(url, _session_post(cast, today), follow=True)
    contact = Contact.unscoped.get()
    assert response.redirect_chain[-1][0] == (
        reverse("contact_detail", args=[cast.client.pk, contact.pk]) + "?saved=1"
    )
    assert b"Session recorded" in response.content
    assert set(
        QuestionnaireResponse.unscoped.filter(contact=contact).values_list("measure", flat=True)
    ) == {"PHQ-9", "GAD-7"}


def test_record_session_form_blank_questionnaire_is_not_recorded(
    cast: Cast, today: dt.date
) -> None:
    url = reverse("record_session", args=[cast.client.pk, cast.episode.pk])
    data = {k: v for k, v in _session_post(cast, today).items() if not k.startswith("gad7_")}
    assert browser_as(cast, "alice").post(url, data).status_code == 302
    assert list(QuestionnaireResponse.unscoped.values_list("measure", flat=True)) == ["PHQ-9"]


@pytest.mark.parametrize(
    ("extra", "message", "field_id"),
    [
        ({"contact_date": ""}, "Enter the date of the session.", "id_contact_date"),
        ({"contact_date": "2026-02-31"}, "Enter a real date", "id_contact_date"),
        ({"contact_date": "2999-01-01"}, "cannot be in the future", "id_contact_date"),
        ({"attendance": ""}, "Say whether the client attended.", "id_attendance"),
        ({"attendance": "9"}, "Select a valid choice", "id_attendance"),
        ({"phq9_2": "", "phq9_3": "", "phq9_4": ""}, "3 answers missing", None),
        ({"phq9_1": "7"}, "Select a valid choice", "id_phq9_1"),
        ({"osr_1": "11"}, "Select a valid choice", "id_osr_1"),
        ({"attendance": "3"}, "only be recorded for a session the client attended", None),
        ({"notes": "x" * 20001}, "at most 20000 characters", "id_notes"),
        ({"hw_rationale": "Because"}, "Say what the client will do", "id_hw_behaviour"),
    ],
)
def test_record_session_form_bad_input_shows_error_and_saves_nothing(
    cast: Cast, today: dt.date, extra: dict[str, str], message: str, field_id: str | None
) -> None:
    url = reverse("record_session", args=[cast.client.pk, cast.episode.pk])
    audit_before = AuditEvent.objects.filter(kind=AuditKind.CHANGE).count()

    response = browser_as(cast, "alice").post(url, _session_post(cast, today, **extra))

    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert "nothing has been saved" in page
    if field_id is not None:
        # The message is tied to its field for screen readers.
        assert (
            f'id="{field_id}-error"' in page or f'id="{field_id.rsplit("_", 1)[0]}-error"' in page
        )
        assert (
            re.search(rf'aria-describedby="[^"]*{field_id}[^"]*-error"', page)
            or f"{field_id}-error" in page
        )
    assert Contact.unscoped.count() == 0
    assert QuestionnaireResponse.unscoped.count() == 0
    assert AuditEvent.objects.filter(kind=AuditKind.CHANGE).count() == audit_before


def test_record_session_form_invalid_field_has_aria_invalid(cast: Cast, today: dt.date) -> None:
    url = reverse("record_session", args=[cast.client.pk, cast.episode.pk])
    page = (
        browser_as(cast, "alice")
        .post(url, _session_post(cast, today, contact_date=""))
        .content.decode()
    )
    tag = re.search(r'<input[^>]*name="contact_date"[^>]*>', page)
    assert tag is not None
    assert 'aria-invalid="true"' in tag.group(0)
    assert 'aria-describedby="id_contact_date-error"' in tag.group(0)


def test_record_session_form_keeps_risk_visible_when_form_has_errors(
    cast: Cast, today: dt.date
) -> None:
    url = reverse("record_session", args=[cast.client.pk, cast.episode.pk])
    data = _session_post(cast, today, phq9_9="2", contact_date="")
    page = browser_as(cast, "alice").post(url, data).content.decode()
    assert "PHQ-9 item 9 answered positively" in page
    assert "risk alert has been opened (or updated) already" in page
    # Nothing of the session is saved, but the risk answer is never lost (ADR 0120).
    assert not Contact.unscoped.exists()
    alert = Alert.unscoped.get(kind="risk")
    assert (alert.kind, alert.severity, alert.contact_id) == ("risk", "urgent", None)
    assert "PHQ-9 item 9 answered 2" in alert.reasons[0]


def test_record_session_form_risk_opens_urgent_alert(cast: Cast, today: dt.date) -> None:
    url = reverse("record_session", args=[cast.client.pk, cast.episode.pk])
    response = browser_as(cast, "alice").post(
        url, _session_post(cast, today, phq9_9="3"), follow=True
    )
    assert b"An urgent risk alert was opened" in response.content
    alert = Alert.unscoped.get(kind="risk")
    assert (alert.kind, alert.severity, alert.status) == ("risk", "urgent", AlertStatus.OPEN)


def test_record_session_form_several_days_opens_an_urgent_risk_alert(
    cast: Cast, today: dt.date
) -> None:
    url = reverse("record_session", args=[cast.client.pk, cast.episode.pk])
    response = browser_as(cast, "alice").post(
        url, _session_post(cast, today, phq9_9="1"), follow=True
    )
    assert b"An urgent risk alert was opened" in response.content
    alert = Alert.unscoped.get(kind="risk")
    assert (alert.kind, alert.severity, alert.risk_level) == ("risk", "urgent", 1)


def test_record_session_form_conflict_saves_nothing_and_says_so(cast: Cast, today: dt.date) -> None:
    url = reverse("record_session", args=[cast.client.pk, cast.episode.pk])
    # Confirmed as a second session that day, so the version check is what refuses it.
    stale = _session_post(cast, today, same_day_confirmed="on")
    assert browser_as(cast, "sue").post(url, _session_post(cast, today)).status_code == 302

    response = browser_as(cast, "alice").post(url, stale)

    assert response.status_code == 400
    assert b"changed by someone else" in response.content
    assert Contact.unscoped.count() == 1


def test_alert_close_risk_without_action_shows_the_rule(cast: Cast) -> None:
    alert = f.AlertFactory(
        referral=cast.referral, kind=AlertKind.RISK, severity=AlertSeverity.URGENT
    )
    response = browser_as(cast, "alice").post(
        reverse("alert_close", args=[alert.pk]), {"version": 1}
    )
    assert response.status_code == 400
    assert b"closed by a recorded risk review" in response.content
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_alert_action_without_kind_shows_field_error(cast: Cast) -> None:
    alert = f.AlertFactory(referral=cast.referral)
    response = browser_as(cast, "alice").post(
        reverse("alert_action", args=[alert.pk]), {"version": 1}
    )
    assert response.status_code == 400
    assert b"Choose what was done." in response.content


def test_pages_refuse_wrong_methods(cast: Cast) -> None:
    browser = browser_as(cast, "alice")
    assert browser.post(reverse("caseload")).status_code == 405
    assert browser.get(reverse("alert_close", args=[1])).status_code == 405


# -- query counts: no query per row -----------------------------------------------------------


def _caseload_of(cast: Cast, n: int) -> None:
    for _ in range(n):
        referral = f.ReferralFactory(client=f.ClientFactory(service=cast.service))
        episode = f.EpisodeFactory(referral=referral, therapist=cast.alice_staff)
        contact = f.ContactFactory(referral=referral, episode=episode)
        f.QuestionnaireResponseFactory(contact=contact)
        f.QuestionnaireResponseFactory(contact=contact, measure="GAD-7", items=[1] * 7, total=7)
        f.AlertFactory(referral=referral)


@pytest.mark.parametrize("role", ["alice", "sue", "mo"])
@pytest.mark.parametrize("rows", [2, 40])
def test_caseload_query_count_does_not_grow_with_rows(
    cast: Cast, role: str, rows: int, django_assert_max_num_queries: Any
) -> None:
    _caseload_of(cast, rows)
    browser = browser_as(cast, role)
    # session, user, staff, (supervisees), the open episodes, their columns (one statement),
    # (therapists for the filter): the same for 2 rows or 40.
    with django_assert_max_num_queries(8):  # +1: the list view's audit event (ADR 0105)
        response = browser.get(reverse("caseload"))
    assert response.status_code == 200
    assert response.content.decode().count('href="/clients/') >= rows


@pytest.mark.parametrize("contacts", [1, 25])
def test_client_record_query_count_does_not_grow_with_history(
    cast: Cast, contacts: int, django_assert_max_num_queries: Any
) -> None:
    for n in range(contacts):
        contact = f.ContactFactory(
            referral=cast.referral, episode=cast.episode, therapist=cast.alice_staff
        )
        f.QuestionnaireResponseFactory(contact=contact)
        f.AllianceResponseFactory(contact=contact)
        f.AlertFactory(referral=cast.referral, contact=contact, opened_by=cast.alice)
        if n < 3:
            goal = f.GoalFactory(referral=cast.referral, number=n + 1)
            from ontrack.web.records.models import GoalRating

            GoalRating.unscoped.create(goal=goal, contact=contact, rating=n)
            f.HomeworkFactory(referral=cast.referral, set_contact=contact)
    browser = browser_as(cast, "alice")
    # A fixed set of prefetches plus the view's audit row: the same for 1 contact or 25.
    with django_assert_max_num_queries(17):
        response = browser.get(reverse("client_record", args=[cast.client.pk]))
    assert response.status_code == 200


# -- the Django admin: service configuration only ---------------------------------------------

ADMIN_PAGES = [
    "/admin/",
    "/admin/accounts/service/",
    "/admin/accounts/team/",
    "/admin/accounts/staff/",
    "/admin/accounts/staff/add/",
    "/admin/accounts/supervision/",
    "/admin/accounts/user/",
]


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_pages_open_for_an_administrator(cast: Cast, page: str) -> None:
    grant_service_administration(cast.adam)
    assert browser_as(cast, "adam").get(page).status_code == 200


def test_a_service_administrator_adds_no_service(cast: Cast) -> None:
    grant_service_administration(cast.adam)
    assert browser_as(cast, "adam").get("/admin/accounts/service/add/").status_code == 403


@pytest.mark.parametrize("role", ["anonymous", "alice", "mo", "cara"])
def test_admin_is_closed_to_everyone_else(cast: Cast, role: str) -> None:
    response = browser_as(cast, role).get("/admin/accounts/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_has_no_clinical_records(cast: Cast) -> None:
    from django.contrib import admin

    registered = {model._meta.app_label for model in admin.site._registry}
    assert "records" not in registered
    assert "audit" not in registered
