"""URLs of the machine interface: the REST API, FHIR, and the tokens page."""

from __future__ import annotations

from django.urls import path

from ontrack.web.api import views
from ontrack.web.api.rest import api

urlpatterns = [
    path("api/tokens/", views.token_list, name="api_tokens"),
    path("api/tokens/<int:token_id>/revoke/", views.token_revoke, name="api_token_revoke"),
    path("api/", api.urls),
]
