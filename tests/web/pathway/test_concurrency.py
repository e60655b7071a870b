"""Two people allocating at once, through the page, on a database that runs them at once
(PostgreSQL; in-memory SQLite has one connection and is skipped): one wins, the other is
told why, and nothing of theirs is saved."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client as Browser
from django.utils import timezone
from tests.web import factories as f
from tests.web.pathway.conftest import Pathway

from ontrack.web.audit.models import AuditEvent, AuditKind
from ontrack.web.common.codes import Therapy
from ontrack.web.pathway.models import WaitingListEntry
from ontrack.web.records.models import Episode

pytestmark = pytest.mark.django_db(transaction=True)


def _at_once(*posts: Callable[[], int]) -> list[int]:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:"):
        pytest.skip("in-memory SQLite is one connection per thread")
    barrier = threading.Barrier(len(posts))
    results: list[int] = []

    def run(post: Callable[[], int]) -> None:
        try:
            barrier.wait()
            results.append(post())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(p,)) for p in posts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(results)


def _poster(
    pathway: Pathway, role: str, entry: WaitingListEntry, therapist_pk: int
) -> Callable[[], int]:
    browser = Browser()
    browser.force_login(pathway.user(role))  # type: ignore[arg-type]
    data = {
        "version": str(entry.version),
        "therapist": str(therapist_pk),
        "started_on": timezone.localdate().isoformat(),
        "override_reason": "Cover while a colleague is away.",
    }
    url = f"/referrals/{entry.referral_id}/allocate/"
    return lambda: browser.post(url, data).status_code


def test_two_people_allocating_one_client_at_once(pathway: Pathway) -> None:
    entry = pathway.entry
    results = _at_once(
        _poster(pathway, "tess", entry, pathway.cast.alice_staff.pk),
        _poster(pathway, "mo", entry, pathway.cast.bob_staff.pk),
    )
    assert results == [302, 400]
    assert Episode.unscoped.filter(referral=pathway.waiting_referral).count() == 1
    changes = AuditEvent.objects.filter(kind=AuditKind.CHANGE, action="allocate")
    assert changes.count() == 1


def test_two_clients_for_a_therapists_last_place_at_once(pathway: Pathway) -> None:
    alice = pathway.cast.alice_staff
    open_now = Episode.unscoped.filter(therapist=alice, status="open").count()
    alice.caseload_limit = open_now + 1
    alice.save()
    other = f.ReferralFactory(client=f.ClientFactory(service=pathway.cast.service), step=None)
    second = WaitingListEntry.unscoped.create(
        referral=other, step=3, therapy=Therapy.CBT, added_on=pathway.entry.added_on
    )
    # Tess does triage but is not a manager: she may not go over a caseload limit.
    results = _at_once(
        _poster(pathway, "tess", pathway.entry, alice.pk),
        _poster(pathway, "tess", second, alice.pk),
    )
    assert results == [302, 400]
    assert Episode.unscoped.filter(therapist=alice, status="open").count() == open_now + 1
