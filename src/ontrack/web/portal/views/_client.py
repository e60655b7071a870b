"""What every client page starts from: who the client is, their current referral and
episode, and their service's settings. Staff and other people get 403 here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.shortcuts import get_object_or_404

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.common.actions import ActionError
from ontrack.web.portal.config import portal_settings
from ontrack.web.portal.models import PortalSettings
from ontrack.web.records.actions.online import current_referral_of
from ontrack.web.records.models import Client, Episode, OnlineSettings, Referral
from ontrack.web.records.scoping import ViewerKind, viewer_for


@dataclass
class Me:
    """The signed-in client and what their pages need."""

    client: Client
    referral: Referral | None
    episode: Episode | None
    online: OnlineSettings
    settings: PortalSettings


def me(request: AuthenticatedHttpRequest) -> Me:
    """Return the signed-in client; refuse anyone who is not a client (403)."""
    viewer = viewer_for(request.user)
    if viewer.kind != ViewerKind.CLIENT or viewer.client_id is None:
        raise PermissionDenied("These pages are for clients, about their own care.")
    client = get_object_or_404(
        Client.objects.select_related("online_settings"), pk=viewer.client_id
    )
    referral = current_referral_of(client.pk)
    episode = None
    if referral is not None:
        episode = (
            Episode.objects.select_related("therapist__user")
            .filter(referral=referral, status="open")
            .first()
        )
    try:
        online = client.online_settings
    except ObjectDoesNotExist:
        online = OnlineSettings(client=client, version=0)
    return Me(client, referral, episode, online, portal_settings(client.service_id))


def reviewed_referral(who: Me, stage: str = "end") -> Referral | None:
    """The referral the client's ending review or experience questions are about: the one
    in treatment, else their latest (also once it has ended, or while they wait after the
    assessment). The assessment questions need an assessment on record."""
    if stage == "assessment":
        found = Referral.objects.filter(client=who.client, assessments__isnull=False)
        if who.referral is not None:
            found = found.filter(pk=who.referral.pk)
        return found.order_by("-referral_date", "-pk").first()
    if who.referral is not None:
        return who.referral
    return Referral.objects.filter(client=who.client).order_by("-referral_date", "-pk").first()


def summary_of(form: Any) -> list[tuple[str, str]]:
    """(link, message) for every error of a form, for the summary at the top."""
    links = [("", str(e)) for e in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name == "__all__":
            continue
        bound = form[name]
        radio = getattr(bound.field.widget, "input_type", "") in ("radio", "checkbox")
        anchor = f"#{bound.auto_id}_0" if radio else f"#{bound.id_for_label}"
        links.extend((anchor, str(e)) for e in errors)
    return links


def show_action_errors(form: Any, error: ActionError) -> None:
    """Put an action's messages on the form's fields (the rest at the top)."""
    for key, message in error.errors.items():
        form.add_error(key if key in form.fields else None, message)
    form.wire_errors()
