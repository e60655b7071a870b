"""The service dashboard: NHS Talking Therapies key measures, the intention-to-treat
funnel, equity by deprivation, alert response and practice, from ``ontrack.analytics``.

The records are exported to the canonical dataset (``export_tables``, audited) and
measured on DuckDB in memory, exactly as ``ontrack report`` would measure an export, so
the dashboard and the published figures cannot disagree. The result is cached for ten
minutes per service because a full report takes seconds, not milliseconds.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ontrack.charts import service as figures
from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.accounts.models import User
from ontrack.web.canonical.export import ExportError, export_tables
from ontrack.web.common.codes import AlertKind, AlertSeverity
from ontrack.web.records.scoping import ViewerKind, viewer_for

log = logging.getLogger(__name__)
CACHE_SECONDS = 600
HEADLINES = (
    ("recovery_rate", "Recovery", "of those who finished a course at caseness"),
    ("reliable_improvement_rate", "Reliable improvement", "of those who finished a course"),
    ("reliable_recovery_rate", "Reliable recovery", "of those who finished at caseness"),
    ("reliable_deterioration_rate", "Reliable deterioration", "of those who finished a course"),
    ("waited_6_weeks_rate", "Seen within 6 weeks", "of those who finished a course"),
    ("dna_rate", "Missed appointments", "of all appointments"),
)
PRACTICE = (
    ("early_goals_rate", "Goals agreed by session 2"),
    ("homework_set_rate", "Homework set"),
    ("homework_reviewed_rate", "Homework reviewed at the next session"),
    ("homework_done_rate", "Homework done or partly done"),
)


def _measures(service_id: int, by: User) -> dict[str, Any]:
    # Imported here: analytics brings in Ibis and DuckDB, which no other page needs.
    from ontrack.analytics import key_measures
    from ontrack.web.accounts.models import Service

    service = Service.objects.get(pk=service_id)
    started = time.perf_counter()
    data = key_measures(export_tables(service=service, by=by))
    data["measured_seconds"] = time.perf_counter() - started
    data["measured_at"] = timezone.now()
    return data


def _decile_label(decile: int) -> str:
    """The decile as the caption reads it: 1 = most deprived, 10 = least deprived."""
    words = {1: " (most deprived)", 10: " (least deprived)"}
    return f"{decile}{words.get(decile, '')}"


def _rows(data: dict[str, Any]) -> dict[str, Any]:
    headlines = [
        {"key": key, "label": label, "of": of, "value": data.get(key)}
        for key, label, of in HEADLINES
    ]
    practice = [{"label": label, "value": data.get(key)} for key, label in PRACTICE]
    deciles = [
        {**row, "decile": key, "label": _decile_label(int(key))}
        for key, row in sorted(data["by_imd_decile"].items(), key=lambda kv: int(kv[0]))
    ]
    kinds, severities = dict(AlertKind.choices), dict(AlertSeverity.choices)
    alerts = [
        {
            **row,
            "label": f"{kinds.get(row['kind'], row['kind'])} "
            f"({str(severities.get(row['severity'], row['severity'])).lower()})",
        }
        for row in data.get("alerts") or []
    ]
    charts = {
        "funnel_chart": figures.funnel(data["funnel"]),
        "decile_chart": figures.recovery_by_decile(data["by_imd_decile"]),
        "practice_chart": figures.practice([(label, data.get(key)) for key, label in PRACTICE]),
    }
    return {
        "headlines": headlines,
        "practice": practice,
        "deciles": deciles,
        "alerts": alerts,
        **charts,
    }


@require_GET
@login_required
def service_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show the service's key measures (managers and supervisors)."""
    viewer = viewer_for(request.user)
    if viewer.kind not in (ViewerKind.MANAGER, ViewerKind.SUPERVISOR) or viewer.staff is None:
        raise PermissionDenied("The service dashboard is for managers and supervisors.")
    key = f"ontrack:service-dashboard:{viewer.staff.service_id}"
    data = None if request.GET.get("refresh") == "1" else cache.get(key)
    error = None
    if data is None:
        try:
            data = _measures(viewer.staff.service_id, request.user)
        except ExportError as exc:
            error = str(exc)
        except Exception:
            # The dashboard must not take the rest of the app down with it: say so, log it.
            log.exception("measuring service %s failed", viewer.staff.service_id)
            error = (
                "The figures could not be measured just now; the error was logged for the "
                "service's administrators."
            )
        else:
            cache.set(key, data, CACHE_SECONDS)
    context: dict[str, Any] = {"viewer": viewer, "error": error, "data": data}
    if data is not None:
        context.update(_rows(data))
    return render(request, "canonical/service_dashboard.html", context)
