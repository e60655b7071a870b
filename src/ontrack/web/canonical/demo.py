"""Build the demo service: a simulated year of a talking-therapy service, as of today.

The simulator follows every referral to discharge; the demo cuts that history at today,
so referrals still in treatment are open and therapists have live caseloads. Then it
loads the tables, names everyone with fictional names, adds two supervisors, a manager,
an administrator and one client sign-in, and gives every demo account the same password.
Everyone in the demo is fictional.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from ontrack.dataset.schema import TABLES
from ontrack.web.accounts.admin import grant_service_administration
from ontrack.web.accounts.models import Service, Staff, StaffRole, Supervision, User
from ontrack.web.canonical.cells import paused, rebuild_service
from ontrack.web.canonical.demo_pathway import PathwayCounts, add_pathway_stages
from ontrack.web.canonical.load import LoadSummary, load_tables, refresh_planner_statistics
from ontrack.web.common.codes import ATTENDED, AlertActionKind, AlertKind, EpisodeStatus
from ontrack.web.records.actions.risk import findings_from_answers, risk_grades
from ontrack.web.records.actions.signals import refresh_signal
from ontrack.web.records.models import (
    Alert,
    AlertAction,
    Client,
    Contact,
    Episode,
    Goal,
    Homework,
    QuestionnaireResponse,
)
from ontrack.web.records.models.measures import BECK_CRITERIA
from ontrack.web.records.risk_rule import decide_risk_alert, severity_of
from ontrack.web.records.scoping import scopes_disabled

DEMO_PASSWORD = "ontrack-demo"

_GIVEN = (
    "Amira",
    "Ben",
    "Chloe",
    "Daniel",
    "Ella",
    "Farhan",
    "Grace",
    "Harry",
    "Isla",
    "Jamal",
    "Kiran",
    "Leah",
    "Mohammed",
    "Niamh",
    "Oliver",
    "Priya",
    "Qasim",
    "Rosa",
    "Sam",
    "Tariq",
    "Uma",
    "Victor",
    "Wen",
    "Yusuf",
    "Zara",
    "Aoife",
    "Bilal",
    "Chidi",
    "Dylan",
    "Eilidh",
)
_FAMILY = (
    "Ahmed",
    "Baker",
    "Chen",
    "Davies",
    "Evans",
    "Fernandes",
    "Green",
    "Hussain",
    "Ibrahim",
    "Jones",
    "Khan",
    "Lewis",
    "Mensah",
    "Nowak",
    "O'Brien",
    "Patel",
    "Quinn",
    "Robinson",
    "Singh",
    "Taylor",
    "Usman",
    "Visser",
    "Walker",
    "Xu",
    "Young",
    "Zielinski",
    "Okafor",
)
_GOALS = (
    "Get back to work three days a week",
    "Go to the supermarket on my own",
    "Sleep through the night most nights",
    "See friends at least once a week",
    "Stop checking the door locks more than once",
    "Feel able to speak up in meetings",
    "Take the bus into town",
    "Spend time with my children without snapping",
)
_HOMEWORK = (
    (
        "Walk for 15 minutes after breakfast on Monday, Wednesday and Friday",
        "Activity lifts mood more than waiting to feel like it",
        "If it rains, walk round the shopping centre instead",
        "Tick the activity diary and rate mood 0-10 before and after",
        "Keen, a bit worried about mornings",
        "Low mood first thing; plan the route the night before",
    ),
    (
        "Write a thought record the next three times anxiety goes above 6/10",
        "Catching the thought helps test it rather than believe it",
        "Use the breathing exercise first if it feels too much",
        "Thought record sheet, kept in my bag",
        "Unsure it will help, willing to try",
        "Forgetting; set a phone reminder at 8pm",
    ),
    (
        "Stay in the supermarket queue until anxiety halves, twice this week",
        "Staying lets the anxiety fall on its own; leaving keeps it going",
        "Remind myself the feeling peaks and passes",
        "Note the peak and end anxiety ratings",
        "Nervous but wants to do it",
        "Busy times; go mid-morning",
    ),
)


@dataclass(frozen=True)
class SignIn:
    """One demo account: its role, username, what the person sees."""

    role: str
    username: str
    sees: str


@dataclass(frozen=True)
class DemoService:
    """What the demo loaded and who can sign in."""

    summary: LoadSummary
    open_episodes: int
    sign_ins: tuple[SignIn, ...]
    pathway: PathwayCounts | None = None
    password: str = DEMO_PASSWORD


def cut_at(tables: dict[str, pa.Table], today: dt.date) -> dict[str, pa.Table]:
    """Return the simulated history as it stood on ``today``: later events are removed."""
    referral = tables["referral"].filter(pc.less_equal(tables["referral"]["referral_date"], today))
    ended_later = pc.fill_null(pc.greater(referral["end_date"], today), False)
    for column in ("end_date", "end_code"):
        index = referral.schema.get_field_index(column)
        cleared = pc.if_else(
            ended_later, pa.scalar(None, referral.schema.field(column).type), referral[column]
        )
        referral = referral.set_column(index, column, cleared)
    contact = tables["contact"].filter(pc.less_equal(tables["contact"]["contact_date"], today))
    contact = contact.filter(pc.is_in(contact["referral_id"], referral["referral_id"]))
    kept = contact["contact_id"]
    out = dict(tables, referral=referral, contact=contact)
    for name in ("score", "alliance", "goal_rating", "circumstance"):
        if name in tables:
            out[name] = tables[name].filter(pc.is_in(tables[name]["contact_id"], kept))
    homework = tables["homework"].filter(pc.is_in(tables["homework"]["set_contact_id"], kept))
    reviewed_later = pc.invert(pc.fill_null(pc.is_in(homework["reviewed_contact_id"], kept), False))
    for column in ("reviewed_contact_id", "outcome"):
        index = homework.schema.get_field_index(column)
        cleared = pc.if_else(reviewed_later, pa.scalar(None, pa.string()), homework[column])
        homework = homework.set_column(index, column, cleared)
    out["homework"] = homework
    return out


def _fictional_name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(_GIVEN), rng.choice(_FAMILY)


def build_demo(
    *, referrals: int = 400, seed: int = 2026, therapists: int = 12, waiting: int = 40
) -> DemoService:
    """Simulate and load the demo service into an empty database; return the sign-ins.

    ``waiting`` people are added assessed and on the waiting list (with new referrals and
    self-referrals beside them), so every stage of the pathway shows someone.
    """
    from ontrack.synth import simulate

    today = timezone.localdate()
    start = today - dt.timedelta(days=365)
    tables = cut_at(
        simulate(referrals=referrals, seed=seed, therapists=therapists, services=1, start=start),
        today,
    )
    rng = random.Random(seed)
    tables = with_past_risk_reviews(tables, today)
    with paused():  # the dashboard's counts are rebuilt once, below
        return _load_demo(tables, rng, seed, waiting)


def _load_demo(
    tables: dict[str, pa.Table], rng: random.Random, seed: int, waiting: int
) -> DemoService:
    summary = load_tables(tables, name_for=lambda _: _fictional_name(rng))
    with scopes_disabled(), transaction.atomic():
        service = Service.objects.get()
        service.name = "Riverside Talking Therapies (demo)"
        service.save()
        password = make_password(DEMO_PASSWORD)
        _name_therapists(rng, password)
        sign_ins = _add_people(service, rng, password)
        _describe_goals_and_homework(seed)
        _write_session_notes(tables, seed)
        _handle_past_risk_alerts()
        _book_next_sessions(rng)
        open_episodes = evaluate_open_episodes()
        pathway = add_pathway_stages(
            service, rng, _fictional_name, waiting=waiting, new=max(2, waiting // 4)
        )
        sign_ins = (*sign_ins, *_triage_sign_ins())
    rebuild_service(service)
    refresh_planner_statistics()
    return DemoService(
        summary=summary, open_episodes=open_episodes, sign_ins=sign_ins, pathway=pathway
    )


def _triage_sign_ins() -> tuple[SignIn, ...]:
    return tuple(
        SignIn("therapist (triage)", s.user.username, "the intake queue and the waiting list")
        for s in Staff.objects.filter(triage=True).select_related("user").order_by("pk")[:1]
    )


def evaluate_open_episodes() -> int:
    """Evaluate every open episode so the caseload shows a signal for each (the engine
    would have done so after each client's latest session). Return how many."""
    episodes = list(
        Episode.objects.filter(status=EpisodeStatus.OPEN).select_related("referral__client")
    )
    for episode in episodes:
        refresh_signal(episode=episode, by=None)
    return len(episodes)


def _book_next_sessions(rng: random.Random) -> None:
    """Book each open episode's next session about a week after its latest contact."""
    today = timezone.localdate()
    episodes = list(Episode.objects.filter(status=EpisodeStatus.OPEN))
    latest = dict(
        Contact.objects.filter(episode__in=episodes)
        .values_list("episode_id")
        .annotate(last=Max("contact_date"))
    )
    for episode in episodes:
        last = latest.get(episode.pk, today)
        booked = last + dt.timedelta(days=7)
        if booked <= today:
            booked = today + dt.timedelta(days=rng.randint(1, 7))
        # A few clients have no next session booked yet, as in any real caseload.
        episode.next_session_on = booked if rng.random() > 0.1 else None
    _update(episodes, ["next_session_on"])


def _name_therapists(rng: random.Random, password: str) -> None:
    users = []
    for number, staff in enumerate(
        Staff.objects.select_related("user").order_by("practitioner_id"), 1
    ):
        user = staff.user
        user.username = f"therapist{number}"
        user.first_name, user.last_name = _fictional_name(rng)
        user.password = password
        users.append(user)
    User.objects.bulk_update(users, ["username", "first_name", "last_name", "password"])


def _person(username: str, rng: random.Random, password: str, **extra: object) -> User:
    given, family = _fictional_name(rng)
    return User.objects.create(
        username=username, first_name=given, last_name=family, password=password, **extra
    )


def _add_people(service: Service, rng: random.Random, password: str) -> tuple[SignIn, ...]:
    therapists = list(Staff.objects.filter(service=service).order_by("practitioner_id"))
    half = len(therapists) // 2
    _add_supervisors(service, therapists, rng, password)
    Staff.objects.create(
        user=_person("manager", rng, password),
        service=service,
        role=StaffRole.MANAGER,
        practitioner_id="MGR1",
    )
    administrator = _person("admin", rng, password)
    Staff.objects.create(
        user=administrator, service=service, role=StaffRole.ADMIN, practitioner_id="ADM1"
    )
    # Service configuration only: not a superuser (administration is not clinical access).
    grant_service_administration(administrator)
    client_user = _add_client_sign_in(password)
    load = dict(
        Episode.objects.filter(status=EpisodeStatus.OPEN)
        .values_list("therapist_id")
        .annotate(n=Count("pk"))
    )
    # Show the busiest therapist of each supervisor's group.
    first = max(therapists[:half], key=lambda t: load.get(t.pk, 0)).user
    second = max(therapists[half:], key=lambda t: load.get(t.pk, 0)).user
    sign_ins = [
        SignIn("therapist", first.username, f"{first.get_full_name()}'s own caseload"),
        SignIn("therapist", second.username, f"{second.get_full_name()}'s own caseload"),
        SignIn("supervisor", "supervisor1", f"the caseloads of therapist1 to therapist{half}"),
        SignIn(
            "supervisor",
            "supervisor2",
            f"the caseloads of therapist{half + 1} to therapist{len(therapists)}",
        ),
        SignIn("service manager", "manager", "every client of the service"),
        SignIn("administrator", "admin", "service configuration (/admin/), no client records"),
    ]
    if client_user is not None:
        sign_ins.append(
            SignIn("client", "client", f"only their own record ({client_user.get_full_name()})")
        )
    return tuple(sign_ins)


def _add_supervisors(
    service: Service, therapists: list[Staff], rng: random.Random, password: str
) -> None:
    """Two supervisors, each supervising half the therapists for the past year."""
    year_ago = timezone.localdate() - dt.timedelta(days=400)
    supervisors = [
        Staff.objects.create(
            user=_person(f"supervisor{number}", rng, password),
            service=service,
            role=StaffRole.SUPERVISOR,
            practitioner_id=f"SUP{number}",
        )
        for number in (1, 2)
    ]
    half = len(therapists) // 2
    Supervision.objects.bulk_create(
        Supervision(supervisor=supervisors[0 if i < half else 1], supervisee=t, started_on=year_ago)
        for i, t in enumerate(therapists)
    )


def _add_client_sign_in(password: str) -> User | None:
    """The client sign-in: someone in treatment with a few sessions behind them."""
    busiest = (
        Episode.objects.filter(status=EpisodeStatus.OPEN)
        .annotate(n=Count("contacts"))
        .order_by("-n", "pk")
        .first()
    )
    if busiest is None:
        return None
    client = busiest.referral.client
    user = User.objects.create(
        username="client",
        first_name=client.given_name,
        last_name=client.family_name,
        password=password,
    )
    Client.objects.filter(pk=client.pk).update(user=user)
    return user


def _describe_goals_and_homework(seed: int) -> None:
    """Give the simulated goals and homework example wording (they come without any)."""
    rng = random.Random(seed + 1)
    goals = list(Goal.objects.all())
    for goal in goals:
        goal.description = rng.choice(_GOALS)
    _update(goals, ["description"])
    homework = list(Homework.objects.all())
    names = [name for name, _ in BECK_CRITERIA]
    for item in homework:
        example = rng.choice(_HOMEWORK)
        # Fill exactly as many of Beck's criteria as the simulation says were recorded.
        for name, text in list(zip(names, example, strict=True))[: item.criteria_met]:
            setattr(item, name, text)
    _update(homework, names)


def _write_session_notes(tables: dict[str, pa.Table], seed: int) -> int:
    """Give each attended treatment session a note, written from what the simulation says
    happened there (homework and how much of Beck's criteria, its review, risk, goals) in a
    therapist's habitual style: some notes are full, some terse, some set nothing; the
    fidelity audit reads them like any note (ontrack.synth.notes)."""
    from ontrack.synth.notes import write_notes

    texts = {n.contact_id: n.note for n in write_notes(tables, seed=seed + 2)}
    contacts = list(Contact.objects.filter(external_id__in=list(texts)))
    for contact in contacts:
        contact.notes = texts[contact.external_id]
    _update(contacts, ["notes"])
    return len(contacts)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


_REVIEWED = "RA-"  # the demo's simulated past risk alerts, each closed by a risk review


def with_past_risk_reviews(tables: dict[str, pa.Table], today: dt.date) -> dict[str, pa.Table]:
    """Add the risk alerts a working service would have had and closed, as canonical alert
    rows: each positive risk answer opened one, and risk was reviewed in time — at the next
    attended contact, at discharge, or by phone within the grade's window (the next day for
    urgent, two days for high) — which closed it. The load's risk rule then raises the
    answers whose review is not yet due (given in the last day or two): one open alert per
    client, graded by the answer (ADR 0120). This is simulated data, like the rest."""
    contacts = (
        tables["contact"]
        .select(["contact_id", "referral_id", "contact_date", "attendance", "therapist_id"])
        .to_pylist()
    )
    attended: dict[str, list[dict[str, Any]]] = {}
    for c in sorted(contacts, key=lambda c: (c["contact_date"], c["contact_id"])):
        if c["attendance"] in ATTENDED and c["therapist_id"]:
            attended.setdefault(c["referral_id"], []).append(c)
    ends = dict(
        zip(
            tables["referral"]["referral_id"].to_pylist(),
            tables["referral"]["end_date"].to_pylist(),
            strict=True,
        )
    )
    dates = {c["contact_id"]: c["contact_date"] for c in contacts}
    rows = []
    for score in (
        tables["score"].select(["contact_id", "referral_id", "measure", "items"]).to_pylist()
    ):
        grades = risk_grades(score["measure"], (score["items"] or "").split(","))
        if not grades:
            continue
        opened = dates[score["contact_id"]]
        severity = severity_of(max(g.level for g in grades))
        due = opened + dt.timedelta(days=1 if severity == "urgent" else 2)
        later = [c for c in attended.get(score["referral_id"], []) if c["contact_date"] > opened]
        reviewed = min(later[0]["contact_date"] if later else due, due)
        ended = ends.get(score["referral_id"])
        if ended is not None:
            reviewed = min(reviewed, max(ended, opened + dt.timedelta(days=1)))
        if reviewed >= today:
            continue  # not reviewed yet: the load raises it
        rows.append(
            {
                "alert_id": f"{_REVIEWED}{score['contact_id']}",
                "referral_id": score["referral_id"],
                "contact_id": score["contact_id"],
                "kind": AlertKind.RISK.value,
                "severity": severity,
                "opened_at": _at(opened, 17),
                "acknowledged_at": _at(min(reviewed, opened + dt.timedelta(days=1)), 9),
                "acted_at": _at(reviewed, 12),
                "closed_at": _at(reviewed, 12),
                "action": AlertActionKind.RISK_ASSESSMENT.value,
            }
        )
    alerts = pa.Table.from_pylist(rows, schema=TABLES["alert"].arrow_schema)
    if "alert" in tables:
        alerts = pa.concat_tables([tables["alert"], alerts])
    return dict(tables, alert=alerts)


def _handle_past_risk_alerts() -> None:
    """Give the simulated past risk alerts their words, grades, reviewers and history
    (``follows``), and date the open ones at the session that raised them."""
    alerts = list(
        Alert.objects.filter(kind=AlertKind.RISK)
        .select_related("contact__therapist__user", "referral")
        .order_by("referral__client_id", "opened_at", "pk")
    )
    answers = {
        q.contact_id: q
        for q in QuestionnaireResponse.objects.filter(
            contact__in=[a.contact_id for a in alerts if a.contact_id], risk=True
        )
    }
    actions = list(
        AlertAction.objects.filter(alert__in=[a for a in alerts if a.is_closed]).order_by("pk")
    )
    by_alert = {a.alert_id: a for a in actions}
    previous: dict[int, Alert] = {}
    for alert in alerts:
        contact = alert.contact
        assert contact is not None  # every risk alert of the demo is at a contact
        if alert.is_closed:
            _name_reviewed(alert, answers.get(contact.pk), by_alert.get(alert.pk))
        else:
            alert.opened_at = _at(contact.contact_date, 17)
        earlier = previous.get(alert.referral.client_id)
        if earlier is not None and earlier.is_closed:
            alert.follows = earlier
        previous[alert.referral.client_id] = alert
    _update(
        alerts,
        [
            "opened_at",
            "acknowledged_by",
            "closed_by",
            "close_note",
            "reasons",
            "risk_level",
            "follows",
        ],
    )
    _update(actions, ["by", "note"])


def _name_reviewed(
    alert: Alert, answer: QuestionnaireResponse | None, action: AlertAction | None
) -> None:
    """A past risk alert's reasons, grade and reviewer (the therapist of its contact)."""
    contact = alert.contact
    assert contact is not None
    where = f"at the contact on {contact.contact_date:%d %b %Y}"
    findings = findings_from_answers(answer.measure, answer.items, where) if answer else []
    decision = decide_risk_alert(findings, []) if findings else None
    if decision is not None:
        alert.reasons = list(decision.reasons)
        alert.risk_level = decision.level
    therapist = contact.therapist
    by = therapist.user if therapist is not None else None
    alert.acknowledged_by = alert.closed_by = by
    when = f"{alert.closed_at:%d %b %Y}" if alert.closed_at else "the next contact"
    alert.close_note = (
        f"Closed by the risk review on {when}: asked directly, safety plan and crisis "
        "contacts agreed (simulated)."
    )
    if action is not None:
        action.by = by
        action.note = "Risk review with the client (simulated)."


def _update(objects: list[Any], fields: list[str]) -> None:
    """Write ``fields`` of many rows with one prepared UPDATE.

    ``bulk_update`` builds a CASE expression per field and row, which took most of the
    demo's load time; the demo's own simulated rows need none of that.
    """
    if not objects:
        return
    meta = objects[0]._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(c.column)} = %s" for c in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    rows = [
        [c.get_db_prep_save(getattr(obj, c.attname), connection) for c in columns] + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
