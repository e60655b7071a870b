from __future__ import annotations

from django.apps import AppConfig


class CanonicalConfig(AppConfig):
    name = "ontrack.web.canonical"
    label = "canonical"
    verbose_name = "Canonical dataset"
