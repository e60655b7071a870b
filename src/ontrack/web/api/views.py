"""The tokens page: the service manager (or an administrator, for configuration only)
makes and revokes integration tokens. A new token's secret is shown once."""

from __future__ import annotations

import contextlib

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.api import tokens
from ontrack.web.api.forms import TokenForm
from ontrack.web.api.models import ApiToken
from ontrack.web.common.actions import ActionError
from ontrack.web.common.forms import apply_action_errors
from ontrack.web.records.scoping import Viewer, ViewerKind, viewer_for


def _manager_or_admin(request: AuthenticatedHttpRequest) -> Viewer:
    viewer = viewer_for(request.user)
    if viewer.kind not in (ViewerKind.MANAGER, ViewerKind.ADMIN) or viewer.staff is None:
        raise PermissionDenied("API tokens are made by the service manager.")
    return viewer


@login_required
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    viewer = _manager_or_admin(request)
    new_secret = None
    status = 200
    if request.method == "POST":
        form = TokenForm(request.POST, service_id=viewer.service_id)
        if form.is_valid():
            try:
                made = tokens.create_token(
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    resources=form.cleaned_data["resources"],
                    acting_as=form.cleaned_data["acting_as"],
                    by=request.user,
                )
            except ActionError as error:
                apply_action_errors(form, error)
            else:
                new_secret = made
                form = TokenForm(service_id=viewer.service_id)
        if form.errors:
            status = 400
    else:
        form = TokenForm(service_id=viewer.service_id, initial={"acting_as": request.user.pk})
    items = ApiToken.objects.filter(service_id=viewer.service_id or 0).select_related(
        "acting_as", "created_by"
    )
    response = render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": items, "new": new_secret, "viewer": viewer},
        status=status,
    )
    response["Cache-Control"] = "no-store"  # the page may hold a secret shown once
    return response


@require_POST
@login_required
def token_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    viewer = _manager_or_admin(request)
    token = get_object_or_404(ApiToken, pk=token_id, service_id=viewer.service_id)
    with contextlib.suppress(ActionError):  # already revoked: the list shows it
        tokens.revoke_token(token=token, by=request.user)
    return redirect("api_tokens")
