"""What the pathway's pages share: who may use them, and lookups that return or 404."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.audit.events import record_view
from ontrack.web.common.actions import ActionError
from ontrack.web.common.forms import apply_action_errors
from ontrack.web.records.actions.tokens import claim_form_token, new_form_token, note_token_result
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


def save_form(
    request: AuthenticatedHttpRequest,
    form: forms.Form,
    save: Callable[[dict[str, Any]], Any],
    *,
    done: str,
    success: str | Callable[[Any], str],
    mapping: Mapping[str, str] | None = None,
    once: bool = False,
) -> HttpResponse | None:
    """Save a posted form through its action: a message and a redirect to ``done`` when it
    worked; the action's messages beside the fields when it did not (None: show the form
    again with status 400). The rules are the action's; nothing is saved on an error.

    ``once``: the form carries a one-time token (``form_page(..., once=True)``), claimed in
    the save's transaction, so going back and sending it again saves nothing twice."""
    if form.is_valid():
        try:
            if once:
                with transaction.atomic():
                    claimed = claim_form_token(request.POST.get("form_token"), by=request.user)
                    result = save(form.cleaned_data)
                    note_token_result(claimed, done)
            else:
                result = save(form.cleaned_data)
        except ActionError as error:
            apply_action_errors(form, error, mapping)
        else:
            text = success(result) if callable(success) else success
            if "risk alert was opened" in text:
                messages.warning(request, text)
            else:
                messages.success(request, text)
            return HttpResponseRedirect(done)
    return None


def form_page(
    request: AuthenticatedHttpRequest,
    referral: Referral,
    form: forms.Form,
    *,
    title: str,
    button: str,
    intro: str = "",
    once: bool = False,
) -> HttpResponse:
    """A pathway form on its own page (status 400 after a post that was not saved); with
    ``once``, its one-time token (a fresh one, or the one sent back with the refused post)."""
    token = ""
    if once:
        token = request.POST.get("form_token", "") or new_form_token()
    return render(
        request,
        "pathway/form_page.html",
        {
            "referral": referral,
            "client": referral.client,
            "form": form,
            "title": title,
            "intro": intro,
            "button": button,
            "form_token": token,
        },
        status=400 if request.method == "POST" else 200,
    )
