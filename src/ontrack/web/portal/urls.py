"""URLs of the client's own pages (under ``/my/``)."""

from __future__ import annotations

from django.urls import path

from ontrack.web.portal import views

urlpatterns = [
    path("my/questionnaires/", views.my_questionnaires, name="my_questionnaires"),
    # Before the questionnaire key: "fhir" would otherwise be read as one.
    path(
        "my/questionnaires/fhir/",
        views.fhir_questionnaire_response,
        name="fhir_questionnaire_response",
    ),
    path(
        "my/questionnaires/<slug:key>/",
        views.complete_questionnaire,
        name="complete_questionnaire",
    ),
]
