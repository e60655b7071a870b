"""What every page shares: the signed-in request, and lookups that return the object or 404.

The scoped managers make anything the viewer may not see simply not exist (404); what
they may see but not change is refused with 403. Every view of a client's record appends
an audit event.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.audit.events import record_view
from ontrack.web.common.codes import EpisodeStatus
from ontrack.web.records import permissions
from ontrack.web.records.models import Alert, Client, Episode, Referral
from ontrack.web.records.scoping import Viewer, ViewerKind, viewer_for

STAFF_KINDS = (ViewerKind.THERAPIST, ViewerKind.SUPERVISOR, ViewerKind.MANAGER)


def viewer_of(request: AuthenticatedHttpRequest) -> Viewer:
    return viewer_for(request.user)


def require_staff(request: AuthenticatedHttpRequest, what: str) -> Viewer:
    """Return the viewer if they are clinical staff; refuse anyone else with 403."""
    viewer = viewer_of(request)
    if viewer.kind not in STAFF_KINDS:
        raise PermissionDenied(f"{what} is for therapists, supervisors and managers.")
    return viewer


def client_for(request: AuthenticatedHttpRequest, client_id: int, page: str) -> Client:
    """Return the client if the viewer may see them (else 404), logging the view."""
    client = get_object_or_404(Client.objects.select_related("service"), pk=client_id)
    record_view(by=request.user, page=page, target=client, client_id=client.pk)
    return client


def staff_client_for(request: AuthenticatedHttpRequest, client_id: int, page: str) -> Client:
    """Like ``client_for`` but for staff-only pages: a client is refused (403)."""
    client = client_for(request, client_id, page)
    require_staff(request, "This page")
    return client


def episode_for(request: AuthenticatedHttpRequest, client: Client, episode_id: int) -> Episode:
    """Return the client's episode if the viewer may record its sessions (else 404/403)."""
    episode = get_object_or_404(
        Episode.objects.select_related("referral__client", "therapist__user"),
        pk=episode_id,
        referral__client=client,
    )
    if not permissions.can_record_session(viewer_of(request), episode):
        raise PermissionDenied("Only the episode's therapist or their supervisor records sessions.")
    return episode


def alert_for(request: AuthenticatedHttpRequest, alert_id: int) -> Alert:
    """Return the alert if the viewer may act on it (else 404/403)."""
    alert = get_object_or_404(
        Alert.objects.select_related(
            "referral__client", "contact", "opened_by", "acknowledged_by", "closed_by"
        ),
        pk=alert_id,
    )
    if not permissions.can_manage_alerts(viewer_of(request), alert.referral.client):
        raise PermissionDenied("You may not act on this alert.")
    return alert


def current_referral(client: Client, referral_id: str | None) -> Referral | None:
    """Return the referral asked for, else the one with an open episode, else the latest."""
    referrals = Referral.objects.filter(client=client)
    if referral_id and referral_id.isdigit():
        chosen = referrals.filter(pk=int(referral_id)).first()
        if chosen is not None:
            return chosen
    with_open = referrals.filter(episodes__status=EpisodeStatus.OPEN).order_by(
        "-referral_date", "-pk"
    )
    return with_open.first() or referrals.order_by("-referral_date", "-pk").first()
