"""Goals: up to three per referral, agreed together and rated 0-10 at each session."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.common.forms import apply_action_errors
from ontrack.web.records import actions, permissions
from ontrack.web.records.actions.homework import MAX_GOALS
from ontrack.web.records.forms.goals import GoalForm, GoalUpdateForm
from ontrack.web.records.models import Episode, Goal, GoalRating
from ontrack.web.records.views._common import STAFF_KINDS, client_for, current_referral, viewer_of


def _context(request: AuthenticatedHttpRequest, client: Any, referral: Any) -> dict[str, Any]:
    viewer = viewer_of(request)
    goals = list(
        Goal.objects.filter(referral=referral)
        .prefetch_related(
            Prefetch(
                "ratings",
                queryset=GoalRating.objects.select_related("contact").order_by(
                    "contact__contact_date"
                ),
            )
        )
        .order_by("number")
    )
    can_edit = viewer.kind in STAFF_KINDS and permissions.can_edit_client(viewer, client)
    return {
        "client": client,
        "referral": referral,
        "episode": Episode.objects.filter(referral=referral)
        .select_related("therapist__user")
        .order_by("-status", "-started_on")
        .first(),
        "goals": goals,
        "forms": {
            g.pk: GoalUpdateForm(
                initial={"version": g.version, "status": g.status, "description": g.description},
                auto_id=f"goal-{g.pk}-%s",
            )
            for g in goals
        },
        "new_form": GoalForm(),
        "can_edit": can_edit and referral.is_open,
        "room": len(goals) < MAX_GOALS,
        "max_goals": MAX_GOALS,
        "staff_view": viewer.kind in STAFF_KINDS,
        "tab": "goals",
    }


@require_http_methods(["GET", "POST"])
@login_required
def client_goals(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    """List the goals with their ratings; agree a new one (POST)."""
    client = client_for(request, client_id, "client_goals")
    referral = current_referral(client, request.GET.get("referral"))
    if referral is None:
        raise Http404("This client has no referrals.")
    context = _context(request, client, referral)
    if request.method == "POST":
        if not context["can_edit"]:
            raise PermissionDenied("Only clinical staff agree goals, on an open referral.")
        form = GoalForm(request.POST)
        if form.is_valid():
            try:
                actions.agree_goal(
                    referral=referral,
                    description=form.cleaned_data["description"],
                    agreed_on=form.cleaned_data["agreed_on"],
                    by=request.user,
                )
            except actions.ActionError as error:
                apply_action_errors(form, error)
            else:
                messages.success(request, "Goal agreed.")
                return HttpResponseRedirect(reverse("client_goals", args=[client.pk]))
        context["new_form"] = form
        context["error_form"] = form
        return render(request, "records/goals.html", context, status=400)
    return render(request, "records/goals.html", context)


@require_POST
@login_required
def goal_update(request: AuthenticatedHttpRequest, goal_id: int) -> HttpResponse:
    """Change a goal's status or wording."""
    goal = get_object_or_404(Goal.objects.select_related("referral__client"), pk=goal_id)
    client = goal.referral.client
    viewer = viewer_of(request)
    if not (viewer.kind in STAFF_KINDS and permissions.can_edit_client(viewer, client)):
        raise PermissionDenied("Only clinical staff change goals.")
    form = GoalUpdateForm(request.POST, auto_id=f"goal-{goal.pk}-%s")
    if form.is_valid():
        try:
            actions.update_goal(
                goal=goal,
                expected_version=form.cleaned_data["version"],
                status=form.cleaned_data["status"],
                description=form.cleaned_data["description"],
                by=request.user,
            )
        except actions.ActionError as error:
            apply_action_errors(form, error)
        else:
            messages.success(request, f"Goal {goal.number} updated.")
            return HttpResponseRedirect(reverse("client_goals", args=[client.pk]))
    context = _context(request, client, goal.referral)
    context["forms"][goal.pk] = form
    context["error_form"] = form
    return render(request, "records/goals.html", context, status=400)
