"""The service manager's data-protection pages for one client: the audit review (who saw or
changed this record, when), the subject access export (JSON and PDF) and erasure."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.audit.events import record_change, record_view
from ontrack.web.common.actions import ActionError
from ontrack.web.privacy.erasure import erase_client
from ontrack.web.privacy.pdf import subject_access_pdf
from ontrack.web.privacy.subject import (
    api_token_read,
    client_audit,
    subject_access,
    token_names,
)
from ontrack.web.records.models import Client
from ontrack.web.records.scoping import ViewerKind, viewer_for

PAGE_SIZE = 100


def _manager_client(request: AuthenticatedHttpRequest, client_id: int, page: str) -> Client:
    """The client, if the viewer is a manager of the client's service (404 / 403 if not)."""
    client = get_object_or_404(Client.objects.select_related("service"), pk=client_id)
    if viewer_for(request.user).kind != ViewerKind.MANAGER:
        raise PermissionDenied("Audit review and data protection are for the service manager.")
    record_view(by=request.user, page=page, target=client, client_id=client.pk)
    return client


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def client_audit_page(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    """Who saw or changed this client's record, and when, newest first."""
    client = _manager_client(request, client_id, "client_audit")
    page = Paginator(client_audit(client.pk), PAGE_SIZE).get_page(request.GET.get("page"))
    events = list(page.object_list)
    names = token_names(events)
    # Each API read with the integration that made it, named as when its token was made.
    rows = [
        (e, None if (t := api_token_read(e)) is None else f"API token {t} “{names.get(t, '')}”")
        for e in events
    ]
    context = {"client": client, "page": page, "rows": rows}
    return _no_store(render(request, "privacy/client_audit.html", context))


def _export_event(request: AuthenticatedHttpRequest, client: Client, form: str) -> None:
    record_change(
        by=request.user,
        action=f"subject_access_{form}",
        target=client,
        client_id=client.pk,
        new={"format": form},
    )


@require_GET
@login_required
def subject_access_json(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    """Everything held about the client, machine-readable (a subject access request)."""
    client = _manager_client(request, client_id, "subject_access")
    data = subject_access(client)
    _export_event(request, client, "json")
    response = HttpResponse(
        json.dumps(data, indent=1, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="subject-access-{client.pk}.json"'
    return _no_store(response)


@require_GET
@login_required
def subject_access_pdf_view(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    """The same export as a PDF a person can read."""
    client = _manager_client(request, client_id, "subject_access")
    data = subject_access(client)
    _export_event(request, client, "pdf")
    response = HttpResponse(subject_access_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="subject-access-{client.pk}.pdf"'
    return _no_store(response)


@require_http_methods(["GET", "POST"])
@login_required
def erase(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    """Erase the client's record (the manager types the record number to confirm)."""
    client = _manager_client(request, client_id, "erase_form")
    errors: dict[str, str] = {}
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        if request.POST.get("confirm", "").strip() != str(client.pk):
            errors["confirm"] = f"Type the record number, {client.pk}, to confirm."
        else:
            try:
                done = erase_client(client=client, by=request.user, reason=reason)
            except ActionError as error:
                errors = error.errors
            else:
                rows = sum(done.removed.values())
                messages.success(
                    request,
                    f"Record {done.client_id} erased: {rows} rows removed, "
                    f"{done.audit_events_blanked} audit events kept with their values blanked.",
                )
                return HttpResponseRedirect(reverse("caseload"))
    response = render(
        request,
        "privacy/erase.html",
        {"client": client, "errors": errors, "reason": request.POST.get("reason", "")},
        status=400 if errors else 200,
    )
    return _no_store(response)
