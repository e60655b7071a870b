"""The alerts inbox, one alert with its life so far, the steps on it, and the why-review."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.audit.events import record_list_view, record_view
from ontrack.web.common.codes import (
    AlertKind,
    AlertSeverity,
    AlertStatus,
    EpisodeStatus,
    ReviewDecisionKind,
)
from ontrack.web.common.forms import apply_action_errors
from ontrack.web.common.http import safe_next
from ontrack.web.records import actions, permissions
from ontrack.web.records.forms.alerts import (
    AlertAcknowledgeForm,
    AlertActionForm,
    AlertCloseForm,
    ReviewDecisionForm,
)
from ontrack.web.records.models import Alert, Episode, ReviewDecision
from ontrack.web.records.monitoring import ReviewResult, episode_history, review_for
from ontrack.web.records.scoping import Viewer, ViewerKind
from ontrack.web.records.views._common import alert_for, require_staff, viewer_of

PAGE_SIZE = 50
UNRESOLVED = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.ACTED_ON)
# Alerts with no why-review: risk is handled by the service's risk procedure, caseload
# is about the therapist rather than one client's therapy.
NO_REVIEW = (AlertKind.RISK, AlertKind.CASELOAD)


def _priority() -> Case:
    return Case(
        When(kind=AlertKind.RISK, then=Value(0)),
        When(severity=AlertSeverity.URGENT, then=Value(1)),
        When(severity=AlertSeverity.HIGH, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


def inbox_alerts(viewer: Viewer) -> QuerySet[Any]:
    """Return the alerts on the viewer's caseload (all their service's, for a manager)."""
    alerts = Alert.objects.all()
    if viewer.kind in (ViewerKind.THERAPIST, ViewerKind.SUPERVISOR):
        held = Episode.unscoped.filter(therapist_id__in=viewer.therapist_ids()).values(
            "referral_id"
        )
        alerts = alerts.filter(referral_id__in=held)
    episode = Episode.unscoped.filter(referral_id=OuterRef("referral_id")).order_by(
        "-status", "-started_on"
    )
    return alerts.select_related("referral__client", "acknowledged_by").annotate(
        priority=_priority(),
        therapist_first=Subquery(episode.values("therapist__user__first_name")[:1]),
        therapist_last=Subquery(episode.values("therapist__user__last_name")[:1]),
    )


@require_GET
@login_required
def alerts_inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List unresolved alerts, risk first, then by severity and age (oldest first)."""
    viewer = require_staff(request, "The alerts inbox")
    alerts = inbox_alerts(viewer)
    status = request.GET.get("status", "unresolved")
    if status in AlertStatus.values:
        alerts = alerts.filter(status=status)
    elif status != "all":
        # An unknown status is ignored: the default filter applies and the page says so.
        status = "unresolved"
        alerts = alerts.filter(status__in=UNRESOLVED)
    kind = request.GET.get("kind", "")
    if kind in AlertKind.values:
        alerts = alerts.filter(kind=kind)
    client = request.GET.get("client", "")
    if client.isdigit():
        alerts = alerts.filter(referral__client_id=int(client))
    alerts = alerts.order_by("priority", "opened_at", "pk")
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    record_list_view(
        by=request.user,
        page="alerts_inbox",
        path=request.get_full_path(),
        client_ids=[alert.referral.client_id for alert in page.object_list],
    )
    return render(
        request,
        "records/alerts_inbox.html",
        {
            "page": page,
            "viewer": viewer,
            "status": status,
            "kind": kind,
            "client_id": client if client.isdigit() else "",
            "statuses": [("unresolved", "Not closed"), *AlertStatus.choices, ("all", "All")],
            "kinds": AlertKind.choices,
            "page_query": query.urlencode(),
        },
    )


def _detail_context(request: AuthenticatedHttpRequest, alert: Alert) -> dict[str, Any]:
    viewer = viewer_of(request)
    episode = (
        Episode.objects.filter(referral=alert.referral)
        .select_related("therapist__user")
        .order_by("-status", "-started_on")
        .first()
    )
    return {
        "alert": alert,
        "client": alert.referral.client,
        "episode": episode,
        "actions": list(alert.actions.select_related("by")),
        "decisions": list(alert.review_decisions.select_related("decided_by")),
        "can_review": alert.kind not in NO_REVIEW and episode is not None,
        "staff_view": True,
        "acknowledge_form": AlertAcknowledgeForm(initial={"version": alert.version}),
        "action_form": AlertActionForm(initial={"version": alert.version}),
        "close_form": AlertCloseForm(initial={"version": alert.version}),
        "viewer": viewer,
    }


@require_GET
@login_required
def alert_detail(request: AuthenticatedHttpRequest, alert_id: int) -> HttpResponse:
    """Show one alert: what was seen, each step of its life with who and when, and actions."""
    alert = alert_for(request, alert_id)
    client = alert.referral.client
    record_view(by=request.user, page="alert_detail", target=client, client_id=client.pk)
    return render(request, "records/alert_detail.html", _detail_context(request, alert))


@require_POST
@login_required
def alert_update(request: AuthenticatedHttpRequest, alert_id: int, step: str) -> HttpResponse:
    """Acknowledge an alert, record an action on it, or close it."""
    alert = alert_for(request, alert_id)
    client = alert.referral.client
    back = safe_next(request, reverse("alert_detail", args=[alert.pk]))
    form: AlertAcknowledgeForm | AlertActionForm | AlertCloseForm
    if step == "acknowledge":
        form = AlertAcknowledgeForm(request.POST)
    elif step == "action":
        form = AlertActionForm(request.POST)
    else:
        form = AlertCloseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if step == "acknowledge":
                actions.acknowledge_alert(
                    alert=alert, expected_version=data["version"], by=request.user
                )
                messages.success(request, "Alert acknowledged.")
            elif step == "action":
                actions.record_alert_action(
                    alert=alert,
                    expected_version=data["version"],
                    kind=data["kind"],
                    note=data["note"],
                    by=request.user,
                )
                messages.success(request, "Action recorded.")
            else:
                actions.close_alert(
                    alert=alert,
                    expected_version=data["version"],
                    note=data["note"],
                    by=request.user,
                )
                messages.success(request, "Alert closed.")
            return HttpResponseRedirect(back)
        except actions.ActionError as error:
            apply_action_errors(form, error)
    record_view(by=request.user, page="alert_update", target=client, client_id=client.pk)
    alert.refresh_from_db()
    context = _detail_context(request, alert)
    context[f"{'acknowledge' if step == 'acknowledge' else step}_form"] = form
    context["error_form"] = form
    return render(request, "records/alert_detail.html", context, status=400)


# -- the why-review ----------------------------------------------------------------------------


def _review_page(
    request: AuthenticatedHttpRequest,
    episode: Episode,
    alert: Alert | None,
) -> HttpResponse:
    viewer = viewer_of(request)
    client = episode.referral.client
    record_view(by=request.user, page="why_review", target=client, client_id=client.pk)
    result: ReviewResult = review_for(episode_history(episode.referral))
    can_decide = permissions.can_record_session(viewer, episode) and result.review is not None
    form = ReviewDecisionForm(
        request.POST if request.method == "POST" else None,
        reasons=result.review.reasons if result.review else (),
        initial={"as_of": result.contact_id or "", "alert_version": alert.version if alert else ""},
    )
    status = 200
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied("Only the episode's therapist or their supervisor records it.")
        if _decide(request, form, episode, alert, result):
            messages.success(request, "The review and what you decided are recorded.")
            target = (
                reverse("alert_detail", args=[alert.pk])
                if alert is not None
                else reverse("client_timeline", args=[client.pk])
            )
            return HttpResponseRedirect(target)
        status = 400
    decisions = ReviewDecision.objects.filter(episode=episode).select_related("decided_by")
    return render(
        request,
        "records/why_review.html",
        {
            "client": client,
            "episode": episode,
            "alert": alert,
            "result": result,
            # Each measure beyond its boundary repeats the "every measure" note: show it once.
            "triggers": list(dict.fromkeys(result.review.triggered_by)) if result.review else [],
            "form": form,
            "can_decide": can_decide,
            "decisions": list(decisions),
            "decision_labels": dict(ReviewDecisionKind.choices),
            "staff_view": True,
        },
        status=status,
    )


def _decide(
    request: AuthenticatedHttpRequest,
    form: ReviewDecisionForm,
    episode: Episode,
    alert: Alert | None,
    result: ReviewResult,
) -> bool:
    """Record the decision the form holds; False (with the form's errors) if it was not."""
    if not form.is_valid() or result.review is None:
        return False
    if form.cleaned_data["as_of"] != (result.contact_id or 0):
        form.add_error(
            None,
            "A contact was recorded after you opened this review, so its evidence "
            "may have changed. Nothing was saved: read the review again, then decide.",
        )
        return False
    try:
        actions.record_review_decision(
            episode=episode,
            review=result.review.to_json(),
            decisions=form.cleaned_data["decisions"],
            reasons_agreed=form.cleaned_data["reasons_agreed"],
            note=form.cleaned_data["note"],
            alert=alert,
            alert_version=form.cleaned_data.get("alert_version"),
            by=request.user,
        )
    except actions.ActionError as error:
        apply_action_errors(form, error)
        return False
    return True


@require_http_methods(["GET", "POST"])
@login_required
def alert_review(request: AuthenticatedHttpRequest, alert_id: int) -> HttpResponse:
    """The why-review opened from an alert; the decision is also recorded on the alert."""
    alert = alert_for(request, alert_id)
    episode = (
        Episode.objects.filter(referral=alert.referral)
        .select_related("referral__client", "therapist__user")
        .order_by("-status", "-started_on")
        .first()
    )
    if episode is None or alert.kind in NO_REVIEW:
        raise Http404("This alert has no why-review.")
    return _review_page(request, episode, alert if not alert.is_closed else None)


@require_http_methods(["GET", "POST"])
@login_required
def episode_review(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """The why-review of an episode, without an alert (e.g. from the timeline)."""
    require_staff(request, "The why-review")
    episode = get_object_or_404(
        Episode.objects.select_related("referral__client", "therapist__user"),
        pk=episode_id,
        status=EpisodeStatus.OPEN,
    )
    return _review_page(request, episode, None)
