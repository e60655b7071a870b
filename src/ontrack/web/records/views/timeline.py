"""The client timeline: each measure against its expected course, the alliance, goals,
sessions and homework on one date axis, with the numbers in tables beside the charts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ontrack import charts
from ontrack.measures import Measure, MeasureError, get_measure
from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.common.codes import AlertKind, AlertStatus, Attendance, EpisodeStatus
from ontrack.web.records import permissions
from ontrack.web.records.models import Alert, Contact, Episode, Goal, Referral
from ontrack.web.records.monitoring import Course, RecordRows, expected_course
from ontrack.web.records.scoping import Viewer
from ontrack.web.records.views._common import STAFF_KINDS, client_for, viewer_of

MEASURE_ORDER = {"PHQ-9": 0, "GAD-7": 1}
PROJECT_SESSIONS = 4  # how far the expected course is drawn beyond the latest session
MAX_COURSE = 20


@dataclass(frozen=True)
class ScoreRow:
    """One row of a measure's data table."""

    contact: Contact
    total: float
    band: str
    session: int | None
    expected: float | None
    boundary: float | None
    risk: bool
    has_items: bool


@dataclass(frozen=True)
class MeasurePanel:
    code: str
    name: str
    chart: Any
    rows: tuple[ScoreRow, ...]
    course: Course | None
    projection: tuple[tuple[int, dt.date, float, float, float | None], ...]


def _measure(code: str) -> Measure | None:
    try:
        return get_measure(code)
    except MeasureError:
        return None


def _session_dates(contacts: list[Contact]) -> dict[int, dt.date]:
    return {
        c.session_number: c.contact_date
        for c in contacts
        if c.session_number is not None and c.attended
    }


def _course_dates(
    course: Course, sessions: dict[int, dt.date], start: dt.date
) -> tuple[tuple[int, dt.date, float, float, float | None], ...]:
    """Place each course point on a date: the real session's, else weekly after the last."""
    last_session = max(sessions, default=0)
    last_day = sessions.get(last_session, start)
    placed = []
    for p in course.points:
        day = sessions.get(p.session)
        if day is None:
            day = last_day + dt.timedelta(days=7 * (p.session - last_session))
        placed.append((p.session, day, p.expected, p.spread, p.boundary))
    return tuple(placed)


def _describe(code: str, rows: tuple[ScoreRow, ...], course: Course | None) -> str:
    if not rows:
        return f"No {code} scores recorded."
    first, last = rows[0], rows[-1]
    text = f"{code} {first.total:g} at {first.contact.contact_date:%-d %b %Y}"
    if last is not first:
        text += f", {last.total:g} at {last.contact.contact_date:%-d %b %Y}"
    if last.expected is not None:
        text += f"; expected {last.expected:.1f}"
        if last.boundary is not None:
            text += f", failure boundary {last.boundary:.1f}"
    if course is not None and course.caseness is not None:
        text += f"; caseness at {course.caseness:g}"
    return text + "."


def _panels(
    rows: RecordRows, staff: bool, axis_dates: list[dt.date]
) -> tuple[list[MeasurePanel], charts.DateAxis]:
    history = rows.history()
    sessions = _session_dates(rows.contacts)
    last_session = max(sessions, default=0)
    horizon = min(max(last_session + PROJECT_SESSIONS, 8), MAX_COURSE)
    start = rows.contacts[0].contact_date if rows.contacts else rows.referral.referral_date
    codes = sorted(
        {q.measure for q in rows.questionnaires},
        key=lambda c: (MEASURE_ORDER.get(c, len(MEASURE_ORDER)), c),
    )
    courses: dict[str, tuple[Course | None, tuple[Any, ...]]] = {}
    for code in codes:
        course = expected_course(history, code, horizon) if staff else None
        placed = _course_dates(course, sessions, start) if course is not None else ()
        courses[code] = (course, placed)
        axis_dates += [day for _, day, *_ in placed]
    axis = charts.date_axis(axis_dates)
    panels = [_panel(code, rows, *courses[code], axis, staff, last_session) for code in codes]
    return panels, axis


def _panel(
    code: str,
    rows: RecordRows,
    course: Course | None,
    placed: tuple[Any, ...],
    axis: charts.DateAxis,
    staff: bool,
    last_session: int,
) -> MeasurePanel:
    """One measure's chart and table, with its expected course where staff see it."""
    measure = _measure(code)
    by_session = {s: (e, b) for s, _, e, _, b in placed}
    table_rows = tuple(
        ScoreRow(
            contact=q.contact,
            total=q.total,
            band=q.band,
            session=q.contact.session_number,
            expected=by_session.get(q.contact.session_number or -1, (None, None))[0],
            boundary=by_session.get(q.contact.session_number or -1, (None, None))[1],
            risk=q.risk,
            has_items=bool(q.items),
        )
        for q in rows.questionnaires
        if q.measure == code
    )
    low = measure.min if measure else 0.0
    high = measure.max if measure else max(r.total for r in table_rows)
    chart = charts.score_chart(
        ident=f"chart-{code.lower().replace('-', '')}",
        measure=code,
        low=low,
        high=high,
        axis=axis,
        scores=[
            charts.ScorePoint(r.contact.contact_date, r.total, r.session, r.risk and staff)
            for r in table_rows
        ],
        course=[charts.CoursePoint(d, e, s, b) for _, d, e, s, b in placed],
        caseness=course.caseness if course else (measure.clinical_cutoff if measure else None),
        reliable_change=course.reliable_change if course else None,
        intake=course.intake if course else None,
        higher_is_better=course.higher_is_better if course else False,
        description=_describe(code, table_rows, course),
    )
    return MeasurePanel(
        code=code,
        name=measure.name if measure else code,
        chart=chart,
        rows=table_rows,
        course=course,
        projection=tuple(p for p in placed if p[0] > last_session),
    )


_GLYPH = {
    Attendance.DID_NOT_ATTEND: "missed",
    Attendance.ARRIVED_LATE_NOT_SEEN: "missed",
    Attendance.CANCELLED_BY_PATIENT: "cancelled",
    Attendance.CANCELLED_BY_PROVIDER: "cancelled",
}


def _events(rows: RecordRows) -> list[charts.Event]:
    events = []
    for c in rows.contacts:
        glyph = "attended" if c.attended else _GLYPH.get(Attendance(c.attendance), "other")
        what = f"session {c.session_number}" if c.session_number else c.get_app_type_display()
        events.append(
            charts.Event(
                c.contact_date,
                0,
                glyph,
                f"{c.contact_date:%-d %b %Y}: {what}, {c.get_attendance_display().lower()}",
            )
        )
    dates = {c.pk: c.contact_date for c in rows.contacts}
    for h in rows.homework:
        events.append(charts.Event(dates[h.set_contact_id], 1, "set", f"Homework set: {h}"))
        # A review at a contact entered in error no longer counts: the task is open again.
        if h.reviewed_contact_id in dates and h.outcome:
            events.append(
                charts.Event(
                    dates[h.reviewed_contact_id],
                    1,
                    h.outcome,
                    f"Homework reviewed: {h.get_outcome_display().lower()} — {h}",
                )
            )
    return events


def _ruptures(episode: Episode | None) -> set[str]:
    """Return the contact ids the stored evaluation flagged as ruptures."""
    if episode is None:
        return set()
    signals = episode.signal_detail.get("signals", []) if episode.signal_detail else []
    return {
        str(s.get("contact_id"))
        for s in signals
        if s.get("kind") == "rupture" and s.get("contact_id") is not None
    }


def _alliance(rows: RecordRows, axis: charts.DateAxis, ruptures: set[str]) -> dict[str, Any] | None:
    if not rows.alliance:
        return None
    code = rows.alliance[-1].measure
    measure = _measure(code)
    ratings = [a for a in rows.alliance if a.measure == code]
    points = [(a.contact.contact_date, a.total, str(a.contact_id) in ruptures) for a in ratings]
    cutoff = measure.clinical_cutoff if measure else None
    description = (
        f"{code} from {ratings[0].total:g} to {ratings[-1].total:g} over {len(ratings)} "
        f"rating{'s' if len(ratings) != 1 else ''}"
        + (f"; cut-off {cutoff:g}" if cutoff is not None else "")
        + (f"; {len(ruptures)} rupture(s) flagged" if ruptures else "")
        + "."
    )
    return {
        "code": code,
        "name": measure.name if measure else code,
        "chart": charts.alliance_chart(
            ident="chart-alliance",
            measure=code,
            low=measure.min if measure else 0,
            high=measure.max if measure else max(a.total for a in ratings),
            axis=axis,
            ratings=points,
            cutoff=cutoff,
            description=description,
        ),
        "rows": [(a, str(a.contact_id) in ruptures) for a in ratings],
        "cutoff": cutoff,
    }


def _goals(rows: RecordRows, goals: list[Goal], axis: charts.DateAxis) -> dict[str, Any] | None:
    if not goals:
        return None
    series = {
        g.number: [
            (r.contact.contact_date, float(r.rating))
            for r in rows.goal_ratings
            if r.goal_id == g.pk
        ]
        for g in goals
    }
    rated = [(n, pts) for n, pts in series.items() if pts]
    description = (
        "; ".join(f"goal {n}: {pts[0][1]:g} to {pts[-1][1]:g}" for n, pts in rated)
        or "No ratings yet."
    )
    return {
        "chart": charts.goals_chart(
            ident="chart-goals", axis=axis, goals=rated, description=description
        )
        if rated
        else None,
        "goals": [(g, [r for r in rows.goal_ratings if r.goal_id == g.pk]) for g in goals],
    }


def _review_link(viewer: Viewer, episode: Episode | None, alerts: list[Alert]) -> Alert | None:
    for alert in alerts:
        if alert.kind in (AlertKind.OFF_TRACK, AlertKind.STALLED):
            return alert
    return None


def _choose(referrals: list[Any], asked: str | None) -> Referral | None:
    """Return the referral asked for, else the latest with an open episode, else the latest."""
    if asked and asked.isdigit():
        for referral in referrals:
            if referral.pk == int(asked):
                return referral  # type: ignore[no-any-return]
    open_now = [r for r in referrals if r.open_episodes]
    return (open_now or referrals or [None])[0]  # type: ignore[no-any-return]


def _record(referral: Referral) -> tuple[RecordRows, Episode | None]:
    """Read the referral's rows once, each tied to its contact, and its latest episode."""
    # Every query below reads through RecordRows or the scoped managers, after the
    # client_for() check in the view has confirmed the viewer may see this client.
    rows = RecordRows.load(referral, caseload_now=False)
    # Contacts carry select_related therapist; questionnaire rows need their contact.
    contacts = {c.pk: c for c in rows.contacts}
    for item in (*rows.questionnaires, *rows.alliance, *rows.goal_ratings):
        item.contact = contacts[item.contact_id]  # type: ignore[attr-defined]
    episode = (
        Episode.objects.filter(referral=referral)
        .select_related("therapist__user")
        .order_by("-status", "-started_on", "-pk")
        .first()
    )
    if episode is not None and episode.signal_contact_id in contacts:
        # The page names the contact the signal was judged after: it is already loaded.
        episode.signal_contact = contacts[episode.signal_contact_id]
    return rows, episode


@require_GET
@login_required
def client_timeline(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    """Show the client's course: charts with tables, the signal, goals, sessions, homework."""
    viewer = viewer_of(request)
    client = client_for(request, client_id, "client_timeline")
    staff = viewer.kind in STAFF_KINDS
    referrals = list(
        Referral.objects.filter(client=client)
        .annotate(open_episodes=Count("episodes", filter=Q(episodes__status=EpisodeStatus.OPEN)))
        .order_by("-referral_date", "-pk")
    )
    referral = _choose(referrals, request.GET.get("referral"))
    if referral is None:
        raise Http404("This client has no referrals.")
    referral.client = client
    rows, episode = _record(referral)
    goals = list(Goal.objects.filter(referral=referral).order_by("number"))
    axis_dates = [c.contact_date for c in rows.contacts] or [referral.referral_date]
    panels, axis = _panels(rows, staff, axis_dates)
    alerts: list[Alert] = []
    if staff:
        alerts = list(
            Alert.objects.filter(referral=referral)
            .exclude(status=AlertStatus.CLOSED)
            .order_by("opened_at")
        )
    events = _events(rows)
    context = {
        "client": client,
        "referral": referral,
        "referrals": referrals,
        "episode": episode,
        "staff_view": staff,
        "can_record": episode is not None
        and episode.status == EpisodeStatus.OPEN
        and permissions.can_record_session(viewer, episode),
        "panels": panels,
        "alliance": _alliance(rows, axis, _ruptures(episode) if staff else set()),
        "goals": _goals(rows, goals, axis),
        "strip": charts.events_strip(
            ident="chart-events",
            axis=axis,
            events=events,
            description=f"{sum(1 for c in rows.contacts if c.attended)} attended contacts, "
            f"{sum(1 for e in events if e.glyph == 'missed')} missed, "
            f"{sum(1 for e in events if e.glyph == 'cancelled')} cancelled; "
            f"{len(rows.homework)} homework task(s) set.",
        ),
        "contacts": rows.contacts,
        "homework": rows.homework,
        "alerts": alerts,
        "review_alert": _review_link(viewer, episode, alerts) if staff else None,
        "tab": "timeline",
    }
    return render(request, "records/timeline.html", context)
