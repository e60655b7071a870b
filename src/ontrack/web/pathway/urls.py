"""URLs of the pathway's pages (not namespaced, as every app's)."""

from __future__ import annotations

from django.urls import path

from ontrack.web.pathway.views import appointments, course, intake, referral, risk, waiting

urlpatterns = [
    path("self-referral/", intake.self_referral, name="self_referral"),
    path("self-referral/sent/", intake.self_referral_done, name="self_referral_done"),
    path("intake/", intake.intake_queue, name="intake_queue"),
    path(
        "intake/self-referrals/<int:item_id>/",
        intake.self_referral_check,
        name="self_referral_check",
    ),
    path("referrals/new/", intake.new_referral, name="new_referral"),
    path("referrals/<int:referral_id>/", referral.referral_detail, name="referral_detail"),
    path("referrals/<int:referral_id>/assess/", referral.assess, name="assess"),
    path("waiting-list/", waiting.waiting_list, name="waiting_list"),
    path("referrals/<int:referral_id>/allocate/", waiting.allocate, name="allocate"),
    path("referrals/<int:referral_id>/check-in/", waiting.check_in, name="check_in"),
    path(
        "referrals/<int:referral_id>/contact-attempt/",
        waiting.contact_attempt,
        name="contact_attempt",
    ),
    path("appointments/", appointments.week, name="appointments"),
    path(
        "referrals/<int:referral_id>/appointments/new/", appointments.book, name="book_appointment"
    ),
    path(
        "appointments/<int:appointment_id>/",
        appointments.appointment_detail,
        name="appointment_detail",
    ),
    path("referrals/<int:referral_id>/change/", course.change_course, name="change_course"),
    path("referrals/<int:referral_id>/end/", course.end, name="end_referral"),
    path("referrals/<int:referral_id>/letter-<str:to>.pdf", course.letter, name="discharge_letter"),
    path("referrals/<int:referral_id>/follow-up/", course.follow_up, name="follow_up"),
    path("contacts/<int:contact_id>/correct/", course.correct, name="correct_contact"),
    path("alerts/<int:alert_id>/risk-review/", risk.risk_review, name="risk_review"),
]
