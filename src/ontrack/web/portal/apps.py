from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ontrack.web.portal"
    label = "portal"
    verbose_name = "The client's side"
