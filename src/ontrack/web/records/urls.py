"""URLs of the care-record pages."""

from __future__ import annotations

from django.urls import path

from ontrack.web.records import views

urlpatterns = [
    path("", views.home, name="home"),
    path("caseload/", views.caseload, name="caseload"),
    path("clients/<int:client_id>/", views.client_timeline, name="client_timeline"),
    path("clients/<int:client_id>/record/", views.client_record, name="client_record"),
    path("clients/<int:client_id>/goals/", views.client_goals, name="client_goals"),
    path("clients/<int:client_id>/homework/", views.client_homework, name="client_homework"),
    path(
        "clients/<int:client_id>/contacts/<int:contact_id>/",
        views.contact_detail,
        name="contact_detail",
    ),
    path(
        "clients/<int:client_id>/episodes/<int:episode_id>/sessions/new/",
        views.record_session,
        name="record_session",
    ),
    path("goals/<int:goal_id>/", views.goal_update, name="goal_update"),
    path("homework/<int:homework_id>/sheet/", views.homework_sheet, name="homework_sheet"),
    path(
        "homework/<int:homework_id>/sheet.pdf",
        views.homework_sheet_pdf,
        name="homework_sheet_pdf",
    ),
    path("alerts/", views.alerts_inbox, name="alerts_inbox"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:alert_id>/review/", views.alert_review, name="alert_review"),
    *(
        path(
            f"alerts/<int:alert_id>/{step}/",
            views.alert_update,
            {"step": step},
            name=f"alert_{step}",
        )
        for step in ("acknowledge", "action", "close")
    ),
    path("episodes/<int:episode_id>/review/", views.episode_review, name="episode_review"),
    path("supervision/", views.supervision_queue, name="supervision_queue"),
    path(
        "supervision/episodes/<int:episode_id>/",
        views.supervision_notes,
        name="supervision_notes",
    ),
]
