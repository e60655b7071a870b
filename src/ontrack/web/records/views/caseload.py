"""The caseload: every open episode the viewer holds, supervises or manages, with its signal.

Two queries build the whole table, whatever its length: the scoped query for the open
episodes (names, signal, therapist, next session), then one statement that reads every
other column for those referrals (session count, last contact, first and latest scores,
alliance, alerts, goals, homework). The second is fixed SQL rather than fifteen ORM
subqueries because building and compiling those took most of the page's CPU
(docs/performance.md); it reads only the referrals the first, scoped, query returned.
Counting, filtering, sorting and paging then happen in Python over those rows: a caseload
is tens of rows, and the signal counts come from the same rows instead of another query.
A list longer than a page (a service's hundreds) reads, for every row, only what the
counts and the chosen sort need, then the other columns for the page's rows (``_page``).

The signal was stored by the early-warning checks after the latest session, so nothing is
evaluated while the page loads. Urgent risk comes first, then off track, behind, not
judged, intake only, on track and recovered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.accounts.models import Staff
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
    Referral,
)
from ontrack.web.records.scoping import Viewer, ViewerKind
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
    """One open episode as the caseload shows it (what ``caseload_row`` renders)."""

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
        lambda r: (-r.urgent_alerts, r.signal_rank, -r.open_alerts, *_name(r)),
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


def _episode_rows(viewer: Viewer) -> list[CaseloadRow]:
    rows = []
    for pk, ref, client, given, family, signal, staff, first, last, user, therapy, step, booked in (
        open_episodes(viewer).order_by().values_list(*_EPISODE_FIELDS)
    ):
        # Staff.display_name: the user's full name, else their user name.
        therapist = f"{first} {last}".strip() or user
        rows.append(
            CaseloadRow(
                pk, ref, client, given, family, signal, staff, therapist, therapy, step, booked
            )
        )
    return rows


# The columns read per referral, by CaseloadRow field. Correlated subqueries, each answered
# from an index on referral (or contact) for one referral, so the cost follows the number
# of rows read, not the size of the service's history (docs/adr/0069).
_SCORE = (
    "(SELECT q.total FROM {qr} q JOIN {contact} c ON c.id = q.contact_id"
    " WHERE c.referral_id = r.id AND q.measure = '{measure}'"
    " ORDER BY c.contact_date {way}, c.id {way} LIMIT 1)"
)
_ALLIANCE = (
    "(SELECT a.total FROM {alliance} a JOIN {contact} c ON c.id = a.contact_id"
    " WHERE c.referral_id = r.id ORDER BY c.contact_date DESC, c.id DESC LIMIT 1 OFFSET {skip})"
)
_OPEN_ALERT = "a.referral_id = r.id AND a.status <> '{closed}'"


@cache
def _column_sql() -> dict[str, str]:
    """Return each column's subquery by CaseloadRow field (built once: names are fixed)."""
    tables = {
        "contact": Contact._meta.db_table,
        "qr": QuestionnaireResponse._meta.db_table,
        "alliance": AllianceResponse._meta.db_table,
        "alert": Alert._meta.db_table,
        "goal": Goal._meta.db_table,
        "homework": Homework._meta.db_table,
    }
    open_alert = _OPEN_ALERT.format(closed=AlertStatus.CLOSED.value)
    urgent = (
        f"{open_alert} AND (a.kind = '{AlertKind.RISK.value}'"
        f" OR a.severity = '{AlertSeverity.URGENT.value}')"
    )
    columns = {
        "sessions": "(SELECT COUNT(*) FROM {contact} c"
        " WHERE c.referral_id = r.id AND c.session_number IS NOT NULL)",
        "last_contact": "(SELECT MAX(c.contact_date) FROM {contact} c WHERE c.referral_id = r.id)",
        "urgent_alerts": f"(SELECT COUNT(*) FROM {{alert}} a WHERE {urgent})",
        "open_alerts": f"(SELECT COUNT(*) FROM {{alert}} a WHERE {open_alert})",
        "unacknowledged": "(SELECT COUNT(*) FROM {alert} a"
        f" WHERE a.referral_id = r.id AND a.status = '{AlertStatus.OPEN.value}')",
        "latest_phq9": _SCORE.replace("{measure}", "PHQ-9").replace("{way}", "DESC"),
        "first_phq9": _SCORE.replace("{measure}", "PHQ-9").replace("{way}", "ASC"),
        "latest_gad7": _SCORE.replace("{measure}", "GAD-7").replace("{way}", "DESC"),
        "first_gad7": _SCORE.replace("{measure}", "GAD-7").replace("{way}", "ASC"),
        "alliance_latest": _ALLIANCE.replace("{skip}", "0"),
        "alliance_previous": _ALLIANCE.replace("{skip}", "1"),
        "goals": "(SELECT COUNT(*) FROM {goal} g"
        f" WHERE g.referral_id = r.id AND g.status <> '{GoalStatus.DROPPED.value}')",
        "homework_due": "(SELECT COUNT(*) FROM {homework} h"
        " WHERE h.referral_id = r.id AND h.reviewed_contact_id IS NULL)",
        "homework_set": "(SELECT COUNT(*) FROM {homework} h WHERE h.referral_id = r.id)",
    }
    return {name: sql.format(**tables) for name, sql in columns.items()}


@cache
def _columns_sql(names: tuple[str, ...]) -> str:
    """Return the statement reading ``names`` for the referrals ``{ids}``."""
    select = ",\n ".join(_column_sql()[name] for name in names)
    return f"SELECT r.id,\n {select}\nFROM {Referral._meta.db_table} r WHERE r.id IN ({{ids}})"


COLUMNS = (
    "sessions",
    "last_contact",
    "urgent_alerts",
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
# Referral ids per statement, at most: one statement for any real caseload, within the
# database's limit on parameters (SQLite's is the lower).
CHUNK = 10_000


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _add_columns(rows: Iterable[CaseloadRow], names: tuple[str, ...] = COLUMNS) -> None:
    """Fill the rows' ``names`` columns with one statement (per ``CHUNK`` referrals)."""
    by_referral = {row.referral_id: row for row in rows}
    if not by_referral or not names:
        return
    with connection.cursor() as cursor:
        limit = min(CHUNK, connection.features.max_query_params or CHUNK)
        for ids in _chunks(sorted(by_referral), limit):
            cursor.execute(_columns_sql(names).format(ids=", ".join(["%s"] * len(ids))), ids)
            for referral_id, *values in cursor.fetchall():
                row = by_referral[referral_id]
                for name, value in zip(names, values, strict=True):
                    setattr(row, name, _value(name, value))


def _value(name: str, value: Any) -> Any:
    if name == "last_contact" and isinstance(value, str):
        return dt.date.fromisoformat(value)  # SQLite returns MAX() of a date as text
    if value is None or name == "last_contact":
        return value
    if isinstance(value, float) or name.startswith(("latest", "first", "alliance")):
        return float(value)
    return int(value)


def caseload_episodes(viewer: Viewer) -> list[CaseloadRow]:
    """Return the open episodes on the viewer's caseload with every column filled."""
    rows = _episode_rows(viewer)
    _add_columns(rows)
    return rows


def _page(
    rows: list[CaseloadRow], filters: Filters, number: str | None
) -> tuple[Page[CaseloadRow], list[CaseloadRow]]:
    """Return the page asked for, and every row with what the counts and sort need.

    A caseload that fits on one page gets every column at once. A longer one (a service's,
    a large supervision group) first gets only what the counts, filters and chosen sort
    read, for every row; then the rest for the page's rows. So a manager's hundreds of
    open episodes cost a few subqueries each instead of fourteen.
    """
    if len(rows) <= PAGE_SIZE:
        _add_columns(rows)
        return Paginator(filters.apply(rows), PAGE_SIZE).get_page(number), rows
    _add_columns(rows, ("urgent_alerts", "open_alerts", *SORT_COLUMNS.get(filters.sort, ())))
    page = Paginator(filters.apply(rows), PAGE_SIZE).get_page(number)
    _add_columns(page.object_list, COLUMNS)
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
    page, everything = _page(_episode_rows(viewer), filters, request.GET.get("page"))
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
            "counts": _counts(everything),
            "signal_choices": [(s.value, s.label) for s in SIGNAL_ORDER],
            "therapists": _therapists(viewer),
            "sorts": sort_links,
            "page_query": filters.query(),
            "show_therapist": viewer.kind != ViewerKind.THERAPIST,
        },
    )
