"""URLs of the client's own pages (``/my/``), the link pages (``/l/``) and the staff pages
that go with them."""

from __future__ import annotations

from django.urls import path

from ontrack.web.portal import views
from ontrack.web.portal.views import client, concerns, links, recordings, staff

urlpatterns = [
    path("my/", client.my_home, name="my_home"),
    path("my/progress/", client.my_progress, name="my_progress"),
    path("my/goals/", client.my_goals, name="my_goals"),
    path("my/homework/", client.my_homework, name="my_homework"),
    path("my/homework/<int:homework_id>/", client.my_homework_report, name="my_homework_report"),
    path("my/appointment/", client.my_appointment, name="my_appointment"),
    path("my/sessions/<int:contact_id>/rate/", client.my_rate_session, name="my_rate_session"),
    path("my/ending/", client.my_ending_review, name="my_ending_review"),
    path("my/experience/<slug:stage>/", client.my_experience, name="my_experience"),
    path("my/messages/", client.my_messages, name="my_messages"),
    path("my/recordings/", recordings.my_recordings, name="my_recordings"),
    path(
        "episodes/<int:episode_id>/recordings/",
        recordings.therapist_recordings,
        name="therapist_recordings",
    ),
    path(
        "recordings/<int:recording_id>/audio/", recordings.recording_audio, name="recording_audio"
    ),
    path("my/concerns/", concerns.my_concerns, name="my_concerns"),
    path("my/concerns/new/", concerns.new_concern, name="new_concern"),
    path("my/concerns/<int:concern_id>/", concerns.my_concern, name="my_concern"),
    path("my/another-therapist/", concerns.another_therapist, name="another_therapist"),
    path("my/questionnaires/", views.my_questionnaires, name="my_questionnaires"),
    path(
        "my/questionnaires/<slug:key>/",
        views.complete_questionnaire,
        name="complete_questionnaire",
    ),
    path("l/<str:token>/", links.link_page, name="link_page"),
    path("l/<str:token>/q/<slug:key>/", links.link_questionnaire, name="link_questionnaire"),
    path("concerns/", concerns.concerns_inbox, name="concerns_inbox"),
    path("concerns/<int:concern_id>/", concerns.concern_detail, name="concern_detail"),
    path("concerns/<int:concern_id>/update/", concerns.concern_update, name="concern_update"),
    path("messages/", staff.messages_log, name="messages_log"),
    path("messages/<int:message_id>/retry/", staff.message_retry, name="message_retry"),
    path("requests/", staff.requests_inbox, name="requests_inbox"),
    path("requests/<int:request_id>/handled/", staff.request_handled, name="request_handled"),
    path("clients/<int:client_id>/online/", staff.online_settings, name="online_settings"),
]
