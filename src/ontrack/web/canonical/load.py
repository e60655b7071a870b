"""Load canonical tables into the care records with bulk inserts.

Everything is checked first (``load_checks``: ``ontrack.dataset.checks`` with the same
rules and messages as ``ontrack check``, then the few rules the records add), and only
then written in one transaction, so a bad table changes nothing. Questionnaire items are
rescored by ``ontrack.measures`` to fill band, caseness and risk, and every positive risk
answer without an imported risk alert at that contact goes through the risk rule
(``ontrack.web.records.risk_rule``: one open risk alert per client, graded by the answer) —
imports are no exception to the safety rule. The load is audited as one event with its
counts.
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

from ontrack.measures import MeasureError, ScoreResult, get_measure, score
from ontrack.web.accounts.models import Service, Staff, StaffRole, User
from ontrack.web.audit.events import record_load
from ontrack.web.canonical._items import Answer, parse_items
from ontrack.web.canonical.load_checks import LoadError, Row, check_for_load
from ontrack.web.common.codes import (
    AlertActionKind,
    AlertKind,
    AlertSeverity,
    AlertStatus,
    EpisodeStatus,
    Gender,
)
from ontrack.web.pathway.codes import FROM_CANONICAL_CIRCUMSTANCE, PreferenceKind
from ontrack.web.pathway.models import Circumstance, TherapyPreference
from ontrack.web.records.actions.risk import findings_from_answers, risk_grades
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
from ontrack.web.records.risk_rule import RiskAlertState, decide_risk_alert
from ontrack.web.records.scoping import scopes_disabled

__all__ = ["LoadError", "LoadSummary", "load_tables", "pseudonymous_name"]

NameFor = Callable[[str], tuple[str, str]]


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
    circumstances: int = 0
    preferences: int = 0


def pseudonymous_name(person_id: str) -> tuple[str, str]:
    """Name a loaded client by their pseudonymous identifier (no names in the dataset)."""
    return "Client", person_id


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
    try:
        rows = check_for_load(tables)
        with scopes_disabled(), transaction.atomic():
            summary = _write(rows, by=by, name_for=name_for)
    except LoadError as exc:
        said = risk_in_refused_tables(tables)
        if not said:
            raise
        raise LoadError(f"{exc}; {said}", exc.problems) from None
    refresh_planner_statistics()
    return summary


def risk_in_refused_tables(tables: Mapping[str, Any], *, shown: int = 5) -> str:
    """Say which positive risk answers a refused load holds, read row by row from whatever
    of its score table can be read (no client exists yet to alert about: the operator must
    know). Empty when there are none."""
    found: list[str] = []
    try:
        table = tables.get("score")
        rows = table.select(["contact_id", "measure", "items"]).to_pylist() if table else []
    except (AttributeError, KeyError, TypeError, ValueError, pa.ArrowException):
        return ""
    for row in rows:
        text = row.get("items")
        if not isinstance(text, str) or not isinstance(row.get("measure"), str):
            continue
        answers = [part.strip() for part in text.split(",")]
        for grade in risk_grades(row["measure"], answers):
            found.append(f"contact {row.get('contact_id')!s}: {grade.sentence()}")
    if not found:
        return ""
    more = f" and {len(found) - shown} more" if len(found) > shown else ""
    return (
        f"RISK: {len(found)} positive risk answer{'s' if len(found) > 1 else ''} in table "
        f"'score' ({'; '.join(found[:shown])}{more}): nothing was loaded, so review them by "
        "hand now"
    )


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


def _most_common(values: list[Any]) -> Any:
    """Return the most frequent value, the latest one winning ties."""
    counts = Counter(values)
    best = max(counts.values())
    return next(v for v in reversed(values) if counts[v] == best)


def _write(rows: Mapping[str, list[Row]], *, by: User | None, name_for: NameFor) -> LoadSummary:
    """Write checked rows, table by table, with bulk inserts; audit the load per service."""
    services, staff = _write_services_and_staff(rows)
    clients = _write_clients(rows["referral"], services, name_for)
    referrals, episodes = _write_referrals(rows, clients, staff)
    contacts = _write_contacts(rows["contact"], referrals, episodes, staff)
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
    homework = _write_homework(rows["homework"], referrals, contacts)
    circumstances = _write_circumstances(rows.get("circumstance", []), referrals, contacts)
    preferences = _write_gender_preferences(rows["referral"], referrals)
    alerts, actions = _alerts(rows.get("alert", []), referrals, contacts)
    Alert.unscoped.bulk_create(alerts, batch_size=2000)
    AlertAction.unscoped.bulk_create(actions)
    risk_alerts = _risk_alerts(scores, alerts)
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
        homework=homework,
        alerts=len(alerts),
        risk_alerts_opened=len(risk_alerts),
        circumstances=circumstances,
        preferences=preferences,
    )
    for service in services.values():
        record_load(by=by, action="load_tables", target=service, summary=asdict(summary))
    return summary


def _write_services_and_staff(
    rows: Mapping[str, list[Row]],
) -> tuple[dict[str, Service], dict[str, Staff]]:
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
    return services, staff


def _write_clients(
    referral_rows: list[Row], services: Mapping[str, Service], name_for: NameFor
) -> dict[tuple[str, str], Client]:
    """One client per person and service, described by their latest referral."""
    clients: dict[tuple[str, str], Client] = {}
    for r in sorted(referral_rows, key=lambda r: r["referral_date"]):
        given, family = name_for(r["person_id"])
        clients[(r["service_id"], r["person_id"])] = Client(
            service=services[r["service_id"]],
            person_id=r["person_id"],
            given_name=given,
            family_name=family,
            gender=r["gender"] or Gender.NOT_KNOWN,
            ethnicity=r["ethnicity"],
            imd_decile=r["imd_decile"],
            preferred_therapist_gender=r["therapist_gender_preference"] or "",
        )
    _unique_person_ids(clients)
    Client.unscoped.bulk_create(clients.values())
    return clients


def _write_referrals(
    rows: Mapping[str, list[Row]],
    clients: Mapping[tuple[str, str], Client],
    staff: Mapping[str, Staff],
) -> tuple[dict[str, Referral], dict[str, Episode]]:
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
    return referrals, episodes


def _write_contacts(
    contact_rows: list[Row],
    referrals: Mapping[str, Referral],
    episodes: Mapping[str, Episode],
    staff: Mapping[str, Staff],
) -> dict[str, Contact]:
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
        for r in contact_rows
    }
    Contact.unscoped.bulk_create(contacts.values(), batch_size=2000)
    return contacts


def _write_homework(
    homework_rows: list[Row], referrals: Mapping[str, Referral], contacts: Mapping[str, Contact]
) -> int:
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
        for r in homework_rows
    ]
    Homework.unscoped.bulk_create(homework, batch_size=2000)
    return len(homework)


def _write_circumstances(
    circumstance_rows: list[Row], referrals: Mapping[str, Referral], contacts: Mapping[str, Contact]
) -> int:
    """The circumstances recorded at contacts (domestic abuse comes in as ``safety``); who
    recorded them is not in the dataset, so ``recorded_by`` stays empty."""
    circumstances = [
        Circumstance(
            referral=referrals[r["referral_id"]],
            contact=contacts[r["contact_id"]],
            kind=FROM_CANONICAL_CIRCUMSTANCE[r["kind"]],
        )
        for r in circumstance_rows
    ]
    Circumstance.unscoped.bulk_create(circumstances, batch_size=2000)
    return len(circumstances)


def _write_gender_preferences(referral_rows: list[Row], referrals: Mapping[str, Referral]) -> int:
    """Each referral's therapist-gender preference, as the assessment records it (nice to
    have: the dataset does not say whether it was essential)."""
    preferences = [
        TherapyPreference(
            referral=referrals[r["referral_id"]],
            kind=PreferenceKind.GENDER,
            value=r["therapist_gender_preference"],
        )
        for r in referral_rows
        if r["therapist_gender_preference"]
    ]
    TherapyPreference.unscoped.bulk_create(preferences, batch_size=2000)
    return len(preferences)


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
    return response


def _goals(
    rating_rows: list[Row], referrals: Mapping[str, Referral], contacts: Mapping[str, Contact]
) -> tuple[dict[tuple[str, int], Goal], list[GoalRating]]:
    goals: dict[tuple[str, int], Goal] = {}
    ratings: list[GoalRating] = []
    for r in sorted(rating_rows, key=lambda r: contacts[r["contact_id"]].contact_date):
        number = r["goal_number"]
        key = (r["referral_id"], number)
        contact = contacts[r["contact_id"]]
        if key not in goals:
            goals[key] = Goal(
                referral=referrals[r["referral_id"]], number=number, agreed_on=contact.contact_date
            )
        ratings.append(GoalRating(goal=goals[key], contact=contact, rating=r["rating"]))
    return goals, ratings


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
            severity=_imported_severity(r["kind"], r["severity"]),
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


def _imported_severity(kind: str, severity: str) -> str:
    """An imported risk alert keeps its grade, never below high (ADR 0120)."""
    if kind != AlertKind.RISK:
        return severity
    return severity if severity in (AlertSeverity.URGENT, AlertSeverity.HIGH) else "urgent"


def _risk_alerts(scores: list[QuestionnaireResponse], imported: list[Alert]) -> list[Alert]:
    """Apply the risk rule to every positive risk answer no imported risk alert covers,
    client by client in date order; write the alerts it opens or updates in bulk and return
    the ones it opened.

    The decision is ``decide_risk_alert``'s, as on every other path; only the writing is in
    bulk (the load is audited as one event). An imported risk alert still open is the
    client's open alert, and a new finding updates it.
    """
    covered = {a.contact_id for a in imported if a.kind == AlertKind.RISK}
    by_client: dict[int, list[Alert]] = defaultdict(list)
    for alert in sorted(imported, key=lambda a: a.opened_at):
        if alert.kind == AlertKind.RISK:
            by_client[alert.referral.client_id].append(alert)
    positive = sorted(
        (r for r in scores if r.risk and r.items is not None and r.contact.pk not in covered),
        key=lambda r: (r.contact.referral.client_id, r.contact.contact_date, r.contact.pk),
    )
    opened: list[Alert] = []
    updated: dict[int, Alert] = {}
    for response in positive:
        contact = response.contact
        where = f"at the contact on {contact.contact_date:%d %b %Y} (in the records brought in)"
        findings = findings_from_answers(response.measure, response.items, where)
        alerts = by_client[contact.referral.client_id]
        states = [_risk_state(i, a) for i, a in enumerate(alerts)]
        decision = decide_risk_alert(findings, states)
        if decision is None:
            continue
        if decision.opens:
            alert = Alert(
                referral=contact.referral,
                contact=contact,
                external_id=f"A-{uuid.uuid4().hex}",
                kind=AlertKind.RISK,
                opened_at=timezone.now(),
                follows=alerts[decision.follows] if decision.follows is not None else None,
            )
            alerts.append(alert)
            opened.append(alert)
        else:
            assert decision.alert_id is not None
            alert = alerts[decision.alert_id]
            alert.contact = contact
            if alert.pk is not None:
                updated[alert.pk] = alert
        alert.severity = decision.severity
        alert.risk_level = decision.level
        alert.reasons = list(decision.reasons)
        alert.status = AlertStatus.OPEN
    Alert.unscoped.bulk_create(opened, batch_size=2000)
    Alert.unscoped.bulk_update(
        list(updated.values()), ["contact", "severity", "risk_level", "reasons", "status"]
    )
    return opened


def _risk_state(index: int, alert: Alert) -> RiskAlertState:
    """An alert of this load as the rule sees it (its index in the client's list as id)."""
    return RiskAlertState(
        id=index,
        external_id=alert.external_id,
        level=alert.risk_level,
        reasons=tuple(alert.reasons),
        closed=alert.status == AlertStatus.CLOSED,
        closed_on=alert.closed_at.date() if alert.closed_at else None,
    )
