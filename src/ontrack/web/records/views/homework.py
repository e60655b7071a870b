"""Homework: set a task to Beck's criteria, print the client's sheet (HTML or PDF)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.audit.events import record_view
from ontrack.web.common.codes import ATTENDED, EpisodeStatus
from ontrack.web.common.forms import apply_action_errors
from ontrack.web.records import actions, permissions
from ontrack.web.records.forms.homework import HomeworkForm
from ontrack.web.records.models import Contact, Episode, Homework, Referral
from ontrack.web.records.models.measures import BECK_CRITERIA
from ontrack.web.records.sheets import (
    CLIENT_HEADINGS,
    DAYS,
    REVIEW_QUESTIONS,
    homework_pdf,
    sheet_text,
)
from ontrack.web.records.views._common import STAFF_KINDS, client_for, current_referral, viewer_of


def _open_episode(referral: Referral) -> Episode | None:
    return (
        Episode.objects.filter(referral=referral, status=EpisodeStatus.OPEN)
        .select_related("therapist__user")
        .first()
    )


@require_http_methods(["GET", "POST"])
@login_required
def client_homework(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    """List the client's homework and its reviews; set a new task (POST)."""
    viewer = viewer_of(request)
    client = client_for(request, client_id, "client_homework")
    referral = current_referral(client, request.GET.get("referral"))
    if referral is None:
        raise Http404("This client has no referrals.")
    episode = _open_episode(referral)
    can_set = episode is not None and permissions.can_record_session(viewer, episode)
    attended = list(
        Contact.objects.filter(referral=referral, attendance__in=list(ATTENDED)).order_by(
            "-contact_date", "-pk"
        )[:12]
    )
    form = HomeworkForm(contacts=attended)
    status = 200
    if request.method == "POST":
        if not can_set:
            raise PermissionDenied(
                "Only the episode's therapist or their supervisor sets homework."
            )
        form = HomeworkForm(request.POST, contacts=attended)
        if form.is_valid():
            contact = next(c for c in attended if c.pk == form.cleaned_data["contact"])
            try:
                homework = actions.set_homework(contact=contact, plan=form.plan(), by=request.user)
            except actions.ActionError as error:
                apply_action_errors(
                    form, error, {f"new_homework.{name}": name for name, _ in BECK_CRITERIA}
                )
            else:
                messages.success(request, "Homework set. Print the sheet for the client.")
                return HttpResponseRedirect(reverse("homework_sheet", args=[homework.pk]))
        status = 400
    items = list(
        Homework.objects.filter(referral=referral)
        .select_related("set_contact", "reviewed_contact")
        .order_by("-set_contact__contact_date", "-pk")
    )
    context: dict[str, Any] = {
        "client": client,
        "referral": referral,
        "episode": episode
        or Episode.objects.filter(referral=referral).select_related("therapist__user").first(),
        "homework": items,
        "form": form,
        "can_set": can_set and bool(attended),
        "staff_view": viewer.kind in STAFF_KINDS,
        "tab": "homework",
    }
    return render(request, "records/homework.html", context, status=status)


def _sheet_parts(request: AuthenticatedHttpRequest, homework_id: int) -> tuple[Homework, Any]:
    homework = get_object_or_404(
        Homework.objects.select_related(
            "referral__client__service", "set_contact__therapist__user"
        ),
        pk=homework_id,
    )
    client = homework.referral.client
    record_view(by=request.user, page="homework_sheet", target=client, client_id=client.pk)
    therapist = homework.set_contact.therapist
    text = sheet_text(
        homework,
        client=client.full_name,
        therapist=therapist.display_name if therapist else "your therapist",
        service=client.service.name,
    )
    return homework, text


@require_GET
@login_required
def homework_sheet(request: AuthenticatedHttpRequest, homework_id: int) -> HttpResponse:
    """The printable sheet for the client (a print stylesheet gives a clean page)."""
    homework, text = _sheet_parts(request, homework_id)
    return render(
        request,
        "records/homework_sheet.html",
        {
            "homework": homework,
            "client": homework.referral.client,
            "sheet": text,
            "days": DAYS,
            "questions": REVIEW_QUESTIONS,
            "headings": CLIENT_HEADINGS,
        },
    )


@require_GET
@login_required
def homework_sheet_pdf(request: AuthenticatedHttpRequest, homework_id: int) -> HttpResponse:
    """The same sheet as a PDF, to email or print."""
    homework, text = _sheet_parts(request, homework_id)
    response = HttpResponse(homework_pdf(text), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="homework-{homework.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
