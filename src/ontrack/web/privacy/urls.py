"""URLs of the data-protection pages."""

from __future__ import annotations

from django.urls import path

from ontrack.web.privacy import views

urlpatterns = [
    path("clients/<int:client_id>/access/", views.client_audit_page, name="client_audit"),
    path(
        "clients/<int:client_id>/subject-access.json",
        views.subject_access_json,
        name="subject_access_json",
    ),
    path(
        "clients/<int:client_id>/subject-access.pdf",
        views.subject_access_pdf_view,
        name="subject_access_pdf",
    ),
    path("clients/<int:client_id>/erase/", views.erase, name="erase_client"),
]
