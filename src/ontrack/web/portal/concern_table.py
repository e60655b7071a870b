"""Concerns as plain rows for analytics: counts and times, never what anyone wrote."""

from __future__ import annotations

from typing import Any

from ontrack.web.accounts.models import Service
from ontrack.web.records.models import Concern

COLUMNS = [
    "concern_id",
    "person_id",
    "service",
    "kind",
    "route",
    "addressed_to",
    "stage",
    "raised_at",
    "acknowledged_at",
    "closed_at",
    "days_to_acknowledge",
    "days_to_close",
    "steps",
]


def _days(start: Any, end: Any) -> float | None:
    return None if end is None else round((end - start).total_seconds() / 86400, 2)


def concern_rows(service: Service | None = None) -> list[dict[str, Any]]:
    """One row per concern (trusted code: call inside ``scopes_disabled``)."""
    items = Concern.unscoped.select_related("client__service").prefetch_related("steps")
    if service is not None:
        items = items.filter(client__service=service)
    return [
        {
            "concern_id": c.pk,
            "person_id": c.client.person_id,
            "service": c.client.service.code,
            "kind": c.kind,
            "route": c.route,
            "addressed_to": c.addressed_to,
            "stage": c.stage,
            "raised_at": c.raised_at.isoformat(),
            "acknowledged_at": c.acknowledged_at.isoformat() if c.acknowledged_at else "",
            "closed_at": c.closed_at.isoformat() if c.closed_at else "",
            "days_to_acknowledge": _days(c.raised_at, c.acknowledged_at),
            "days_to_close": _days(c.raised_at, c.closed_at),
            "steps": len(c.steps.all()),
        }
        for c in items.order_by("raised_at", "pk")
    ]
