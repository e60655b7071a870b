"""The caseload's columns, counts, filters and sorting, checked against the records.

The caseload reads its columns as correlated subqueries in two queries and sorts and
filters in Python (docs/adr/0069); these tests compute every column again the plain way,
one episode at a time, and check the page against that.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
import re
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse
from tests.web import factories as f
from tests.web.conftest import Cast, browser_as

from ontrack.web.common.codes import (
    AlertKind,
    AlertSeverity,
    AlertStatus,
    GoalStatus,
    HomeworkOutcome,
    SignalStatus,
)
from ontrack.web.records.models import (
    Alert,
    AllianceResponse,
    Contact,
    Episode,
    Goal,
    Homework,
    QuestionnaireResponse,
)
from ontrack.web.records.scoping import scope
from ontrack.web.records.views.caseload import CaseloadRow, caseload_episodes

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def _episode(cast: Cast, rng: random.Random, n: int) -> Episode:
    """Make an open episode for alice with a random history (some parts left out)."""
    referral = f.ReferralFactory(
        client=f.ClientFactory(service=cast.service, given_name=f"Given{n}"),
    )
    episode = f.EpisodeFactory(
        referral=referral,
        therapist=cast.alice_staff,
        signal=rng.choice(SignalStatus.values),
        next_session_on=rng.choice([None, TODAY + dt.timedelta(days=rng.randint(1, 20))]),
    )
    contacts = []
    for k in range(rng.randint(0, 5)):
        day = TODAY - dt.timedelta(days=7 * (6 - k) + rng.choice([0, 0, 1]))
        contact = f.ContactFactory(
            referral=referral,
            episode=episode,
            therapist=cast.alice_staff,
            contact_date=day,
            session_number=None if k == 0 else k,
        )
        contacts.append(contact)
        if rng.random() < 0.8:
            f.QuestionnaireResponseFactory(contact=contact, total=rng.randint(0, 27))
        if rng.random() < 0.7:
            f.QuestionnaireResponseFactory(
                contact=contact, measure="GAD-7", items=[1] * 7, total=rng.randint(0, 21)
            )
        if k and rng.random() < 0.7:
            f.AllianceResponseFactory(contact=contact, total=rng.randint(10, 40))
    now = dt.datetime.now(dt.UTC)
    for _ in range(rng.randint(0, 3)):
        status = rng.choice(AlertStatus.values)
        closed = now if status == AlertStatus.CLOSED else None
        f.AlertFactory(
            referral=referral,
            kind=rng.choice(AlertKind.values),
            severity=rng.choice(AlertSeverity.values),
            status=status,
            closed_at=closed,
            acted_at=closed,
        )
    for number in range(1, rng.randint(1, 3)):
        f.GoalFactory(referral=referral, number=number, status=rng.choice(GoalStatus.values))
    if contacts:
        for _ in range(rng.randint(0, 2)):
            reviewed = rng.random() < 0.5
            f.HomeworkFactory(
                referral=referral,
                set_contact=contacts[0],
                reviewed_contact=contacts[-1] if reviewed else None,
                outcome=HomeworkOutcome.DONE if reviewed else "",
            )
    return episode  # type: ignore[no-any-return]


def _scores(referral_id: int, measure: str) -> list[float]:
    rows = QuestionnaireResponse.unscoped.filter(
        contact__referral_id=referral_id, measure=measure
    ).order_by("contact__contact_date", "contact_id")
    return [r.total for r in rows]


def _expected(episode: Episode) -> dict[str, Any]:
    """Every column of one episode, computed the plain way."""
    ref = episode.referral_id
    contacts = Contact.unscoped.filter(referral_id=ref)
    alerts = [a for a in Alert.unscoped.filter(referral_id=ref) if a.status != AlertStatus.CLOSED]
    risk = sorted(
        (a for a in alerts if a.kind == AlertKind.RISK), key=lambda a: (a.opened_at, a.pk)
    )[::-1]
    alliance = [
        a.total
        for a in AllianceResponse.unscoped.filter(contact__referral_id=ref).order_by(
            "-contact__contact_date", "-contact_id"
        )
    ]
    phq, gad = _scores(ref, "PHQ-9"), _scores(ref, "GAD-7")
    homework = list(Homework.unscoped.filter(referral_id=ref))
    return {
        "sessions": contacts.filter(session_number__isnull=False).count(),
        "last_contact": max((c.contact_date for c in contacts), default=None),
        "urgent_alerts": sum(a.severity == AlertSeverity.URGENT for a in alerts),
        "risk_severity": risk[0].severity if risk else None,
        "risk_reasons": risk[0].reasons if risk else None,
        "open_alerts": len(alerts),
        "unacknowledged": sum(a.status == AlertStatus.OPEN for a in alerts),
        "latest_phq9": phq[-1] if phq else None,
        "first_phq9": phq[0] if phq else None,
        "latest_gad7": gad[-1] if gad else None,
        "first_gad7": gad[0] if gad else None,
        "alliance_latest": alliance[0] if alliance else None,
        "alliance_previous": alliance[1] if len(alliance) > 1 else None,
        "goals": Goal.unscoped.filter(referral_id=ref).exclude(status=GoalStatus.DROPPED).count(),
        "homework_due": sum(h.reviewed_contact_id is None for h in homework),
        "homework_set": len(homework),
    }


@pytest.fixture
def episodes(cast: Cast) -> list[Episode]:
    rng = random.Random(7)
    return [_episode(cast, rng, n) for n in range(12)]


def _rows(cast: Cast, role: str = "alice") -> list[CaseloadRow]:
    with scope(getattr(cast, role)):
        from ontrack.web.records.scoping import current_viewer

        viewer = current_viewer()
        assert viewer is not None
        return caseload_episodes(viewer)


def test_every_column_matches_the_records(cast: Cast, episodes: list[Episode]) -> None:
    rows = {row.pk: row for row in _rows(cast)}
    assert set(rows) == {e.pk for e in episodes} | {cast.episode.pk}
    for episode in [*episodes, cast.episode]:
        row = rows[episode.pk]
        got = {name: getattr(row, name) for name in _expected(episode)}
        assert got == _expected(episode), episode.pk
        assert row.signal == episode.signal
        assert row.client_id == episode.referral.client_id


def test_rows_hold_only_what_the_viewer_may_see(cast: Cast, episodes: list[Episode]) -> None:
    alices = {e.pk for e in episodes} | {cast.episode.pk}
    assert {row.pk for row in _rows(cast, "bob")}.isdisjoint(alices)
    assert {row.pk for row in _rows(cast, "oscar")}.isdisjoint(alices)
    assert alices <= {row.pk for row in _rows(cast, "mo")}


def _page_ids(cast: Cast, query: str) -> list[int]:
    browser = Browser()
    browser.force_login(cast.alice)
    response = browser.get(reverse("caseload") + query)
    assert response.status_code == 200
    return [
        int(pk)
        for pk in re.findall(
            r'<th scope="row"[^>]*><a href="/clients/(\d+)/"', response.content.decode()
        )
    ]


def _client_ids(rows: list[CaseloadRow]) -> list[int]:
    return [r.client_id for r in rows]


def _by(rows: list[CaseloadRow], key: Any) -> list[CaseloadRow]:
    return sorted(rows, key=lambda r: (*key(r), r.family_name.casefold(), r.pk))


def _desc_nulls_last(value: Any) -> tuple[Any, ...]:
    return (value is None, 0 if value is None else -value)


# Each sort's expected order, independently of the view: the key, then name, then id.
SORT_KEYS: list[tuple[str, Any]] = [
    (
        "priority",
        lambda r: (-r.urgent_alerts, r.risk_severity is None, r.signal_rank, -r.open_alerts),
    ),
    ("name", lambda r: ()),
    ("signal", lambda r: (r.signal_rank,)),
    ("last", lambda r: _desc_nulls_last(r.last_contact.toordinal() if r.last_contact else None)),
    ("next", lambda r: (r.next_session_on is None, r.next_session_on or dt.date.min)),
    ("sessions", lambda r: (-r.sessions,)),
    ("phq9", lambda r: _desc_nulls_last(r.latest_phq9)),
    ("gad7", lambda r: _desc_nulls_last(r.latest_gad7)),
    ("alerts", lambda r: (-r.urgent_alerts, -r.open_alerts)),
]


@pytest.mark.parametrize(("sort", "key"), SORT_KEYS)
def test_each_sort_orders_the_rows(
    cast: Cast, episodes: list[Episode], sort: str, key: Any
) -> None:
    rows = _rows(cast)
    assert _page_ids(cast, f"?sort={sort}") == _client_ids(_by(rows, key))


def test_priority_puts_urgent_risk_first_then_off_track(
    cast: Cast, episodes: list[Episode]
) -> None:
    rows = _by(_rows(cast), lambda r: (-r.urgent_alerts, r.signal_rank, -r.open_alerts))
    urgent = [r for r in rows if r.urgent_alerts]
    assert urgent, "the fixture should hold an urgent case"
    assert _page_ids(cast, "")[: len(urgent)] == _client_ids(urgent)


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("?signal=urgent", lambda r: r.urgent_alerts > 0),
        ("?signal=off_track", lambda r: r.signal == "off_track"),
        ("?alerts=1", lambda r: r.open_alerts > 0),
        ("?q=given1", lambda r: "given1" in r.given_name.lower()),
        ("?q=CLIENT", lambda r: "client" in r.family_name.lower()),
        ("?q=nobody-is-called-this", lambda r: False),
    ],
)
def test_filters_keep_the_matching_rows(
    cast: Cast, episodes: list[Episode], query: str, keep: Any
) -> None:
    rows = [r for r in _rows(cast) if keep(r)]
    assert sorted(_page_ids(cast, query + "&sort=name")) == sorted(_client_ids(rows))


def test_counts_by_signal_are_over_every_open_episode(cast: Cast, episodes: list[Episode]) -> None:
    rows = _rows(cast)
    browser = Browser()
    browser.force_login(cast.alice)
    page = browser.get(reverse("caseload") + "?signal=recovered").content.decode()
    for code in SignalStatus.values:
        n = sum(r.signal == code for r in rows)
        assert re.search(rf'app-count--{code}[^>]*><span class="app-count__n">{n}</span>', page), (
            code
        )
    urgent = sum(bool(r.urgent_alerts) for r in rows)
    assert f'<span class="app-count__n">{urgent}</span> urgent risk' in page


def test_therapist_filter_for_the_manager(cast: Cast, episodes: list[Episode]) -> None:
    bobs = f.EpisodeFactory(
        referral=f.ReferralFactory(client=f.ClientFactory(service=cast.service)),
        therapist=cast.bob_staff,
    )
    browser = Browser()
    browser.force_login(cast.mo)
    page = browser.get(reverse("caseload") + f"?therapist={cast.bob_staff.pk}").content.decode()
    shown = re.findall(r'<th scope="row"[^>]*><a href="/clients/(\d+)/"', page)
    mine = {str(e.referral.client_id) for e in episodes}
    assert str(bobs.referral.client_id) in shown
    assert mine.isdisjoint(shown)


@pytest.mark.parametrize("sort", ["priority", "name", "last", "sessions", "phq9", "alerts"])
def test_long_caseload_pages_read_the_page_columns_and_the_sort_keys(
    cast: Cast, episodes: list[Episode], sort: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Longer than a page: the pages still hold the right rows, every column filled."""
    # The module, not the view function the views package exports under the same name.
    view = importlib.import_module("ontrack.web.records.views.caseload")

    key = dict(SORT_KEYS)[sort]
    expected = _client_ids(_by(_rows(cast), key))
    monkeypatch.setattr(view, "PAGE_SIZE", 5)
    shown: list[int] = []
    for number in (1, 2, 3):
        shown += _page_ids(cast, f"?sort={sort}&page={number}")
    assert shown == expected
    rows = {r.client_id: r for r in _rows(cast)}
    browser = Browser()
    browser.force_login(cast.alice)
    page = browser.get(reverse("caseload") + f"?sort={sort}&page=2").content.decode()
    for client_id in shown[5:10]:
        row = rows[client_id]
        cells = re.search(
            rf'<tr class="[^"]*"><th scope="row"[^>]*><a href="/clients/{client_id}/".*?</tr>',
            page,
            re.S,
        )
        assert cells is not None
        if row.homework_due:
            assert f"{row.homework_due} to review" in cells.group(0)
        elif row.homework_set:
            assert "Reviewed" in cells.group(0)
        else:
            assert "None set" in cells.group(0)
        if row.goals:
            assert f"{row.goals} agreed" in cells.group(0)
        else:
            assert "None agreed" in cells.group(0)


# -- why each row has its signal ----------------------------------------------------------------

SHORT_REASONS = [
    (
        "PHQ-9 14 at session 4 is beyond the failure boundary: expected 9.1 (spread 3.2) for "
        "clients like this starting at 18, failure boundary 13.5. Past clients in this position "
        "ended without reliable improvement about 62% of the time (boundary 50%).",
        "PHQ-9 14 at session 4 is beyond the failure boundary.",
    ),
    (
        "GAD-7 16 at session 3 is reliably worse than at intake (11; reliable change is 4 points).",
        "GAD-7 16 at session 3 is reliably worse than at intake.",
    ),
    ("PHQ-9: only the intake score (18) so far.", "PHQ-9: only the intake score so far."),
    ("No contacts recorded yet.", "No contacts recorded yet."),
    (
        "Progress could not be judged because the early-warning checks failed; the error was "
        "logged for the service's administrators.",
        "Progress could not be judged because the early-warning checks failed.",
    ),
    ("", ""),
]


@pytest.mark.parametrize(("reason", "short"), SHORT_REASONS)
def test_short_reason_keeps_the_first_clause(reason: str, short: str) -> None:
    view = importlib.import_module("ontrack.web.records.views.caseload")

    assert view.short_reason(reason) == short


def test_reason_comes_from_the_measure_that_set_the_signal(cast: Cast) -> None:
    on_course = "PHQ-9 8 at session 3 is at or better than expected: expected 9."
    behind = "GAD-7 12 at session 3 is worse than expected but within the boundary: expected 8."
    episode = f.EpisodeFactory(
        referral=f.ReferralFactory(client=f.ClientFactory(service=cast.service)),
        therapist=cast.alice_staff,
        signal=SignalStatus.BEHIND,
        signal_reasons=[on_course, behind],
        signal_detail={
            "progress": [
                {"measure": "PHQ-9", "status": "on_track", "reasons": [on_course]},
                {"measure": "GAD-7", "status": "behind", "reasons": [behind]},
            ]
        },
    )

    row = next(r for r in _rows(cast) if r.pk == episode.pk)

    assert row.reason == "GAD-7 12 at session 3 is worse than expected but within the boundary."


def test_without_a_stored_evaluation_the_first_reason_is_shown(cast: Cast) -> None:
    episode = f.EpisodeFactory(
        referral=f.ReferralFactory(client=f.ClientFactory(service=cast.service)),
        therapist=cast.alice_staff,
        signal=SignalStatus.UNKNOWN,
        signal_reasons=["Progress could not be judged: no PHQ-9 at intake.", "Other."],
        signal_detail={"error": ["Progress could not be judged: no PHQ-9 at intake."]},
    )

    row = next(r for r in _rows(cast) if r.pk == episode.pk)

    assert row.reason == "Progress could not be judged."


def test_each_row_says_why_in_one_line(cast: Cast, episodes: list[Episode]) -> None:
    for n, episode in enumerate(episodes):
        Episode.unscoped.filter(pk=episode.pk).update(signal_reasons=[f"Reason {n} here: more."])
    browser = Browser()
    browser.force_login(cast.alice)

    page = browser.get(reverse("caseload") + "?sort=name").content.decode()

    shown = re.findall(r'<span class="app-caseload__reason">([^<]*)</span>', page)
    assert sorted(shown) == sorted(f"Reason {n} here." for n in range(len(episodes)))


@pytest.mark.parametrize(
    ("answer", "badge", "words"),
    [
        (1, "Urgent: risk", "(Several days)"),
        (2, "Urgent: risk", "(More than half the days)"),
        (3, "Urgent: risk", "(Nearly every day)"),
    ],
)
def test_caseload_says_why_in_one_line_and_badge_and_words_agree(
    cast: Cast, answer: int, badge: str, words: str
) -> None:
    from ontrack.web.records import actions

    actions.record_session(
        episode=cast.episode,
        expected_version=cast.episode.version,
        contact_date=TODAY,
        attendance="5",
        questionnaires={"PHQ-9": [0] * 8 + [answer]},
        by=cast.alice,
    )
    [row] = [r for r in _rows(cast) if r.pk == cast.episode.pk]
    assert row.risk_badge == badge
    assert words in row.risk_line
    assert row.risk_line.startswith(f"PHQ-9 item 9 answered {answer} ")
    page = browser_as(cast, "alice").get(reverse("caseload")).content.decode()
    assert page.count(badge) == 1
    assert row.risk_line in page
    other = {"High: risk", "Urgent: risk"} - {badge}
    assert not any(o in page for o in other)
