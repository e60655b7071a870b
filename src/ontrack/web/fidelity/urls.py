"""URLs of the fidelity audit pages."""

from __future__ import annotations

from django.urls import path

from ontrack.web.fidelity import views

urlpatterns = [
    path("clients/<int:client_id>/fidelity/", views.course_audit, name="course_audit"),
    path("clients/<int:client_id>/fidelity.pdf", views.course_audit_pdf, name="course_audit_pdf"),
    path("fidelity/", views.development, name="fidelity_development"),
    path("fidelity/service/", views.service_fidelity, name="service_fidelity"),
    path(
        "fidelity/therapists/<int:staff_id>/",
        views.therapist_development,
        name="therapist_development",
    ),
]
