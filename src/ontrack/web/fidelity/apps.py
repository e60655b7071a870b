from __future__ import annotations

from django.apps import AppConfig


class FidelityConfig(AppConfig):
    name = "ontrack.web.fidelity"
    label = "fidelity_audit"
    verbose_name = "Fidelity audit"
