"""URLs of the machine interface: the REST API, FHIR, and the tokens page."""

from __future__ import annotations

from django.urls import path

from ontrack.web.api import fhir, views
from ontrack.web.api.rest import api

urlpatterns = [
    path("api/tokens/", views.token_list, name="api_tokens"),
    path("api/tokens/<int:token_id>/revoke/", views.token_revoke, name="api_token_revoke"),
    path("api/", api.urls),
    # FHIR's own paths: no trailing slash.
    path("fhir/metadata", fhir.metadata, name="fhir_metadata"),
    path("fhir/Questionnaire", fhir.questionnaire_search, name="fhir_questionnaires"),
    path("fhir/Questionnaire/<str:questionnaire_id>", fhir.questionnaire_read),
    path(
        "fhir/QuestionnaireResponse",
        fhir.questionnaire_responses,
        name="fhir_questionnaire_responses",
    ),
    path("fhir/QuestionnaireResponse/<str:response_id>", fhir.questionnaire_response_read),
    path("fhir/Observation", fhir.observation_search, name="fhir_observations"),
    path("fhir/Observation/<str:observation_id>", fhir.observation_read),
    path("fhir/Patient/<str:patient_id>", fhir.patient_read),
]
