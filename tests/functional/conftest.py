"""Browser tests: Debian's Chromium driven by Playwright against a live server.

No network: Chromium starts with background networking off, and axe-core is injected from
node_modules. Set ``ONTRACK_SCREENSHOTS=1`` to save a screenshot of each page into
``docs/screenshots/`` (the README shows them).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from tests.conftest import AXE, CHROMIUM, ROOT
from tests.web import factories as f
from tests.web.conftest import gad7, phq9

from ontrack.web.accounts.models import Staff, StaffRole, User
from ontrack.web.records import actions
from ontrack.web.records.actions import HomeworkPlan
from ontrack.web.records.models import Client, Contact, Episode

SCREENSHOTS = ROOT / "docs" / "screenshots"
PASSWORD = "correct horse battery"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    missing = []
    if not Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is None:
        missing.append(f"Chromium at {CHROMIUM} (Debian package chromium)")
    if not AXE.exists():
        missing.append("axe-core in node_modules (run `npm ci`)")
    for item in items:
        if "functional" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if missing:
                item.add_marker(pytest.mark.skip(reason="needs " + " and ".join(missing)))


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/London"
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def check_accessibility(page: Any, what: str) -> None:
    """Run axe-core (WCAG 2.2 A and AA rules) on the page; fail naming every violation."""
    # Evaluated by the driver, not added as a <script>: the page's Content-Security-Policy
    # (rightly) refuses inline script.
    page.evaluate(AXE.read_text("utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in result["violations"]
    ]
    assert problems == [], f"accessibility problems on {what}:\n" + "\n".join(problems)


def screenshot(page: Any, name: str) -> None:
    """Save a full-page screenshot into docs/screenshots/ when ONTRACK_SCREENSHOTS is set."""
    if not os.environ.get("ONTRACK_SCREENSHOTS"):
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@dataclass
class Clinic:
    """A small service: Alice's caseload with one client off track, Sue supervising."""

    alice: User
    sue: User
    manager: User
    off_track: Client
    episode: Episode


def _person(service: Any, username: str, first: str, last: str, role: str, **extra: Any) -> Staff:
    user = f.UserFactory(username=username, first_name=first, last_name=last, password=PASSWORD)
    return f.StaffFactory(user=user, service=service, role=role, **extra)


def _course(episode: Episode, by: User, totals: list[tuple[int, int, int]], osr: int) -> None:
    """Record an assessment then treatment sessions, a week apart, ending yesterday."""
    today = timezone.localdate()
    for i, (phq, gad, _) in enumerate(totals):
        episode.refresh_from_db()
        actions.record_session(
            episode=episode,
            expected_version=episode.version,
            contact_date=today - dt.timedelta(days=7 * (len(totals) - i)),
            attendance="5",
            app_type="01" if i == 0 else "02",
            questionnaires={"PHQ-9": phq9(phq), "GAD-7": gad7(gad)},
            alliance={"OSR": [min(10, osr // 4)] * 4} if i else {},
            by=by,
        )


@pytest.fixture
def clinic(transactional_db: None) -> Clinic:
    service = f.ServiceFactory(code="riverside", name="Riverside Talking Therapies")
    alice = _person(service, "alice", "Alice", "Okafor", StaffRole.THERAPIST)
    sue = _person(service, "sue", "Sue", "Mensah", StaffRole.SUPERVISOR)
    manager = _person(service, "mo", "Mo", "Khan", StaffRole.MANAGER, therapist_role="")
    f.SupervisionFactory(supervisor=sue, supervisee=alice)
    courses = [
        ("Cara", "Davies", [(18, 14, 0), (24, 13, 0), (24, 13, 0)], 36),  # reliably worse, twice
        ("Ben", "Walker", [(16, 12, 0), (14, 10, 0), (10, 8, 0), (7, 6, 0)], 36),
        ("Priya", "Patel", [(20, 15, 0), (19, 15, 0), (18, 15, 0)], 30),
        ("Sam", "Jones", [(14, 11, 0)], 0),
        ("Leah", "Nowak", [(12, 9, 0), (9, 7, 0), (5, 4, 0)], 38),
    ]
    episodes = []
    for given, family, totals, osr in courses:
        client = f.ClientFactory(service=service, given_name=given, family_name=family)
        referral = f.ReferralFactory(
            client=client, referral_date=timezone.localdate() - dt.timedelta(days=90)
        )
        episode = f.EpisodeFactory(
            referral=referral,
            therapist=alice,
            started_on=timezone.localdate() - dt.timedelta(days=60),
        )
        _course(episode, alice.user, totals, osr)
        episodes.append(episode)
    goal = actions.agree_goal(
        referral=episodes[1].referral,
        description="Go to the supermarket on my own",
        agreed_on=timezone.localdate() - dt.timedelta(days=20),
        by=alice.user,
    )
    del goal
    last = Contact.unscoped.filter(episode=episodes[1]).order_by("-contact_date").first()
    assert last is not None
    actions.set_homework(
        contact=last,
        plan=HomeworkPlan(
            behaviour="Walk for 15 minutes after breakfast on Monday, Wednesday and Friday",
            rationale="Activity lifts mood more than waiting to feel like it",
        ),
        by=alice.user,
    )
    return Clinic(
        alice=alice.user,
        sue=sue.user,
        manager=manager.user,
        off_track=episodes[0].referral.client,
        episode=episodes[0],
    )
