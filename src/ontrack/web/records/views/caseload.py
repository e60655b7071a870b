"""The caseload: every open episode the viewer holds, supervises or manages, with its signal.

Two ORM queries build the whole table, whatever its length (``_page``): the scoped query
for the open episodes (names, signal, therapist, next session) with the columns the
signal counts, filters and chosen sort need (alert counts, the sort's column), then one
query for the other columns of the page's rows only (session count, last contact, first
and latest scores, alliance, goals, homework, the reason for the signal). Each column is
a correlated subquery on the episode's referral (``column_expressions``). Counting,
filtering, sorting and paging happen in Python over the rows: a caseload is tens of rows,
and the signal counts come from the same rows instead of another query
(docs/adr/0069). ``records/_caseload_rows.html`` draws the rows.

The signal was stored by the early-warning checks after the latest session, so nothing is
evaluated while the page loads. Urgent risk comes first, then off track, behind, not
judged, intake only, on track and recovered.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import (
    CharField,
    DateField,
    F,
    FloatField,
    Func,
    IntegerField,
    JSONField,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.accounts.models import Staff
from ontrack.web.audit.events import record_list_view
from ontrack.web.common.codes import (
    AlertKind,
    AlertSeverity,
    AlertStatus,
    EpisodeStatus,
    GoalStatus,
    SignalStatus,
    Therapy,
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
from ontrack.web.records.templatetags.ontrack import change, score, trend
from ontrack.web.records.views._common import require_staff

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
_THERAPY_LABELS = dict(Therapy.choices)
_SIGNAL_LABELS = dict(SignalStatus.choices)


@dataclass
class CaseloadRow:
    """One open episode as the caseload shows it (``records/_caseload_rows.html``)."""

    pk: int
    referral_id: int
    client_id: int
    given_name: str
    family_name: str
    signal: str
    therapist_id: int
    therapist_name: str
    therapy: str
    step: int | None
    next_session_on: dt.date | None
    sessions: int = 0
    last_contact: dt.date | None = None
    urgent_alerts: int = 0
    open_alerts: int = 0
    unacknowledged: int = 0
    latest_phq9: float | None = None
    first_phq9: float | None = None
    latest_gad7: float | None = None
    first_gad7: float | None = None
    alliance_latest: float | None = None
    alliance_previous: float | None = None
    goals: int = 0
    homework_due: int = 0
    homework_set: int = 0
    risk_severity: str | None = None  # the client's open risk alert on this referral
    risk_level: int | None = None  # its grade within the severity (ADR 0150)
    risk_reasons: list[str] | None = None
    reason: str = ""

    @property
    def client_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def signal_rank(self) -> int:
        return SIGNAL_RANK.get(self.signal, len(SIGNAL_RANK) + 1)

    def get_signal_display(self) -> str:
        return str(_SIGNAL_LABELS.get(self.signal, self.signal))

    def get_therapy_display(self) -> str:
        return str(_THERAPY_LABELS.get(self.therapy, self.therapy))

    # What the row template shows, worked out here: the caseload is opened before every
    # session, and a template filter per cell would cost more than the rest of the page.
    @property
    def risk_badge(self) -> str:
        """ "Urgent: risk" or "High: risk" from the open risk alert's severity, else ""."""
        if self.risk_severity == AlertSeverity.URGENT:
            return "Urgent: risk"
        return "High: risk" if self.risk_severity else ""

    @property
    def risk_line(self) -> str:
        """Why, in one line: the risk alert's headline, a finding at the badge's grade
        (ADR 0120), so the two cannot disagree."""
        reasons = self.risk_reasons if isinstance(self.risk_reasons, list) else []
        return str(reasons[0]) if self.risk_severity and reasons else ""

    @property
    def therapy_line(self) -> str:
        therapy = self.get_therapy_display() or "Therapy not set"
        return f"{therapy}, step {self.step}" if self.step else therapy

    @property
    def last_text(self) -> str:
        return f"{self.last_contact:%-d %b}" if self.last_contact else "–"

    @property
    def next_text(self) -> str:
        return f"{self.next_session_on:%a %-d %b}" if self.next_session_on else ""

    @property
    def phq9_text(self) -> str:
        return score(self.latest_phq9)

    @property
    def phq9_change(self) -> str:
        """The change since the first PHQ-9, signed ("−6", "+2", "0"), or ""."""
        return change(self.latest_phq9, self.first_phq9)

    @property
    def gad7_text(self) -> str:
        return score(self.latest_gad7)

    @property
    def gad7_change(self) -> str:
        return change(self.latest_gad7, self.first_gad7)

    @property
    def alliance_text(self) -> str:
        return score(self.alliance_latest)

    @property
    def alliance_trend(self) -> str:
        """Where the alliance went since the rating before: "up", "down", "same" or ""."""
        return trend(self.alliance_latest, self.alliance_previous)

    @property
    def alliance_words(self) -> str:
        direction = self.alliance_trend
        if direction == "same":
            return "same as last time"
        return f"{direction} from {score(self.alliance_previous)}" if direction else ""


def _name(row: CaseloadRow) -> tuple[str, int]:
    return (row.family_name.casefold(), row.pk)


def _nulls_last(value: Any, descending: bool) -> tuple[bool, Any]:
    """Sort key part: None after every value, whichever way the values run."""
    if value is None:
        return (True, 0)
    if descending:
        value = -value.toordinal() if isinstance(value, dt.date) else -value
    elif isinstance(value, dt.date):
        value = value.toordinal()
    return (False, value)


# Sort keys offered as column links: key -> (label, key function). Ties go by name, then id.
SORTS: dict[str, tuple[str, Callable[[CaseloadRow], tuple[Any, ...]]]] = {
    "priority": (
        "Priority",
        lambda r: (
            -r.urgent_alerts,
            r.risk_severity is None,
            -(r.risk_level or 0),  # "nearly every day" before "several days", both urgent
            r.signal_rank,
            -r.open_alerts,
            *_name(r),
        ),
    ),
    "name": ("Client", _name),
    "signal": ("Signal", lambda r: (r.signal_rank, *_name(r))),
    "last": ("Last session", lambda r: (_nulls_last(r.last_contact, True), *_name(r))),
    "next": ("Next session", lambda r: (_nulls_last(r.next_session_on, False), *_name(r))),
    "sessions": ("Sessions", lambda r: (-r.sessions, *_name(r))),
    "phq9": ("PHQ-9", lambda r: (_nulls_last(r.latest_phq9, True), *_name(r))),
    "gad7": ("GAD-7", lambda r: (_nulls_last(r.latest_gad7, True), *_name(r))),
    "alerts": ("Alerts", lambda r: (-r.urgent_alerts, -r.open_alerts, *_name(r))),
}


# The columns each sort reads beyond the alert counts every row has for the counts.
SORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "last": ("last_contact",),
    "sessions": ("sessions",),
    "phq9": ("latest_phq9",),
    "gad7": ("latest_gad7",),
}


def open_episodes(viewer: Viewer) -> QuerySet[Episode]:
    """Return the open episodes on the viewer's caseload (scoped; no columns yet)."""
    episodes = Episode.objects.filter(status=EpisodeStatus.OPEN)
    if viewer.kind in (ViewerKind.THERAPIST, ViewerKind.SUPERVISOR):
        episodes = episodes.filter(therapist_id__in=viewer.therapist_ids())
    return episodes


# The episode's own fields, in CaseloadRow's order (the scoped query reads them).
_EPISODE_FIELDS = (
    "pk",
    "referral_id",
    "referral__client_id",
    "referral__client__given_name",
    "referral__client__family_name",
    "signal",
    "therapist_id",
    "therapist__user__first_name",
    "therapist__user__last_name",
    "therapist__user__username",
    "therapy",
    "step",
    "next_session_on",
)


def _count(rows: QuerySet[Any]) -> Subquery:
    """COUNT(*) of ``rows`` as a scalar subquery (no GROUP BY: one correlated count)."""
    return Subquery(
        rows.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"),
        output_field=IntegerField(),
    )


def _score(referral: OuterRef, measure: str, latest: bool) -> Subquery:
    way = "-" if latest else ""
    rows = QuestionnaireResponse.unscoped.filter(contact__referral_id=referral, measure=measure)
    order = rows.order_by(f"{way}contact__contact_date", f"{way}contact_id")
    return Subquery(order.values("total")[:1], output_field=FloatField())


def _alliance(referral: OuterRef, skip: int) -> Subquery:
    rows = AllianceResponse.unscoped.filter(contact__referral_id=referral)
    order = rows.order_by("-contact__contact_date", "-contact_id")
    return Subquery(order.values("total")[skip : skip + 1], output_field=FloatField())


@cache
def column_expressions() -> dict[str, Subquery]:
    """Return each column as a subquery on the outer episode's referral, by row field.

    Correlated subqueries, each answered from an index on referral (or contact) for one
    referral, so the cost follows the rows read, not the size of the service's history
    (docs/adr/0069). The tables are read unscoped: the outer query is the scoped one, and
    every subquery reads only the referral of the episode beside it. Built once per
    process (``annotate`` resolves a copy of each, never the original).
    """
    ref = OuterRef("referral_id")
    contacts = Contact.unscoped.filter(referral_id=ref)
    open_alerts = Alert.unscoped.filter(referral_id=ref).exclude(status=AlertStatus.CLOSED)
    homework = Homework.unscoped.filter(referral_id=ref)
    risk = open_alerts.filter(kind=AlertKind.RISK).order_by("-opened_at", "-pk")
    return {
        "sessions": _count(contacts.filter(session_number__isnull=False)),
        "last_contact": Subquery(
            contacts.order_by()
            .annotate(last=Func(F("contact_date"), function="MAX"))
            .values("last"),
            output_field=DateField(),
        ),
        "urgent_alerts": _count(open_alerts.filter(severity=AlertSeverity.URGENT)),
        "risk_severity": Subquery(risk.values("severity")[:1], output_field=CharField()),
        "risk_level": Subquery(risk.values("risk_level")[:1], output_field=IntegerField()),
        "risk_reasons": Subquery(risk.values("reasons")[:1], output_field=JSONField()),
        "open_alerts": _count(open_alerts),
        "unacknowledged": _count(open_alerts.filter(status=AlertStatus.OPEN)),
        "latest_phq9": _score(ref, "PHQ-9", latest=True),
        "first_phq9": _score(ref, "PHQ-9", latest=False),
        "latest_gad7": _score(ref, "GAD-7", latest=True),
        "first_gad7": _score(ref, "GAD-7", latest=False),
        "alliance_latest": _alliance(ref, 0),
        "alliance_previous": _alliance(ref, 1),
        "goals": _count(Goal.unscoped.filter(referral_id=ref).exclude(status=GoalStatus.DROPPED)),
        "homework_due": _count(homework.filter(reviewed_contact__isnull=True)),
        "homework_set": _count(homework),
    }


COLUMNS = (
    "sessions",
    "last_contact",
    "urgent_alerts",
    "risk_severity",
    "risk_level",
    "risk_reasons",
    "open_alerts",
    "unacknowledged",
    "latest_phq9",
    "first_phq9",
    "latest_gad7",
    "first_gad7",
    "alliance_latest",
    "alliance_previous",
    "goals",
    "homework_due",
    "homework_set",
)
# What the reason line is chosen from: the stored evaluation's reasons, by measure.
_REASON_FIELDS = ("signal_reasons", "signal_detail__progress")


def _episode_rows(viewer: Viewer, names: tuple[str, ...]) -> list[CaseloadRow]:
    """Return the viewer's open episodes with the ``names`` columns (one scoped query)."""
    expressions = column_expressions()
    query = open_episodes(viewer).order_by().annotate(**{n: expressions[n] for n in names})
    rows = []
    for values in query.values_list(*_EPISODE_FIELDS, *names):
        pk, ref, client, given, family, signal, staff, first, last, user, *rest = values
        therapy, step, booked, *columns = rest
        # Staff.display_name: the user's full name, else their user name.
        therapist = f"{first} {last}".strip() or user
        row = CaseloadRow(
            pk, ref, client, given, family, signal, staff, therapist, therapy, step, booked
        )
        for name, value in zip(names, columns, strict=True):
            setattr(row, name, value)
        rows.append(row)
    return rows


def _add_columns(rows: list[CaseloadRow], names: tuple[str, ...]) -> None:
    """Fill the rows' ``names`` columns and reasons with one query over their episodes.

    The episodes were read by the scoped query; this one reads them again by id
    (unscoped, as the subqueries are) to add the columns only for the rows it is given.
    """
    by_pk = {row.pk: row for row in rows}
    if not by_pk:
        return
    expressions = column_expressions()
    query = (
        Episode.unscoped.filter(pk__in=list(by_pk))
        .order_by()
        .annotate(**{n: expressions[n] for n in names})
        .values_list("pk", *_REASON_FIELDS, *names)
    )
    for pk, reasons, progress, *values in query:
        row = by_pk[pk]
        row.reason = short_reason(_signal_reason(row.signal, reasons, progress))
        for name, value in zip(names, values, strict=True):
            setattr(row, name, value)


def _signal_reason(signal: str, reasons: Any, progress: Any) -> str:
    """Return the first reason of a measure whose own status is the episode's signal.

    The episode's reasons run measure by measure, so its very first reason can be about a
    measure that is on track while another one put the episode behind.
    """
    for measure in progress if isinstance(progress, list) else ():
        if isinstance(measure, dict) and measure.get("status") == signal:
            found = [str(r) for r in measure.get("reasons") or () if r]
            if found:
                return found[0]
    listed = [str(r) for r in reasons or () if r] if isinstance(reasons, list) else []
    return listed[0] if listed else ""


_ASIDE = re.compile(r"\s*\([^()]*\)")


def short_reason(reason: str) -> str:
    """Return the reason's first clause, as one short line for the caseload.

    >>> short_reason("PHQ-9 14 at session 4 is beyond the failure boundary: expected 9.")
    'PHQ-9 14 at session 4 is beyond the failure boundary.'
    >>> short_reason("PHQ-9: only the intake score (18) so far.")
    'PHQ-9: only the intake score so far.'
    """
    text = _ASIDE.sub("", reason).strip()
    for mark in (": ", "; ", ". "):
        head, found, _ = text.partition(mark)
        if found and len(head.split()) >= 3:
            text = head
    text = text.rstrip(" .;:")
    return f"{text}." if text else ""


def caseload_episodes(viewer: Viewer) -> list[CaseloadRow]:
    """Return the open episodes on the viewer's caseload with every column filled."""
    rows = _episode_rows(viewer, ())
    _add_columns(rows, COLUMNS)
    return rows


def _page(
    viewer: Viewer, filters: Filters, number: str | None
) -> tuple[Page[CaseloadRow], list[CaseloadRow]]:
    """Return the page asked for, and every row with what the counts and sort need.

    The scoped query reads, for every row, what the counts, filters and chosen sort need;
    a second reads the other columns for the page's rows only. So a caseload costs two
    queries at any length, and a manager's hundreds of open episodes cost a few
    subqueries each instead of fourteen.
    """
    needed = (
        "urgent_alerts",
        "open_alerts",
        "risk_severity",
        "risk_level",
        *SORT_COLUMNS.get(filters.sort, ()),
    )
    rows = _episode_rows(viewer, needed)
    page = Paginator(filters.apply(rows), PAGE_SIZE).get_page(number)
    _add_columns(list(page.object_list), tuple(n for n in COLUMNS if n not in needed))
    return page, rows


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

    def keeps(self, row: CaseloadRow) -> bool:
        """Return whether ``row`` passes every filter."""
        if self.signal == "urgent" and not row.urgent_alerts:
            return False
        if self.signal not in ("", "urgent") and row.signal != self.signal:
            return False
        if self.therapist is not None and row.therapist_id != self.therapist:
            return False
        if self.alerts and not row.open_alerts:
            return False
        if self.q:
            q = self.q.casefold()
            return q in row.family_name.casefold() or q in row.given_name.casefold()
        return True

    def apply(self, rows: Iterable[CaseloadRow]) -> list[CaseloadRow]:
        """Return the rows that pass the filters, in the chosen order."""
        return sorted((r for r in rows if self.keeps(r)), key=SORTS[self.sort][1])

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


def _counts(rows: list[CaseloadRow]) -> dict[str, int]:
    """Return how many episodes carry each signal, and how many have urgent alerts."""
    counts = dict.fromkeys(SignalStatus.values, 0)
    counts["urgent"] = 0
    for row in rows:
        counts[row.signal] = counts.get(row.signal, 0) + 1
        counts["urgent"] += bool(row.urgent_alerts)
    return counts


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
    page, everything = _page(viewer, filters, request.GET.get("page"))
    sort_links = {
        key: {
            "label": label,
            "href": "?" + filters.query(sort=key, page=""),
            "current": filters.sort == key,
        }
        for key, (label, _) in SORTS.items()
    }
    record_list_view(
        by=request.user,
        page="caseload",
        path=request.get_full_path(),
        client_ids=[row.client_id for row in page.object_list],
    )
    return render(
        request,
        "records/caseload.html",
        {
            "page": page,
            "viewer": viewer,
            "filters": filters,
            "counts": _counts(everything),
            "signal_choices": [(s.value, s.label) for s in SIGNAL_ORDER],
            "therapists": _therapists(viewer),
            "sorts": sort_links,
            "page_query": filters.query(),
            "show_therapist": viewer.kind != ViewerKind.THERAPIST,
            # Links the rows build from ids: reversed once, not once per row.
            "client_url": reverse("client_timeline", args=[0]).removesuffix("0/"),
            "alerts_url": reverse("alerts_inbox"),
        },
    )
