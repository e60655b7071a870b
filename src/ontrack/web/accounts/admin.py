"""The Django admin for service configuration: services, teams, staff, supervision, users.

Clinical records are deliberately absent: they change only through audited actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from ontrack.web.accounts.models import Service, Staff, Supervision, Team, User

if TYPE_CHECKING:
    # The admin classes are generic only to the type checker.
    TeamInlineBase = admin.TabularInline[Team, Service]
    ServiceAdminBase = admin.ModelAdmin[Service]
    TeamAdminBase = admin.ModelAdmin[Team]
    StaffAdminBase = admin.ModelAdmin[Staff]
    SupervisionAdminBase = admin.ModelAdmin[Supervision]
else:
    TeamInlineBase = admin.TabularInline
    ServiceAdminBase = TeamAdminBase = StaffAdminBase = SupervisionAdminBase = admin.ModelAdmin

admin.site.register(User, UserAdmin)


class TeamInline(TeamInlineBase):
    model = Team
    extra = 0


@admin.register(Service)
class ServiceAdmin(ServiceAdminBase):
    list_display = ("name", "code", "region")
    search_fields = ("name", "code")
    inlines = (TeamInline,)


@admin.register(Team)
class TeamAdmin(TeamAdminBase):
    list_display = ("name", "service")
    list_filter = ("service",)


@admin.register(Staff)
class StaffAdmin(StaffAdminBase):
    list_display = ("display_name", "role", "therapist_role", "service", "team", "caseload_limit")
    list_filter = ("service", "role", "therapist_role")
    list_select_related = ("user", "service", "team")
    search_fields = ("user__username", "user__first_name", "user__last_name", "practitioner_id")
    autocomplete_fields = ("user",)


@admin.register(Supervision)
class SupervisionAdmin(SupervisionAdminBase):
    list_display = ("supervisor", "supervisee", "started_on", "ended_on")
    list_select_related = ("supervisor__user", "supervisee__user")
    list_filter = ("supervisor__service",)
