"""Listening back: the client's and the therapist's pages for an episode's recordings, and
the audio itself (for those two people only, every play audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.common.actions import ActionError
from ontrack.web.portal.actions.recordings import (
    agree_to_recording,
    attach_recording,
    party_of,
    play_recording,
    withdraw_recording_consent,
)
from ontrack.web.portal.models import RecordingConsent, SessionRecording
from ontrack.web.portal.recordings import RecordingStoreError, is_configured
from ontrack.web.portal.views._client import me
from ontrack.web.records.models import Contact, Episode


def _page(request: AuthenticatedHttpRequest, episode: Episode, back: str) -> HttpResponse:
    if request.method == "POST":
        _post(request, episode)
        return HttpResponseRedirect(request.path)
    consent = RecordingConsent.objects.filter(episode=episode).first()
    sessions = list(
        Contact.objects.filter(episode=episode, attendance__in=["5", "6"]).order_by(
            "-contact_date"
        )[:10]
    )
    items = list(
        SessionRecording.objects.filter(contact__episode=episode, deleted_at__isnull=True)
        .select_related("contact")
        .order_by("-contact__contact_date")
    )
    context: dict[str, Any] = {
        "episode": episode,
        "consent": consent,
        "party": party_of(episode, request.user),
        "sessions": sessions,
        "items": items,
        "configured": is_configured(),
        "back": back,
    }
    return render(request, "portal/recordings.html", context)


def _post(request: AuthenticatedHttpRequest, episode: Episode) -> None:
    step = request.POST.get("do", "")
    try:
        if step == "agree":
            agree_to_recording(episode=episode, by=request.user)
            messages.success(request, "Your agreement is recorded.")
        elif step == "withdraw":
            n = withdraw_recording_consent(episode=episode, by=request.user)
            messages.success(request, f"Consent withdrawn; {n} recording(s) deleted.")
        elif step == "attach":
            contact = get_object_or_404(
                Contact.objects, pk=request.POST.get("contact") or 0, episode=episode
            )
            upload = request.FILES.get("audio")
            attach_recording(
                contact=contact,
                data=upload.read() if upload else b"",
                content_type=upload.content_type or "" if upload else "",
                by=request.user,
            )
            messages.success(request, "The recording is attached.")
        else:
            raise Http404("Unknown step.")
    except ActionError as error:
        for message in error.errors.values():
            messages.error(request, message)


@require_http_methods(["GET", "POST"])
@login_required
def my_recordings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The client's recordings of their current episode."""
    who = me(request)
    if who.episode is None:
        raise Http404("You have no current course of sessions.")
    return _page(request, who.episode, "my_home")


@require_http_methods(["GET", "POST"])
@login_required
def therapist_recordings(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """The therapist's side of one episode's recordings (the episode's own therapist only)."""
    episode = get_object_or_404(Episode.objects.select_related("referral"), pk=episode_id)
    if party_of(episode, request.user) != "therapist":
        raise PermissionDenied("Only the client and their therapist can use recordings.")
    return _page(request, episode, "caseload")


@require_GET
@login_required
def recording_audio(request: AuthenticatedHttpRequest, recording_id: int) -> HttpResponse:
    """The audio, decrypted for the client or their therapist; every play is audited."""
    recording = get_object_or_404(
        SessionRecording.objects.select_related("contact__episode", "contact__referral"),
        pk=recording_id,
    )
    try:
        data = play_recording(recording=recording, by=request.user)
    except (ActionError, RecordingStoreError) as error:
        raise Http404(str(error)) from error
    response = HttpResponse(data, content_type=recording.content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    return response
