"""Concerns, complaints and requests for another therapist: the client's pages and the
staff inbox (with ages against the service's timescales, and counts and times)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.audit.events import record_list_view, record_view
from ontrack.web.common.actions import ActionError
from ontrack.web.common.codes import (
    CONCERN_ROUTES,
    ConcernAddressee,
    ConcernKind,
    ConcernStage,
    next_concern_stage,
)
from ontrack.web.pathway.actions.reallocation import reallocation_group
from ontrack.web.pathway.models import WaitingListEntry
from ontrack.web.pathway.waits import wait_estimate, wait_estimate_for
from ontrack.web.portal.actions.requests import (
    ANOTHER_THERAPIST_WAIT,
    ask_for_another_therapist,
    raise_client_concern,
    reallocation_waiting,
)
from ontrack.web.portal.config import add_working_days, portal_settings, working_days_between
from ontrack.web.portal.forms import AnotherTherapistForm, ConcernForm, NoteForm
from ontrack.web.portal.models import PortalSettings, ProfessionalBody
from ontrack.web.portal.views._client import me, show_action_errors, summary_of
from ontrack.web.records import permissions
from ontrack.web.records.actions import acknowledge_concern, close_concern, escalate_concern
from ontrack.web.records.models import Concern
from ontrack.web.records.scoping import ViewerKind, viewer_for

# Who deals with each step, in words for the client.
STEP_WHO = {
    ConcernStage.RAISED: "the service (your therapist or their team)",
    ConcernStage.LOCAL_RESOLUTION: "the service manager",
    ConcernStage.FORMAL_COMPLAINT: "PALS (the Patient Advice and Liaison Service) or the "
    "integrated care board that pays for the service",
    ConcernStage.OMBUDSMAN: "the Parliamentary and Health Service Ombudsman, who is "
    "independent of the NHS",
    ConcernStage.PROFESSIONAL_BODY: "your therapist's professional body",
}


@dataclass(frozen=True)
class Step:
    stage: str
    who: str
    current: bool
    done: bool


def route_steps(concern: Concern, settings: PortalSettings) -> list[Step]:
    """The route's steps with where this concern is on it."""
    steps = CONCERN_ROUTES[concern.route]
    here = steps.index(concern.stage) if concern.stage in steps else len(steps)
    out = []
    for i, stage in enumerate(steps):
        who = STEP_WHO[ConcernStage(stage)]
        if stage == ConcernStage.PROFESSIONAL_BODY and settings.professional_body:
            body = ProfessionalBody(settings.professional_body)
            who = f"your therapist's professional body, the {body.label} ({body.value})"
        out.append(Step(stage, who, i == here and concern.is_open, i < here))
    return out


@dataclass(frozen=True)
class Timing:
    """A concern's age and its deadlines under the service's timescales."""

    age_days: int
    working_days: int
    acknowledge_by: Any
    respond_by: Any
    ack_overdue: bool
    overdue: bool


def timing(concern: Concern, settings: PortalSettings) -> Timing:
    today = timezone.localdate()
    raised = timezone.localdate(concern.raised_at)
    last = concern.steps.all()[len(concern.steps.all()) - 1].at if concern.steps.all() else None
    step_start = timezone.localdate(last) if last else raised
    ack_by = add_working_days(raised, settings.acknowledge_days)
    respond_by = add_working_days(step_start, settings.respond_days)
    return Timing(
        age_days=(today - raised).days,
        working_days=working_days_between(raised, today),
        acknowledge_by=ack_by,
        respond_by=respond_by,
        ack_overdue=concern.acknowledged_at is None and concern.is_open and today > ack_by,
        overdue=concern.is_open and today > respond_by,
    )


# -- the client's side ------------------------------------------------------------------------


def _form_page(request: Any, template: str, context: dict[str, Any], form: Any) -> HttpResponse:
    context = {**context, "form": form, "summary": summary_of(form)}
    return render(request, template, context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def new_concern(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Raise a concern or a complaint, without blame, to the therapist or the manager."""
    who = me(request)
    kind = request.GET.get("kind")
    form = ConcernForm(
        request.POST if request.method == "POST" else None, initial={"kind": kind} if kind else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            concern = raise_client_concern(
                client=who.client,
                referral=who.referral,
                kind=form.cleaned_data["kind"],
                summary=form.cleaned_data["summary"],
                addressed_to=form.cleaned_data["addressed_to"],
                by=request.user,
            )
        except ActionError as error:
            show_action_errors(form, error)
        else:
            messages.success(request, "Thank you for telling us. Here is what happens next.")
            return HttpResponseRedirect(reverse("my_concern", args=[concern.pk]))
    return _form_page(request, "portal/concern_new.html", {"me": who}, form)


@require_http_methods(["GET", "POST"])
@login_required
def another_therapist(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for another therapist: the reallocation starts on the waiting list, and the
    client is told the likely wait, the same figure staff see."""
    who = me(request)
    waiting = reallocation_waiting(who.referral)
    form = AnotherTherapistForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and waiting is None and form.is_valid():
        try:
            ask_for_another_therapist(
                client=who.client,
                referral=who.referral,
                episode=who.episode,
                reason=form.cleaned_data["summary"].strip() or "No reason given.",
                addressed_to=form.cleaned_data["addressed_to"],
                by=request.user,
            )
        except ActionError as error:
            show_action_errors(form, error)
        else:
            messages.success(request, "Your request has gone to the service.")
            return HttpResponseRedirect(reverse("another_therapist"))
    context = {
        "me": who,
        "wait": ANOTHER_THERAPIST_WAIT,
        "waiting": waiting,
        "estimate": _estimate(who, waiting),
        "asked": Concern.objects.filter(client=who.client, kind=ConcernKind.CHANGE_THERAPIST)
        .order_by("-raised_at")
        .first(),
    }
    return _form_page(request, "portal/another_therapist.html", context, form)


def _estimate(who: Any, waiting: WaitingListEntry | None) -> str:
    """The likely wait in words: theirs on the list, else for someone joining now."""
    if waiting is not None:
        return wait_estimate_for(waiting).words(you=True)
    if who.episode is None:
        return ""
    step, therapy = reallocation_group(who.episode)
    found = wait_estimate(service_id=who.client.service_id, step=step, therapy=therapy)
    return found.words()


@require_GET
@login_required
def my_concerns(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everything the client has raised, where each stands."""
    who = me(request)
    items = list(Concern.objects.filter(client=who.client).prefetch_related("steps"))
    return render(request, "portal/my_concerns.html", {"me": who, "items": items})


@require_http_methods(["GET", "POST"])
@login_required
def my_concern(request: AuthenticatedHttpRequest, concern_id: int) -> HttpResponse:
    """One concern: its steps, timescales, a prompt to escalate, withdraw."""
    who = me(request)
    concern = get_object_or_404(
        Concern.objects.prefetch_related("steps"), pk=concern_id, client=who.client
    )
    form = NoteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("do")
        try:
            if action == "withdraw":
                close_concern(
                    concern=concern,
                    expected_version=int(request.POST.get("version", 0) or 0),
                    stage=ConcernStage.WITHDRAWN,
                    outcome=form.cleaned_data["note"].strip() or "Withdrawn by the client.",
                    by=request.user,
                )
            else:
                escalate_concern(
                    concern=concern,
                    expected_version=int(request.POST.get("version", 0) or 0),
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
        except ActionError as error:
            show_action_errors(form, error)
        except ValueError:
            form.add_error(None, "Reload the page and try again.")
        else:
            messages.success(request, "Done. The next step is shown below.")
            return HttpResponseRedirect(reverse("my_concern", args=[concern.pk]))
    settings = who.settings
    after = next_concern_stage(concern.route, concern.stage)
    context = {
        "me": who,
        "concern": concern,
        "steps": route_steps(concern, settings),
        "timing": timing(concern, settings),
        "next": after,
        "next_who": STEP_WHO.get(ConcernStage(after), "") if after else "",
        "settings": settings,
    }
    return _form_page(request, "portal/my_concern.html", context, form)


# -- staff: the inbox -------------------------------------------------------------------------


def _staff_concerns(request: AuthenticatedHttpRequest) -> Any:
    viewer = viewer_for(request.user)
    if viewer.kind not in permissions.CLINICAL:
        raise PermissionDenied("The concerns inbox is for the service's clinical staff.")
    items = Concern.objects.select_related("client").prefetch_related("steps")
    if viewer.kind == ViewerKind.THERAPIST:
        # A concern the client sent straight to the manager stays with the manager.
        items = items.filter(addressed_to=ConcernAddressee.THERAPIST)
    return items


def _median_days(pairs: list[tuple[Any, Any]]) -> float | None:
    values = [(end - start).total_seconds() / 86400 for start, end in pairs if end is not None]
    return round(statistics.median(values), 1) if values else None


def concern_figures(items: list[Concern]) -> dict[str, Any]:
    """Counts and times for the service analytics: open and closed by kind, median days to
    acknowledge and to close, how many were acknowledged late."""
    by_kind = {k.label: sum(1 for c in items if c.kind == k) for k in ConcernKind}
    return {
        "open": sum(1 for c in items if c.is_open),
        "closed": sum(1 for c in items if not c.is_open),
        "by_kind": by_kind,
        "median_days_to_acknowledge": _median_days(
            [(c.raised_at, c.acknowledged_at) for c in items]
        ),
        "median_days_to_close": _median_days([(c.raised_at, c.closed_at) for c in items]),
        "escalated": sum(1 for c in items if c.stage not in (ConcernStage.RAISED,) and c.is_open),
    }


@require_GET
@login_required
def concerns_inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The manager's (or supervisor's, or therapist's) concerns and complaints, oldest
    open first, with their ages against the service's timescales."""
    items = list(_staff_concerns(request))
    settings_cache: dict[int, PortalSettings] = {}
    rows = []
    for concern in items:
        service_id = concern.client.service_id
        settings = settings_cache.setdefault(service_id, portal_settings(service_id))
        rows.append({"concern": concern, "timing": timing(concern, settings)})
    rows.sort(key=lambda r: (not r["concern"].is_open, r["concern"].raised_at))
    record_list_view(
        by=request.user,
        page="concerns_inbox",
        path=request.get_full_path(),
        client_ids=[concern.client_id for concern in items],
    )
    return render(
        request,
        "portal/concerns_inbox.html",
        {"rows": rows, "figures": concern_figures(items)},
    )


@require_http_methods(["GET"])
@login_required
def concern_detail(request: AuthenticatedHttpRequest, concern_id: int) -> HttpResponse:
    """One concern for staff: what the client wrote, its steps, and what to do next."""
    concern = get_object_or_404(_staff_concerns(request), pk=concern_id)
    record_view(by=request.user, page="concern_detail", target=concern, client_id=concern.client_id)
    settings = portal_settings(concern.client.service_id)
    return render(
        request,
        "portal/concern_detail.html",
        {
            "concern": concern,
            "timing": timing(concern, settings),
            "steps": route_steps(concern, settings),
            "form": NoteForm(),
        },
    )


@require_POST
@login_required
def concern_update(request: AuthenticatedHttpRequest, concern_id: int) -> HttpResponse:
    """Acknowledge, escalate, or resolve with its outcome."""
    concern = get_object_or_404(_staff_concerns(request), pk=concern_id)
    version = int(request.POST.get("version", "0") or 0)
    note = request.POST.get("note", "")
    step = request.POST.get("do", "")
    try:
        if step == "acknowledge":
            acknowledge_concern(concern=concern, expected_version=version, by=request.user)
        elif step == "escalate":
            escalate_concern(concern=concern, expected_version=version, note=note, by=request.user)
        elif step == "resolve":
            close_concern(
                concern=concern,
                expected_version=version,
                stage=ConcernStage.RESOLVED,
                outcome=note,
                by=request.user,
            )
        else:
            raise Http404("Unknown step.")
    except ActionError as error:
        for message in error.errors.values():
            messages.error(request, message)
    else:
        messages.success(request, "Saved.")
    return HttpResponseRedirect(reverse("concern_detail", args=[concern.pk]))
