"""The clinician and supervisor pages: every page as every role, every form's bad input,
what each page shows (and hides from clients), and the number of queries each makes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from tests.web import factories as f
from tests.web.conftest import (
    ROLES,
    Cast,
    browser_as,
    check_status,
    gad7,
    phq9,
    session_post,
    wrong_statuses,
)

from ontrack.web.audit.models import AuditEvent, AuditKind
from ontrack.web.common.codes import AlertKind, AlertSeverity, AlertStatus, SignalStatus
from ontrack.web.records import actions
from ontrack.web.records.models import (
    Alert,
    AlertAction,
    Contact,
    Episode,
    Goal,
    Homework,
    ReviewDecision,
    SupervisionNote,
)

pytestmark = [
    pytest.mark.django_db,
    # ibis's DuckDB backend (the service dashboard) calls a DuckDB method DuckDB deprecated.
    pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
]


def _matrix(**statuses: int | str) -> dict[str, int | str]:
    """Expected status per role: anonymous is always sent to sign in."""
    out: dict[str, int | str] = {"anonymous": "login"}
    out.update(statuses)
    assert set(out) == set(ROLES)
    return out


# What each kind of page allows. Cara is Alice's client; Sue supervises Alice; Mo manages.
SEES_CARA = _matrix(
    alice=200, bob=404, charlie=404, sue=200, mo=200, oscar=404, adam=404, cara=200, dan=404
)
STAFF_SEES_CARA = _matrix(
    alice=200, bob=404, charlie=404, sue=200, mo=200, oscar=404, adam=404, cara=403, dan=404
)
STAFF_ONLY = _matrix(
    alice=200, bob=200, charlie=200, sue=200, mo=200, oscar=200, adam=403, cara=403, dan=403
)
SUPERVISORS_AND_MANAGERS = _matrix(
    alice=403, bob=403, charlie=403, sue=200, mo=200, oscar=200, adam=403, cara=403, dan=403
)
STAFF_FIRST_THEN_CARA = _matrix(
    alice=200, bob=404, charlie=404, sue=200, mo=200, oscar=404, adam=403, cara=403, dan=403
)


@dataclass
class Things:
    contact: Contact
    alert: Alert
    homework: Homework
    goal: Goal


@pytest.fixture
def things(cast: Cast, today: dt.date) -> Things:
    contact = f.ContactFactory(
        referral=cast.referral, episode=cast.episode, therapist=cast.alice_staff, session_number=1
    )
    f.QuestionnaireResponseFactory(contact=contact, items=phq9(14), total=14)
    f.QuestionnaireResponseFactory(contact=contact, measure="GAD-7", items=gad7(9), total=9)
    f.AllianceResponseFactory(contact=contact)
    alert = f.AlertFactory(referral=cast.referral, contact=contact, kind=AlertKind.OFF_TRACK)
    homework = f.HomeworkFactory(referral=cast.referral, set_contact=contact)
    goal = f.GoalFactory(referral=cast.referral, description="Sleep through the night")
    return Things(contact, alert, homework, goal)


def _pages(cast: Cast, things: Things) -> dict[str, tuple[str, dict[str, int | str]]]:
    client = cast.client.pk
    return {
        "timeline": (reverse("client_timeline", args=[client]), SEES_CARA),
        "goals": (reverse("client_goals", args=[client]), SEES_CARA),
        "homework": (reverse("client_homework", args=[client]), SEES_CARA),
        "sheet": (reverse("homework_sheet", args=[things.homework.pk]), SEES_CARA),
        "sheet_pdf": (reverse("homework_sheet_pdf", args=[things.homework.pk]), SEES_CARA),
        "contact": (reverse("contact_detail", args=[client, things.contact.pk]), STAFF_SEES_CARA),
        "alerts": (reverse("alerts_inbox"), STAFF_ONLY),
        "alert": (reverse("alert_detail", args=[things.alert.pk]), STAFF_SEES_CARA),
        "alert_review": (reverse("alert_review", args=[things.alert.pk]), STAFF_SEES_CARA),
        "episode_review": (
            reverse("episode_review", args=[cast.episode.pk]),
            STAFF_FIRST_THEN_CARA,
        ),
        "supervision": (reverse("supervision_queue"), SUPERVISORS_AND_MANAGERS),
        "notes": (reverse("supervision_notes", args=[cast.episode.pk]), STAFF_FIRST_THEN_CARA),
        "service": (reverse("service_dashboard"), SUPERVISORS_AND_MANAGERS),
    }


PAGES = (
    "timeline",
    "goals",
    "homework",
    "sheet",
    "sheet_pdf",
    "contact",
    "alerts",
    "alert",
    "alert_review",
    "episode_review",
    "supervision",
    "notes",
    "service",
)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_as_each_role(cast: Cast, things: Things, role: str) -> None:
    # One test per role, every page in it: the cast is built once instead of 13 times.
    pages = _pages(cast, things)
    wrong = wrong_statuses(browser_as(cast, role), {p: pages[p] for p in PAGES}, role)
    assert wrong == [], f"{role}: " + "; ".join(wrong)


@pytest.mark.parametrize(
    "page", ["timeline", "goals", "homework", "sheet", "contact", "alert", "alert_review", "notes"]
)
def test_page_of_a_client_logs_the_view(cast: Cast, things: Things, page: str) -> None:
    url, _ = _pages(cast, things)[page]
    assert browser_as(cast, "alice").get(url).status_code == 200
    views = AuditEvent.objects.filter(kind=AuditKind.VIEW, client_id=cast.client.pk)
    assert list(views.values_list("actor", flat=True).distinct()) == ["alice"]


# -- forms: who may post, and every bad input --------------------------------------------------

POST_GOAL = _matrix(
    alice=302, bob=404, charlie=404, sue=302, mo=302, oscar=404, adam=404, cara=403, dan=404
)
POST_HOMEWORK = _matrix(
    alice=302, bob=404, charlie=404, sue=302, mo=403, oscar=404, adam=404, cara=403, dan=404
)
POST_DECISION = _matrix(
    alice=302, bob=404, charlie=404, sue=302, mo=403, oscar=404, adam=404, cara=403, dan=404
)
POST_NOTE = _matrix(
    alice=403, bob=404, charlie=404, sue=302, mo=403, oscar=404, adam=403, cara=403, dan=403
)


@pytest.mark.parametrize("role", ROLES)
def test_agree_goal_as_each_role(cast: Cast, role: str, today: dt.date) -> None:
    url = reverse("client_goals", args=[cast.client.pk])
    data = {"description": "See friends weekly", "agreed_on": today.isoformat()}
    response = browser_as(cast, role).post(url, data)
    check_status(response, POST_GOAL[role])
    assert Goal.unscoped.exists() == (POST_GOAL[role] == 302)


@pytest.mark.parametrize("role", ROLES)
def test_update_goal_as_each_role(cast: Cast, things: Things, role: str) -> None:
    url = reverse("goal_update", args=[things.goal.pk])
    data = {"version": 1, "status": "achieved", "description": "Sleep most nights"}
    response = browser_as(cast, role).post(url, data)
    check_status(response, POST_GOAL[role])
    things.goal.refresh_from_db()
    assert (things.goal.status == "achieved") == (POST_GOAL[role] == 302)


@pytest.mark.parametrize("role", ROLES)
def test_set_homework_as_each_role(cast: Cast, things: Things, role: str) -> None:
    url = reverse("client_homework", args=[cast.client.pk])
    data = {"contact": things.contact.pk, "behaviour": "Walk after lunch", "rationale": "Mood"}
    response = browser_as(cast, role).post(url, data)
    check_status(response, POST_HOMEWORK[role])
    assert Homework.unscoped.count() == (2 if POST_HOMEWORK[role] == 302 else 1)
    if POST_HOMEWORK[role] == 302:
        new = Homework.unscoped.latest("pk")
        assert response["Location"] == reverse("homework_sheet", args=[new.pk])
        assert new.criteria_met == 2


@pytest.mark.parametrize("role", ROLES)
def test_review_decision_as_each_role(
    cast: Cast, things: Things, role: str, toy_models: Any
) -> None:
    url = reverse("alert_review", args=[things.alert.pk])
    data = {
        "as_of": things.contact.pk,
        "alert_version": 1,
        "decisions": ["change_focus"],
        "reasons_agreed": ["wrong_focus"],
        "note": "Anxiety first.",
    }
    response = browser_as(cast, role).post(url, data)
    check_status(response, POST_DECISION[role])
    assert ReviewDecision.unscoped.exists() == (POST_DECISION[role] == 302)


@pytest.mark.parametrize("role", ROLES)
def test_supervision_note_as_each_role(cast: Cast, role: str) -> None:
    url = reverse("supervision_notes", args=[cast.episode.pk])
    response = browser_as(cast, role).post(url, {"note": "Discussed pace.", "agreed_actions": ""})
    check_status(response, POST_NOTE[role])
    assert SupervisionNote.unscoped.exists() == (POST_NOTE[role] == 302)


def _assert_error(response: Any, message: str) -> None:
    page = response.content.decode()
    assert response.status_code == 400, response.status_code
    assert message in page
    assert "There is a problem" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"description": "", "agreed_on": "2026-01-01"}, "Describe the goal"),
        ({"description": "x" * 1001, "agreed_on": "2026-01-01"}, "at most 1000 characters"),
        ({"description": "Walk", "agreed_on": ""}, "Enter the date the goal was agreed."),
        ({"description": "Walk", "agreed_on": "2026-02-30"}, "Enter a real date"),
        ({"description": "Walk", "agreed_on": "2999-01-01"}, "between the referral date and today"),
    ],
)
def test_agree_goal_bad_input_saves_nothing(cast: Cast, data: dict[str, str], message: str) -> None:
    response = browser_as(cast, "alice").post(reverse("client_goals", args=[cast.client.pk]), data)
    _assert_error(response, message)
    assert not Goal.unscoped.exists()


def test_agree_goal_fourth_is_refused(cast: Cast, today: dt.date) -> None:
    for number in (1, 2, 3):
        f.GoalFactory(referral=cast.referral, number=number)
    url = reverse("client_goals", args=[cast.client.pk])
    page = browser_as(cast, "alice").get(url).content.decode()
    assert "the most allowed" in page
    response = browser_as(cast, "alice").post(
        url, {"description": "One more", "agreed_on": today.isoformat()}
    )
    _assert_error(response, "already has 3 goals")
    assert Goal.unscoped.count() == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"version": 1, "status": "finished", "description": "x"}, "Select a valid choice"),
        ({"version": 1, "status": "achieved", "description": ""}, "Describe the goal"),
        ({"version": 7, "status": "achieved", "description": "x"}, "changed by someone else"),
        ({"status": "achieved", "description": "x"}, "This field is required"),
    ],
)
def test_update_goal_bad_input_saves_nothing(
    cast: Cast, things: Things, data: dict[str, Any], message: str
) -> None:
    response = browser_as(cast, "alice").post(reverse("goal_update", args=[things.goal.pk]), data)
    _assert_error(response, message)
    things.goal.refresh_from_db()
    assert (things.goal.status, things.goal.version) == ("active", 1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"behaviour": "Walk"}, "Choose the session"),
        ({"contact": "999999", "behaviour": "Walk"}, "Choose one of the client"),
        ({"contact": "{contact}", "behaviour": ""}, "Say what the client will do"),
        ({"contact": "{contact}", "behaviour": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_set_homework_bad_input_saves_nothing(
    cast: Cast, things: Things, data: dict[str, str], message: str
) -> None:
    data = {k: v.replace("{contact}", str(things.contact.pk)) for k, v in data.items()}
    response = browser_as(cast, "alice").post(
        reverse("client_homework", args=[cast.client.pk]), data
    )
    _assert_error(response, message)
    assert Homework.unscoped.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decisions": []}, "Choose at least one decision"),
        ({"decisions": ["teleport"]}, "Select a valid choice"),
        ({"decisions": ["continue"], "reasons_agreed": ["bad_luck"]}, "Select a valid choice"),
        ({"decisions": ["continue"], "note": "x" * 5001}, "at most 5000 characters"),
        ({"decisions": ["continue"], "as_of": "999999"}, "A contact was recorded after you opened"),
        ({"decisions": ["continue"], "alert_version": "9"}, "changed by someone else"),
    ],
)
def test_review_decision_bad_input_saves_nothing(
    cast: Cast, things: Things, data: dict[str, Any], message: str, toy_models: Any
) -> None:
    payload: dict[str, Any] = {"as_of": things.contact.pk, "alert_version": 1, **data}
    response = browser_as(cast, "alice").post(
        reverse("alert_review", args=[things.alert.pk]), payload
    )
    _assert_error(response, message)
    assert not ReviewDecision.unscoped.exists()
    assert not AlertAction.unscoped.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"note": ""}, "Write what was discussed."),
        ({"note": "x" * 10001}, "at most 10000 characters"),
        ({"note": "ok", "agreed_actions": "x" * 5001}, "at most 5000 characters"),
    ],
)
def test_supervision_note_bad_input_saves_nothing(
    cast: Cast, data: dict[str, str], message: str
) -> None:
    response = browser_as(cast, "sue").post(
        reverse("supervision_notes", args=[cast.episode.pk]), data
    )
    _assert_error(response, message)
    assert not SupervisionNote.unscoped.exists()


# -- the why-review --------------------------------------------------------------------------


def test_review_decision_is_recorded_with_the_review_and_acts_on_the_alert(
    cast: Cast, things: Things, toy_models: Any
) -> None:
    url = reverse("alert_review", args=[things.alert.pk])
    page = browser_as(cast, "alice").get(url).content.decode()
    assert "Why might therapy not be working?" in page
    assert "Questions to talk through" in page
    assert "Ask the client" in page

    response = browser_as(cast, "alice").post(
        url,
        {
            "as_of": things.contact.pk,
            "alert_version": 1,
            "decisions": ["change_focus", "agree_goals"],
            "reasons_agreed": ["wrong_focus"],
            "note": "Work on worry first.",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("alert_detail", args=[things.alert.pk])
    decision = ReviewDecision.unscoped.get()
    assert decision.decisions == ["change_focus", "agree_goals"]
    assert decision.reasons_agreed == ["wrong_focus"]
    assert decision.contact_id == things.contact.pk
    assert len(decision.review["reasons"]) == 10  # the review as it was shown
    assert decision.decided_by_id == cast.alice.pk
    things.alert.refresh_from_db()
    assert things.alert.status == AlertStatus.ACTED_ON
    action = AlertAction.unscoped.get()
    assert action.kind == "why_review"
    assert "Change the focus" in action.note
    assert AuditEvent.objects.filter(action="record_review_decision", actor="alice").exists()
    detail = browser_as(cast, "alice").get(reverse("alert_detail", args=[things.alert.pk]))
    assert "Change the focus; Agree goals together" in detail.content.decode()


def test_review_of_risk_alert_does_not_exist(cast: Cast, things: Things) -> None:
    risk = f.AlertFactory(referral=cast.referral, kind=AlertKind.RISK, severity="urgent")
    response = browser_as(cast, "alice").get(reverse("alert_review", args=[risk.pk]))
    assert response.status_code == 404


def test_review_without_scores_says_why_it_cannot_be_made(cast: Cast, toy_models: Any) -> None:
    response = browser_as(cast, "alice").get(reverse("episode_review", args=[cast.episode.pk]))
    assert response.status_code == 200
    assert "Review not available" in response.content.decode()


# -- alerts: inbox, lifecycle on the detail page, steps ---------------------------------------


def test_alerts_inbox_lists_risk_first_with_age(cast: Cast, things: Things) -> None:
    risk = f.AlertFactory(
        referral=cast.referral,
        kind=AlertKind.RISK,
        severity=AlertSeverity.URGENT,
        reasons=["PHQ-9 item 9 answered 2."],
    )
    page = browser_as(cast, "alice").get(reverse("alerts_inbox")).content.decode()
    assert page.index(f"/alerts/{risk.pk}/") < page.index(f"/alerts/{things.alert.pk}/")
    assert "1 day" in page
    assert "Cara Client" in page


def test_alerts_inbox_hides_other_caseloads(cast: Cast, things: Things) -> None:
    page = browser_as(cast, "bob").get(reverse("alerts_inbox")).content.decode()
    assert "Cara Client" not in page


def test_alerts_inbox_filters_by_status_and_kind(cast: Cast, things: Things) -> None:
    browser = browser_as(cast, "alice")
    assert (
        "Cara Client"
        not in browser.get(reverse("alerts_inbox") + "?status=closed").content.decode()
    )
    assert (
        "Cara Client" not in browser.get(reverse("alerts_inbox") + "?kind=rupture").content.decode()
    )
    assert (
        "Cara Client" in browser.get(reverse("alerts_inbox") + "?kind=off_track").content.decode()
    )


def test_alert_lifecycle_steps_are_timed_and_attributed(cast: Cast, things: Things) -> None:
    browser = browser_as(cast, "alice")
    alert = things.alert
    assert (
        browser.post(reverse("alert_acknowledge", args=[alert.pk]), {"version": 1}).status_code
        == 302
    )
    browser.post(
        reverse("alert_action", args=[alert.pk]),
        {"version": 2, "kind": "discussed_with_client", "note": "Talked it through."},
    )
    browser.post(reverse("alert_close", args=[alert.pk]), {"version": 3, "note": "Resolved."})

    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    assert alert.acknowledged_by_id == alert.closed_by_id == cast.alice.pk
    assert alert.opened_at <= alert.acknowledged_at <= alert.acted_at <= alert.closed_at
    page = browser.get(reverse("alert_detail", args=[alert.pk])).content.decode()
    for text in ("Acknowledged", "after opening", "Discussed with the client", "Resolved."):
        assert text in page


def test_alert_step_error_shows_the_detail_page_with_the_message(
    cast: Cast, things: Things
) -> None:
    risk = f.AlertFactory(referral=cast.referral, kind=AlertKind.RISK, severity="urgent")
    response = browser_as(cast, "alice").post(
        reverse("alert_close", args=[risk.pk]), {"version": 1}
    )
    _assert_error(response, "closed by a recorded risk review")
    risk.refresh_from_db()
    assert risk.status == AlertStatus.OPEN


def test_alert_step_next_must_stay_on_this_site(cast: Cast, things: Things) -> None:
    response = browser_as(cast, "alice").post(
        reverse("alert_acknowledge", args=[things.alert.pk]),
        {"version": 1, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("alert_detail", args=[things.alert.pk])


# -- the timeline ----------------------------------------------------------------------------


def test_timeline_shows_charts_tables_and_item_answers(
    cast: Cast, things: Things, toy_models: Any
) -> None:
    page = browser_as(cast, "alice").get(reverse("client_timeline", args=[cast.client.pk]))
    html = page.content.decode()
    assert html.count('<svg class="app-chart') >= 4  # PHQ-9, GAD-7, alliance, goals, strip
    assert 'role="img"' in html
    assert "PHQ-9 as a table" in html
    # Item answers on demand: each score links to its contact, which lists the answers.
    answers = reverse("contact_detail", args=[cast.client.pk, things.contact.pk])
    assert f'href="{answers}#answers-phq-9"' in html
    detail = browser_as(cast, "alice").get(answers).content.decode()
    assert 'id="answers-phq-9"' in detail
    assert "Little interest or pleasure in doing things" in detail
    assert "Sleep through the night" in html
    assert "Record a session" in html
    assert "http://" not in html.split("<body", 1)[1].replace("http://www.w3.org/2000/svg", "")


def test_timeline_draws_expected_course_and_failure_boundary(
    cast: Cast, today: dt.date, toy_models: Any
) -> None:
    episode = Episode.unscoped.get(pk=cast.episode.pk)
    for i, (phq, gad, app) in enumerate([(18, 14, "01"), (16, 12, "02")]):
        episode.refresh_from_db()
        actions.record_session(
            episode=episode,
            expected_version=episode.version,
            contact_date=today - dt.timedelta(days=14 - 7 * i),
            attendance="5",
            app_type=app,
            questionnaires={"PHQ-9": phq9(phq), "GAD-7": gad7(gad)},
            by=cast.alice,
        )
    html = browser_as(cast, "alice").get(reverse("client_timeline", args=[cast.client.pk]))
    page = html.content.decode()
    for css in ("c-band", "c-expected", "c-boundary", "c-caseness", "c-rc"):
        assert f'class="{css}' in page, css
    assert "Expected course" in page
    assert "(if weekly)" in page  # the projected sessions are in the table too
    assert "16.7" in page  # expected PHQ-9 at session 1 for an intake of 18 (toy bundle)


def test_timeline_for_the_client_hides_signals_alerts_and_boundaries(
    cast: Cast, things: Things, toy_models: Any
) -> None:
    page = browser_as(cast, "cara").get(reverse("client_timeline", args=[cast.client.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "My progress" in html
    assert "Signal after" not in html
    assert "Failure boundary" not in html
    assert "c-boundary" not in html
    assert "Record a session" not in html
    assert "Show answers" not in html


def test_contact_detail_after_saving_shows_signal_and_new_alerts(
    cast: Cast, today: dt.date, toy_models: Any
) -> None:
    episode = Episode.unscoped.get(pk=cast.episode.pk)
    risky = [3, 3, 3, 3, 2, 0, 0, 0, 2]
    contact = actions.record_session(
        episode=episode,
        expected_version=episode.version,
        contact_date=today,
        attendance="5",
        app_type="01",
        questionnaires={"PHQ-9": risky, "GAD-7": gad7(12)},
        by=cast.alice,
    )
    url = reverse("contact_detail", args=[cast.client.pk, contact.pk]) + "?saved=1"
    page = browser_as(cast, "alice").get(url).content.decode()
    assert "Session recorded" in page
    assert "Signal now" in page
    assert "Intake only" in page
    assert "Alerts raised or updated by this session" in page
    assert "Act on this alert" in page


# -- the homework sheet ----------------------------------------------------------------------


def test_homework_sheet_is_printable_and_has_beck_headings(cast: Cast, things: Things) -> None:
    page = browser_as(cast, "cara").get(reverse("homework_sheet", args=[things.homework.pk]))
    html = page.content.decode()
    assert "What I will do (when, where, how often)" in html
    assert "10-minute walk" in html
    assert "My record for the week" in html
    assert "data-print" in html
    assert "Session notes" not in html


def test_homework_sheet_pdf_is_a_pdf(cast: Cast, things: Things) -> None:
    response = browser_as(cast, "alice").get(
        reverse("homework_sheet_pdf", args=[things.homework.pk])
    )
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert len(response.content) > 1000


# -- supervision and the service --------------------------------------------------------------


def test_supervision_queue_lists_off_track_and_unacknowledged_with_age(
    cast: Cast, things: Things
) -> None:
    Episode.unscoped.filter(pk=cast.episode.pk).update(signal=SignalStatus.OFF_TRACK)
    page = browser_as(cast, "sue").get(reverse("supervision_queue")).content.decode()
    assert "Cara Client" in page
    assert "1 not acknowledged" in page
    assert "1 day unacknowledged" in page
    assert "Off track" in page
    # Caseloads against limits: Alice holds 1 open case of 30.
    assert re.search(r"1\s+of 30", page)


def test_supervision_queue_leaves_out_cases_that_need_nothing(cast: Cast) -> None:
    page = browser_as(cast, "sue").get(reverse("supervision_queue")).content.decode()
    assert "No cases need discussing right now." in page


def test_supervision_note_is_saved_with_audit(cast: Cast) -> None:
    response = browser_as(cast, "sue").post(
        reverse("supervision_notes", args=[cast.episode.pk]),
        {"note": "Discussed pace.", "agreed_actions": "Review goals next session."},
    )
    assert response.status_code == 302
    note = SupervisionNote.unscoped.get()
    assert (note.written_by_id, note.note) == (cast.sue.pk, "Discussed pace.")
    assert AuditEvent.objects.filter(action="add_supervision_note", actor="sue").exists()
    page = browser_as(cast, "alice").get(reverse("supervision_notes", args=[cast.episode.pk]))
    assert "Review goals next session." in page.content.decode()


def test_service_dashboard_shows_key_measures(cast: Cast, things: Things) -> None:
    page = browser_as(cast, "mo").get(reverse("service_dashboard"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "From referral to recovery" in html
    assert "Recovery by deprivation" in html
    assert "Month by month" in html
    assert "Referred" in html
    # The page reads counts kept as records change: nothing is exported per view.
    assert not AuditEvent.objects.filter(kind=AuditKind.EXPORT, actor="mo").exists()


# -- the session form's quick entry ------------------------------------------------------------


def test_quick_entry_records_the_typed_answers(cast: Cast, today: dt.date) -> None:
    url = reverse("record_session", args=[cast.client.pk, cast.episode.pk])
    data = session_post(
        cast, today, phq9_quick="210110000", gad7_quick="1 1 0 0 1 2 -", osr_quick="9 8 9 10"
    )
    response = browser_as(cast, "alice").post(url, data)
    assert response.status_code == 302
    from ontrack.web.records.models import AllianceResponse, QuestionnaireResponse

    phq = QuestionnaireResponse.unscoped.get(measure="PHQ-9")
    assert (phq.items, phq.total) == ([2, 1, 0, 1, 1, 0, 0, 0, 0], 5)
    gad = QuestionnaireResponse.unscoped.get(measure="GAD-7")
    assert gad.items == [1, 1, 0, 0, 1, 2, None]
    assert AllianceResponse.unscoped.get().items == [9, 8, 9, 10]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"phq9_quick": "2101"}, "Type 9 answers, one per question (you typed 4)."),
        ({"phq9_quick": "2101100007"}, "Type 9 answers"),
        ({"phq9_quick": "21011000x"}, "Question 9: &#x27;x&#x27; is not an answer"),
        ({"phq9_quick": "210110004"}, "Question 9: 4 is outside 0 to 3."),
        ({"osr_quick": "9 8 11 9"}, "Question 3: 11 is outside 0 to 10."),
        ({"phq9_quick": "210110000", "phq9_1": "0"}, "Question 1 is typed as 2 but ticked as 0"),
    ],
)
def test_quick_entry_bad_input_saves_nothing(
    cast: Cast, today: dt.date, extra: dict[str, str], message: str
) -> None:
    url = reverse("record_session", args=[cast.client.pk, cast.episode.pk])
    response = browser_as(cast, "alice").post(url, session_post(cast, today, **extra))
    _assert_error(response, message)
    assert not Contact.unscoped.exists()


def test_quick_entry_risk_item_shows_the_risk_banner_on_error(cast: Cast, today: dt.date) -> None:
    url = reverse("record_session", args=[cast.client.pk, cast.episode.pk])
    data = session_post(cast, today, phq9_quick="000000002", contact_date="")
    page = browser_as(cast, "alice").post(url, data).content.decode()
    assert "PHQ-9 item 9 answered positively" in page
    # Nothing of the session is saved, but the risk answer reached the risk alert.
    assert not Contact.unscoped.exists()
    assert Alert.unscoped.get().kind == "risk"


# -- query counts: no query per row ------------------------------------------------------------


def _history(cast: Cast, contacts: int) -> None:
    for n in range(contacts):
        contact = f.ContactFactory(
            referral=cast.referral,
            episode=cast.episode,
            therapist=cast.alice_staff,
            contact_date=dt.date.today() - dt.timedelta(days=7 * (contacts - n)),
        )
        f.QuestionnaireResponseFactory(contact=contact)
        f.QuestionnaireResponseFactory(contact=contact, measure="GAD-7", items=gad7(7), total=7)
        f.AllianceResponseFactory(contact=contact)
        f.AlertFactory(referral=cast.referral, contact=contact)
        if n < 3:
            goal = f.GoalFactory(referral=cast.referral, number=n + 1)
            from ontrack.web.records.models import GoalRating

            GoalRating.unscoped.create(goal=goal, contact=contact, rating=n)
            f.HomeworkFactory(referral=cast.referral, set_contact=contact)


@pytest.mark.parametrize("contacts", [1, 25])
def test_timeline_query_count_does_not_grow_with_history(
    cast: Cast, contacts: int, django_assert_max_num_queries: Any, toy_models: Any
) -> None:
    _history(cast, contacts)
    latest = Contact.unscoped.filter(referral=cast.referral).order_by("contact_date").last()
    Episode.unscoped.filter(pk=cast.episode.pk).update(signal_contact=latest)
    browser = browser_as(cast, "alice")
    # session, user, staff, client, audit, the referrals (with the choice), the record rows
    # (5), episode (its signal's contact comes from the rows), goals, alerts: the same for
    # 1 contact or 25.
    with django_assert_max_num_queries(14):
        response = browser.get(reverse("client_timeline", args=[cast.client.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("alerts", [1, 30])
@pytest.mark.parametrize("role", ["alice", "sue", "mo"])
def test_alerts_inbox_query_count_does_not_grow_with_alerts(
    cast: Cast, alerts: int, role: str, django_assert_max_num_queries: Any
) -> None:
    for _ in range(alerts):
        f.AlertFactory(referral=cast.referral)
    browser = browser_as(cast, role)
    # session, user, staff, (supervisees), count, page.
    with django_assert_max_num_queries(7):  # +1: the list view's audit event (ADR 0105)
        response = browser.get(reverse("alerts_inbox"))
    assert response.content.decode().count('href="/alerts/') >= alerts


@pytest.mark.parametrize("cases", [1, 20])
def test_supervision_queue_query_count_does_not_grow_with_cases(
    cast: Cast, cases: int, django_assert_max_num_queries: Any
) -> None:
    for _ in range(cases):
        referral = f.ReferralFactory(client=f.ClientFactory(service=cast.service))
        f.EpisodeFactory(referral=referral, therapist=cast.alice_staff, signal="off_track")
        f.AlertFactory(referral=referral)
    browser = browser_as(cast, "sue")
    # session, user, staff, supervisees, therapists, queue, caseload counts, unacknowledged.
    with django_assert_max_num_queries(9):  # +1: the list view's audit event (ADR 0105)
        response = browser.get(reverse("supervision_queue"))
    assert response.content.decode().count("/supervision/episodes/") >= cases


def test_alert_detail_query_count_is_small(
    cast: Cast, things: Things, django_assert_max_num_queries: Any
) -> None:
    for _ in range(5):
        AlertAction.unscoped.create(
            alert=things.alert, kind="supervision", at=things.alert.opened_at
        )
    browser = browser_as(cast, "alice")
    # session, user, staff, alert, may-act check, audit, episode, actions, decisions.
    with django_assert_max_num_queries(9):
        response = browser.get(reverse("alert_detail", args=[things.alert.pk]))
    assert response.status_code == 200
