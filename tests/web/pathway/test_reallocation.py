"""Asking for another therapist starts a real reallocation: back on the waiting list at the
same step and therapy (the course goes on meanwhile), the same likely wait for the client
and staff, and allocating moves the course, keeping the history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from tests.web import factories as f
from tests.web.conftest import browser_as
from tests.web.pathway.conftest import Pathway
from tests.web.portal.conftest import book

from ontrack.web.audit.models import AuditEvent
from ontrack.web.common.actions import ActionError
from ontrack.web.common.codes import EpisodeStatus, Therapy
from ontrack.web.pathway import actions
from ontrack.web.pathway.actions.reallocation import REALLOCATION_REASON
from ontrack.web.pathway.codes import CourseChangeKind, LeftWaitingList
from ontrack.web.pathway.models import CourseChange, WaitingListEntry
from ontrack.web.pathway.waits import wait_estimate, wait_estimate_for
from ontrack.web.records.models import Appointment, Concern, Contact, Episode


def _allocated_recently(pathway: Pathway, n: int, waited: int) -> None:
    """``n`` people at step 3 CBT allocated in the last weeks after ``waited`` days."""
    today = timezone.localdate()
    for i in range(n):
        referral = f.ReferralFactory(
            client=f.ClientFactory(service=pathway.cast.service, given_name=f"Past{i}"),
            referral_date=today - dt.timedelta(days=200),
        )
        left = today - dt.timedelta(days=7 * (i % 10) + 1)
        WaitingListEntry.unscoped.create(
            referral=referral, step=3, therapy=Therapy.CBT, added_on=left - dt.timedelta(days=waited),
            left_on=left, left_because=LeftWaitingList.ALLOCATED,
        )  # fmt: skip


def _ask(pathway: Pathway, summary: str = "A fresh start, please") -> None:
    response = browser_as(pathway.cast, "cara").post(
        reverse("another_therapist"), {"addressed_to": "manager", "summary": summary}
    )
    assert response.status_code == 302, response.content.decode()


def test_asking_puts_the_client_back_on_the_list_and_the_course_goes_on(
    pathway: Pathway,
) -> None:
    cast = pathway.cast
    _ask(pathway)
    entry = WaitingListEntry.unscoped.get(referral=cast.referral, left_on__isnull=True)
    assert (entry.step, entry.therapy) == (3, Therapy.CBT)
    assert REALLOCATION_REASON in entry.reason
    assert "fault" not in entry.reason
    assert "A fresh start" not in entry.reason  # the client's own words stay in the concern
    cast.episode.refresh_from_db()
    assert cast.episode.status == EpisodeStatus.OPEN
    concern = Concern.unscoped.get()
    assert (concern.kind, concern.summary) == ("change_therapist", "A fresh start, please")
    assert AuditEvent.objects.filter(action="request_reallocation").count() == 1
    # The allocator and the manager see it.
    waiting = browser_as(cast, "mo").get(reverse("waiting_list")).content.decode()
    assert "asked for another therapist" in waiting
    inbox = browser_as(cast, "mo").get(reverse("concerns_inbox")).content.decode()
    assert "Request for another therapist" in inbox
    # Asking again changes nothing.
    again = browser_as(cast, "cara").post(
        reverse("another_therapist"), {"addressed_to": "manager", "summary": "again"}
    )
    assert again.status_code == 200
    assert WaitingListEntry.unscoped.filter(referral=cast.referral).count() == 1
    assert Concern.unscoped.count() == 1


def test_the_client_and_staff_see_the_same_likely_wait(pathway: Pathway) -> None:
    cast = pathway.cast
    _allocated_recently(pathway, 12, waited=45)
    before = browser_as(cast, "cara").get(reverse("another_therapist")).content.decode()
    joining = wait_estimate(service_id=cast.service.pk, step=3, therapy=Therapy.CBT)
    assert joining.ahead == 1  # Wanda
    assert joining.weeks == 2  # (1 + 1) people at one a week
    assert joining.words() in before.replace("&#x27;", "'")
    staff_list = browser_as(cast, "mo").get(reverse("waiting_list")).content.decode()
    assert "likely wait for someone joining now about 2 weeks" in staff_list

    _ask(pathway)
    entry = WaitingListEntry.unscoped.get(referral=cast.referral, left_on__isnull=True)
    theirs = wait_estimate_for(entry)
    assert (theirs.ahead, theirs.weeks, theirs.median_recent_weeks) == (1, 2, 6)
    after = browser_as(cast, "cara").get(reverse("another_therapist")).content.decode()
    assert theirs.words(you=True) in after.replace("&#x27;", "'")
    assert "1 person is waiting ahead of you" in after
    allocate_page = (
        browser_as(cast, "mo").get(reverse("allocate", args=[cast.referral.pk])).content.decode()
    )
    assert theirs.words() in allocate_page.replace("&#x27;", "'")
    assert "The client asked for another therapist." in allocate_page


def test_no_recent_allocations_says_it_cannot_say(pathway: Pathway) -> None:
    page = browser_as(pathway.cast, "cara").get(reverse("another_therapist")).content.decode()
    assert "cannot honestly say how long" in page


def test_allocating_the_request_moves_the_course_and_keeps_the_history(
    pathway: Pathway,
) -> None:
    cast = pathway.cast
    old = cast.episode
    Contact.unscoped.create(
        referral=cast.referral, episode=old, external_id="C-old-1",
        contact_date=timezone.localdate() - dt.timedelta(days=7), app_type="02",
        attendance="5", cons_mechanism="01", therapist=cast.alice_staff,
    )  # fmt: skip
    booked = book(cast, 5)
    _ask(pathway)
    entry = WaitingListEntry.unscoped.get(referral=cast.referral, left_on__isnull=True)
    assert all(s.therapist_id != cast.alice_staff.pk for s in actions.suggestions_for(entry))
    page = browser_as(cast, "mo").get(reverse("allocate", args=[cast.referral.pk]))
    assert "1 appointment with" in page.content.decode()
    with pytest.raises(ActionError) as same:
        actions.allocate(entry=entry, expected_version=entry.version,
                         therapist=cast.alice_staff, started_on=timezone.localdate(),
                         by=cast.mo)  # fmt: skip
    assert "asked for another therapist" in same.value.errors["therapist"]

    new = actions.allocate(
        entry=entry, expected_version=entry.version, therapist=cast.bob_staff,
        started_on=timezone.localdate(), by=cast.mo,
    )  # fmt: skip
    old.refresh_from_db()
    assert old.status == EpisodeStatus.CLOSED
    assert new.therapist_id == cast.bob_staff.pk
    assert Episode.unscoped.filter(referral=cast.referral, status=EpisodeStatus.OPEN).get() == new
    change = CourseChange.unscoped.get(referral=cast.referral)
    assert (change.kind, change.from_episode, change.to_episode) == (
        CourseChangeKind.THERAPIST, old, new,
    )  # fmt: skip
    assert change.reason == f"{REALLOCATION_REASON}."
    assert Contact.unscoped.filter(episode=old).count() == 1  # sessions kept
    assert Appointment.unscoped.get(pk=booked.pk).status == "booked"  # for staff to move
    entry.refresh_from_db()
    assert entry.left_because == LeftWaitingList.ALLOCATED
    assert AuditEvent.objects.filter(action="change_course").exists()
    # The client's page now shows the new therapist, and they may ask again.
    home = browser_as(cast, "cara").get(reverse("my_home")).content.decode()
    assert "Your therapist is Bob" in home


def test_only_the_client_or_their_staff_may_ask(pathway: Pathway) -> None:
    cast = pathway.cast
    with pytest.raises(PermissionDenied):
        actions.request_reallocation(episode=cast.episode, by=cast.dan)
    with pytest.raises(PermissionDenied):
        actions.request_reallocation(episode=cast.episode, by=cast.charlie)
    assert not WaitingListEntry.unscoped.filter(referral=cast.referral).exists()


def test_an_ended_course_cannot_be_reallocated(pathway: Pathway) -> None:
    cast = pathway.cast
    Episode.unscoped.filter(pk=cast.episode.pk).update(
        status=EpisodeStatus.CLOSED, ended_on=timezone.localdate()
    )
    cast.episode.refresh_from_db()
    with pytest.raises(ActionError):
        actions.request_reallocation(episode=cast.episode, by=cast.cara)
    assert not WaitingListEntry.unscoped.filter(referral=cast.referral).exists()


def test_the_list_and_the_single_estimate_agree(pathway: Pathway) -> None:
    from ontrack.web.pathway.waits import joining_estimates

    _allocated_recently(pathway, 5, waited=30)
    single = wait_estimate(service_id=pathway.cast.service.pk, step=3, therapy=Therapy.CBT)
    grouped = joining_estimates(pathway.cast.service.pk, {(3, Therapy.CBT): 1})
    assert grouped[(3, Therapy.CBT)] == single
