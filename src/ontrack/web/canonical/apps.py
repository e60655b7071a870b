from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_save


class CanonicalConfig(AppConfig):
    name = "ontrack.web.canonical"
    label = "canonical"
    verbose_name = "Canonical dataset"

    def ready(self) -> None:
        from ontrack.web.audit.models import AuditEvent
        from ontrack.web.canonical.cells import on_audit_event

        # The dashboard's counts follow every audited change to a client (ADR 0093).
        post_save.connect(on_audit_event, sender=AuditEvent, dispatch_uid="dashboard-cells")
