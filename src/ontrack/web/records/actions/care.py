"""Referral, assessment, episode of care, reassignment and discharge."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from ontrack.web.accounts.models import Staff, User
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import (
    ActionError,
    check_choice,
    check_text,
    claim_version,
    new_external_id,
)
from ontrack.web.common.codes import (
    AppType,
    AssessmentOutcome,
    Attendance,
    ConsMechanism,
    EndCode,
    EpisodeStatus,
    ProblemDescriptor,
    SourceOfReferral,
    Step,
    Therapy,
)
from ontrack.web.records import permissions
from ontrack.web.records.models import Assessment, Client, Contact, Episode, Referral
from ontrack.web.records.scoping import ViewerKind

_REFERRAL_FIELDS = (
    "client",
    "external_id",
    "referral_date",
    "source",
    "problem_descriptor",
    "age_at_referral",
    "employed",
)


def _check_date(errors: dict[str, str], name: str, value: object, what: str) -> dt.date | None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        errors[name] = f"Enter the {what}."
        return None
    if value > timezone.localdate():
        errors[name] = f"The {what} cannot be in the future."
        return None
    return value


def _check_caseload_staff(errors: dict[str, str], therapist: Staff, client: Client) -> None:
    if therapist.service_id != client.service_id:
        errors["therapist"] = "That therapist works in another service."
    elif not therapist.carries_caseload:
        errors["therapist"] = f"{therapist} does not carry a caseload."


@transaction.atomic
def create_referral(
    *,
    client: Client,
    referral_date: dt.date,
    source: str = "",
    problem_descriptor: str = "",
    employed: bool | None = None,
    by: User,
) -> Referral:
    """Record a new referral of an existing client."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_register_clients(viewer, client.service_id), "add referrals here"
    )
    errors: dict[str, str] = {}
    day = _check_date(errors, "referral_date", referral_date, "referral date")
    source = check_choice(
        errors, "source", source, SourceOfReferral, "source of referral", required=False
    )
    problem = check_choice(
        errors,
        "problem_descriptor",
        problem_descriptor,
        ProblemDescriptor,
        "problem descriptor",
        required=False,
    )
    if employed is not None and not isinstance(employed, bool):
        errors["employed"] = "Answer yes, no or not known."
    if Referral.unscoped.filter(client=client, end_date__isnull=True).exists():
        errors["__all__"] = "This client already has an open referral; end it first."
    if errors or day is None:
        raise ActionError(errors)
    referral = Referral.unscoped.create(
        client=client,
        external_id=new_external_id("R"),
        referral_date=day,
        source=source,
        problem_descriptor=problem,
        age_at_referral=client.age_on(day),
        employed=employed,
    )
    record_change(
        by=by,
        action="create_referral",
        target=referral,
        client_id=client.pk,
        new=snapshot(referral, _REFERRAL_FIELDS),
    )
    return referral


@transaction.atomic
def record_assessment(
    *,
    referral: Referral,
    expected_version: int,
    assessed_on: dt.date,
    outcome: str,
    problem_descriptor: str = "",
    recommended_step: int | None = None,
    attendance: str = Attendance.ATTENDED_ON_TIME,
    cons_mechanism: str = ConsMechanism.FACE_TO_FACE,
    risk_summary: str = "",
    notes: str = "",
    by: User,
) -> Assessment:
    """Record an assessment: its contact, what the problem is, and what care fits."""
    viewer = permissions.actor(by)
    client = referral.client
    permissions.require(
        viewer.staff is not None and permissions.can_edit_client(viewer, client),
        "assess this client",
    )
    assert viewer.staff is not None
    checked = _check_assessment(
        referral,
        assessed_on=assessed_on,
        outcome=outcome,
        problem_descriptor=problem_descriptor,
        recommended_step=recommended_step,
        attendance=attendance,
        cons_mechanism=cons_mechanism,
        risk_summary=risk_summary,
        notes=notes,
    )
    claim_version(referral, expected_version)
    return _write_assessment(referral, checked, viewer.staff, by)


def _write_assessment(
    referral: Referral, checked: dict[str, Any], assessor: Staff, by: User
) -> Assessment:
    """Write the assessment, its contact and what it changes on the referral, audited."""
    recommended_step = checked["recommended_step"]
    contact = Contact.unscoped.create(
        referral=referral,
        external_id=new_external_id("C"),
        contact_date=checked["assessed_on"],
        app_type=AppType.ASSESSMENT,
        attendance=checked.pop("attendance"),
        cons_mechanism=checked.pop("cons_mechanism"),
        therapist=assessor,
        recorded_by=by,
    )
    assessment = Assessment.unscoped.create(
        referral=referral, contact=contact, assessor=assessor, **checked
    )
    old = snapshot(referral, ("problem_descriptor", "step"))
    if assessment.problem_descriptor:
        referral.problem_descriptor = assessment.problem_descriptor
    if recommended_step is not None:
        referral.step = recommended_step
    referral.save(update_fields=["problem_descriptor", "step", "version"])
    record_change(
        by=by,
        action="record_assessment",
        target=assessment,
        client_id=referral.client_id,
        old=old,
        new={
            **snapshot(
                assessment,
                ("referral", "contact", "assessed_on", "outcome", "recommended_step", "notes"),
            ),
            "problem_descriptor": assessment.problem_descriptor,
            "risk_summary": assessment.risk_summary,
        },
    )
    return assessment


def _check_assessment(
    referral: Referral,
    *,
    assessed_on: dt.date,
    outcome: str,
    problem_descriptor: str,
    recommended_step: int | None,
    attendance: str,
    cons_mechanism: str,
    risk_summary: str,
    notes: str,
) -> dict[str, Any]:
    """Check an assessment's inputs; return them cleaned, or raise ``ActionError``."""
    errors: dict[str, str] = {}
    day = _check_date(errors, "assessed_on", assessed_on, "assessment date")
    if day is not None and day < referral.referral_date:
        errors["assessed_on"] = "The assessment cannot be before the referral date."
    checked = {
        "assessed_on": day,
        "outcome": check_choice(
            errors, "outcome", outcome, AssessmentOutcome, "assessment outcome"
        ),
        "problem_descriptor": check_choice(
            errors,
            "problem_descriptor",
            problem_descriptor,
            ProblemDescriptor,
            "problem descriptor",
            required=False,
        ),
        "recommended_step": recommended_step,
        "attendance": check_choice(errors, "attendance", attendance, Attendance, "attendance"),
        "cons_mechanism": check_choice(
            errors, "cons_mechanism", cons_mechanism, ConsMechanism, "consultation mechanism"
        ),
        "risk_summary": check_text(errors, "risk_summary", risk_summary, limit=5000),
        "notes": check_text(errors, "notes", notes, limit=20000),
    }
    if recommended_step is not None and recommended_step not in Step.values:
        errors["recommended_step"] = "The step of care is 2 or 3."
    if not referral.is_open:
        errors["__all__"] = "This referral has ended."
    if errors or day is None:
        raise ActionError(errors)
    return checked


@transaction.atomic
def open_episode(
    *,
    referral: Referral,
    therapist: Staff,
    started_on: dt.date,
    step: int | None = None,
    therapy: str = "",
    by: User,
) -> Episode:
    """Start an episode of care with ``therapist``, who then holds the client on caseload."""
    viewer = permissions.actor(by)
    client = referral.client
    permissions.require(
        permissions.can_register_clients(viewer, client.service_id), "start episodes here"
    )
    errors: dict[str, str] = {}
    day = _check_date(errors, "started_on", started_on, "start date")
    if day is not None and day < referral.referral_date:
        errors["started_on"] = "An episode cannot start before the referral date."
    _check_caseload_staff(errors, therapist, client)
    if step is not None and step not in Step.values:
        errors["step"] = "The step of care is 2 or 3."
    therapy = check_choice(errors, "therapy", therapy, Therapy, "therapy", required=False)
    if not referral.is_open:
        errors["__all__"] = "This referral has ended."
    elif Episode.unscoped.filter(referral=referral, status=EpisodeStatus.OPEN).exists():
        errors["__all__"] = "This referral already has an open episode of care."
    if errors or day is None:
        raise ActionError(errors)
    episode = Episode.unscoped.create(
        referral=referral, therapist=therapist, started_on=day, step=step, therapy=therapy
    )
    record_change(
        by=by,
        action="open_episode",
        target=episode,
        client_id=client.pk,
        new=snapshot(episode, ("referral", "therapist", "started_on", "step", "therapy")),
    )
    return episode


@transaction.atomic
def reassign_episode(
    *, episode: Episode, expected_version: int, therapist: Staff, by: User
) -> Episode:
    """Hand an open episode to another therapist (a change of therapist, without blame)."""
    viewer = permissions.actor(by)
    client = episode.referral.client
    permissions.require(
        viewer.kind in (ViewerKind.SUPERVISOR, ViewerKind.MANAGER)
        and permissions.sees_client(viewer, client),
        "reassign this client",
    )
    errors: dict[str, str] = {}
    _check_caseload_staff(errors, therapist, client)
    if not episode.is_open:
        errors["__all__"] = "This episode has ended."
    elif therapist.pk == episode.therapist_id:
        errors["therapist"] = f"{therapist} already holds this episode."
    if errors:
        raise ActionError(errors)
    claim_version(episode, expected_version)
    old = snapshot(episode, ("therapist",))
    episode.therapist = therapist
    episode.save(update_fields=["therapist", "version"])
    record_change(
        by=by,
        action="reassign_episode",
        target=episode,
        client_id=client.pk,
        old=old,
        new=snapshot(episode, ("therapist",)),
    )
    return episode


@transaction.atomic
def end_referral(
    *,
    referral: Referral,
    expected_version: int,
    end_date: dt.date,
    end_code: str,
    by: User,
) -> Referral:
    """Discharge a referral with its end code, closing any open episode on the same date."""
    viewer = permissions.actor(by)
    client = referral.client
    permissions.require(permissions.can_edit_client(viewer, client), "discharge this client")
    errors: dict[str, str] = {}
    day = _check_date(errors, "end_date", end_date, "end date")
    if day is not None and day < referral.referral_date:
        errors["end_date"] = "The end date cannot be before the referral date."
    code = check_choice(errors, "end_code", end_code, EndCode, "end code")
    if not referral.is_open:
        errors["__all__"] = "This referral has already ended."
    last_contact = Contact.unscoped.filter(referral=referral).order_by("-contact_date").first()
    if day is not None and last_contact is not None and day < last_contact.contact_date:
        errors["end_date"] = (
            "The end date cannot be before the last contact "
            f"({last_contact.contact_date:%d %b %Y})."
        )
    if errors or day is None:
        raise ActionError(errors)
    claim_version(referral, expected_version)
    old = snapshot(referral, ("end_date", "end_code"))
    referral.end_date = day
    referral.end_code = code
    referral.save(update_fields=["end_date", "end_code", "version"])
    for episode in Episode.unscoped.filter(referral=referral, status=EpisodeStatus.OPEN):
        episode.status = EpisodeStatus.CLOSED
        episode.ended_on = max(day, episode.started_on)
        episode.version += 1
        episode.save(update_fields=["status", "ended_on", "version"])
        record_change(
            by=by,
            action="close_episode",
            target=episode,
            client_id=client.pk,
            old={"status": EpisodeStatus.OPEN, "ended_on": None},
            new=snapshot(episode, ("status", "ended_on")),
        )
    record_change(
        by=by,
        action="end_referral",
        target=referral,
        client_id=client.pk,
        old=old,
        new=snapshot(referral, ("end_date", "end_code")),
    )
    return referral


@transaction.atomic
def close_episode(
    *, episode: Episode, expected_version: int, ended_on: dt.date, by: User
) -> Episode:
    """End an episode of care while the referral goes on (a change of course): the client
    leaves this therapist's caseload, and the episode stays in the history."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_edit_client(viewer, episode.referral.client), "close this episode"
    )
    errors: dict[str, str] = {}
    day = _check_date(errors, "ended_on", ended_on, "end date")
    if day is not None and day < episode.started_on:
        errors["ended_on"] = "An episode cannot end before it started."
    if not episode.is_open:
        errors["__all__"] = "This episode has already ended."
    if errors or day is None:
        raise ActionError(errors)
    claim_version(episode, expected_version)
    episode.status = EpisodeStatus.CLOSED
    episode.ended_on = day
    episode.next_session_on = None
    episode.save(update_fields=["status", "ended_on", "next_session_on", "version"])
    record_change(
        by=by,
        action="close_episode",
        target=episode,
        client_id=episode.referral.client_id,
        old={"status": EpisodeStatus.OPEN, "ended_on": None},
        new=snapshot(episode, ("status", "ended_on")),
    )
    return episode
