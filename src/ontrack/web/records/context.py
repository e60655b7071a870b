"""Template context: who is looking, so templates can show the right navigation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from ontrack.web.records.scoping import viewer_for


def viewer(request: HttpRequest) -> dict[str, Any]:
    """Add ``viewer`` (kind, staff, service) and the header settings to every template."""
    return {
        "viewer": viewer_for(request.user),
        "show_nhs_logo": getattr(settings, "SHOW_NHS_LOGO", False),
    }
