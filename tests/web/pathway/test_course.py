"""Allocation, appointments, sessions by date, corrections, change of course and ending:
what each action writes, its audit row, and bad input refused with nothing saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from tests.web import factories as f
from tests.web.conftest import phq9
from tests.web.pathway.conftest import Pathway

from ontrack.web.accounts.models import Staff
from ontrack.web.audit.models import AuditEvent
from ontrack.web.common.actions import ActionError, ConcurrencyError
from ontrack.web.common.codes import EpisodeStatus, Therapy
from ontrack.web.pathway import actions
from ontrack.web.pathway.codes import CourseChangeKind
from ontrack.web.pathway.models import (
    ContactAttempt,
    CourseChange,
    EndingReview,
    TherapyPreference,
    WaitingListEntry,
)
from ontrack.web.records import actions as records
from ontrack.web.records.models import Appointment, AppointmentStatus, Contact, Episode, Referral


def _allocate(pathway: Pathway, therapist: Staff, by: object = None, **extra: object) -> Episode:
    entry = WaitingListEntry.unscoped.get(pk=pathway.entry.pk)
    return actions.allocate(
        entry=entry,
        expected_version=entry.version,
        therapist=therapist,
        started_on=timezone.localdate(),
        by=by or pathway.tess,  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


def test_allocate_starts_the_episode_and_leaves_the_list(pathway: Pathway) -> None:
    episode = _allocate(pathway, pathway.cast.alice_staff)
    assert (episode.therapist, episode.step, episode.therapy) == (
        pathway.cast.alice_staff,
        3,
        Therapy.CBT,
    )
    entry = WaitingListEntry.unscoped.get(pk=pathway.entry.pk)
    assert entry.left_because == "allocated"
    event = AuditEvent.objects.get(action="allocate")
    assert event.new["therapist"] == pathway.cast.alice_staff.pk


def test_allocate_over_the_caseload_limit_needs_a_manager(pathway: Pathway) -> None:
    alice = pathway.cast.alice_staff
    Staff.objects.filter(pk=alice.pk).update(caseload_limit=1)  # she holds Cara already
    alice.refresh_from_db()
    with pytest.raises(ActionError) as caught:
        _allocate(pathway, alice)
    assert "caseload limit" in caught.value.errors["therapist"]
    with pytest.raises(ActionError) as caught:
        _allocate(pathway, alice, by=pathway.cast.mo)
    assert "override_reason" in caught.value.errors
    assert not Episode.unscoped.filter(referral=pathway.waiting_referral).exists()
    _allocate(pathway, alice, by=pathway.cast.mo, override_reason="Only CBT therapist in Urdu.")
    assert AuditEvent.objects.get(action="allocate").new["over_caseload_limit"] is True


def test_allocate_unmet_essential_preference_needs_a_reason(pathway: Pathway) -> None:
    TherapyPreference.unscoped.create(
        referral=pathway.waiting_referral, kind="gender", value="1", essential=True
    )
    Staff.objects.filter(pk=pathway.cast.alice_staff.pk).update(gender="2")
    alice = Staff.objects.get(pk=pathway.cast.alice_staff.pk)
    with pytest.raises(ActionError) as caught:
        _allocate(pathway, alice)
    assert "essential" in caught.value.errors["unmet_reason"]
    _allocate(pathway, alice, unmet_reason="No male CBT therapist; client agreed to start.")
    assert AuditEvent.objects.get(action="allocate").new["unmet_essentials"]


def test_allocate_two_people_at_once_one_gets_a_conflict(pathway: Pathway) -> None:
    stale = WaitingListEntry.unscoped.get(pk=pathway.entry.pk)
    _allocate(pathway, pathway.cast.alice_staff)
    with pytest.raises((ConcurrencyError, ActionError)):
        actions.allocate(
            entry=stale,
            expected_version=stale.version,
            therapist=pathway.cast.bob_staff,
            started_on=timezone.localdate(),
            by=pathway.cast.mo,
        )
    assert Episode.unscoped.filter(referral=pathway.waiting_referral).count() == 1


def test_allocate_stale_version_is_a_concurrency_error(pathway: Pathway) -> None:
    entry = WaitingListEntry.unscoped.get(pk=pathway.entry.pk)
    WaitingListEntry.unscoped.filter(pk=entry.pk).update(version=entry.version + 1)
    with pytest.raises(ConcurrencyError):
        actions.allocate(
            entry=entry,
            expected_version=entry.version,
            therapist=pathway.cast.alice_staff,
            started_on=timezone.localdate(),
            by=pathway.tess,
        )
    assert not Episode.unscoped.filter(referral=pathway.waiting_referral).exists()


def test_suggestions_rank_free_therapists_first(pathway: Pathway) -> None:
    suggestions = actions.suggestions_for(pathway.entry)
    fitting = [s.name for s in suggestions if s.fits]
    assert "Tess Triage" not in fitting  # a PWP does not work at step 3
    assert fitting  # Alice and Bob deliver CBT with room


# -- appointments --------------------------------------------------------------------------


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def test_book_appointment_in_the_past_is_refused(pathway: Pathway, today: dt.date) -> None:
    with pytest.raises(ActionError) as caught:
        records.book_appointment(
            referral=pathway.cast.referral,
            staff=pathway.cast.alice_staff,
            starts_at=_at(today - dt.timedelta(days=1), 10),
            by=pathway.cast.alice,
        )
    assert "past" in caught.value.errors["starts_at"]
    assert not Appointment.unscoped.exists()


def test_book_rebook_and_clash(pathway: Pathway, today: dt.date) -> None:
    cast = pathway.cast
    first = records.book_appointment(
        referral=cast.referral,
        staff=cast.alice_staff,
        starts_at=_at(today + dt.timedelta(days=2), 10),
        by=cast.alice,
    )
    with pytest.raises(ActionError) as caught:
        records.book_appointment(
            referral=cast.referral,
            staff=cast.alice_staff,
            starts_at=_at(today + dt.timedelta(days=2), 10) + dt.timedelta(minutes=20),
            by=cast.alice,
        )
    assert "already has an appointment" in caught.value.errors["starts_at"]
    assert AuditEvent.objects.filter(action="book_appointment").count() == 1  # not the clash
    moved = records.rebook_appointment(
        appointment=first,
        expected_version=first.version,
        starts_at=_at(today + dt.timedelta(days=3), 14),
        reason="Client asked for an afternoon.",
        by=cast.alice,
    )
    first.refresh_from_db()
    assert (first.status, first.rebooked_as) == (AppointmentStatus.REBOOKED, moved)
    assert AuditEvent.objects.filter(action="rebook_appointment").count() == 1


def test_missed_appointment_becomes_a_dna_contact(pathway: Pathway, today: dt.date) -> None:
    cast = pathway.cast
    booked = Appointment.unscoped.create(
        referral=cast.referral,
        episode=cast.episode,
        staff=cast.alice_staff,
        starts_at=_at(today - dt.timedelta(days=1), 10),
    )
    contact = records.record_appointment_outcome(
        appointment=booked, expected_version=booked.version, outcome="dna", by=cast.alice
    )
    assert (contact.attendance, contact.session_number) == ("3", None)
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.DID_NOT_ATTEND
    event = AuditEvent.objects.get(action="record_appointment_outcome")
    assert event.client_id == cast.client.pk


def _session(pathway: Pathway, day: dt.date, total: int = 12, **extra: object) -> Contact:
    episode = Episode.unscoped.get(pk=pathway.cast.episode.pk)
    return records.record_session(
        episode=episode,
        expected_version=episode.version,
        contact_date=day,
        attendance="5",
        questionnaires={"PHQ-9": phq9(total)},
        by=pathway.cast.alice,
        **extra,  # type: ignore[arg-type]
    )


def test_sessions_are_numbered_by_date_not_typing_order(pathway: Pathway, today: dt.date) -> None:
    late = _session(pathway, today - dt.timedelta(days=7))
    early = _session(pathway, today - dt.timedelta(days=21))
    middle = _session(pathway, today - dt.timedelta(days=14))
    numbers = {
        c.pk: c.session_number for c in Contact.unscoped.filter(referral=pathway.cast.referral)
    }
    assert (numbers[early.pk], numbers[middle.pk], numbers[late.pk]) == (1, 2, 3)


def test_attended_session_fulfils_the_booked_appointment(pathway: Pathway, today: dt.date) -> None:
    booked = Appointment.unscoped.create(
        referral=pathway.cast.referral,
        episode=pathway.cast.episode,
        staff=pathway.cast.alice_staff,
        starts_at=_at(today, 9),
    )
    contact = _session(pathway, today)
    booked.refresh_from_db()
    assert (booked.status, booked.contact) == (AppointmentStatus.ATTENDED, contact)


def test_second_session_same_day_needs_confirmation(pathway: Pathway, today: dt.date) -> None:
    _session(pathway, today)
    with pytest.raises(ActionError) as caught:
        _session(pathway, today, same_day_confirmed=False)
    assert "already recorded" in caught.value.errors["same_day_confirmed"]
    assert Contact.unscoped.count() == 1


def test_correct_session_date_renumbers_and_keeps_the_reason(
    pathway: Pathway, today: dt.date
) -> None:
    wrong = _session(pathway, today - dt.timedelta(days=2))
    other = _session(pathway, today - dt.timedelta(days=9))
    assert Contact.unscoped.get(pk=wrong.pk).session_number == 2
    records.correct_session(
        contact=Contact.unscoped.get(pk=wrong.pk),
        expected_version=wrong.version,
        reason="Typed the wrong date: it was the 16th.",
        changes={
            "contact_date": today - dt.timedelta(days=16),
            "questionnaires": {"PHQ-9": phq9(9)},
        },
        by=pathway.cast.alice,
    )
    assert Contact.unscoped.get(pk=wrong.pk).session_number == 1
    assert Contact.unscoped.get(pk=other.pk).session_number == 2
    event = AuditEvent.objects.get(action="correct_session")
    assert event.new["reason"] == "Typed the wrong date: it was the 16th."
    assert event.old["questionnaires"]["PHQ-9"] == phq9(12)


def test_correct_session_needs_a_reason_and_saves_nothing(pathway: Pathway, today: dt.date) -> None:
    contact = _session(pathway, today)
    with pytest.raises(ActionError) as caught:
        records.correct_session(
            contact=contact,
            expected_version=contact.version,
            reason="  ",
            changes={"notes": "changed"},
            by=pathway.cast.alice,
        )
    assert "reason" in caught.value.errors
    assert Contact.unscoped.get(pk=contact.pk).notes == ""


def test_entered_in_error_leaves_the_numbers_and_signal(pathway: Pathway, today: dt.date) -> None:
    first = _session(pathway, today - dt.timedelta(days=14))
    second = _session(pathway, today - dt.timedelta(days=7))
    records.mark_entered_in_error(
        contact=Contact.unscoped.get(pk=first.pk),
        expected_version=first.version,
        reason="Recorded for the wrong client.",
        by=pathway.cast.alice,
    )
    first.refresh_from_db()
    assert (first.in_error, first.session_number) == (True, None)
    assert Contact.unscoped.get(pk=second.pk).session_number == 1
    with pytest.raises(ActionError):
        records.mark_entered_in_error(
            contact=first, expected_version=first.version, reason="again", by=pathway.cast.alice
        )
    assert AuditEvent.objects.filter(action="mark_entered_in_error").count() == 1


def test_bob_cannot_correct_alices_session(pathway: Pathway, today: dt.date) -> None:
    from django.core.exceptions import PermissionDenied

    contact = _session(pathway, today)
    with pytest.raises(PermissionDenied):
        records.mark_entered_in_error(
            contact=contact, expected_version=contact.version, reason="x", by=pathway.cast.bob
        )


# -- change of course ------------------------------------------------------------------------


def test_step_up_to_another_therapist_keeps_the_history(pathway: Pathway, today: dt.date) -> None:
    cast = pathway.cast
    Episode.unscoped.filter(pk=cast.episode.pk).update(step=2)
    episode = Episode.unscoped.get(pk=cast.episode.pk)
    change = actions.change_course(
        episode=episode,
        expected_version=episode.version,
        kind=CourseChangeKind.STEP_UP,
        step=3,
        therapist=cast.bob_staff,
        reason="Guided self-help has not been enough; the client would like more support.",
        changed_on=today,
        by=cast.sue,
    )
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.CLOSED
    assert change.to_episode is not None
    assert (change.to_episode.therapist, change.to_episode.step) == (cast.bob_staff, 3)
    assert AuditEvent.objects.filter(action="change_course").count() == 1


def test_change_course_reason_that_blames_is_refused(pathway: Pathway, today: dt.date) -> None:
    episode = Episode.unscoped.get(pk=pathway.cast.episode.pk)
    with pytest.raises(ActionError) as caught:
        actions.change_course(
            episode=episode,
            expected_version=episode.version,
            kind=CourseChangeKind.BACK_TO_WAITING,
            reason="Client is non-compliant with homework",
            changed_on=today,
            by=pathway.cast.alice,
        )
    assert "fault" in caught.value.errors["reason"]
    assert not CourseChange.unscoped.exists()
    assert Episode.unscoped.get(pk=episode.pk).is_open


def test_back_to_waiting_list(pathway: Pathway, today: dt.date) -> None:
    episode = Episode.unscoped.get(pk=pathway.cast.episode.pk)
    actions.change_course(
        episode=episode,
        expected_version=episode.version,
        kind=CourseChangeKind.BACK_TO_WAITING,
        reason="Alice is leaving the service; the client waits for a new CBT therapist.",
        changed_on=today,
        by=pathway.cast.alice,
    )
    assert WaitingListEntry.unscoped.get(referral=pathway.cast.referral).left_on is None


# -- ending ------------------------------------------------------------------------------------


def _end(pathway: Pathway, code: str, **review: str) -> EndingReview:
    referral = Referral.unscoped.get(pk=pathway.cast.referral.pk)
    return actions.end_course(
        referral=referral,
        expected_version=referral.version,
        end_date=timezone.localdate(),
        end_code=code,
        review=actions.Review(**review),
        by=pathway.cast.alice,
    )


def test_end_course_completed_with_one_session_is_refused(pathway: Pathway, today: dt.date) -> None:
    _session(pathway, today - dt.timedelta(days=3), total=5)
    with pytest.raises(ActionError) as caught:
        _end(pathway, "46")
    assert "two treatment sessions" in caught.value.errors["end_code"]
    assert Referral.unscoped.get(pk=pathway.cast.referral.pk).is_open


def test_end_course_with_review(pathway: Pathway, today: dt.date) -> None:
    _session(pathway, today - dt.timedelta(days=14), total=16)
    _session(pathway, today - dt.timedelta(days=7), total=5)
    review = _end(pathway, "46", what_helped="Activity scheduling", what_next="Relapse plan")
    referral = Referral.unscoped.get(pk=pathway.cast.referral.pk)
    assert (referral.end_code, referral.end_date) == ("46", today)
    assert review.what_helped == "Activity scheduling"
    assert AuditEvent.objects.filter(action="record_ending_review").count() == 1
    with pytest.raises(ActionError) as caught:
        _end(pathway, "46")
    assert "already ended" in caught.value.errors["__all__"]


def test_end_course_at_caseness_asks_first(pathway: Pathway, today: dt.date) -> None:
    _session(pathway, today - dt.timedelta(days=14), total=16)
    _session(pathway, today - dt.timedelta(days=7), total=15)
    with pytest.raises(ActionError) as caught:
        _end(pathway, "48")
    assert {"whose_choice", "considered"} <= set(caught.value.errors)
    _end(pathway, "48", whose_choice="client", considered="not_wanted")
    assert EndingReview.unscoped.get().whose_choice == "client"


def test_end_course_after_missed_appointment_is_never_silent(
    pathway: Pathway, today: dt.date
) -> None:
    _session(pathway, today - dt.timedelta(days=14), total=5)
    f.ContactFactory(
        referral=pathway.cast.referral,
        episode=pathway.cast.episode,
        contact_date=today - dt.timedelta(days=7),
        attendance="3",
        session_number=None,
    )
    with pytest.raises(ActionError) as caught:
        _end(pathway, "47")
    assert "discharged silently" in caught.value.errors["end_code"]
    for day in (6, 4):
        actions.record_contact_attempt(
            referral=pathway.cast.referral,
            attempted_on=today - dt.timedelta(days=day),
            method="phone",
            outcome="no_answer",
            by=pathway.cast.alice,
        )
    assert ContactAttempt.unscoped.count() == 2
    _end(pathway, "47")


def test_follow_up_after_discharge_is_allowed(pathway: Pathway, today: dt.date) -> None:
    _session(pathway, today - dt.timedelta(days=14), total=16)
    _session(pathway, today - dt.timedelta(days=7), total=5)
    Referral.unscoped.filter(pk=pathway.cast.referral.pk).update(
        end_date=today - dt.timedelta(days=1), end_code="46"
    )
    Episode.unscoped.filter(pk=pathway.cast.episode.pk).update(
        status="closed", ended_on=today - dt.timedelta(days=1)
    )
    contact = records.record_follow_up(
        referral=Referral.unscoped.get(pk=pathway.cast.referral.pk),
        contact_date=today,
        attendance="5",
        questionnaires={"PHQ-9": phq9(4)},
        by=pathway.cast.alice,
    )
    assert (contact.app_type, contact.session_number) == ("06", None)
