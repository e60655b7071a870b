from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ontrack.web.accounts"
    label = "accounts"
    verbose_name = "Services and staff"

    def ready(self) -> None:
        from ontrack.web.accounts import admin, audit, checks  # noqa: F401 - checks register

        audit.connect()
        admin.hide_secrets()
