"""Export the care records as canonical tables, so analytics run on the app's own data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import pyarrow as pa
from django.db import models

from ontrack.dataset.schema import TABLES
from ontrack.web.accounts.models import Service, Staff, User
from ontrack.web.audit.models import AuditEvent, AuditKind
from ontrack.web.canonical._items import format_items
from ontrack.web.common.codes import AlertActionKind, Qualification, TherapistRole
from ontrack.web.pathway.codes import CANONICAL_CIRCUMSTANCE, PreferenceKind
from ontrack.web.pathway.models import Circumstance, TherapyPreference
from ontrack.web.records.models import (
    Alert,
    AllianceResponse,
    Contact,
    GoalRating,
    Homework,
    QuestionnaireResponse,
    Referral,
)
from ontrack.web.records.scoping import scopes_disabled

# A practitioner with no recorded qualification is exported with the one their role implies.
_ROLE_QUALIFICATION: dict[str, str] = {
    TherapistRole.PWP: Qualification.PWP,
    TherapistRole.HIGH_INTENSITY: Qualification.HI_CBT,
    TherapistRole.COUNSELLOR: Qualification.COUNSELLOR_FOR_DEPRESSION,
}


class ExportError(ValueError):
    """The records cannot be exported as they are (a required value is missing)."""


def _table(name: str, rows: Iterable[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=TABLES[name].arrow_schema)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(dt.UTC).replace(microsecond=0)


def _rows(
    queryset: models.QuerySet[Any], row: Callable[[Any], dict[str, Any]]
) -> Iterable[dict[str, Any]]:
    return (row(obj) for obj in queryset.iterator(chunk_size=5000))


def export_tables(*, service: Service | None = None, by: User | None = None) -> dict[str, pa.Table]:
    """Return the records (of one service, or all) as canonical tables, alerts included.

    Raises ``ExportError`` naming the referrals whose age at referral is unknown (no date
    of birth and no recorded age), since the canonical dataset requires it.
    """
    with scopes_disabled():
        tables = _export(service)
        if by is not None or service is not None:
            AuditEvent.objects.create(
                kind=AuditKind.EXPORT,
                actor_id=getattr(by, "pk", None),
                actor=by.get_username() if by is not None else "system",
                action="export_tables",
                target_type="accounts.service",
                target_id=str(service.pk) if service is not None else "",
                new={name: table.num_rows for name, table in tables.items()},
            )
    return tables


# The tables the dashboard's cells are derived from (``ontrack.analytics.dashboard``).
CELL_TABLES = ("referral", "contact", "score", "goal_rating", "homework")


def referral_tables(
    referrals: models.QuerySet[Referral], names: tuple[str, ...] = CELL_TABLES
) -> dict[str, pa.Table]:
    """Return the canonical tables ``names`` (by default those the dashboard's cells need)
    of ``referrals``, for counts the app keeps of its own records.

    Not audited as an export: nothing leaves the application. Raises ``ExportError`` as
    ``export_tables`` does.
    """
    with scopes_disabled():
        services = Service.objects.filter(clients__referrals__in=referrals).distinct()
        return _export_referrals(services, referrals, names)


def _export(service: Service | None) -> dict[str, pa.Table]:
    services = Service.objects.all() if service is None else Service.objects.filter(pk=service.pk)
    return _export_referrals(services, Referral.objects.filter(client__service__in=services))


def _export_referrals(
    services: models.QuerySet[Service],
    referrals: models.QuerySet[Referral],
    names: tuple[str, ...] | None = None,
) -> dict[str, pa.Table]:
    staff = Staff.objects.filter(service__in=services).exclude(therapist_role="")
    # A contact entered in error is kept in the records but is no part of the dataset.
    in_referrals = {"contact__referral__in": referrals, "contact__entered_in_error_at": None}
    builders: dict[str, Callable[[], pa.Table]] = {
        "service": lambda: _table(
            "service",
            ({"service_id": s.code, "name": s.name, "region": s.region or None} for s in services),
        ),
        "therapist": lambda: _table(
            "therapist", _rows(staff.select_related("service"), _therapist_row)
        ),
        "referral": lambda: _table("referral", _referral_rows(referrals)),
        "contact": lambda: _table(
            "contact",
            _rows(
                Contact.objects.filter(
                    referral__in=referrals, entered_in_error_at__isnull=True
                ).select_related("referral", "therapist"),
                _contact_row,
            ),
        ),
        "score": lambda: _table(
            "score",
            _rows(
                QuestionnaireResponse.objects.filter(**in_referrals).select_related(
                    "contact__referral"
                ),
                _measure_row,
            ),
        ),
        "alliance": lambda: _table(
            "alliance",
            _rows(
                AllianceResponse.objects.filter(**in_referrals).select_related("contact__referral"),
                _measure_row,
            ),
        ),
        "goal_rating": lambda: _table(
            "goal_rating",
            _rows(
                GoalRating.objects.filter(
                    goal__referral__in=referrals, contact__entered_in_error_at__isnull=True
                ).select_related("goal__referral", "contact"),
                _goal_rating_row,
            ),
        ),
        "homework": lambda: _table(
            "homework",
            _rows(
                Homework.objects.filter(
                    referral__in=referrals, set_contact__entered_in_error_at__isnull=True
                ).select_related("referral", "set_contact", "reviewed_contact"),
                _homework_row,
            ),
        ),
        "alert": lambda: _table("alert", _alert_rows(Alert.objects.filter(referral__in=referrals))),
        "circumstance": lambda: _circumstance_table(referrals),
    }
    return {name: build() for name, build in builders.items() if names is None or name in names}


def _circumstance_table(referrals: models.QuerySet[Referral]) -> pa.Table:
    """The circumstances found at assessment (the pathway's records)."""
    found = Circumstance.objects.filter(
        referral__in=referrals, contact__entered_in_error_at__isnull=True
    ).select_related("referral", "contact")
    return _table("circumstance", _rows(found, _circumstance_row))


def _circumstance_row(c: Circumstance) -> dict[str, Any]:
    return {
        "referral_id": c.referral.external_id,
        "contact_id": c.contact.external_id,
        "kind": CANONICAL_CIRCUMSTANCE[c.kind],
    }


def _therapist_row(s: Staff) -> dict[str, Any]:
    return {
        "therapist_id": s.practitioner_id,
        "service_id": s.service.code,
        "role": s.therapist_role,
        "qualification": (s.qualifications or [_ROLE_QUALIFICATION[s.therapist_role]])[0],
        "gender": s.gender or None,
        "caseload_limit": s.caseload_limit,
    }


def _contact_row(c: Contact) -> dict[str, Any]:
    return {
        "contact_id": c.external_id,
        "referral_id": c.referral.external_id,
        "therapist_id": c.therapist.practitioner_id if c.therapist else None,
        "contact_date": c.contact_date,
        "app_type": c.app_type,
        "attendance": c.attendance,
        "cons_mechanism": c.cons_mechanism,
        "planned": c.planned,
        "therapy": c.therapy or None,
        "step": c.step,
        "session_number": c.session_number,
    }


def _measure_row(q: QuestionnaireResponse | AllianceResponse) -> dict[str, Any]:
    return {
        "contact_id": q.contact.external_id,
        "referral_id": q.contact.referral.external_id,
        "measure": q.measure,
        "total": q.total,
        "items": format_items(q.items),
    }


def _goal_rating_row(g: GoalRating) -> dict[str, Any]:
    return {
        "contact_id": g.contact.external_id,
        "referral_id": g.goal.referral.external_id,
        "goal_number": g.goal.number,
        "rating": g.rating,
    }


def _homework_row(h: Homework) -> dict[str, Any]:
    return {
        "homework_id": h.external_id,
        "referral_id": h.referral.external_id,
        "set_contact_id": h.set_contact.external_id,
        "reviewed_contact_id": (
            h.reviewed_contact.external_id
            if h.reviewed_contact and not h.reviewed_contact.in_error
            else None
        ),
        "criteria_met": h.criteria_met,
        "outcome": (
            h.outcome or None if h.reviewed_contact and not h.reviewed_contact.in_error else None
        ),
    }


def _referral_rows(referrals: models.QuerySet[Referral]) -> Iterable[dict[str, Any]]:
    unknown_age: list[str] = []
    rows = []
    # The gender of therapist asked for at this referral's assessment, else the client's.
    asked = dict(
        TherapyPreference.objects.filter(
            referral__in=referrals, kind=PreferenceKind.GENDER
        ).values_list("referral_id", "value")
    )
    for r in referrals.select_related("client__service").iterator(chunk_size=5000):
        age = (
            r.age_at_referral if r.age_at_referral is not None else r.client.age_on(r.referral_date)
        )
        if age is None:
            unknown_age.append(r.external_id)
            continue
        rows.append(
            {
                "referral_id": r.external_id,
                "person_id": r.client.person_id,
                "service_id": r.client.service.code,
                "referral_date": r.referral_date,
                "source_of_referral": r.source or None,
                "age": age,
                "gender": r.client.gender,
                "ethnicity": r.client.ethnicity,
                "imd_decile": r.client.imd_decile,
                "problem_descriptor": r.problem_descriptor or None,
                "employed": r.employed,
                "end_date": r.end_date,
                "end_code": r.end_code or None,
                "therapist_gender_preference": (
                    asked.get(r.pk) or r.client.preferred_therapist_gender or None
                ),
            }
        )
    if unknown_age:
        raise ExportError(
            f"{len(unknown_age)} referral(s) have no age at referral (record the client's date "
            f"of birth): {', '.join(unknown_age[:5])}"
        )
    return rows


def _alert_rows(alerts: models.QuerySet[Alert]) -> list[dict[str, Any]]:
    rows = []
    for a in alerts.select_related("referral", "contact").prefetch_related("actions"):
        in_error = a.contact is not None and a.contact.in_error
        first = next(iter(a.actions.all()), None)
        action = None
        if first is not None:
            action = (
                first.note if first.kind == AlertActionKind.OTHER and first.note else first.kind
            )
        rows.append(
            {
                "alert_id": a.external_id,
                "referral_id": a.referral.external_id,
                # the alert stays (risk is never lost); its contact left the dataset
                "contact_id": a.contact.external_id if a.contact and not in_error else None,
                "kind": a.kind,
                "severity": a.severity,
                "opened_at": _utc(a.opened_at),
                "acknowledged_at": _utc(a.acknowledged_at),
                "acted_at": _utc(a.acted_at),
                "closed_at": _utc(a.closed_at),
                "action": action,
            }
        )
    return rows
