"""The supervisor's queue: supervisees' cases that need discussing, caseloads against
limits, and supervision notes per case."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, Min, OuterRef, Q, Subquery
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.accounts.models import Staff
from ontrack.web.audit.events import record_list_view, record_view
from ontrack.web.common.codes import AlertKind, AlertStatus, EpisodeStatus, SignalStatus
from ontrack.web.common.forms import apply_action_errors
from ontrack.web.records import actions, permissions
from ontrack.web.records.forms.supervision import SupervisionNoteForm
from ontrack.web.records.models import Alert, Episode, SupervisionNote
from ontrack.web.records.scoping import Viewer, ViewerKind
from ontrack.web.records.views._common import require_staff, viewer_of
from ontrack.web.records.views.alerts import UNRESOLVED


def _supervisees(viewer: Viewer) -> list[Staff]:
    staff = Staff.objects.select_related("user").exclude(therapist_role="")
    if viewer.kind == ViewerKind.SUPERVISOR:
        staff = staff.filter(pk__in=viewer.supervisee_ids())
    elif viewer.service_id is not None:
        staff = staff.filter(service_id=viewer.service_id)
    else:
        return []
    return list(staff.order_by("user__last_name", "user__first_name"))


def _alert_age(**conditions: Any) -> Subquery:
    return Subquery(
        Alert.unscoped.filter(referral_id=OuterRef("referral_id"), **conditions)
        .exclude(status=AlertStatus.CLOSED)
        .order_by()
        .values("referral_id")
        .annotate(first=Min("opened_at"))
        .values("first")
    )


def _count(**conditions: Any) -> Subquery:
    return Subquery(
        Alert.unscoped.filter(referral_id=OuterRef("referral_id"), **conditions)
        .exclude(status=AlertStatus.CLOSED)
        .order_by()
        .values("referral_id")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def queue_episodes(therapist_ids: list[int]) -> list[Episode]:
    """Return the open episodes needing discussion: risk, off track or unacknowledged alerts."""
    last_note = (
        SupervisionNote.unscoped.filter(episode_id=OuterRef("pk"))
        .order_by("-written_at")
        .values("written_at")[:1]
    )
    episodes = (
        Episode.objects.filter(status=EpisodeStatus.OPEN, therapist_id__in=therapist_ids)
        .select_related("referral__client", "therapist__user")
        .annotate(
            risk_alerts=_count(kind=AlertKind.RISK),
            unacknowledged=_count(status=AlertStatus.OPEN),
            off_track_since=_alert_age(kind=AlertKind.OFF_TRACK),
            oldest_unacknowledged=_alert_age(status=AlertStatus.OPEN),
            oldest_alert=_alert_age(),
            last_note=Subquery(last_note),
        )
        .filter(Q(signal=SignalStatus.OFF_TRACK) | Q(risk_alerts__gt=0) | Q(unacknowledged__gt=0))
        .order_by("-risk_alerts", "oldest_unacknowledged", "off_track_since", "pk")
    )
    return list(episodes)


def caseloads(therapists: list[Staff]) -> list[dict[str, Any]]:
    """Return each therapist's open cases against their limit, with off-track and alert counts."""
    ids = [t.pk for t in therapists]
    rows: dict[int, dict[str, Any]] = {
        row["therapist_id"]: dict(row)
        for row in Episode.objects.filter(status=EpisodeStatus.OPEN, therapist_id__in=ids)
        .values("therapist_id")
        .annotate(
            open=Count("pk"),
            off_track=Count("pk", filter=Q(signal=SignalStatus.OFF_TRACK)),
            behind=Count("pk", filter=Q(signal=SignalStatus.BEHIND)),
        )
    }
    unacknowledged = dict(
        Alert.objects.filter(status=AlertStatus.OPEN, referral__episodes__therapist_id__in=ids)
        .filter(referral__episodes__status=EpisodeStatus.OPEN)
        .values_list("referral__episodes__therapist_id")
        .annotate(n=Count("pk", distinct=True))
    )
    out = []
    for t in therapists:
        row: dict[str, Any] = rows.get(t.pk, {})
        open_cases = int(row.get("open", 0))
        limit = t.caseload_limit or None
        out.append(
            {
                "therapist": t,
                "open": open_cases,
                "limit": limit,
                "over": limit is not None and open_cases > limit,
                "percent": min(round(100 * open_cases / limit), 100) if limit else None,
                "off_track": int(row.get("off_track", 0)),
                "behind": int(row.get("behind", 0)),
                "unacknowledged": int(unacknowledged.get(t.pk, 0)),
            }
        )
    return out


@require_GET
@login_required
def supervision_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The supervision queue for a supervisor (their supervisees) or a manager (everyone)."""
    viewer = viewer_of(request)
    if viewer.kind not in (ViewerKind.SUPERVISOR, ViewerKind.MANAGER):
        raise PermissionDenied("The supervision queue is for supervisors and managers.")
    therapists = _supervisees(viewer)
    episodes = queue_episodes([t.pk for t in therapists])
    record_list_view(
        by=request.user,
        page="supervision_queue",
        path=request.get_full_path(),
        client_ids=[episode.referral.client_id for episode in episodes],
    )
    return render(
        request,
        "records/supervision_queue.html",
        {
            "viewer": viewer,
            "episodes": episodes,
            "caseloads": caseloads(therapists),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def supervision_notes(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """Supervision notes on one case; the therapist's supervisor writes them."""
    viewer = require_staff(request, "Supervision notes")
    episode = get_object_or_404(
        Episode.objects.select_related("referral__client", "therapist__user"), pk=episode_id
    )
    client = episode.referral.client
    record_view(by=request.user, page="supervision_notes", target=client, client_id=client.pk)
    can_write = permissions.can_supervise(viewer, episode)
    form = SupervisionNoteForm()
    status = 200
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied("Only the therapist's supervisor writes supervision notes.")
        form = SupervisionNoteForm(request.POST)
        if form.is_valid():
            try:
                actions.add_supervision_note(
                    episode=episode,
                    note=form.cleaned_data["note"],
                    agreed_actions=form.cleaned_data["agreed_actions"],
                    by=request.user,
                )
            except actions.ActionError as error:
                apply_action_errors(form, error)
            else:
                messages.success(request, "Supervision note saved.")
                return HttpResponseRedirect(reverse("supervision_notes", args=[episode.pk]))
        status = 400
    return render(
        request,
        "records/supervision_notes.html",
        {
            "client": client,
            "episode": episode,
            "notes": list(episode.supervision_notes.select_related("written_by")),
            "alerts": list(
                Alert.objects.filter(referral=episode.referral, status__in=UNRESOLVED).order_by(
                    "opened_at"
                )
            ),
            "form": form,
            "can_write": can_write,
            "staff_view": True,
            "tab": "supervision",
        },
        status=status,
    )
