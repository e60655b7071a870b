"""URLs of the pages computed from the records' canonical export."""

from __future__ import annotations

from django.urls import path

from ontrack.web.canonical import views

urlpatterns = [
    path("service/", views.service_dashboard, name="service_dashboard"),
]
