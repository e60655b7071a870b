"""The structured risk review, reached from a risk alert: what closes the client's alert.

The review is the pathway's risk assessment (``record_risk_assessment``); the records'
risk rule decides what it does to the alert (closes it, or keeps it open and urgent when
it found high risk; ADR 0120).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.audit.events import record_view
from ontrack.web.common.actions import ActionError
from ontrack.web.common.codes import AlertKind, AlertStatus
from ontrack.web.common.forms import apply_action_errors
from ontrack.web.pathway import actions
from ontrack.web.pathway.forms import RiskReviewForm
from ontrack.web.records.models import Alert
from ontrack.web.records.scoping import today
from ontrack.web.records.views._common import alert_for


@require_http_methods(["GET", "POST"])
@login_required
def risk_review(request: AuthenticatedHttpRequest, alert_id: int) -> HttpResponse:
    """Record a risk review for the client of a risk alert (asked directly, safety plan,
    crisis contacts); nothing is saved on an error."""
    alert = alert_for(request, alert_id)
    client = alert.referral.client
    record_view(by=request.user, page="risk_review", target=client, client_id=client.pk)
    form = RiskReviewForm(
        request.POST if request.method == "POST" else None, initial={"assessed_on": today()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.record_risk_assessment(
                referral=alert.referral,
                assessed_on=data.get("assessed_on") or today(),
                risk=actions.RiskFindings(
                    risk_to_self=data["risk_to_self"],
                    risk_to_others=data["risk_to_others"],
                    asked_directly=bool(data.get("asked_directly")),
                    risk_to_self_detail=data.get("risk_to_self_detail") or "",
                    risk_to_others_detail=data.get("risk_to_others_detail") or "",
                    protective_factors=data.get("protective_factors") or "",
                    safety_plan=data.get("safety_plan") or "",
                    crisis_contacts=data.get("crisis_contacts") or "",
                ),
                by=request.user,
            )
        except ActionError as error:
            apply_action_errors(form, error)
        else:
            alert = Alert.unscoped.get(pk=alert.pk)
            if alert.status == AlertStatus.CLOSED:
                messages.success(request, "Risk review recorded: the risk alert is closed.")
            else:
                messages.warning(
                    request,
                    "Risk review recorded. It found high risk, so the risk alert stays open "
                    "and urgent: follow the service's procedure for high risk.",
                )
            return HttpResponseRedirect(reverse("alert_detail", args=[alert.pk]))
    return render(
        request,
        "pathway/risk_review.html",
        {
            "alert": alert,
            "client": client,
            "form": form,
            "is_risk": alert.kind == AlertKind.RISK,
        },
        status=400 if request.method == "POST" else 200,
    )
