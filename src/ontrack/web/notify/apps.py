from __future__ import annotations

from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "ontrack.web.notify"
    label = "notify"
    verbose_name = "Messages to clients"
