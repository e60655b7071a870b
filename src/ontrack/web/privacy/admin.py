from __future__ import annotations

from django.contrib import admin

from ontrack.web.privacy.models import RetentionPolicy


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin[RetentionPolicy]):
    list_display = ("service", "keep_years")
