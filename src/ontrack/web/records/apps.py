from __future__ import annotations

from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "ontrack.web.records"
    label = "records"
    verbose_name = "Care records"
