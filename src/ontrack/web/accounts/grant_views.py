"""The page where a second manager approves or refuses a request for manager rights."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ontrack.web.accounts import grants
from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.accounts.models import GrantStatus, RoleGrant, StaffRole
from ontrack.web.common.actions import ActionError


def _may_see(request: AuthenticatedHttpRequest) -> bool:
    staff = getattr(request.user, "staff", None)
    if staff is not None:
        return bool(staff.role == StaffRole.MANAGER)
    return bool(request.user.is_superuser)


@require_http_methods(["GET", "POST"])
@login_required
def role_grants(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Requests for manager rights waiting for this manager's decision; POST decides one."""
    if not _may_see(request):
        raise PermissionDenied("Requests for manager rights are decided by a manager.")
    waiting = grants.pending_for(request.user)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        grant_id = request.POST.get("grant", "")
        grant = waiting.filter(pk=int(grant_id)).first() if grant_id.isdigit() else None
        if grant is None or decision not in ("approve", "refuse"):
            errors["grant"] = "Choose a request on this page, and approve or refuse it."
        else:
            try:
                grants.decide(grant=grant, approve=decision == "approve", by=request.user)
            except ActionError as error:
                errors = error.errors
            else:
                done = "approved" if decision == "approve" else "refused"
                messages.success(request, f"Manager rights for {grant.staff} {done}.")
                return HttpResponseRedirect(reverse("role_grants"))
        status = 400
    decided = RoleGrant.objects.select_related("staff__user", "requested_by", "decided_by")
    staff = getattr(request.user, "staff", None)
    if staff is not None:
        decided = decided.filter(staff__service_id=staff.service_id)
    context = {
        "waiting": [(g, grants.may_decide(g, request.user)) for g in waiting],
        "decided": decided.exclude(status=GrantStatus.PENDING)[:20],
        "errors": errors,
    }
    return render(request, "accounts/role_grants.html", context, status=status)
