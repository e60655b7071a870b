"""The Django admin for service configuration: services, teams, staff, supervision, users.

Clinical records are deliberately absent: they change only through audited actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from ontrack.web.accounts.models import Service, Staff, Supervision, Team, User
from ontrack.web.common.codes import Qualification, Therapy

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


class StaffForm(forms.ModelForm):  # type: ignore[type-arg]
    """Qualifications and therapies as ticked choices, languages as a typed list."""

    qualifications = forms.MultipleChoiceField(
        choices=Qualification.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="QualAttainLevelIAPT; the main one first in exports is the lowest code ticked.",
    )
    modalities = forms.MultipleChoiceField(
        choices=Therapy.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The therapies they deliver.",
    )
    languages = forms.CharField(
        required=False, help_text="Languages they work in, separated by commas (English, Urdu)."
    )

    class Meta:
        model = Staff
        fields = "__all__"  # noqa: DJ007 - the admin edits every field of a staff record

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["languages"] = ", ".join(self.instance.languages or [])

    def clean_languages(self) -> list[str]:
        text = self.cleaned_data.get("languages") or ""
        return [part.strip() for part in text.split(",") if part.strip()]


@admin.register(Staff)
class StaffAdmin(StaffAdminBase):
    form = StaffForm
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
