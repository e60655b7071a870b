"""Load canonical tables into the care records with bulk inserts.

Everything is checked first (columns, types, missing values, codes, keys, references),
then written in one transaction, so a bad table changes nothing. Questionnaire items are
rescored by ``ontrack.measures`` to fill band, caseness and risk, and every positive risk
answer without an imported risk alert at that contact opens an urgent risk alert — imports
are no exception to the safety rule. The load is audited as one event with its counts.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import pyarrow as pa
from django.db import connection, transaction
from django.utils import timezone

from ontrack.dataset.schema import ATTENDED, TABLES, TREATMENT_APP_TYPES, code_lists
from ontrack.measures import MeasureError, ScoreResult, get_measure, score
from ontrack.web.accounts.models import Service, Staff, StaffRole, User
from ontrack.web.audit.events import record_load
from ontrack.web.canonical._items import Answer, parse_items
from ontrack.web.common.codes import (
    AlertActionKind,
    AlertKind,
    AlertSeverity,
    AlertStatus,
    EpisodeStatus,
    Gender,
)
from ontrack.web.records.models import (
    Alert,
    AlertAction,
    AllianceResponse,
    Client,
    Contact,
    Episode,
    Goal,
    GoalRating,
    Homework,
    QuestionnaireResponse,
    Referral,
)
from ontrack.web.records.scoping import scopes_disabled

REQUIRED = (
    "service",
    "therapist",
    "referral",
    "contact",
    "score",
    "alliance",
    "goal_rating",
    "homework",
)
Row = dict[str, Any]
NameFor = Callable[[str], tuple[str, str]]


class LoadError(ValueError):
    """The tables cannot be loaded as they are; nothing was written."""


@dataclass(frozen=True)
class LoadSummary:
    """How many records of each kind a load wrote."""

    services: int
    therapists: int
    clients: int
    referrals: int
    episodes: int
    contacts: int
    scores: int
    alliance: int
    goals: int
    goal_ratings: int
    homework: int
    alerts: int
    risk_alerts_opened: int


def pseudonymous_name(person_id: str) -> tuple[str, str]:
    """Name a loaded client by their pseudonymous identifier (no names in the dataset)."""
    return "Client", person_id


# -- checking ---------------------------------------------------------------------------------


def _rows(name: str, table: pa.Table) -> list[Row]:
    spec = TABLES[name]
    missing = [c.name for c in spec.columns if c.name not in table.column_names]
    if missing:
        raise LoadError(f"table {name!r} lacks column(s): {', '.join(missing)}")
    try:
        table = table.select([c.name for c in spec.columns]).cast(spec.arrow_schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise LoadError(f"table {name!r} does not match the canonical types: {exc}") from None
    codes = code_lists()
    for column in spec.columns:
        values = table.column(column.name)
        if not column.nullable and values.null_count:
            raise LoadError(
                f"table {name!r}: column {column.name!r} has {values.null_count} missing value(s)"
            )
        if column.codes is not None:
            allowed = set(codes[column.codes])
            bad = sorted({str(v) for v in values.to_pylist() if v is not None} - allowed)
            if bad:
                raise LoadError(
                    f"table {name!r}: column {column.name!r} has unknown code(s) "
                    f"{', '.join(bad[:5])} (see code list {column.codes!r})"
                )
    rows: list[Row] = table.to_pylist()
    if spec.key is not None:
        seen = Counter(row[spec.key] for row in rows)
        duplicated = [k for k, n in seen.items() if n > 1]
        if duplicated:
            raise LoadError(
                f"table {name!r}: {spec.key} {duplicated[0]!r} appears {seen[duplicated[0]]} times"
            )
    return rows


def _check_refs(
    name: str, rows: list[Row], column: str, known: set[str], nullable: bool = False
) -> None:
    for row in rows:
        value = row[column]
        if value is None and nullable:
            continue
        if value not in known:
            raise LoadError(f"table {name!r}: {column} {value!r} is not in the table it refers to")


# -- rescoring --------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _score(measure: str, answers: tuple[Answer, ...]) -> ScoreResult:
    return score(measure, list(answers))


def _measure_code(code: str) -> str:
    try:
        return get_measure(code).code
    except MeasureError as exc:
        raise LoadError(f"table 'score': {exc}") from None


# -- loading ----------------------------------------------------------------------------------


def load_tables(
    tables: Mapping[str, pa.Table],
    *,
    by: User | None = None,
    name_for: NameFor = pseudonymous_name,
) -> LoadSummary:
    """Load canonical tables into the records (all or nothing); return what was written.

    ``name_for(person_id)`` names each client; by default "Client <person_id>".
    """
    absent = [name for name in REQUIRED if name not in tables]
    if absent:
        raise LoadError(f"missing table(s): {', '.join(absent)}")
    rows = {name: _rows(name, tables[name]) for name in (*REQUIRED, "alert") if name in tables}
    _check_all_refs(rows)
    _add_preferences(rows["referral"], tables["referral"])
    with scopes_disabled(), transaction.atomic():
        summary = _write(rows, by=by, name_for=name_for)
    refresh_planner_statistics()
    return summary


def refresh_planner_statistics() -> None:
    """Update PostgreSQL's table statistics after a bulk load.

    Until autovacuum gets round to it, the planner believes freshly loaded tables are
    nearly empty and picks nested loops over thousands of rows (a caseload query went from
    2 ms to 65 ms in the load benchmark). SQLite plans without statistics; nothing to do.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _add_preferences(referral_rows: list[Row], referral: pa.Table) -> None:
    """Carry the simulator's optional therapist-gender preference onto each referral row."""
    column = "therapist_gender_preference"
    values = (
        referral.column(column).to_pylist()
        if column in referral.column_names
        else [None] * len(referral_rows)
    )
    for row, value in zip(referral_rows, values, strict=True):
        row[column] = value if value in Gender.values else ""


def _check_all_refs(rows: Mapping[str, list[Row]]) -> None:
    services = {r["service_id"] for r in rows["service"]}
    therapists = {r["therapist_id"] for r in rows["therapist"]}
    referrals = {r["referral_id"] for r in rows["referral"]}
    contacts = {r["contact_id"] for r in rows["contact"]}
    _check_refs("therapist", rows["therapist"], "service_id", services)
    _check_refs("referral", rows["referral"], "service_id", services)
    _check_refs("contact", rows["contact"], "referral_id", referrals)
    _check_refs("contact", rows["contact"], "therapist_id", therapists, nullable=True)
    for name in ("score", "alliance", "goal_rating"):
        _check_refs(name, rows[name], "contact_id", contacts)
        _check_refs(name, rows[name], "referral_id", referrals)
    _check_refs("homework", rows["homework"], "set_contact_id", contacts)
    _check_refs("homework", rows["homework"], "reviewed_contact_id", contacts, nullable=True)
    if "alert" in rows:
        _check_refs("alert", rows["alert"], "referral_id", referrals)
        _check_refs("alert", rows["alert"], "contact_id", contacts, nullable=True)
    contact_referral = {r["contact_id"]: r["referral_id"] for r in rows["contact"]}
    for name in ("score", "alliance", "goal_rating"):
        for r in rows[name]:
            if contact_referral[r["contact_id"]] != r["referral_id"]:
                raise LoadError(
                    f"table {name!r}: contact {r['contact_id']!r} belongs to another referral"
                )
    numbered: set[tuple[str, int]] = set()
    for r in rows["contact"]:
        n = r["session_number"]
        if n is None:
            continue
        if r["attendance"] not in ATTENDED or r["app_type"] not in TREATMENT_APP_TYPES:
            raise LoadError(
                f"table 'contact': contact {r['contact_id']!r} has a session number but is not "
                "an attended treatment contact"
            )
        if (r["referral_id"], n) in numbered:
            raise LoadError(
                f"table 'contact': session {n} appears twice in referral {r['referral_id']!r}"
            )
        numbered.add((r["referral_id"], n))
    for r in rows["referral"]:
        if (r["end_date"] is None) != (r["end_code"] is None):
            raise LoadError(
                f"table 'referral': referral {r['referral_id']!r} needs both end_date and "
                "end_code, or neither"
            )
        if r["end_date"] is not None and r["end_date"] < r["referral_date"]:
            raise LoadError(
                f"table 'referral': referral {r['referral_id']!r} ends before it starts"
            )
    for r in rows.get("alert", []):
        if r["kind"] not in AlertKind.values:
            raise LoadError(f"table 'alert': unknown kind {r['kind']!r}")
        if r["severity"] not in AlertSeverity.values:
            raise LoadError(f"table 'alert': unknown severity {r['severity']!r}")
        if r["kind"] == AlertKind.RISK and r["closed_at"] is not None and r["acted_at"] is None:
            raise LoadError(
                f"table 'alert': risk alert {r['alert_id']!r} was closed with no action recorded"
            )
    existing = set(
        Service.objects.filter(code__in=[r["service_id"] for r in rows["service"]]).values_list(
            "code", flat=True
        )
    )
    if existing:
        raise LoadError(f"service(s) already loaded: {', '.join(sorted(existing))}")
    taken = set(
        Staff.objects.filter(practitioner_id__in=therapists).values_list(
            "practitioner_id", flat=True
        )
    )
    taken |= set(
        User.objects.filter(username__in=[t.lower() for t in therapists]).values_list(
            "username", flat=True
        )
    )
    if taken:
        raise LoadError(f"therapist(s) already present: {', '.join(sorted(taken)[:5])}")


def _most_common(values: list[Any]) -> Any:
    """Return the most frequent value, the latest one winning ties."""
    counts = Counter(values)
    best = max(counts.values())
    return next(v for v in reversed(values) if counts[v] == best)


def _write(rows: Mapping[str, list[Row]], *, by: User | None, name_for: NameFor) -> LoadSummary:
    services = {
        r["service_id"]: Service(code=r["service_id"], name=r["name"], region=r["region"] or "")
        for r in rows["service"]
    }
    Service.objects.bulk_create(services.values())

    users = {
        r["therapist_id"]: User(username=r["therapist_id"].lower(), password="!")  # unusable
        for r in rows["therapist"]
    }
    User.objects.bulk_create(users.values())
    staff = {
        r["therapist_id"]: Staff(
            user=users[r["therapist_id"]],
            service=services[r["service_id"]],
            role=StaffRole.THERAPIST,
            therapist_role=r["role"],
            practitioner_id=r["therapist_id"],
            qualifications=[r["qualification"]],
            gender=r["gender"] or "",
            caseload_limit=r["caseload_limit"],
        )
        for r in rows["therapist"]
    }
    Staff.objects.bulk_create(staff.values())

    # One client per person and service, described by their latest referral.
    clients: dict[tuple[str, str], Client] = {}
    for r in sorted(rows["referral"], key=lambda r: r["referral_date"]):
        key = (r["service_id"], r["person_id"])
        given, family = name_for(r["person_id"])
        clients[key] = Client(
            service=services[r["service_id"]],
            person_id=r["person_id"],
            given_name=given,
            family_name=family,
            gender=r["gender"] or Gender.NOT_KNOWN,
            ethnicity=r["ethnicity"],
            imd_decile=r["imd_decile"],
            preferred_therapist_gender=r["therapist_gender_preference"],
        )
    _unique_person_ids(clients)
    Client.unscoped.bulk_create(clients.values())

    referrals = {
        r["referral_id"]: Referral(
            client=clients[(r["service_id"], r["person_id"])],
            external_id=r["referral_id"],
            referral_date=r["referral_date"],
            source=r["source_of_referral"] or "",
            problem_descriptor=r["problem_descriptor"] or "",
            age_at_referral=r["age"],
            employed=r["employed"],
            end_date=r["end_date"],
            end_code=r["end_code"] or "",
        )
        for r in rows["referral"]
    }

    episodes = _episodes(rows["contact"], referrals, staff)
    for referral_id, episode in episodes.items():
        referrals[referral_id].step = episode.step
    Referral.unscoped.bulk_create(referrals.values())
    Episode.unscoped.bulk_create(episodes.values())

    contacts = {
        r["contact_id"]: Contact(
            referral=referrals[r["referral_id"]],
            episode=episodes.get(r["referral_id"]),
            external_id=r["contact_id"],
            contact_date=r["contact_date"],
            app_type=r["app_type"],
            attendance=r["attendance"],
            cons_mechanism=r["cons_mechanism"],
            planned=r["planned"],
            therapist=staff[r["therapist_id"]] if r["therapist_id"] else None,
            therapy=r["therapy"] or "",
            step=r["step"],
            session_number=r["session_number"],
        )
        for r in rows["contact"]
    }
    Contact.unscoped.bulk_create(contacts.values(), batch_size=2000)

    scores = [_questionnaire(r, contacts) for r in rows["score"]]
    QuestionnaireResponse.unscoped.bulk_create(scores, batch_size=2000)
    alliance = [
        AllianceResponse(
            contact=contacts[r["contact_id"]],
            measure=r["measure"],
            items=parse_items(r["items"]),
            total=r["total"],
        )
        for r in rows["alliance"]
    ]
    AllianceResponse.unscoped.bulk_create(alliance, batch_size=2000)

    goals, ratings = _goals(rows["goal_rating"], referrals, contacts)
    Goal.unscoped.bulk_create(goals.values())
    GoalRating.unscoped.bulk_create(ratings, batch_size=2000)

    homework = [
        Homework(
            referral=referrals[r["referral_id"]],
            external_id=r["homework_id"],
            set_contact=contacts[r["set_contact_id"]],
            reviewed_contact=contacts[r["reviewed_contact_id"]]
            if r["reviewed_contact_id"]
            else None,
            criteria_met=r["criteria_met"],
            outcome=r["outcome"] or "",
        )
        for r in rows["homework"]
    ]
    _check_homework(homework)
    Homework.unscoped.bulk_create(homework, batch_size=2000)

    alerts, actions = _alerts(rows.get("alert", []), referrals, contacts)
    risk_alerts = _risk_alerts(scores, {(a.contact_id, a.kind) for a in alerts})
    Alert.unscoped.bulk_create([*alerts, *risk_alerts], batch_size=2000)
    AlertAction.unscoped.bulk_create(actions)

    summary = LoadSummary(
        services=len(services),
        therapists=len(staff),
        clients=len(clients),
        referrals=len(referrals),
        episodes=len(episodes),
        contacts=len(contacts),
        scores=len(scores),
        alliance=len(alliance),
        goals=len(goals),
        goal_ratings=len(ratings),
        homework=len(homework),
        alerts=len(alerts),
        risk_alerts_opened=len(risk_alerts),
    )
    for service in services.values():
        record_load(by=by, action="load_tables", target=service, summary=asdict(summary))
    return summary


def _unique_person_ids(clients: Mapping[tuple[str, str], Client]) -> None:
    """A person referred to two services becomes two clients; keep their ids distinct."""
    seen: Counter[str] = Counter(person for _, person in clients)
    for (service, person), client in clients.items():
        if seen[person] > 1:
            client.person_id = f"{service}:{person}"
    taken = set(
        Client.unscoped.filter(person_id__in=[c.person_id for c in clients.values()]).values_list(
            "person_id", flat=True
        )
    )
    if taken:
        raise LoadError(f"client(s) already present: {', '.join(sorted(taken)[:5])}")


def _episodes(
    contact_rows: list[Row], referrals: Mapping[str, Referral], staff: Mapping[str, Staff]
) -> dict[str, Episode]:
    """Derive one episode per referral seen by a therapist: who saw them most, and how."""
    by_referral: dict[str, list[Row]] = defaultdict(list)
    for r in sorted(contact_rows, key=lambda r: (r["contact_date"], r["contact_id"])):
        if r["therapist_id"]:
            by_referral[r["referral_id"]].append(r)
    episodes: dict[str, Episode] = {}
    for referral_id, seen in by_referral.items():
        referral = referrals[referral_id]
        treatment = [r for r in seen if r["session_number"] is not None] or seen
        therapies = [r["therapy"] for r in treatment if r["therapy"]]
        steps = [r["step"] for r in treatment if r["step"]]
        started = seen[0]["contact_date"]
        ended = referral.end_date
        episodes[referral_id] = Episode(
            referral=referral,
            therapist=staff[_most_common([r["therapist_id"] for r in treatment])],
            step=max(steps) if steps else None,
            therapy=_most_common(therapies) if therapies else "",
            started_on=started,
            ended_on=max(ended, started) if ended is not None else None,
            status=EpisodeStatus.CLOSED if ended is not None else EpisodeStatus.OPEN,
        )
    return episodes


def _questionnaire(row: Row, contacts: Mapping[str, Contact]) -> QuestionnaireResponse:
    code = _measure_code(row["measure"])
    items = parse_items(row["items"])
    response = QuestionnaireResponse(
        contact=contacts[row["contact_id"]], measure=code, items=items, total=row["total"]
    )
    if items is None:
        measure = get_measure(code)
        response.band = measure.band(row["total"]) or ""
        response.caseness = measure.is_case(row["total"])
        return response
    try:
        result = _score(code, tuple(items))
    except MeasureError as exc:
        raise LoadError(f"table 'score': contact {row['contact_id']!r}: {exc}") from None
    response.band = result.band or ""
    response.caseness = result.caseness
    response.risk = result.risk
    response.prorated = result.prorated
    response.missing = result.missing
    response._risk_items = result.risk_items  # type: ignore[attr-defined]
    return response


def _goals(
    rating_rows: list[Row], referrals: Mapping[str, Referral], contacts: Mapping[str, Contact]
) -> tuple[dict[tuple[str, int], Goal], list[GoalRating]]:
    goals: dict[tuple[str, int], Goal] = {}
    ratings: list[GoalRating] = []
    seen: set[tuple[str, int, str]] = set()
    for r in sorted(rating_rows, key=lambda r: contacts[r["contact_id"]].contact_date):
        number = r["goal_number"]
        if not 1 <= number <= 3:
            raise LoadError(f"table 'goal_rating': goal_number {number} is not 1, 2 or 3")
        if not 0 <= r["rating"] <= 10:
            raise LoadError(f"table 'goal_rating': rating {r['rating']} is not 0 to 10")
        key = (r["referral_id"], number)
        if (*key, r["contact_id"]) in seen:
            raise LoadError(
                f"table 'goal_rating': goal {number} rated twice at contact {r['contact_id']!r}"
            )
        seen.add((*key, r["contact_id"]))
        contact = contacts[r["contact_id"]]
        if key not in goals:
            goals[key] = Goal(
                referral=referrals[r["referral_id"]], number=number, agreed_on=contact.contact_date
            )
        ratings.append(GoalRating(goal=goals[key], contact=contact, rating=r["rating"]))
    return goals, ratings


def _check_homework(homework: list[Homework]) -> None:
    for item in homework:
        if (item.reviewed_contact is None) != (item.outcome == ""):
            raise LoadError(
                f"table 'homework': {item.external_id!r} needs both a review contact and an "
                "outcome, or neither"
            )
        if not 0 <= item.criteria_met <= 6:
            raise LoadError(f"table 'homework': {item.external_id!r} criteria_met must be 0 to 6")


def _alerts(
    alert_rows: list[Row], referrals: Mapping[str, Referral], contacts: Mapping[str, Contact]
) -> tuple[list[Alert], list[AlertAction]]:
    alerts: list[Alert] = []
    actions: list[AlertAction] = []
    for r in alert_rows:
        status = (
            AlertStatus.CLOSED
            if r["closed_at"]
            else AlertStatus.ACTED_ON
            if r["acted_at"]
            else AlertStatus.ACKNOWLEDGED
            if r["acknowledged_at"]
            else AlertStatus.OPEN
        )
        alert = Alert(
            referral=referrals[r["referral_id"]],
            contact=contacts[r["contact_id"]] if r["contact_id"] else None,
            external_id=r["alert_id"],
            kind=r["kind"],
            severity=AlertSeverity.URGENT if r["kind"] == AlertKind.RISK else r["severity"],
            reasons=["Imported alert; its reasons were not part of the dataset."],
            status=status,
            opened_at=r["opened_at"],
            acknowledged_at=r["acknowledged_at"],
            acted_at=r["acted_at"],
            closed_at=r["closed_at"],
        )
        alerts.append(alert)
        if r["action"]:
            is_code = r["action"] in AlertActionKind.values
            actions.append(
                AlertAction(
                    alert=alert,
                    kind=r["action"] if is_code else AlertActionKind.OTHER,
                    note="" if is_code else r["action"],
                    at=r["acted_at"] or r["closed_at"] or r["opened_at"],
                )
            )
    return alerts, actions


def _risk_alerts(
    scores: list[QuestionnaireResponse], covered: set[tuple[int | None, str]]
) -> list[Alert]:
    """Open an urgent risk alert for each risk answer that no imported risk alert covers."""
    now = timezone.now()
    opened: list[Alert] = []
    done: set[int] = set()
    for response in scores:
        contact = response.contact
        if not response.risk or contact.pk in done or (contact.pk, AlertKind.RISK) in covered:
            continue
        done.add(contact.pk)
        items = getattr(response, "_risk_items", ())
        reasons = [
            f"{response.measure} item {n} answered {response.items[n - 1]:g} at the session on "
            f"{contact.contact_date:%d %b %Y} (found when the history was loaded)."
            for n in items
            if response.items is not None
        ] or [
            f"{response.measure}: a risk item was answered positively on "
            f"{contact.contact_date:%d %b %Y}."
        ]
        reasons.append("Review risk with the client, whatever the total score.")
        opened.append(
            Alert(
                referral=contact.referral,
                contact=contact,
                external_id=f"A-{uuid.uuid4().hex}",
                kind=AlertKind.RISK,
                severity=AlertSeverity.URGENT,
                reasons=reasons,
                status=AlertStatus.OPEN,
                opened_at=now,
            )
        )
    return opened
