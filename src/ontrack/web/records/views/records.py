"""The start page and the client's full record (every referral, contact and alert)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.records import permissions
from ontrack.web.records.models import (
    Alert,
    Client,
    Contact,
    Episode,
    Goal,
    GoalRating,
    Homework,
    Referral,
)
from ontrack.web.records.scoping import Viewer, ViewerKind
from ontrack.web.records.views._common import STAFF_KINDS, client_for, viewer_of

_COLUMN_ORDER = {"PHQ-9": 0, "GAD-7": 1}
_SEVERITY_RANK = {"urgent": 0, "high": 1, "routine": 2}


@require_GET
@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Send each person to where they start: caseload, their own record, or the admin."""
    viewer = viewer_of(request)
    if viewer.kind == ViewerKind.CLIENT and viewer.client_id is not None:
        return redirect("my_home")
    if viewer.kind in STAFF_KINDS:
        return redirect("caseload")
    return render(request, "records/no_records.html", {"viewer": viewer})


def _referrals_of(client: Client) -> list[Referral]:
    """The client's referrals with everything the record shows, in a fixed few queries."""
    contacts = Contact.objects.select_related("therapist__user").prefetch_related(
        "questionnaires", "alliance_ratings"
    )
    return list(
        Referral.objects.filter(client=client)
        .prefetch_related(
            Prefetch("episodes", queryset=Episode.objects.select_related("therapist__user")),
            Prefetch("contacts", queryset=contacts),
            Prefetch(
                "goals",
                queryset=Goal.objects.prefetch_related(
                    Prefetch("ratings", queryset=GoalRating.objects.select_related("contact"))
                ),
            ),
            Prefetch(
                "homework",
                queryset=Homework.objects.select_related("set_contact", "reviewed_contact"),
            ),
            Prefetch(
                "alerts",
                queryset=Alert.objects.select_related("opened_by").prefetch_related("actions__by"),
            ),
            "assessments__assessor__user",
        )
        .order_by("-referral_date", "-pk")
    )


def _arrange(referral: Referral, viewer: Viewer) -> None:
    """Lay out one referral for the page: score columns, alerts worst first, what to record."""
    measures = sorted(
        {q.measure for c in referral.contacts.all() for q in c.questionnaires.all()},
        key=lambda code: (_COLUMN_ORDER.get(code, len(_COLUMN_ORDER)), code),
    )
    referral.measure_columns = measures  # type: ignore[attr-defined]
    for contact in referral.contacts.all():
        by_measure = {q.measure: q for q in contact.questionnaires.all()}
        contact.scores = [by_measure.get(m) for m in measures]  # type: ignore[attr-defined]
    referral.sorted_alerts = sorted(  # type: ignore[attr-defined]
        referral.alerts.all(),
        key=lambda a: (
            a.is_closed,
            _SEVERITY_RANK.get(a.severity, 9),
            -a.opened_at.timestamp(),
        ),
    )
    referral.recordable = [  # type: ignore[attr-defined]
        e for e in referral.episodes.all() if permissions.can_record_session(viewer, e)
    ]


@require_GET
@login_required
def client_record(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    """Show a client's record: details, referrals, episodes, contacts, goals, homework, alerts."""
    viewer = viewer_of(request)
    client = client_for(request, client_id, "client_record")
    staff_view = viewer.kind in STAFF_KINDS
    referrals = _referrals_of(client)
    for referral in referrals:
        _arrange(referral, viewer)
    can_manage = staff_view and permissions.can_manage_alerts(viewer, client)
    return render(
        request,
        "records/client_record.html",
        {
            "client": client,
            "referrals": referrals,
            "staff_view": staff_view,
            "can_manage_alerts": can_manage,
            "episode": next(
                (e for r in referrals for e in r.episodes.all() if e.is_open),
                next((e for r in referrals for e in r.episodes.all()), None),
            ),
            "tab": "record",
        },
    )
