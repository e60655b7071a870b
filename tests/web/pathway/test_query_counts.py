"""The pathway pages make a fixed number of queries: more therapists, people waiting,
self-referrals or contacts do not add queries (zulip's habit: assert the count)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from tests.web import factories as f
from tests.web.conftest import phq9, session_post
from tests.web.pathway.conftest import Pathway

from ontrack.web.common.codes import TherapistRole, Therapy
from ontrack.web.pathway.models import SelfReferral, WaitingListEntry

pytestmark = pytest.mark.django_db


def _count(pathway: Pathway, role: str, url: str) -> int:
    browser = Browser()
    browser.force_login(pathway.user(role))  # type: ignore[arg-type]
    assert browser.get(url).status_code == 200  # sign-in, session and caches first
    with CaptureQueriesContext(connection) as ctx:
        assert browser.get(url).status_code == 200
    return len(ctx.captured_queries)


def _more_therapists(pathway: Pathway) -> None:
    for n in range(6):
        f.StaffFactory(
            service=pathway.cast.service,
            therapist_role=TherapistRole.HIGH_INTENSITY if n % 2 else TherapistRole.PWP,
            modalities=[Therapy.CBT.value],
            gender="1" if n % 3 else "2",
        )


def _more_waiting(pathway: Pathway) -> None:
    for n in range(6):
        client = f.ClientFactory(service=pathway.cast.service, family_name=f"Q{n}")
        referral = f.ReferralFactory(client=client, step=None)
        WaitingListEntry.unscoped.create(referral=referral, step=2, added_on=referral.referral_date)
        f.ReferralFactory(client=f.ClientFactory(service=pathway.cast.service), step=None)
        SelfReferral.objects.create(
            service=pathway.cast.service,
            given_name="Sam",
            family_name=f"Self{n}",
            date_of_birth=dt.date(1990, 1, 1),
            phone="07700 900000",
            what_is_happening="Worried.",
            consent=True,
        )


def _more_contacts(pathway: Pathway) -> None:
    for n in range(6):
        f.ContactFactory(
            referral=pathway.cast.referral,
            episode=pathway.cast.episode,
            therapist=pathway.cast.alice_staff,
            contact_date=pathway.cast.episode.started_on + dt.timedelta(days=7 * (n + 1)),
            session_number=n + 1,
        )


PAGES: list[tuple[str, str, Callable[[Pathway], str], Callable[[Pathway], None], int]] = [
    ("intake queue", "tess", lambda p: "/intake/", _more_waiting, 6),
    ("waiting list", "mo", lambda p: "/waiting-list/", _more_waiting, 8),
    ("allocate", "tess", lambda p: f"/referrals/{p.waiting_referral.pk}/allocate/", _more_therapists, 18),
    ("assess", "tess", lambda p: f"/referrals/{p.waiting_referral.pk}/assess/", _more_therapists, 7),
    ("check-in", "tess", lambda p: f"/referrals/{p.waiting_referral.pk}/check-in/", _more_waiting, 6),
    ("change of course", "alice", lambda p: f"/referrals/{p.cast.referral.pk}/change/", _more_therapists, 8),
    ("ending", "alice", lambda p: f"/referrals/{p.cast.referral.pk}/end/", _more_contacts, 10),
    ("referral page", "alice", lambda p: f"/referrals/{p.cast.referral.pk}/", _more_contacts, 20),
    ("book", "alice", lambda p: f"/referrals/{p.cast.referral.pk}/appointments/new/", _more_contacts, 7),
]  # fmt: skip


@pytest.mark.parametrize(
    ("role", "url", "grow", "most"),
    [pytest.param(*rest, id=name) for name, *rest in PAGES],
)
def test_pathway_page_query_count_does_not_grow(
    pathway: Pathway,
    role: str,
    url: Callable[[Pathway], str],
    grow: Callable[[Pathway], None],
    most: int,
) -> None:
    f.ContactFactory(  # one of each kind of row to start with: the counts compare like with like
        referral=pathway.cast.referral,
        episode=pathway.cast.episode,
        therapist=pathway.cast.alice_staff,
        contact_date=pathway.cast.episode.started_on,
        session_number=None,
        app_type="01",
    )
    before = _count(pathway, role, url(pathway))
    grow(pathway)
    after = _count(pathway, role, url(pathway))
    assert after == before
    assert before <= most


@pytest.mark.parametrize("before", [1, 8])
def test_session_save_query_count_does_not_grow_with_history(
    pathway: Pathway, before: int, toy_models: object
) -> None:
    """Saving a session (token, version, contact, numbering by date, scores, audit, the
    signal and its alerts) costs the same with 1 session behind it or 8."""
    cast = pathway.cast
    for n in range(before):
        contact = f.ContactFactory(
            referral=cast.referral,
            episode=cast.episode,
            therapist=cast.alice_staff,
            contact_date=cast.episode.started_on + dt.timedelta(days=7 * n),
            session_number=n + 1,
        )
        f.QuestionnaireResponseFactory(contact=contact, items=phq9(14), total=14)
    browser = Browser()
    browser.force_login(cast.alice)
    url = reverse("record_session", args=[cast.client.pk, cast.episode.pk])
    browser.get(url)
    data = session_post(cast, timezone.localdate(), phq9_quick="210110000", gad7_quick="1110000")
    with CaptureQueriesContext(connection) as ctx:
        assert browser.post(url, data).status_code == 302
    statements = [q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    # 33, and 2 more when the history makes the engine open an alert (its row and its audit
    # event): with 8 sessions at PHQ-9 14 the refitted bundle (ADR 0128) does.
    assert len(statements) <= 35
