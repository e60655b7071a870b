"""The caseload: every open episode the viewer holds, supervises or manages, with its signal.

One query builds every column (correlated subqueries, no query per row); the signal was
stored by the early-warning checks after the latest session, so nothing is evaluated
while the page loads. Urgent risk comes first, then off track, behind, not judged, intake
only, on track and recovered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ontrack.web.accounts.models import Staff
from ontrack.web.records.codes import (
    AlertKind,
    AlertSeverity,
    AlertStatus,
    EpisodeStatus,
    GoalStatus,
    SignalStatus,
)
from ontrack.web.records.models import (
    Alert,
    AllianceResponse,
    Contact,
    Episode,
    Goal,
    Homework,
    QuestionnaireResponse,
)
from ontrack.web.records.scoping import Viewer, ViewerKind
from ontrack.web.records.views._common import AuthenticatedHttpRequest, require_staff

PAGE_SIZE = 100
# Worst first. "Not judged" sits before on track so that a missing intake score is seen.
SIGNAL_ORDER = (
    SignalStatus.OFF_TRACK,
    SignalStatus.BEHIND,
    SignalStatus.UNKNOWN,
    SignalStatus.BASELINE,
    SignalStatus.ON_TRACK,
    SignalStatus.RECOVERED,
)
SIGNAL_RANK = {status.value: rank for rank, status in enumerate(SIGNAL_ORDER, 1)}

# Sort keys offered as column links: key -> (label, ordering).
SORTS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "priority": ("Priority", ("-urgent_alerts", "signal_rank", "-open_alerts", "client_name")),
    "name": ("Client", ("client_name", "pk")),
    "signal": ("Signal", ("signal_rank", "client_name")),
    "last": ("Last session", (F("last_contact").desc(nulls_last=True), "client_name")),
    "next": ("Next session", (F("next_session_on").asc(nulls_last=True), "client_name")),
    "sessions": ("Sessions", ("-sessions", "client_name")),
    "phq9": ("PHQ-9", (F("latest_phq9").desc(nulls_last=True), "client_name")),
    "gad7": ("GAD-7", (F("latest_gad7").desc(nulls_last=True), "client_name")),
    "alerts": ("Alerts", ("-urgent_alerts", "-open_alerts", "client_name")),
}


def _total(measure: str, newest: bool) -> Subquery:
    order = ("-contact__contact_date", "-contact_id") if newest else ("contact__contact_date",)
    return Subquery(
        QuestionnaireResponse.unscoped.filter(
            contact__referral_id=OuterRef("referral_id"), measure=measure
        )
        .order_by(*order)
        .values("total")[:1]
    )


def _alliance(offset: int) -> Subquery:
    return Subquery(
        AllianceResponse.unscoped.filter(contact__referral_id=OuterRef("referral_id"))
        .order_by("-contact__contact_date", "-contact_id")
        .values("total")[offset : offset + 1]
    )


def _count(queryset: QuerySet[Any]) -> Subquery:
    return Subquery(
        queryset.order_by().values("referral_id").annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    )


def _signal_rank() -> Case:
    return Case(
        *(When(signal=code, then=Value(rank)) for code, rank in SIGNAL_RANK.items()),
        default=Value(len(SIGNAL_RANK) + 1),
        output_field=IntegerField(),
    )


def _open_alerts() -> QuerySet[Alert]:
    return Alert.unscoped.filter(referral_id=OuterRef("referral_id")).exclude(
        status=AlertStatus.CLOSED
    )


def _urgent_alerts() -> QuerySet[Alert]:
    return _open_alerts().filter(Q(kind=AlertKind.RISK) | Q(severity=AlertSeverity.URGENT))


def open_episodes(viewer: Viewer) -> QuerySet[Episode]:
    """Return the open episodes on the viewer's caseload (no columns yet)."""
    episodes = Episode.objects.filter(status=EpisodeStatus.OPEN)
    if viewer.kind in (ViewerKind.THERAPIST, ViewerKind.SUPERVISOR):
        episodes = episodes.filter(therapist_id__in=viewer.therapist_ids())
    return episodes


def caseload_episodes(viewer: Viewer) -> QuerySet[Any]:
    """Return the open episodes on the viewer's caseload with every column annotated."""
    ref = OuterRef("referral_id")
    open_alerts = _open_alerts()
    return (
        open_episodes(viewer)
        .select_related("referral__client", "therapist__user")
        .annotate(
            client_name=F("referral__client__family_name"),
            signal_rank=_signal_rank(),
            urgent_alerts=_count(_urgent_alerts()),
            sessions=_count(Contact.unscoped.filter(referral_id=ref, session_number__isnull=False)),
            last_contact=Subquery(
                Contact.unscoped.filter(referral_id=ref)
                .order_by("-contact_date", "-pk")
                .values("contact_date")[:1]
            ),
            open_alerts=_count(open_alerts),
            unacknowledged=_count(open_alerts.filter(status=AlertStatus.OPEN)),
            latest_phq9=_total("PHQ-9", newest=True),
            first_phq9=_total("PHQ-9", newest=False),
            latest_gad7=_total("GAD-7", newest=True),
            first_gad7=_total("GAD-7", newest=False),
            alliance_latest=_alliance(0),
            alliance_previous=_alliance(1),
            goals=_count(Goal.unscoped.filter(referral_id=ref).exclude(status=GoalStatus.DROPPED)),
            homework_due=_count(Homework.unscoped.filter(referral_id=ref, reviewed_contact=None)),
            homework_set=_count(Homework.unscoped.filter(referral_id=ref)),
        )
    )


@dataclass(frozen=True)
class Filters:
    """What the viewer filtered the caseload by (from the query string)."""

    signal: str = ""
    therapist: int | None = None
    alerts: bool = False
    q: str = ""
    sort: str = "priority"

    @classmethod
    def from_query(cls, query: QueryDict) -> Filters:
        signal = query.get("signal", "")
        therapist = query.get("therapist", "")
        sort = query.get("sort", "priority")
        return cls(
            signal=signal if signal in (*SignalStatus.values, "urgent") else "",
            therapist=int(therapist) if therapist.isdigit() else None,
            alerts=query.get("alerts") == "1",
            q=query.get("q", "").strip()[:100],
            sort=sort if sort in SORTS else "priority",
        )

    def apply(self, episodes: QuerySet[Any]) -> QuerySet[Any]:
        if self.signal == "urgent":
            episodes = episodes.filter(urgent_alerts__gt=0)
        elif self.signal:
            episodes = episodes.filter(signal=self.signal)
        if self.therapist is not None:
            episodes = episodes.filter(therapist_id=self.therapist)
        if self.alerts:
            episodes = episodes.filter(open_alerts__gt=0)
        if self.q:
            episodes = episodes.filter(
                Q(referral__client__family_name__icontains=self.q)
                | Q(referral__client__given_name__icontains=self.q)
            )
        return episodes.order_by(*SORTS[self.sort][1], "pk")

    def query(self, **changes: Any) -> str:
        """Return the query string for these filters with ``changes`` applied."""
        values = {
            "signal": self.signal,
            "therapist": "" if self.therapist is None else str(self.therapist),
            "alerts": "1" if self.alerts else "",
            "q": self.q,
            "sort": self.sort,
            **{k: str(v) for k, v in changes.items()},
        }
        query = QueryDict(mutable=True)
        for key, value in values.items():
            if value and not (key == "sort" and value == "priority"):
                query[key] = value
        return query.urlencode()


def _counts(viewer: Viewer) -> dict[str, int]:
    """Return how many episodes carry each signal, and how many have urgent alerts."""
    episodes: QuerySet[Any] = open_episodes(viewer).annotate(urgent_alerts=_count(_urgent_alerts()))
    row = episodes.order_by().aggregate(
        urgent=Count("pk", filter=Q(urgent_alerts__gt=0)),
        **{code: Count("pk", filter=Q(signal=code)) for code in SignalStatus.values},
    )
    return {key: int(value or 0) for key, value in row.items()}


def _therapists(viewer: Viewer) -> list[Staff]:
    if viewer.kind == ViewerKind.THERAPIST:
        return []
    staff = Staff.objects.select_related("user").exclude(therapist_role="")
    if viewer.kind == ViewerKind.SUPERVISOR:
        staff = staff.filter(pk__in=viewer.therapist_ids())
    elif viewer.service_id is not None:
        staff = staff.filter(service_id=viewer.service_id)
    else:
        return []
    return list(staff.order_by("user__last_name", "user__first_name"))


@require_GET
@login_required
def caseload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the open episodes the viewer holds, supervises or manages, urgent first."""
    viewer = require_staff(request, "The caseload")
    filters = Filters.from_query(request.GET)
    everything = caseload_episodes(viewer)
    page = Paginator(filters.apply(everything), PAGE_SIZE).get_page(request.GET.get("page"))
    sort_links = {
        key: {
            "label": label,
            "href": "?" + filters.query(sort=key, page=""),
            "current": filters.sort == key,
        }
        for key, (label, _) in SORTS.items()
    }
    return render(
        request,
        "records/caseload.html",
        {
            "page": page,
            "viewer": viewer,
            "filters": filters,
            "counts": _counts(viewer),
            "signal_choices": [(s.value, s.label) for s in SIGNAL_ORDER],
            "therapists": _therapists(viewer),
            "sorts": sort_links,
            "page_query": filters.query(),
            "show_therapist": viewer.kind != ViewerKind.THERAPIST,
        },
    )
