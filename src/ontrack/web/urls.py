"""URL configuration of the OnTrack web application."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "OnTrack service configuration"
admin.site.site_title = "OnTrack admin"
admin.site.index_title = "Services, teams and staff"

urlpatterns = [
    # The admin signs in through OnTrack's own sign-in: the lockout, the second factor and
    # the audit apply there too.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="login", query_string=True),
        name="admin_login",
    ),
    path("admin/", admin.site.urls),
    path("accounts/", include("ontrack.web.accounts.urls")),
    path("", include("ontrack.web.api.urls")),
    path("", include("ontrack.web.records.urls")),
    path("", include("ontrack.web.pathway.urls")),
    path("", include("ontrack.web.fidelity.urls")),
    path("", include("ontrack.web.canonical.urls")),
    path("", include("ontrack.web.portal.urls")),
    path("", include("ontrack.web.privacy.urls")),
]

# A database that is briefly away (a restart, a failover) answers 503 with Retry-After.
handler500 = "ontrack.web.common.errors.server_error"
