"""Rating a session, progress in plain words, homework the client reports, the next
appointment, the ending review and the experience questions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from tests.web.conftest import Cast, browser_as, gad7, phq9
from tests.web.portal.conftest import book

from ontrack.web.audit.models import AuditEvent
from ontrack.web.common.actions import ActionError
from ontrack.web.common.codes import AlertKind
from ontrack.web.portal.actions.requests import request_appointment_change
from ontrack.web.portal.models import AppointmentRequest, EndingReview, ExperienceAnswers
from ontrack.web.portal.progress import progress_words
from ontrack.web.records import actions
from ontrack.web.records.actions import HomeworkPlan, cancel_by_client
from ontrack.web.records.models import (
    Alert,
    AllianceResponse,
    AppointmentStatus,
    Contact,
    Homework,
)


def _session(cast: Cast, days_ago: int, phq: int, app_type: str = "02") -> Contact:
    cast.episode.refresh_from_db()
    return actions.record_session(
        episode=cast.episode,
        expected_version=cast.episode.version,
        contact_date=timezone.localdate() - dt.timedelta(days=days_ago),
        attendance="5",
        app_type=app_type,
        questionnaires={"PHQ-9": phq9(phq), "GAD-7": gad7(8)},
        by=cast.alice,
    )


def _osr(values: list[int]) -> dict[str, str]:
    return {f"item_{n}": str(v) for n, v in enumerate(values, 1)}


def test_rating_out_of_range_says_so_and_saves_nothing(cast: Cast) -> None:
    contact = _session(cast, 1, 15, "01")
    response = browser_as(cast, "cara").post(
        reverse("my_rate_session", args=[contact.pk]), _osr([8, 8, 11, 8])
    )
    assert response.status_code == 400
    assert "Question 3" in response.content.decode()
    assert AllianceResponse.unscoped.count() == 0


def test_rating_shows_provenance_and_who_sees_it(cast: Cast) -> None:
    contact = _session(cast, 1, 15, "01")
    text = browser_as(cast, "cara").get(reverse("my_rate_session", args=[contact.pk])).content
    page = text.decode()
    assert "OnTrack Session Rating" in page
    assert "Not a validated instrument" in page
    assert "Your therapist will see your rating" in page


def test_low_rating_feeds_the_rupture_check(cast: Cast) -> None:
    for days, phq in ((28, 16), (21, 15), (14, 14)):
        contact = _session(cast, days, phq, "01" if days == 28 else "02")
        if days != 28:
            AllianceResponse.unscoped.create(
                contact=contact, measure="OSR", items=[9] * 4, total=36
            )
    latest = _session(cast, 1, 14)
    response = browser_as(cast, "cara").post(
        reverse("my_rate_session", args=[latest.pk]), _osr([3, 2, 3, 2])
    )
    assert response.status_code == 302
    assert AllianceResponse.unscoped.get(contact=latest).total == 10
    assert Alert.unscoped.filter(kind=AlertKind.RUPTURE).exists()


def test_a_session_is_rated_once(cast: Cast) -> None:
    contact = _session(cast, 1, 15, "01")
    browser = browser_as(cast, "cara")
    browser.post(reverse("my_rate_session", args=[contact.pk]), _osr([8] * 4))
    again = browser.post(reverse("my_rate_session", args=[contact.pk]), _osr([2] * 4))
    assert again.status_code == 400
    assert "already been rated" in again.content.decode()
    assert AllianceResponse.unscoped.get().total == 32


def test_another_client_cannot_rate_the_session(cast: Cast) -> None:
    contact = _session(cast, 1, 15, "01")
    response = browser_as(cast, "dan").post(
        reverse("my_rate_session", args=[contact.pk]), _osr([8] * 4)
    )
    assert response.status_code == 404


def test_progress_in_plain_words_with_a_chart(cast: Cast) -> None:
    _session(cast, 21, 18, "01")
    _session(cast, 7, 11)
    page = browser_as(cast, "cara").get(reverse("my_progress")).content.decode()
    assert (
        "Your PHQ-9 has gone from 18 to 11 since you started: that is a reliable improvement."
        in page
    )
    assert 'role="img"' in page
    assert "svg" in page


def test_progress_words_cover_each_case() -> None:
    assert "not yet a reliable change" in progress_words("PHQ-9", 15, 12, 3)
    assert "for the worse" in progress_words("PHQ-9", 10, 17, 3)
    assert "below the usual line for depression" in progress_words("PHQ-9", 14, 6, 3)
    assert progress_words("GAD-7", 12, 12, 1).startswith("Your first GAD-7 score was 12.")


def test_client_reports_homework_before_the_review(cast: Cast) -> None:
    contact = _session(cast, 7, 15, "01")
    item = actions.set_homework(
        contact=contact, plan=HomeworkPlan(behaviour="Walk daily"), by=cast.alice
    )
    browser = browser_as(cast, "cara")
    bad = browser.post(reverse("my_homework_report", args=[item.pk]), {"outcome": "maybe"})
    assert bad.status_code == 400
    browser.post(
        reverse("my_homework_report", args=[item.pk]),
        {"outcome": "partly", "obstacles": "It rained all week."},
    )
    item = Homework.unscoped.get(pk=item.pk)
    assert (item.client_outcome, item.client_obstacles) == ("partly", "It rained all week.")
    assert item.version == 1  # the therapist's review form is not made stale


def test_rebook_request_keeps_the_booking_and_reaches_staff(cast: Cast) -> None:
    appointment = book(cast, 3)
    browser = browser_as(cast, "cara")
    page = browser.get(reverse("my_appointment")).content.decode()
    assert timezone.localtime(appointment.starts_at).strftime("%B") in page
    assert "10:00" in page
    browser.post(reverse("my_appointment"), {"kind": "rebook", "reason": "Mornings better"})
    (request,) = AppointmentRequest.unscoped.all()
    assert (request.kind, request.appointment, request.via_link) == ("rebook", appointment, False)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED  # staff move it, not the client
    again = browser.post(reverse("my_appointment"), {"kind": "rebook"})
    assert again.status_code == 400
    assert "already asked" in again.content.decode()
    inbox = browser_as(cast, "alice").get(reverse("requests_inbox")).content.decode()
    assert "Ask for another time" in inbox
    assert "Mornings better" in inbox
    assert AuditEvent.objects.filter(action="request_appointment_change").count() == 1


def test_client_cancels_the_pathway_appointment_and_the_week_shows_it(cast: Cast) -> None:
    appointment = book(cast, 2)
    later = book(cast, 9)
    browser = browser_as(cast, "cara")
    done = browser.post(reverse("my_appointment"), {"kind": "cancel", "reason": "Work shift"})
    assert done.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED_BY_CLIENT
    assert appointment.reason == "Work shift"
    assert appointment.contact is not None
    assert appointment.contact.attendance == "2"
    cast.episode.refresh_from_db()
    assert cast.episode.next_session_on == timezone.localdate(later.starts_at)
    assert AuditEvent.objects.filter(
        action="record_appointment_outcome", target_id=str(appointment.pk)
    ).exists()
    monday = timezone.localdate(appointment.starts_at)
    monday -= dt.timedelta(days=monday.weekday())
    week = browser_as(cast, "alice").get(f"{reverse('appointments')}?week={monday}")
    assert "Cancelled by the client" in week.content.decode()
    # The page now offers the next booking; the cancelled one cannot be cancelled twice.
    assert (
        timezone.localtime(later.starts_at).strftime("%-d %B")
        in browser.get(reverse("my_appointment")).content.decode()
    )
    with pytest.raises(ActionError):
        request_appointment_change(appointment=appointment, kind="cancel", reason="", by=cast.cara)


def test_no_booking_nothing_to_change(cast: Cast) -> None:
    browser = browser_as(cast, "cara")
    assert "no appointment booked" in browser.get(reverse("my_appointment")).content.decode()
    refused = browser.post(reverse("my_appointment"), {"kind": "cancel"})
    assert refused.status_code == 400
    assert AppointmentRequest.unscoped.count() == 0


def test_another_client_cannot_cancel(cast: Cast) -> None:
    appointment = book(cast, 2)
    with pytest.raises(PermissionDenied):
        request_appointment_change(appointment=appointment, kind="cancel", reason="", by=cast.dan)
    with pytest.raises(PermissionDenied):
        cancel_by_client(appointment=appointment, by=cast.alice)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_ending_review_needs_some_words_and_is_kept_once(cast: Cast) -> None:
    browser = browser_as(cast, "cara")
    empty = browser.post(reverse("my_ending_review"), {})
    assert empty.status_code == 400
    browser.post(
        reverse("my_ending_review"), {"helped": "The diary.", "next_steps": "Keep walking."}
    )
    review = EndingReview.unscoped.get()
    assert (review.referral_id, review.helped) == (cast.referral.pk, "The diary.")


def test_experience_questions_by_snomed_code(cast: Cast) -> None:
    browser = browser_as(cast, "cara")
    page = browser.get(reverse("my_experience", args=["end"])).content.decode()
    assert "Did staff listen to you and treat your concerns seriously?" in page
    missing = browser.post(reverse("my_experience", args=["end"]), {"747901000000107": "4"})
    assert missing.status_code == 400
    answers = dict.fromkeys(
        (
            "747901000000107",
            "747911000000109",
            "747921000000103",
            "747931000000101",
            "747941000000105",
        ),
        "3",
    )
    answers["747951000000108"] = "NA"
    browser.post(reverse("my_experience", args=["end"]), answers)
    saved = ExperienceAnswers.unscoped.get()
    assert saved.stage == "end"
    assert saved.answers["747951000000108"] == "NA"


def _waiting_after_assessment(cast: Cast) -> None:
    """Cara's course is not under way: assessed, waiting (no open episode)."""
    from ontrack.web.common.codes import AssessmentOutcome
    from ontrack.web.records.models import Assessment, Episode

    Episode.unscoped.filter(pk=cast.episode.pk).update(
        status="closed", ended_on=timezone.localdate()
    )
    Assessment.unscoped.create(
        referral=cast.referral,
        assessed_on=timezone.localdate() - dt.timedelta(days=3),
        assessor=cast.alice_staff,
        outcome=AssessmentOutcome.SUITABLE,
    )


_ASSESSMENT_PEQ = {
    "747861000000100": "Y",
    "747871000000107": "Y",
    "747881000000109": "Y",
    "904691000000103": "NA",
    "747891000000106": "4",
}


def test_assessment_questions_while_waiting_after_the_assessment(cast: Cast) -> None:
    browser = browser_as(cast, "cara")
    before = browser.get(reverse("my_experience", args=["assessment"])).content.decode()
    assert "once your assessment has taken place" in before  # nothing assessed yet
    _waiting_after_assessment(cast)
    page = browser.get(reverse("my_experience", args=["assessment"]))
    assert page.status_code == 200
    assert "How satisfied were you with your assessment?" in page.content.decode()
    assert (
        browser.post(reverse("my_experience", args=["assessment"]), _ASSESSMENT_PEQ).status_code
        == 302
    )
    saved = ExperienceAnswers.unscoped.get()
    assert (saved.referral_id, saved.stage) == (cast.referral.pk, "assessment")


def test_no_assessment_on_record_says_so_and_saves_nothing(cast: Cast) -> None:
    from ontrack.web.records.models import Episode

    Episode.unscoped.filter(pk=cast.episode.pk).update(
        status="closed", ended_on=timezone.localdate()
    )
    browser = browser_as(cast, "cara")
    page = browser.get(reverse("my_experience", args=["assessment"]))
    assert "once your assessment has taken place" in page.content.decode()
    refused = browser.post(reverse("my_experience", args=["assessment"]), _ASSESSMENT_PEQ)
    assert refused.status_code == 400
    assert ExperienceAnswers.unscoped.count() == 0


def test_after_the_ending_the_client_still_gives_their_part_and_it_reaches_staff(
    cast: Cast,
) -> None:
    from ontrack.web.pathway.models import EndingReview as StaffEndingReview
    from ontrack.web.records.models import Episode, Referral

    Episode.unscoped.filter(pk=cast.episode.pk).update(
        status="closed", ended_on=timezone.localdate()
    )
    Referral.unscoped.filter(pk=cast.referral.pk).update(
        end_date=timezone.localdate(), end_code="46"
    )
    browser = browser_as(cast, "cara")
    assert browser.get(reverse("my_ending_review")).status_code == 200
    assert browser.get(reverse("my_experience", args=["end"])).status_code == 200
    browser.post(reverse("my_ending_review"), {"helped": "The diary.", "next_steps": "Walks."})
    assert EndingReview.unscoped.get().referral_id == cast.referral.pk
    # Staff record the ending afterwards: the client's part is in it.
    staff_review = StaffEndingReview.unscoped.create(
        referral=cast.referral, what_helped="Activity scheduling", recorded_by=cast.alice
    )
    staff_review.refresh_from_db()
    assert staff_review.client_what_helped == "The diary."
    assert staff_review.client_what_next == "Walks."
    assert staff_review.client_gave_at is not None
    page = browser_as(cast, "alice").get(reverse("referral_detail", args=[cast.referral.pk]))
    assert "The diary." in page.content.decode()


def test_client_part_after_the_staff_ending_fills_it_in(cast: Cast) -> None:
    from ontrack.web.pathway.models import EndingReview as StaffEndingReview

    staff_review = StaffEndingReview.unscoped.create(referral=cast.referral, recorded_by=cast.alice)
    browser_as(cast, "cara").post(reverse("my_ending_review"), {"did_not_help": "Evenings."})
    staff_review.refresh_from_db()
    assert staff_review.client_what_did_not == "Evenings."
