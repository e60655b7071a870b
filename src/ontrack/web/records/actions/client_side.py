"""What the client records about their own care, and what the therapist decides for it.

``rate_session``: the client rates a session they attended with the service's alliance
measure; the rating is an ``AllianceResponse`` like one typed at the session, so it feeds
the rupture check (``refresh_signal``) at once. ``report_homework``: the client says how a
task went and what got in the way, before the therapist reviews it. ``set_online_settings``:
the therapist decides which questionnaires are asked online, how often, and whether the
client sees their own session ratings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from ontrack.measures import Measure, MeasureError, get_measure, score
from ontrack.measures.definition import Kind
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import ActionError, check_choice, check_text, claim_version
from ontrack.web.common.codes import HomeworkOutcome, OnlineFrequency
from ontrack.web.records import permissions
from ontrack.web.records.actions.signals import refresh_signal
from ontrack.web.records.models import (
    AllianceResponse,
    Client,
    Contact,
    Homework,
    OnlineSettings,
)
from ontrack.web.records.permissions import Actor, user_of

# How long after a session the client may still rate it: long enough for a weekly
# invitation to be answered, short enough that the rating is still about that session.
RATING_WINDOW_DAYS = 14


def _alliance_measure(errors: dict[str, str], code: str) -> Measure | None:
    try:
        m = get_measure(code)
    except MeasureError:
        errors["measure"] = f"{code!r} is not a questionnaire OnTrack knows."
        return None
    if m.kind is not Kind.ALLIANCE:
        errors["measure"] = f"{m.code} is not a session rating."
        return None
    if not m.has_text:
        errors["measure"] = f"The wording of the {m.code} may not be shown here (its licence)."
        return None
    return m


def _check_answers(errors: dict[str, str], m: Measure, answers: Sequence[object]) -> list[int]:
    """Every question answered with a whole number in the measure's range."""
    values: list[int] = []
    given = list(answers)[: m.n_items] if not isinstance(answers, str | bytes) else []
    given += [None] * (m.n_items - len(given))
    for n, value in enumerate(given, 1):
        if value is None or value == "":
            errors[f"item:{n}"] = f"Answer question {n}."
        elif isinstance(value, bool) or not isinstance(value, int):
            errors[f"item:{n}"] = f"Question {n}: choose one of the answers."
        elif not m.item_min <= value <= m.item_max:
            errors[f"item:{n}"] = (
                f"Question {n}: choose a number from {m.item_min} to {m.item_max}."
            )
        else:
            values.append(value)
    return values


def _check_contact(errors: dict[str, str], contact: Contact, m: Measure | None) -> None:
    today = timezone.localdate()
    if not contact.attended:
        errors["__all__"] = "Only a session you attended can be rated."
    elif contact.contact_date < today - dt.timedelta(days=RATING_WINDOW_DAYS):
        errors["__all__"] = (
            f"Sessions can be rated up to {RATING_WINDOW_DAYS} days afterwards; this one was "
            f"on {contact.contact_date:%-d %B %Y}."
        )
    elif m is not None and AllianceResponse.unscoped.filter(contact=contact).exists():
        errors["__all__"] = "This session has already been rated. Thank you."


@transaction.atomic
def rate_session(
    *, contact: Contact, measure: str, answers: Sequence[object], by: Actor
) -> AllianceResponse:
    """Store the client's rating of one session they attended, then re-check the episode."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.is_the_client(viewer, contact.referral.client_id), "rate this session"
    )
    errors: dict[str, str] = {}
    m = _alliance_measure(errors, measure)
    _check_contact(errors, contact, m)
    values = _check_answers(errors, m, answers) if m is not None else []
    if errors or m is None:
        raise ActionError(errors)
    result = score(m, values)
    rating = AllianceResponse.unscoped.create(
        contact=contact, measure=m.code, items=values, total=result.total
    )
    record_change(
        by=by,
        action="rate_session",
        target=rating,
        client_id=contact.referral.client_id,
        new={"contact": contact.pk, "measure": m.code, "items": values, "total": result.total},
    )
    if contact.episode is not None:
        refresh_signal(episode=contact.episode, by=user_of(by))
    return rating


@transaction.atomic
def report_homework(*, homework: Homework, outcome: str, obstacles: str, by: Actor) -> Homework:
    """Keep what the client says about a task: done, partly or not done, and what got in
    the way. The therapist's review at the next session stays theirs to record."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.is_the_client(viewer, homework.referral.client_id), "report on this task"
    )
    errors: dict[str, str] = {}
    outcome = check_choice(errors, "outcome", outcome, HomeworkOutcome, "answer")
    obstacles = check_text(errors, "obstacles", obstacles, limit=2000)
    if homework.is_reviewed:
        errors["__all__"] = "You and your therapist have already gone through this task."
    if errors:
        raise ActionError(errors)
    old = snapshot(homework, ("client_outcome", "client_obstacles", "client_reported_at"))
    # Not a version bump: these fields are the client's own, and the therapist's forms do
    # not edit them, so a report must not make a therapist's open review form stale.
    homework.client_outcome = outcome
    homework.client_obstacles = obstacles
    homework.client_reported_at = timezone.now()
    homework.save(update_fields=["client_outcome", "client_obstacles", "client_reported_at"])
    record_change(
        by=by,
        action="report_homework",
        target=homework,
        client_id=homework.referral.client_id,
        old=old,
        new=snapshot(homework, ("client_outcome", "client_obstacles", "client_reported_at")),
    )
    return homework


def _check_online_measures(errors: dict[str, str], codes: Sequence[str]) -> list[str]:
    chosen: list[str] = []
    for code in codes:
        try:
            m = get_measure(code)
        except MeasureError:
            errors["measures"] = f"{code!r} is not a questionnaire OnTrack knows."
            continue
        if m.kind is not Kind.OUTCOME or not m.has_text:
            errors["measures"] = (
                f"The {m.code} cannot be asked online (only outcome questionnaires whose "
                "wording OnTrack may show)."
            )
        elif m.code not in chosen:
            chosen.append(m.code)
    return chosen


@transaction.atomic
def set_online_settings(
    *,
    client: Client,
    expected_version: int,
    measures: Sequence[str],
    frequency: str,
    show_alliance: bool,
    by: Actor,
) -> OnlineSettings:
    """Decide what the client is asked online and how often, and whether they see their
    own session ratings. ``expected_version`` is 0 when there are no settings yet."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_edit_client(viewer, client), "change this client's online settings"
    )
    errors: dict[str, str] = {}
    chosen = _check_online_measures(errors, measures)
    frequency = check_choice(errors, "frequency", frequency, OnlineFrequency, "frequency")
    if not isinstance(show_alliance, bool):
        errors["show_alliance"] = "Say whether the client sees their session ratings."
    if errors:
        raise ActionError(errors)
    current = OnlineSettings.unscoped.filter(client=client).first()
    fields = ("measures", "frequency", "show_alliance")
    old = snapshot(current, fields) if current is not None else None
    if current is None:
        if expected_version != 0:
            raise ActionError({"version": "These settings were removed; reload the page."})
        current = OnlineSettings.unscoped.create(
            client=client, updated_at=timezone.now(), updated_by=user_of(by)
        )
    else:
        claim_version(current, expected_version)
    current.measures, current.frequency, current.show_alliance = chosen, frequency, show_alliance
    current.updated_at, current.updated_by = timezone.now(), user_of(by)
    current.save(update_fields=[*fields, "updated_at", "updated_by"])
    record_change(
        by=by,
        action="set_online_settings",
        target=current,
        client_id=client.pk,
        old=old,
        new=snapshot(current, fields),
    )
    return current
