"""What the pathway's pages share: who may use them, and lookups that return or 404."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.audit.events import record_view
from ontrack.web.records.models import Referral
from ontrack.web.records.scoping import Viewer
from ontrack.web.records.views._common import require_staff, viewer_of


def require_triage(request: AuthenticatedHttpRequest, what: str) -> Viewer:
    """Managers and staff who do triage; anyone else is refused (403)."""
    viewer = viewer_of(request)
    if not viewer.does_triage or viewer.service_id is None:
        raise PermissionDenied(f"{what} is for service managers and staff who do triage.")
    return viewer


def service_of(viewer: Viewer) -> int:
    """The viewer's service (staff always have one)."""
    if viewer.service_id is None:
        raise PermissionDenied("Only staff of a service may use this page.")
    return viewer.service_id


def referral_for(request: AuthenticatedHttpRequest, referral_id: int, page: str) -> Referral:
    """The referral if the viewer may see it (else 404), for staff only (else 403); the
    view is logged."""
    referral = get_object_or_404(Referral.objects.select_related("client__service"), pk=referral_id)
    require_staff(request, "This page")
    record_view(by=request.user, page=page, target=referral, client_id=referral.client_id)
    return referral
