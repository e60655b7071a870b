"""The audit of one course (page and PDF), and each therapist's rates for their own
supervision and development.

Scoped like every clinical page: the client is looked up through the scoped managers (404
when the viewer may not see them), and only staff see the audit (403 for the client).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from ontrack.fidelity import BY_THERAPIST_FRAMING, CRITERIA, CRITERION_LABELS, Status
from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.accounts.models import Staff
from ontrack.web.audit.events import record_list_view
from ontrack.web.fidelity.courses import audit_referral, audit_referrals
from ontrack.web.fidelity.report import AuditReport, audit_pdf, build_report
from ontrack.web.records.models import Client, Episode, Referral
from ontrack.web.records.scoping import Viewer, ViewerKind, scopes_disabled
from ontrack.web.records.views._common import (
    current_referral,
    require_staff,
    staff_client_for,
)


def _report(
    request: AuthenticatedHttpRequest, client_id: int, page: str, *, absolute: bool
) -> tuple[Client, Referral, AuditReport]:
    client = staff_client_for(request, client_id, page)
    referral = current_referral(client, request.GET.get("referral"))
    if referral is None:
        raise Http404("This client has no referrals.")
    course, audit, contacts = audit_referral(referral)
    therapist = None
    if audit.therapist_id is not None:
        staff = Staff.objects.select_related("user").filter(pk=int(audit.therapist_id)).first()
        therapist = staff.display_name if staff is not None else None

    def contact_url(pk: int) -> str:
        url = reverse("contact_detail", args=[client.pk, pk])
        return request.build_absolute_uri(url) if absolute else url

    report = build_report(
        course=course,
        audit=audit,
        contacts=contacts,
        contact_url=contact_url,
        client=client.full_name,
        service=client.service.name,
        referral=referral.external_id,
        therapist=therapist,
        made_at=timezone.localtime(),
    )
    return client, referral, report


@require_GET
@login_required
def course_audit(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    """Each criterion of the course met or not, with its evidence; the notes as read."""
    client, referral, report = _report(request, client_id, "course_audit", absolute=False)
    context: dict[str, Any] = {
        "client": client,
        "referral": referral,
        "referrals": list(Referral.objects.filter(client=client).order_by("-referral_date")),
        "episode": Episode.objects.filter(referral=referral)
        .select_related("therapist__user")
        .order_by("-started_on", "-pk")
        .first(),
        "report": report,
        "staff_view": True,
        "tab": "fidelity",
    }
    return render(request, "fidelity/course_audit.html", context)


@require_GET
@login_required
def course_audit_pdf(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    """The same audit as a PDF, to print or to file."""
    _, referral, report = _report(request, client_id, "course_audit_pdf", absolute=True)
    response = HttpResponse(audit_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="audit-{referral.external_id}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


DISCUSS_BELOW = 80  # per cent: a criterion met less often is offered for supervision
FEW_COURSES = 10  # fewer judged courses than this: read the cases, not the rate
SHOW_MISSED = 8


@dataclass(frozen=True)
class CriterionRate:
    """One criterion over one therapist's courses, with the courses that did not meet it."""

    criterion: str
    label: str
    met: int
    judged: int
    not_met: list[Referral]

    @property
    def percent(self) -> int | None:
        return round(100 * self.met / self.judged) if self.judged else None

    @property
    def few(self) -> bool:
        return 0 < self.judged < FEW_COURSES

    @property
    def missed(self) -> list[Referral]:
        return self.not_met[:SHOW_MISSED]

    @property
    def more_missed(self) -> int:
        return max(0, len(self.not_met) - SHOW_MISSED)


def _therapists(viewer: Viewer) -> list[Staff]:
    """Whose rates the viewer may see: their own; a supervisor's supervisees; a manager's
    service. Listed by name, never by rate."""
    staff = Staff.objects.select_related("user").exclude(therapist_role="")
    if viewer.staff is None:
        return []
    if viewer.kind == ViewerKind.MANAGER:
        staff = staff.filter(service_id=viewer.staff.service_id)
    else:
        staff = staff.filter(pk__in=viewer.therapist_ids())
    return list(staff.order_by("user__last_name", "user__first_name", "pk"))


@require_GET
@login_required
def development(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where a therapist starts: their own rates; a supervisor or manager picks whose."""
    viewer = require_staff(request, "Fidelity rates")
    therapists = _therapists(viewer)
    if viewer.kind == ViewerKind.THERAPIST and viewer.staff is not None:
        return HttpResponseRedirect(reverse("therapist_development", args=[viewer.staff.pk]))
    return render(
        request,
        "fidelity/development_index.html",
        {"therapists": therapists, "framing": BY_THERAPIST_FRAMING},
    )


@require_GET
@login_required
def therapist_development(request: AuthenticatedHttpRequest, staff_id: int) -> HttpResponse:
    """One therapist's rates over their courses, each rate with its courses behind it."""
    viewer = require_staff(request, "Fidelity rates")
    allowed = {t.pk: t for t in _therapists(viewer)}
    if staff_id not in allowed:
        get_object_or_404(Staff, pk=staff_id)  # 404 for no such person, else:
        raise PermissionDenied("These rates are for the therapist and their supervisor.")
    therapist = allowed[staff_id]
    referrals = list(
        Referral.objects.filter(episodes__therapist_id=staff_id)
        .select_related("client")
        .distinct()
        .order_by("-referral_date", "pk")
    )
    result = audit_referrals(referrals)
    mine = [a for a in result.courses if a.therapist_id == str(staff_id)]
    by_id = {str(r.pk): r for r in referrals}
    rates = result.by_therapist.get(str(staff_id))
    rows = []
    for criterion in CRITERIA:
        missed = [
            by_id[a.referral_id]
            for a in mine
            if a.status(criterion) is Status.NOT_MET and a.referral_id in by_id
        ]
        rows.append(
            CriterionRate(
                criterion,
                CRITERION_LABELS[criterion],
                rates.met.get(criterion, 0) if rates else 0,
                rates.judged.get(criterion, 0) if rates else 0,
                missed,
            )
        )
    record_list_view(
        by=request.user,
        page="therapist_development",
        path=request.get_full_path(),
        client_ids=sorted({r.client_id for row in rows for r in row.missed}),
    )
    strengths = [r for r in rows if r.judged >= 3 and r.met == r.judged]
    to_develop = [r for r in rows if r.percent is not None and r.percent < DISCUSS_BELOW]
    return render(
        request,
        "fidelity/development.html",
        {
            "therapist": therapist,
            "own": viewer.staff is not None and viewer.staff.pk == staff_id,
            "courses": len(mine),
            "rows": rows,
            "strengths": strengths,
            "to_develop": to_develop,
            "framing": BY_THERAPIST_FRAMING,
            "others": [t for t in allowed.values() if t.pk != staff_id],
        },
    )


SERVICE_CACHE_SECONDS = 600
DECILES = tuple(str(d) for d in range(1, 11))


def _service_rates(service_id: int) -> dict[str, Any]:
    """Every course of the service audited: rates overall and by IMD decile (plain data, to
    cache). Trusted code: only aggregate figures leave it, as on the service dashboard."""
    with scopes_disabled():
        referrals = list(
            Referral.objects.filter(client__service_id=service_id)
            .select_related("client")
            .order_by("pk")
        )
        result = audit_referrals(referrals)
    groups = {"all": result.overall, **result.by_imd_decile}
    return {
        "courses": result.overall.courses,
        "columns": [
            {"key": k, "courses": groups[k].courses}
            for k in ("all", *DECILES, "unknown")
            if k in groups
        ],
        "rows": [
            {
                "criterion": c,
                "label": CRITERION_LABELS[c],
                "cells": [
                    {
                        "met": groups[k].met.get(c, 0),
                        "judged": groups[k].judged.get(c, 0),
                        "percent": (
                            round(100 * groups[k].met.get(c, 0) / groups[k].judged[c])
                            if groups[k].judged.get(c)
                            else None
                        ),
                    }
                    for k in ("all", *DECILES, "unknown")
                    if k in groups
                ],
            }
            for c in CRITERIA
        ],
    }


@require_GET
@login_required
def service_fidelity(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The service's rates of each criterion, overall and by IMD decile: is care delivered
    equally? For managers and supervisors (aggregates only, no client named)."""
    viewer = require_staff(request, "Service fidelity rates")
    if viewer.kind not in (ViewerKind.MANAGER, ViewerKind.SUPERVISOR) or viewer.staff is None:
        raise PermissionDenied("Service rates are for managers and supervisors.")
    key = f"ontrack:service-fidelity:{viewer.staff.service_id}"
    data = None if request.GET.get("refresh") == "1" else cache.get(key)
    if data is None:
        data = _service_rates(viewer.staff.service_id)
        cache.set(key, data, SERVICE_CACHE_SECONDS)
    return render(request, "fidelity/service.html", {"data": data, "viewer": viewer})
