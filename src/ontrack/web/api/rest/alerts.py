"""Alerts: list, read, acknowledge, record what was done."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from ontrack.web.api.auth import auth_for
from ontrack.web.api.rest.common import (
    IF_MATCH,
    DateRange,
    Id,
    PageParams,
    expected_version,
    get_visible,
    page_of,
    paginate,
    responses,
    set_etag,
)
from ontrack.web.api.rest.schemas import AlertActionIn, AlertActionOut, AlertOut
from ontrack.web.records import actions
from ontrack.web.records.models import Alert

alerts = Router(tags=["alerts"], auth=auth_for("alerts"))


def _alerts() -> QuerySet[Alert]:
    return Alert.objects.select_related("referral")


@alerts.get("", response=responses(page_of(AlertOut)), summary="List alerts")
def list_alerts(
    request: HttpRequest,
    page: Query[PageParams],
    dates: Query[DateRange],
    status: str | None = None,
    severity: str | None = None,
    kind: str | None = None,
    client_id: Id | None = None,
) -> dict[str, Any]:
    """Alerts in your scope, newest first; dates filter on the day each opened."""
    queryset = _alerts().order_by("-opened_at", "pk")
    if dates.since is not None:
        queryset = queryset.filter(opened_at__date__gte=dates.since)
    if dates.until is not None:
        queryset = queryset.filter(opened_at__date__lte=dates.until)
    for name, value in (("status", status), ("severity", severity), ("kind", kind)):
        if value is not None:
            queryset = queryset.filter(**{name: value})
    if client_id is not None:
        queryset = queryset.filter(referral__client_id=client_id)
    return paginate(request, queryset, page)


@alerts.get("/{alert_id}", response=responses(AlertOut), summary="Read one alert")
def read_alert(request: HttpRequest, alert_id: Id, response: HttpResponse) -> Alert:
    alert = get_visible(request, _alerts(), alert_id)
    set_etag(response, alert)
    return alert


@alerts.post(
    "/{alert_id}/acknowledge",
    response=responses(AlertOut, write=True),
    summary="Acknowledge an alert",
    openapi_extra=IF_MATCH,
)
def acknowledge(request: HttpRequest, alert_id: Id, response: HttpResponse) -> Alert:
    """Say you have read the alert and own it now (``If-Match``: the alert's version)."""
    alert = get_visible(request, Alert.objects.select_related("referral__client"), alert_id)
    done = actions.acknowledge_alert(
        alert=alert,
        expected_version=expected_version(request, alert),
        by=request.user,  # type: ignore[arg-type]
    )
    set_etag(response, done)
    return done


@alerts.post(
    "/{alert_id}/actions",
    response=responses(AlertActionOut, 201, write=True),
    summary="Record what was done about an alert",
    openapi_extra=IF_MATCH,
)
def record_action(
    request: HttpRequest, alert_id: Id, body: AlertActionIn, response: HttpResponse
) -> Status[Any]:
    """Record an action (``If-Match``: the alert's version); it acknowledges the alert too."""
    alert = get_visible(request, Alert.objects.select_related("referral__client"), alert_id)
    action = actions.record_alert_action(
        alert=alert,
        expected_version=expected_version(request, alert),
        kind=body.kind,
        note=body.note,
        by=request.user,  # type: ignore[arg-type]
    )
    response["ETag"] = f'"{alert.version}"'
    return Status(201, action)
