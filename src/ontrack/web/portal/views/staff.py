"""Staff pages of the client's side: messages (failed deliveries first), appointment
requests, and each client's online settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ontrack.measures.definition import Kind
from ontrack.measures.loader import registry
from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.audit.events import record_change, record_list_view, record_view
from ontrack.web.common.actions import ActionError
from ontrack.web.notify.models import Message, MessageStatus
from ontrack.web.notify.outbox import retry_message
from ontrack.web.portal.actions.requests import handle_appointment_request
from ontrack.web.portal.forms import OnlineSettingsForm
from ontrack.web.portal.models import AppointmentRequest
from ontrack.web.portal.views._client import show_action_errors, summary_of
from ontrack.web.records import permissions
from ontrack.web.records.actions import set_online_settings
from ontrack.web.records.actions.online import online_settings_of
from ontrack.web.records.models import Client, Episode
from ontrack.web.records.scoping import viewer_for


def _clinical(request: AuthenticatedHttpRequest) -> None:
    if viewer_for(request.user).kind not in permissions.CLINICAL:
        raise PermissionDenied("This page is for the service's clinical staff.")


@require_GET
@login_required
def messages_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Messages to the viewer's clients: failed deliveries first, then the latest 100."""
    _clinical(request)
    failed = list(
        Message.objects.select_related("client").filter(status=MessageStatus.FAILED)[:200]
    )
    recent = list(
        Message.objects.select_related("client").exclude(status=MessageStatus.FAILED)[:100]
    )
    record_list_view(
        by=request.user,
        page="messages_log",
        path=request.get_full_path(),
        client_ids=[message.client_id for message in [*failed, *recent]],
    )
    return render(request, "portal/messages_log.html", {"failed": failed, "recent": recent})


@require_POST
@login_required
def message_retry(request: AuthenticatedHttpRequest, message_id: int) -> HttpResponse:
    """Send a failed message again."""
    _clinical(request)
    message = get_object_or_404(Message.objects, pk=message_id)
    before = message.status
    with transaction.atomic():
        retried = retry_message(message)
        if retried.status != before:  # staff sent it again: audited (found by the form fuzz)
            record_change(
                by=request.user,
                action="retry_message",
                target=retried,
                client_id=retried.client_id,
                old={"status": before},
                new={"status": retried.status},
            )
    messages.success(request, "It will be sent again in a moment.")
    return HttpResponseRedirect(reverse("messages_log"))


@require_GET
@login_required
def requests_inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Clients' requests to cancel or move appointments, open ones first."""
    _clinical(request)
    items = list(
        AppointmentRequest.objects.select_related(
            "referral__client", "appointment__staff__user", "appointment__rebooked_as"
        ).order_by("handled_at", "-requested_at")[:200]
    )
    record_list_view(
        by=request.user,
        page="requests_inbox",
        path=request.get_full_path(),
        client_ids=[item.referral.client_id for item in items],
    )
    return render(request, "portal/requests_inbox.html", {"items": items})


@require_POST
@login_required
def request_handled(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    _clinical(request)
    item = get_object_or_404(AppointmentRequest.objects, pk=request_id)
    try:
        handle_appointment_request(request=item, by=request.user)
    except ActionError as error:
        messages.error(request, " ".join(error.errors.values()))
    return HttpResponseRedirect(reverse("requests_inbox"))


def _online_choices() -> list[tuple[str, str]]:
    measures, _aliases = registry()
    return sorted(
        (m.code, f"{m.code} – {m.name}")
        for m in measures.values()
        if m.kind is Kind.OUTCOME and m.has_text
    )


@require_http_methods(["GET", "POST"])
@login_required
def online_settings(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    """The therapist decides which questionnaires the client is asked online, how often,
    and whether the client sees their own session ratings."""
    client = get_object_or_404(Client.objects, pk=client_id)
    viewer = viewer_for(request.user)
    if not permissions.can_edit_client(viewer, client):
        raise PermissionDenied("You may not change this client's online settings.")
    current = online_settings_of(client.pk)
    initial = {
        "measures": current.measures,
        "frequency": current.frequency,
        "show_alliance": "yes" if current.show_alliance else "no",
        "version": current.version,
    }
    form = OnlineSettingsForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        measure_choices=_online_choices(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            set_online_settings(
                client=client,
                expected_version=form.cleaned_data["version"],
                measures=form.cleaned_data["measures"],
                frequency=form.cleaned_data["frequency"],
                show_alliance=form.cleaned_data["show_alliance"],
                by=request.user,
            )
        except ActionError as error:
            show_action_errors(form, error)
        else:
            messages.success(request, "Saved.")
            return HttpResponseRedirect(reverse("online_settings", args=[client.pk]))
    record_view(by=request.user, page="online_settings", target=client, client_id=client.pk)
    episode = Episode.objects.filter(referral__client=client, status="open").first()
    context = {"client": client, "form": form, "summary": summary_of(form), "episode": episode}
    return render(
        request, "portal/online_settings.html", context, status=400 if form.errors else 200
    )
