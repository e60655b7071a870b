"""Every client page as every member of the cast, and what staff pages show whom."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.web.conftest import ROLES, Cast, browser_as, check_status

# The client's own pages: 200 to the client (Cara, and Dan for his own), 403 to staff and
# to anyone who is not a client, a redirect to sign in for anonymous visitors.
CLIENT_PAGES = (
    "my_home",
    "my_progress",
    "my_goals",
    "my_homework",
    "my_appointment",
    "my_concerns",
    "new_concern",
    "another_therapist",
    "my_messages",
    "my_ending_review",
)
CLIENT_STATUS = {
    "anonymous": "login",
    "alice": 403,
    "bob": 403,
    "charlie": 403,
    "sue": 403,
    "mo": 403,
    "oscar": 403,
    "adam": 403,
    "cara": 200,
    "dan": 200,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", CLIENT_PAGES)
def test_client_pages_as_each_role(cast: Cast, role: str, page: str) -> None:
    check_status(browser_as(cast, role).get(reverse(page)), CLIENT_STATUS[role])


def test_contract_paths(cast: Cast) -> None:
    assert reverse("my_home") == "/my/"
    assert reverse("new_concern") == "/my/concerns/new/"


def test_home_links_to_everything_in_those_words(cast: Cast) -> None:
    text = browser_as(cast, "cara").get("/my/").content.decode()
    for words in (
        "Rate your last session",
        "Raise a concern",
        "Ask for another therapist",
        "Make a complaint",
        "Your progress",
        "Your goals",
        "Your homework",
        "Your next appointment",
        "Your questionnaires",
    ):
        assert words in text, words


def test_client_pages_show_no_staff_signals_or_risk_tags(cast: Cast) -> None:
    from tests.web.conftest import phq9

    from ontrack.web.records import actions

    answers = phq9(20)
    answers[8] = 2
    actions.record_session(
        episode=cast.episode,
        expected_version=cast.episode.version,
        contact_date=cast.episode.started_on,
        attendance="5",
        app_type="01",
        questionnaires={"PHQ-9": answers},
        by=cast.alice,
    )
    browser = browser_as(cast, "cara")
    for page in ("my_home", "my_progress", "my_goals", "my_homework"):
        text = browser.get(reverse(page)).content.decode()
        for staff_only in (
            "Off track",
            "On track",
            "Risk",
            "Urgent",
            "alert",
            "boundary",
            "Signal",
        ):
            assert staff_only not in text, (page, staff_only)


# Staff pages: the concerns inbox and the messages log for clinical staff; the online
# settings of Cara for those who may edit her record.
STAFF_PAGES = {
    "concerns_inbox": {
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
    },
    "messages_log": {
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
    },
    "requests_inbox": {
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
    },
}
ONLINE_SETTINGS = {
    "anonymous": "login",
    "alice": 200,
    "bob": 404,
    "charlie": 404,
    "sue": 200,
    "mo": 200,
    "oscar": 404,
    "adam": 404,
    "cara": 403,
    "dan": 404,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", sorted(STAFF_PAGES))
def test_staff_pages_as_each_role(cast: Cast, role: str, page: str) -> None:
    check_status(browser_as(cast, role).get(reverse(page)), STAFF_PAGES[page][role])


@pytest.mark.parametrize("role", ROLES)
def test_online_settings_as_each_role(cast: Cast, role: str) -> None:
    url = reverse("online_settings", args=[cast.client.pk])
    check_status(browser_as(cast, role).get(url), ONLINE_SETTINGS[role])


def test_therapist_chooses_questionnaires_and_hides_ratings(cast: Cast) -> None:
    from ontrack.web.records.actions.online import asked_measures

    url = reverse("online_settings", args=[cast.client.pk])
    response = browser_as(cast, "alice").post(
        url,
        {
            "measures": ["PHQ-9", "CORE-10"],
            "frequency": "fortnightly",
            "show_alliance": "no",
            "version": "0",
        },
    )
    assert response.status_code == 302
    assert [a.measure.code for a in asked_measures(cast.referral)] == ["PHQ-9", "CORE-10"]
    text = browser_as(cast, "cara").get(reverse("my_questionnaires")).content.decode()
    assert "CORE-10" in text
    assert "GAD-7" not in text


def test_online_settings_refuse_a_measure_that_cannot_be_shown(cast: Cast) -> None:
    url = reverse("online_settings", args=[cast.client.pk])
    response = browser_as(cast, "alice").post(
        url, {"measures": ["SPIN"], "frequency": "weekly", "show_alliance": "yes", "version": "0"}
    )
    assert response.status_code == 400
