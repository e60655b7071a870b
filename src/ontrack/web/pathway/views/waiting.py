"""The waiting list (``/waiting-list/``), allocation, waiting-well check-ins and attempts
to keep in touch."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from ontrack.pathway.clocks import EIGHTEEN_WEEKS, SIX_WEEKS
from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.accounts.models import Staff
from ontrack.web.audit.events import record_list_view
from ontrack.web.common.codes import Step, Therapy
from ontrack.web.pathway import actions
from ontrack.web.pathway.actions.reallocation import REALLOCATION_REASON, open_episode_of
from ontrack.web.pathway.actions.waiting import check_in_where
from ontrack.web.pathway.forms import (
    AllocateForm,
    CheckInForm,
    ContactAttemptForm,
    typed_questionnaires,
)
from ontrack.web.pathway.models import WaitingCheckIn, WaitingListEntry
from ontrack.web.pathway.permissions import can_allocate
from ontrack.web.pathway.views._common import (
    form_page,
    referral_for,
    require_triage,
    save_form,
    service_of,
)
from ontrack.web.pathway.waits import joining_estimates, wait_estimate_for
from ontrack.web.records import permissions
from ontrack.web.records.actions.risk import (
    alert_risk_answers,
    open_risk_alert_of,
    risk_alert_message,
)
from ontrack.web.records.models import Appointment, AppointmentStatus, Assessment
from ontrack.web.records.scoping import today
from ontrack.web.records.views._common import viewer_of

PAGE_SIZE = 100
CHECK_IN_EVERY = 28  # days between waiting-well check-ins


def _filters(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    step = request.GET.get("step", "")
    therapy = request.GET.get("therapy", "")
    chosen: dict[str, Any] = {}
    if step.isdigit() and int(step) in Step.values:
        chosen["step"] = int(step)
    if therapy in Therapy.values:
        chosen["therapy"] = therapy
    return chosen


@require_GET
@login_required
def waiting_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everyone waiting, longest first, per step and therapy, with the NHS TT clocks."""
    viewer = require_triage(request, "The waiting list")
    waiting = WaitingListEntry.objects.filter(
        left_on__isnull=True, referral__client__service_id=service_of(viewer)
    )
    groups = list(
        waiting.values("step", "therapy").annotate(n=Count("pk")).order_by("step", "therapy")
    )
    chosen = _filters(request)
    rows = (
        waiting.filter(**chosen)
        .select_related("referral__client")
        # Correlated subqueries run for the page's rows only (a join and GROUP BY would
        # aggregate the whole list before the page is cut).
        .annotate(
            assessed_on=Subquery(
                Assessment.unscoped.filter(referral_id=OuterRef("referral_id"))
                .order_by("assessed_on")
                .values("assessed_on")[:1]
            ),
            last_check_in=Subquery(
                WaitingCheckIn.unscoped.filter(referral_id=OuterRef("referral_id"))
                .order_by("-checked_on")
                .values("checked_on")[:1]
            ),
        )
        .order_by("added_on", "pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    day = today()
    entry: Any
    for entry in page.object_list:
        entry.waited = (day - entry.referral.referral_date).days
        entry.on_list = (day - entry.added_on).days
        since = entry.last_check_in or entry.added_on
        entry.check_in_due = (day - since).days >= CHECK_IN_EVERY
    labels = dict(Therapy.choices)
    estimates = joining_estimates(
        service_of(viewer), {(g["step"], g["therapy"]): g["n"] for g in groups}
    )
    shown: list[dict[str, Any]] = [
        {
            **g,
            "therapy_label": labels.get(g["therapy"], "Any"),
            "estimate": estimates[(g["step"], g["therapy"])],
        }
        for g in groups
    ]
    record_list_view(
        by=request.user,
        page="waiting_list",
        path=request.get_full_path(),
        client_ids=[entry.referral.client_id for entry in page.object_list],
    )
    return render(
        request,
        "pathway/waiting_list.html",
        {
            "page": page,
            "groups": shown,
            "chosen": chosen,
            "reallocation_reason": REALLOCATION_REASON,
            "six_weeks": SIX_WEEKS,
            "eighteen_weeks": EIGHTEEN_WEEKS,
            "steps": Step.choices,
            "therapies": Therapy.choices,
        },
    )


def _therapist_choices(service_id: int) -> list[tuple[int, str]]:
    return [
        (s.pk, s.display_name)
        for s in Staff.objects.filter(service_id=service_id)
        .exclude(therapist_role="")
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    ]


@require_http_methods(["GET", "POST"])
@login_required
def allocate(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """Choose the therapist for a waiting client, with ranked suggestions and reasons."""
    referral = referral_for(request, referral_id, "allocate")
    viewer = viewer_of(request)
    if not can_allocate(viewer, referral.client.service_id):
        raise PermissionDenied("Allocation is for managers, supervisors and triage staff.")
    entry = get_object_or_404(
        WaitingListEntry.objects.select_related("referral__client"),
        referral=referral,
        left_on__isnull=True,
    )
    therapists = _therapist_choices(referral.client.service_id)
    form = AllocateForm(
        request.POST if request.method == "POST" else None,
        therapists=therapists,
        initial={"version": entry.version, "started_on": today()},
    )
    if request.method == "POST":
        saved = save_form(
            request,
            form,
            lambda data: actions.allocate(
                entry=entry,
                expected_version=data["version"],
                therapist=Staff.objects.get(pk=data["therapist"]),
                started_on=data.get("started_on"),  # type: ignore[arg-type]
                override_reason=data.get("override_reason") or "",
                unmet_reason=data.get("unmet_reason") or "",
                choice_reason=data.get("choice_reason") or "",
                by=request.user,
            ),
            done=reverse("referral_detail", args=[referral.pk]),
            success=lambda episode: f"Allocated to {episode.therapist}.",
        )
        if saved is not None:
            return saved
    suggestions = actions.suggestions_for(entry)
    current = open_episode_of(entry)
    still_booked = (
        list(
            Appointment.objects.filter(
                referral=referral,
                staff_id=current.therapist_id,
                status=AppointmentStatus.BOOKED,
                starts_at__gte=timezone.now(),
            ).order_by("starts_at")
        )
        if current is not None
        else []
    )
    return render(
        request,
        "pathway/allocate.html",
        {
            "current": current,
            "still_booked": still_booked,
            "estimate": wait_estimate_for(entry),
            "referral": referral,
            "client": referral.client,
            "entry": entry,
            "form": form,
            "suggestions": suggestions,
            "none_fit": not any(s.fits for s in suggestions),
            "ranked_by": suggestions[0].extra.get("ranked_by", "") if suggestions else "",
            "preferences": actions.needs_for(entry).preferences,
        },
        status=400 if request.method == "POST" else 200,
    )


def _editable(request: AuthenticatedHttpRequest, referral_id: int, page: str) -> Any:
    referral = referral_for(request, referral_id, page)
    if not permissions.can_edit_client(viewer_of(request), referral.client):
        raise PermissionDenied("You may not change this client's record.")
    return referral


_QUICK = {"questionnaire:PHQ-9": "phq9", "questionnaire:GAD-7": "gad7"}


def _check_in_message(item: WaitingCheckIn) -> str:
    alert = open_risk_alert_of(item.referral.client_id)
    risky = any(s.get("risk") for s in item.scores.values())
    return risk_alert_message(alert) if risky and alert is not None else "Check-in recorded."


@require_http_methods(["GET", "POST"])
@login_required
def check_in(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """A waiting-well check-in: questionnaires while waiting (a risk answer alerts)."""
    referral = _editable(request, referral_id, "check_in")
    form = CheckInForm(
        request.POST if request.method == "POST" else None, initial={"checked_on": today()}
    )
    if request.method == "POST":
        saved = save_form(
            request,
            form,
            lambda data: actions.record_check_in(
                referral=referral,
                checked_on=data.get("checked_on"),  # type: ignore[arg-type]
                questionnaires=form.questionnaires(),
                note=data.get("note") or "",
                still_wants_therapy=bool(data.get("still_wants_therapy")),
                by=request.user,
            ),
            done=reverse("referral_detail", args=[referral.pk]),
            once=True,
            success=lambda item: _check_in_message(item),
            mapping=_QUICK,
        )
        if saved is not None:
            return saved
        if not form.is_valid():
            # Not saved, but a risk answer typed on it reaches the client's risk alert.
            alert_risk_answers(
                referral=referral,
                questionnaires=typed_questionnaires(request.POST),
                where=check_in_where(form.cleaned_data.get("checked_on")),
                by=request.user,
            )
    return form_page(
        request,
        referral,
        form,
        title="Waiting-well check-in",
        intro="How is the client while they wait? A positive answer to a risk question opens "
        "(or updates) the client's risk alert, as at any session.",
        button="Save the check-in",
        once=True,
    )


@require_http_methods(["GET", "POST"])
@login_required
def contact_attempt(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """Record an attempt to reach the client, or an opt-in letter with its deadline."""
    referral = _editable(request, referral_id, "contact_attempt")
    form = ContactAttemptForm(
        request.POST if request.method == "POST" else None, initial={"attempted_on": today()}
    )
    if request.method == "POST":
        saved = save_form(
            request,
            form,
            lambda data: actions.record_contact_attempt(
                referral=referral,
                attempted_on=data.get("attempted_on"),  # type: ignore[arg-type]
                method=data.get("method") or "",
                outcome=data.get("outcome") or "",
                opt_in_by=data.get("opt_in_by"),
                note=data.get("note") or "",
                by=request.user,
            ),
            done=reverse("referral_detail", args=[referral.pk]),
            once=True,
            success="Recorded.",
        )
        if saved is not None:
            return saved
    return form_page(
        request,
        referral,
        form,
        title="Record an attempt to reach the client",
        intro="After a missed appointment, nobody is discharged without at least two attempts "
        "to reach them, or an opt-in letter whose reply-by date has passed.",
        button="Save",
        once=True,
    )


def default_start(day: dt.date) -> dt.datetime:
    """Tomorrow at 10:00, the booking form's first suggestion."""
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(10)))
