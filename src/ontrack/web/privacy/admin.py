from __future__ import annotations

from django.contrib import admin

from ontrack.web.accounts.admin import ServiceScopedAdmin
from ontrack.web.privacy.models import RetentionPolicy


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(ServiceScopedAdmin):
    """A service's administrator sets their own service's retention period only."""

    list_display = ("service", "keep_years")
