"""The admin for the pathway's configuration: the signposting directory and intake text.

Clinical records are absent: they change only through audited actions.
"""

from __future__ import annotations

from django.contrib import admin

from ontrack.web.accounts.admin import ServiceScopedAdmin
from ontrack.web.pathway.models import IntakeSettings, SignpostService


@admin.register(SignpostService)
class SignpostServiceAdmin(ServiceScopedAdmin):  # only the admin's own service's rows
    list_display = ("name", "helps_with", "service", "active")
    list_filter = ("service", "helps_with", "active")
    search_fields = ("name",)


@admin.register(IntakeSettings)
class IntakeSettingsAdmin(ServiceScopedAdmin):
    list_display = ("service",)
