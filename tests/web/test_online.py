"""Questionnaires completed online by the client, used at the next session, and the
anxiety-disorder-specific measure (ADSM) on the session form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from tests.web import factories as f
from tests.web.conftest import (
    RECORD_SESSION,
    ROLES,
    Cast,
    browser_as,
    gad7,
    is_sign_in_redirect,
    phq9,
    record_session_url,
    session_post,
    wrong_statuses,
)

from ontrack.measures.fhir import response_for
from ontrack.web.audit.models import AuditEvent
from ontrack.web.common.codes import AlertKind, AlertSeverity
from ontrack.web.portal import actions as portal
from ontrack.web.records import actions
from ontrack.web.records.models import (
    Alert,
    Contact,
    OnlineSubmission,
    QuestionnaireResponse,
    Referral,
)

pytestmark = pytest.mark.django_db


def _submit(cast: Cast, measure: str = "PHQ-9", answers: Any = None, **kw: Any) -> Any:
    return portal.submit_online_questionnaire(
        referral=kw.pop("referral", cast.referral),
        measure=measure,
        answers=phq9(12) if answers is None else answers,
        by=kw.pop("by", cast.cara),
        **kw,
    )


def _items(measure: str, answers: list[int]) -> dict[str, str]:
    return {f"item_{n}": str(a) for n, a in enumerate(answers, 1)}


# -- the action ---------------------------------------------------------------------------------


def test_submission_is_scored_kept_and_audited(cast: Cast) -> None:
    item = _submit(cast, answers=phq9(12))
    assert (item.measure, item.items, item.total, item.band, item.caseness) == (
        "PHQ-9",
        phq9(12),
        12,
        "moderate",
        True,
    )
    assert not item.risk
    assert item.alert is None
    assert not item.is_used
    event = AuditEvent.objects.get(action="submit_online_questionnaire")
    assert event.client_id == cast.client.pk
    assert event.actor == "cara"
    assert not Alert.unscoped.exists()


def test_risk_answer_opens_an_urgent_risk_alert_at_once(cast: Cast) -> None:
    item = _submit(cast, answers=[1, 1, 1, 1, 1, 1, 1, 1, 2])
    alert = Alert.unscoped.get()
    assert (alert.kind, alert.severity, alert.contact_id) == (
        AlertKind.RISK,
        AlertSeverity.URGENT,
        None,
    )
    assert "PHQ-9 item 9 answered 2" in alert.reasons[0]
    assert "completed online" in alert.reasons[0]
    assert item.risk
    assert item.alert_id == alert.pk


def test_risk_answer_opens_the_alert_even_when_the_rest_is_refused(cast: Cast) -> None:
    with pytest.raises(actions.ActionError) as caught:
        _submit(cast, answers=[None, 1, 1, 1, 1, 1, 1, 1, 3])
    assert caught.value.errors == {"item:1": "Answer question 1."}
    assert not OnlineSubmission.unscoped.exists()
    assert Alert.unscoped.get().kind == AlertKind.RISK
    # Correcting the answer the same day uses that alert rather than raising a second one.
    item = _submit(cast, answers=[0, 1, 1, 1, 1, 1, 1, 1, 3])
    assert Alert.unscoped.count() == 1
    assert item.alert_id == Alert.unscoped.get().pk


@pytest.mark.parametrize(
    ("measure", "answers", "key", "message"),
    [
        ("PHQ-9", [1] * 8, "answers", "PHQ-9 needs 9 answers, got 8"),
        ("PHQ-9", [1, 1, 1, 1, 1, 1, 1, 5, 0], "answers", "item 8: 5 is out of range 0..3"),
        ("PHQ-9", [1, None, 1, 1, 1, 1, 1, 1, 0], "item:2", "Answer question 2."),
        ("PHQ-9", "111111110", "answers", "Answer each question."),
        ("XYZ", [1], "measure", "'XYZ' is not a questionnaire OnTrack knows."),
        ("CORE-10", [0] * 10, "measure", "not one of the questionnaires your therapist asked"),
        ("GAD-7", [1, 1, 1, "a", 1, 1, 1], "answers", "item 4: 'a' is not a number"),
    ],
)
def test_bad_submission_changes_nothing(
    cast: Cast, measure: str, answers: Any, key: str, message: str
) -> None:
    with pytest.raises(actions.ActionError) as caught:
        _submit(cast, measure=measure, answers=answers)
    assert message in caught.value.errors[key]
    assert not OnlineSubmission.unscoped.exists()
    assert not Alert.unscoped.exists()


def test_scoring_only_measure_cannot_be_completed_online(cast: Cast) -> None:
    Referral.unscoped.filter(pk=cast.referral.pk).update(problem_descriptor="F40.1")
    cast.referral.refresh_from_db()
    with pytest.raises(actions.ActionError, match="may not be shown here"):
        _submit(cast, measure="SPIN", answers=[1] * 17)


def test_ended_referral_takes_no_submissions(cast: Cast) -> None:
    Referral.unscoped.filter(pk=cast.referral.pk).update(end_date=dt.date.today(), end_code="10")
    cast.referral.refresh_from_db()
    with pytest.raises(actions.ActionError, match="referral has ended"):
        _submit(cast)


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("anonymous", "cara")])
def test_only_the_client_may_submit_their_answers(cast: Cast, role: str) -> None:
    with pytest.raises(PermissionDenied):
        _submit(cast, by=cast.user(role))
    assert not OnlineSubmission.unscoped.exists()


def test_fhir_questionnaire_response_is_a_submission(cast: Cast) -> None:
    item = portal.submit_fhir_response(
        referral=cast.referral, response=response_for("GAD-7", gad7(9)), by=cast.cara
    )
    assert (item.measure, item.items, item.total, item.source) == ("GAD-7", gad7(9), 9, "fhir")


@pytest.mark.parametrize(
    ("response", "message"),
    [
        ({"resourceType": "QuestionnaireResponse", "status": "completed"}, "no 'questionnaire'"),
        ([], "Send one FHIR QuestionnaireResponse"),
    ],
)
def test_bad_fhir_response_changes_nothing(cast: Cast, response: Any, message: str) -> None:
    with pytest.raises(actions.ActionError, match=message):
        portal.submit_fhir_response(referral=cast.referral, response=response, by=cast.cara)
    assert not OnlineSubmission.unscoped.exists()


# -- the client's pages ---------------------------------------------------------------------


# Client pages: each client sees their own; staff are refused; anonymous signs in.
CLIENT_PAGES = {
    "anonymous": "login",
    **dict.fromkeys(("alice", "bob", "charlie", "sue", "mo", "oscar", "adam"), 403),
    "cara": 200,
    "dan": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_every_new_page_as_each_role(cast: Cast, role: str) -> None:
    pages = {
        "list": (reverse("my_questionnaires"), CLIENT_PAGES),
        "phq9": (reverse("complete_questionnaire", args=["phq9"]), CLIENT_PAGES),
        "record": (record_session_url(cast), RECORD_SESSION),
        "record_adsm": (record_session_url(cast) + "?adsm=PCL-5", RECORD_SESSION),
    }
    wrong = wrong_statuses(browser_as(cast, role), pages, role)
    assert wrong == [], f"{role}: " + "; ".join(wrong)


def test_client_posts_only_for_themselves(cast: Cast) -> None:
    # Dan's answers go to Dan's referral, whatever he posts; Cara's list does not show them.
    browser_as(cast, "dan").post(
        reverse("complete_questionnaire", args=["phq9"]), _items("PHQ-9", phq9(5))
    )
    item = OnlineSubmission.unscoped.get()
    assert item.referral.client_id == cast.other_client.pk
    page = browser_as(cast, "cara").get(reverse("my_questionnaires")).content.decode()
    assert "To do" in page
    assert "Done" not in page


def test_staff_cannot_post_answers_for_a_client(cast: Cast) -> None:
    url = reverse("complete_questionnaire", args=["phq9"])
    assert browser_as(cast, "alice").post(url, _items("PHQ-9", phq9(5))).status_code == 403
    assert not OnlineSubmission.unscoped.exists()


def test_list_shows_scoring_only_adsm_cannot_be_shown(cast: Cast) -> None:
    Referral.unscoped.filter(pk=cast.referral.pk).update(problem_descriptor="F40.1")
    page = browser_as(cast, "cara").get(reverse("my_questionnaires")).content.decode()
    assert "Social Phobia Inventory" in page
    assert "cannot be shown here" in page
    assert reverse("complete_questionnaire", args=["spin"]) not in page
    assert (
        browser_as(cast, "cara").get(reverse("complete_questionnaire", args=["spin"])).status_code
        == 404
    )


def test_list_offers_an_adsm_whose_wording_ships(cast: Cast) -> None:
    Referral.unscoped.filter(pk=cast.referral.pk).update(problem_descriptor="F43.1")
    browser = browser_as(cast, "cara")
    page = browser.get(reverse("my_questionnaires")).content.decode()
    assert reverse("complete_questionnaire", args=["pcl5"]) in page
    form = browser.get(reverse("complete_questionnaire", args=["pcl5"])).content.decode()
    assert "Repeated, disturbing, and unwanted memories" in form


def test_client_completes_phq9_and_sees_it_done(cast: Cast) -> None:
    browser = browser_as(cast, "cara")
    response = browser.post(
        reverse("complete_questionnaire", args=["phq9"]), _items("PHQ-9", phq9(12))
    )
    assert response.status_code == 302
    page = browser.get(response["Location"]).content.decode()
    assert "Thank you: your PHQ-9 answers are ready" in page
    assert "Done" in page
    assert OnlineSubmission.unscoped.get().total == 12


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({f"item_{n}": "1" for n in range(1, 9)}, "Answer question 9."),
        ({**{f"item_{n}": "1" for n in range(1, 9)}, "item_9": "7"}, "Question 9: choose one"),
        ({**{f"item_{n}": "1" for n in range(2, 10)}, "item_1": "x"}, "Question 1: choose one"),
    ],
)
def test_client_form_bad_input_is_shown_by_the_question(
    cast: Cast, data: dict[str, str], message: str
) -> None:
    response = browser_as(cast, "cara").post(reverse("complete_questionnaire", args=["phq9"]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'aria-invalid="true"' in page
    assert not OnlineSubmission.unscoped.exists()


def test_client_risk_answer_alerts_and_says_what_to_do(cast: Cast) -> None:
    browser = browser_as(cast, "cara")
    answers = [0, 0, 0, 0, 0, 0, 0, 0, 1]
    response = browser.post(
        reverse("complete_questionnaire", args=["phq9"]), _items("PHQ-9", answers)
    )
    page = browser.get(response["Location"]).content.decode()
    assert "call 999" in page
    assert Alert.unscoped.get().kind == AlertKind.RISK


def test_client_risk_answer_alerts_even_with_a_question_missing(cast: Cast) -> None:
    data = {f"item_{n}": "0" for n in range(2, 9)} | {"item_9": "2"}
    response = browser_as(cast, "cara").post(reverse("complete_questionnaire", args=["phq9"]), data)
    assert response.status_code == 400
    assert "Answer question 1." in response.content.decode()
    assert Alert.unscoped.get().kind == AlertKind.RISK
    assert not OnlineSubmission.unscoped.exists()


# -- the session form ---------------------------------------------------------------------------


def test_session_form_is_prefilled_with_online_answers(cast: Cast) -> None:
    item = _submit(cast, answers=[2, 1, 0, 1, 1, 0, 0, 0, 0])
    page = browser_as(cast, "alice").get(record_session_url(cast)).content.decode()
    assert "Completed online" in page
    assert f"by the client on {item.submitted_at:%-d %b %Y}" in page
    assert 'value="210110000"' in page
    assert f'name="phq9_online" value="{item.pk}"' in page


def test_saving_the_session_attaches_the_submission_once(cast: Cast, today: dt.date) -> None:
    item = _submit(cast, answers=[2, 1, 0, 1, 1, 0, 0, 0, 0])
    data = session_post(cast, today, phq9_quick="210110000", phq9_online=str(item.pk))
    response = browser_as(cast, "alice").post(record_session_url(cast), data)
    assert response.status_code == 302
    contact = Contact.unscoped.get()
    item.refresh_from_db()
    assert item.used_contact_id == contact.pk
    assert item.used_at is not None
    assert list(QuestionnaireResponse.unscoped.values_list("measure", "total")) == [("PHQ-9", 5)]
    assert AuditEvent.objects.filter(action="use_online_questionnaire").count() == 1
    # Used once: the form no longer offers it, and posting it again saves nothing.
    page = browser_as(cast, "alice").get(record_session_url(cast)).content.decode()
    assert "Completed online" not in page
    again = browser_as(cast, "alice").post(
        record_session_url(cast),
        session_post(
            cast,
            today,
            phq9_quick="210110000",
            phq9_online=str(item.pk),
            same_day_confirmed="on",
        ),
    )
    assert again.status_code == 400
    assert "already recorded at another session" in again.content.decode()
    assert Contact.unscoped.count() == 1
    assert QuestionnaireResponse.unscoped.count() == 1


def test_another_clients_submission_cannot_be_attached(cast: Cast, today: dt.date) -> None:
    theirs = portal.submit_online_questionnaire(
        referral=Referral.unscoped.get(client=cast.other_client),
        measure="PHQ-9",
        answers=phq9(5),
        by=cast.dan,
    )
    data = session_post(cast, today, phq9_quick="".join(map(str, phq9(5))), phq9_online=theirs.pk)
    response = browser_as(cast, "alice").post(record_session_url(cast), data)
    assert response.status_code == 400
    assert "belong to another client" in response.content.decode()
    assert not Contact.unscoped.exists()
    theirs.refresh_from_db()
    assert not theirs.is_used


def test_cleared_online_answers_keep_waiting(cast: Cast, today: dt.date) -> None:
    item = _submit(cast)
    response = browser_as(cast, "alice").post(
        record_session_url(cast), session_post(cast, today, phq9_online=str(item.pk))
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert not item.is_used
    assert not QuestionnaireResponse.unscoped.exists()


# -- the ADSM on the session form ---------------------------------------------------------------


def test_session_form_offers_the_descriptors_adsm_by_default(cast: Cast) -> None:
    Referral.unscoped.filter(pk=cast.referral.pk).update(problem_descriptor="F40.1")
    page = browser_as(cast, "alice").get(record_session_url(cast)).content.decode()
    assert 'data-measure="SPIN"' in page
    assert "calls for the SPIN" in page
    assert "Scoring only" in page
    assert 'name="spin_total"' in page
    assert '<option value="SPIN" selected>' in page


def test_depression_referral_gets_no_adsm_but_can_choose_one(cast: Cast) -> None:
    browser = browser_as(cast, "alice")
    page = browser.get(record_session_url(cast)).content.decode()
    assert 'data-measure="PCL-5"' not in page
    assert 'data-measure="GAD-7"' in page
    chosen = browser.get(record_session_url(cast) + "?adsm=PCL-5").content.decode()
    assert 'data-measure="PCL-5"' in chosen
    assert "Repeated, disturbing, and unwanted memories" in chosen
    assert 'name="pcl5_total"' not in chosen  # wording ships: answers, not a bare total
    unknown = browser.get(record_session_url(cast) + "?adsm=PHQ-15").content.decode()
    assert 'data-measure="PHQ-15"' not in unknown


def test_scoring_only_adsm_total_is_recorded_without_items(cast: Cast, today: dt.date) -> None:
    Referral.unscoped.filter(pk=cast.referral.pk).update(problem_descriptor="F40.1")
    data = session_post(cast, today, adsm="SPIN", spin_total="31")
    assert browser_as(cast, "alice").post(record_session_url(cast), data).status_code == 302
    spin = QuestionnaireResponse.unscoped.get(measure="SPIN")
    assert (spin.items, spin.total, spin.caseness) == (None, 31, True)


def test_scoring_only_adsm_items_are_scored(cast: Cast, today: dt.date) -> None:
    data = session_post(cast, today, adsm="PDSS", pdss_quick="1212101")
    assert browser_as(cast, "alice").post(record_session_url(cast), data).status_code == 302
    pdss = QuestionnaireResponse.unscoped.get(measure="PDSS")
    assert (pdss.items, pdss.total) == ([1, 2, 1, 2, 1, 0, 1], 8)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"spin_total": "69"}, "The SPIN total must be from 0 to 68."),
        ({"spin_total": "lots"}, "Enter the SPIN total as a number."),
        ({"spin_total": "20", "spin_quick": "1" * 17}, "Give the SPIN answers or its total"),
        ({"spin_quick": "1" * 16}, "Type 17 answers"),
        ({"spin_total": "20", "attendance": "3"}, "only be recorded for a session the client"),
    ],
)
def test_adsm_bad_input_saves_nothing(
    cast: Cast, today: dt.date, extra: dict[str, str], message: str
) -> None:
    data = session_post(cast, today, adsm="SPIN", **extra)
    response = browser_as(cast, "alice").post(record_session_url(cast), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Contact.unscoped.exists()


def test_total_for_a_measure_with_wording_is_refused_by_the_action(
    cast: Cast, today: dt.date
) -> None:
    with pytest.raises(actions.ActionError) as caught:
        actions.record_session_with_online(
            episode=cast.episode,
            expected_version=cast.episode.version,
            contact_date=today,
            attendance="5",
            totals={"PHQ-9": 12},
            by=cast.alice,
        )
    assert (
        "a total alone is taken only for scoring-only" in caught.value.errors["questionnaire:PHQ-9"]
    )
    assert not Contact.unscoped.exists()


def test_online_submission_in_another_measure_is_pointed_out(cast: Cast) -> None:
    Referral.unscoped.filter(pk=cast.referral.pk).update(problem_descriptor="F43.1")
    portal.submit_online_questionnaire(
        referral=Referral.unscoped.get(pk=cast.referral.pk),
        measure="PCL-5",
        answers=[1] * 20,
        by=cast.cara,
    )
    page = browser_as(cast, "alice").get(record_session_url(cast) + "?adsm=").content.decode()
    assert "The client also completed online: PCL-5" in page


def test_online_submission_factory_rows_are_scoped(cast: Cast) -> None:
    f.ContactFactory(referral=cast.referral)
    _submit(cast)
    from ontrack.web.records.scoping import scope

    with scope(cast.bob):
        assert not OnlineSubmission.objects.exists()
    with scope(cast.alice):
        assert OnlineSubmission.objects.count() == 1


# -- query counts: no query per submission ---------------------------------------------------


def _count(cast: Cast, url: str, role: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = browser_as(cast, role)
    browser.get(url)  # warm the session and the measure cache
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("page", "role", "most"),
    # session, user, viewer, client, audit, referral, submissions (+ the form's goals,
    # homework, episode and session count on the session form).
    [("my_questionnaires", "cara", 8), ("record_session", "alice", 10)],
)
def test_query_count_does_not_grow_with_submissions(
    cast: Cast, page: str, role: str, most: int
) -> None:
    url = reverse(page) if page == "my_questionnaires" else record_session_url(cast)
    _submit(cast)
    one = _count(cast, url, role)
    for _ in range(10):
        _submit(cast, measure="GAD-7", answers=gad7(5))
    assert _count(cast, url, role) == one
    assert one <= most, one


def test_older_answers_never_prefill_a_later_session(cast: Cast, today: dt.date) -> None:
    first = _submit(cast, answers=phq9(3))
    newer = _submit(cast, answers=[2, 1, 0, 1, 1, 0, 0, 0, 0])
    page = browser_as(cast, "alice").get(record_session_url(cast)).content.decode()
    assert f'name="phq9_online" value="{newer.pk}"' in page
    data = session_post(cast, today, phq9_quick="210110000", phq9_online=str(newer.pk))
    assert browser_as(cast, "alice").post(record_session_url(cast), data).status_code == 302
    page = browser_as(cast, "alice").get(record_session_url(cast)).content.decode()
    assert "Completed online" not in page
    first.refresh_from_db()
    assert not first.is_used


@pytest.mark.parametrize("role", ROLES)
def test_posting_answers_as_each_role(cast: Cast, role: str) -> None:
    url = reverse("complete_questionnaire", args=["phq9"])
    response = browser_as(cast, role).post(url, _items("PHQ-9", phq9(5)))
    expected = CLIENT_PAGES[role]
    if expected == "login":
        assert is_sign_in_redirect(response)
    elif expected == 403:
        assert response.status_code == 403
    else:
        assert response.status_code == 302
    saved = list(
        OnlineSubmission.unscoped.values_list("referral__client__user__username", flat=True)
    )
    assert saved == ([role] if expected == 200 else [])


def test_a_total_is_stored_before_the_episode_is_evaluated_and_audited_with_the_session(
    cast: Cast, today: dt.date, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ontrack.web.records.actions import sessions

    seen: list[list[str]] = []
    evaluate = sessions.refresh_signal

    def spy(**kwargs: Any) -> Any:
        seen.append(sorted(QuestionnaireResponse.unscoped.values_list("measure", flat=True)))
        return evaluate(**kwargs)

    monkeypatch.setattr(sessions, "refresh_signal", spy)
    Referral.unscoped.filter(pk=cast.referral.pk).update(problem_descriptor="F40.1")
    actions.record_session(
        episode=cast.episode,
        expected_version=cast.episode.version,
        contact_date=today,
        attendance="5",
        questionnaires={"PHQ-9": phq9(10)},
        totals={"SPIN": 31},
        by=cast.alice,
    )
    assert seen == [["PHQ-9", "SPIN"]]  # the evaluation sees the SPIN total
    assert AuditEvent.objects.get(action="record_session").new["totals"] == {"SPIN": 31.0}


def test_the_action_refuses_a_total_for_a_missed_session(cast: Cast, today: dt.date) -> None:
    with pytest.raises(actions.ActionError) as caught:
        actions.record_session(
            episode=cast.episode,
            expected_version=cast.episode.version,
            contact_date=today,
            attendance="3",
            totals={"SPIN": 31},
            by=cast.alice,
        )
    assert "attended" in caught.value.errors["questionnaire:SPIN"]
    assert not Contact.unscoped.exists()
