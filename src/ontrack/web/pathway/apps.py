from __future__ import annotations

from django.apps import AppConfig


class PathwayConfig(AppConfig):
    name = "ontrack.web.pathway"
    label = "pathway"
    verbose_name = "Pathway: referral to discharge"
