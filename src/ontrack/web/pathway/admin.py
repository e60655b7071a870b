"""The admin for the pathway's configuration: the signposting directory and intake text.

Clinical records are absent: they change only through audited actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin

from ontrack.web.pathway.models import IntakeSettings, SignpostService

if TYPE_CHECKING:
    SignpostAdminBase = admin.ModelAdmin[SignpostService]
    IntakeAdminBase = admin.ModelAdmin[IntakeSettings]
else:
    SignpostAdminBase = IntakeAdminBase = admin.ModelAdmin


@admin.register(SignpostService)
class SignpostServiceAdmin(SignpostAdminBase):
    list_display = ("name", "helps_with", "service", "active")
    list_filter = ("service", "helps_with", "active")
    search_fields = ("name",)


@admin.register(IntakeSettings)
class IntakeSettingsAdmin(IntakeAdminBase):
    list_display = ("service",)
