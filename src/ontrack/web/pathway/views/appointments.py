"""Appointments: the signed-in person's week (``/appointments/``), booking, moving,
cancelling and recording a missed appointment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.accounts.models import Staff
from ontrack.web.audit.events import record_list_view
from ontrack.web.pathway.forms import BookForm, OutcomeForm, RebookForm
from ontrack.web.pathway.views._common import form_page, referral_for, save_form
from ontrack.web.pathway.views.waiting import default_start
from ontrack.web.records import actions, permissions
from ontrack.web.records.models import Appointment
from ontrack.web.records.scoping import Viewer, ViewerKind, today
from ontrack.web.records.views._common import require_staff, viewer_of


def _week_start(request: AuthenticatedHttpRequest) -> dt.date:
    asked = request.GET.get("week", "")
    try:
        day = dt.date.fromisoformat(asked) if asked else today()
    except ValueError:
        day = today()
    return day - dt.timedelta(days=day.weekday())


def _whose_week(request: AuthenticatedHttpRequest, viewer: Viewer) -> Staff:
    """The viewer's own week; a manager or supervisor may look at a colleague's
    (``?staff=ID``: any of a manager's service, a supervisor's supervisees)."""
    assert viewer.staff is not None
    asked = request.GET.get("staff", "")
    if not asked.isdigit() or int(asked) == viewer.staff.pk:
        return viewer.staff
    other = get_object_or_404(
        Staff.objects.select_related("user"), pk=int(asked), service_id=viewer.staff.service_id
    )
    if viewer.kind == ViewerKind.MANAGER or other.pk in viewer.supervisee_ids():
        return other
    raise PermissionDenied("You may look at your own week and your supervisees'.")


@require_GET
@login_required
def week(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One person's appointments, Monday to Sunday, with each day's list."""
    viewer = require_staff(request, "Appointments")
    staff = _whose_week(request, viewer)
    start = _week_start(request)
    end = start + dt.timedelta(days=7)
    zone = timezone.get_current_timezone()
    booked = list(
        Appointment.unscoped.filter(
            staff=staff,
            starts_at__gte=dt.datetime.combine(start, dt.time.min, zone),
            starts_at__lt=dt.datetime.combine(end, dt.time.min, zone),
        )
        .exclude(status="rebooked")
        .select_related("referral__client")
        .order_by("starts_at")
    )
    days: list[dict[str, Any]] = [
        {"day": start + dt.timedelta(days=n), "appointments": []} for n in range(7)
    ]
    for item in booked:
        days[timezone.localtime(item.starts_at).weekday()]["appointments"].append(item)
    colleagues: list[Staff] = []
    if viewer.kind in (ViewerKind.MANAGER, ViewerKind.SUPERVISOR):
        found = Staff.objects.filter(service_id=staff.service_id).exclude(therapist_role="")
        if viewer.kind == ViewerKind.SUPERVISOR:
            found = found.filter(pk__in=viewer.supervisee_ids())
        colleagues = list(found.select_related("user").order_by("user__last_name"))
    record_list_view(
        by=request.user,
        page="appointments",
        path=request.get_full_path(),
        client_ids=[item.referral.client_id for item in booked],
    )
    return render(
        request,
        "pathway/week.html",
        {
            "staff": staff,
            "days": days,
            "start": start,
            "previous": start - dt.timedelta(days=7),
            "next": end,
            "count": len(booked),
            "colleagues": colleagues,
            "own": staff.pk == (viewer.staff.pk if viewer.staff else None),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def book(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """Book an appointment for a referral."""
    referral = referral_for(request, referral_id, "book_appointment")
    viewer = viewer_of(request)
    if not permissions.can_book(viewer, referral.client):
        raise PermissionDenied("You may not book for this client.")
    staff = [
        (s.pk, s.display_name)
        for s in Staff.objects.filter(service_id=referral.client.service_id)
        .exclude(role="admin")
        .select_related("user")
        .order_by("user__last_name")
    ]
    initial = {
        "starts_at": default_start(today()),
        "staff": viewer.staff.pk if viewer.staff else None,
    }
    form = BookForm(
        request.POST if request.method == "POST" else None, staff=staff, initial=initial
    )
    if request.method == "POST":
        saved = save_form(
            request,
            form,
            lambda data: actions.book_appointment(
                referral=referral,
                staff=Staff.objects.get(pk=data["staff"]),
                starts_at=data.get("starts_at"),  # type: ignore[arg-type]
                minutes=data.get("minutes") or 50,
                app_type=data.get("app_type") or "",
                cons_mechanism=data.get("cons_mechanism") or "",
                by=request.user,
            ),
            done=reverse("referral_detail", args=[referral.pk]),
            success="Appointment booked.",
        )
        if saved is not None:
            return saved
    return form_page(request, referral, form, title="Book an appointment", button="Book")


@require_http_methods(["GET", "POST"])
@login_required
def appointment_detail(request: AuthenticatedHttpRequest, appointment_id: int) -> HttpResponse:
    """One appointment: move it, cancel it, or record that it was missed."""
    item = get_object_or_404(
        Appointment.objects.select_related("referral__client", "staff__user", "contact"),
        pk=appointment_id,
    )
    referral = referral_for(request, item.referral_id, "appointment_detail")
    if not permissions.can_book(viewer_of(request), referral.client):
        raise PermissionDenied("You may not change this client's appointments.")
    rebook = RebookForm(initial={"version": item.version, "starts_at": item.starts_at})
    outcome = OutcomeForm(initial={"version": item.version})
    done = reverse("referral_detail", args=[referral.pk])
    saved = None
    if request.method == "POST" and request.POST.get("move"):
        rebook = RebookForm(request.POST)
        saved = save_form(
            request,
            rebook,
            lambda data: actions.rebook_appointment(
                appointment=item,
                expected_version=data["version"],
                starts_at=data.get("starts_at"),  # type: ignore[arg-type]
                reason=data.get("reason") or "",
                by=request.user,
            ),
            done=done,
            success="Appointment moved.",
        )
    elif request.method == "POST":
        outcome = OutcomeForm(request.POST)
        saved = save_form(
            request,
            outcome,
            lambda data: actions.record_appointment_outcome(
                appointment=item,
                expected_version=data["version"],
                outcome=data["outcome"],
                reason=data.get("reason") or "",
                by=request.user,
            ),
            done=done,
            success="Recorded.",
        )
    if saved is not None:
        return saved
    return render(
        request,
        "pathway/appointment.html",
        {
            "item": item,
            "referral": referral,
            "client": referral.client,
            "rebook": rebook,
            "outcome": outcome,
            "session_url": reverse("record_session", args=[referral.client_id, item.episode_id])
            if item.episode_id
            else "",
        },
        status=400 if request.method == "POST" else 200,
    )
