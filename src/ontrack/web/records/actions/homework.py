"""Set homework with Beck's criteria; agree goals and change their status."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields

from django.db import transaction
from django.utils import timezone

from ontrack.web.accounts.models import User
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import (
    ActionError,
    check_choice,
    check_text,
    claim_version,
    new_external_id,
)
from ontrack.web.common.codes import EpisodeStatus, GoalStatus
from ontrack.web.records import permissions
from ontrack.web.records.actions.signals import refresh_signal
from ontrack.web.records.models import Contact, Episode, Goal, Homework, Referral

MAX_GOALS = 3  # Goal Based Outcomes: up to three goals


@dataclass(frozen=True)
class HomeworkPlan:
    """A between-session task written to Beck's criteria; ``behaviour`` is required."""

    behaviour: str
    rationale: str = ""
    coping_strategy: str = ""
    monitoring_method: str = ""
    client_reaction: str = ""
    obstacles: str = ""

    @property
    def criteria_met(self) -> int:
        """How many of the six criteria the plan records."""
        return sum(bool(getattr(self, f.name).strip()) for f in fields(self))


def _refresh(referral: Referral, by: User) -> None:
    """Re-evaluate the referral's open episode: goals and homework feed its alerts."""
    episode = Episode.unscoped.filter(referral=referral, status=EpisodeStatus.OPEN).first()
    if episode is not None:
        refresh_signal(episode=episode, by=by)


def check_plan(errors: dict[str, str], plan: HomeworkPlan) -> None:
    """Record a message in ``errors`` for each bad part of a homework plan."""
    for f in fields(plan):
        check_text(errors, f"new_homework.{f.name}", getattr(plan, f.name), limit=2000)
    if isinstance(plan.behaviour, str) and not plan.behaviour.strip():
        errors["new_homework.behaviour"] = (
            "Say what the client will do: the specific behaviour, when, where and how often."
        )


def create_homework(
    *, referral: Referral, contact: Contact, plan: HomeworkPlan, by: User
) -> Homework:
    """Write a checked plan (inside the caller's transaction) with its audit event."""
    clean = {f.name: getattr(plan, f.name).strip() for f in fields(plan)}
    homework = Homework.unscoped.create(
        referral=referral,
        external_id=new_external_id("H"),
        set_contact=contact,
        criteria_met=plan.criteria_met,
        **clean,
    )
    record_change(
        by=by,
        action="set_homework",
        target=homework,
        client_id=referral.client_id,
        new={**asdict(plan), "set_contact": contact.pk, "criteria_met": plan.criteria_met},
    )
    return homework


@transaction.atomic
def set_homework(*, contact: Contact, plan: HomeworkPlan, by: User) -> Homework:
    """Set homework at an attended contact of an open episode."""
    viewer = permissions.actor(by)
    episode = contact.episode
    permissions.require(
        episode is not None and permissions.can_record_session(viewer, episode),
        "set homework for this client",
    )
    errors: dict[str, str] = {}
    check_plan(errors, plan)
    if not contact.attended:
        errors["__all__"] = "Homework is set at an attended session."
    if errors:
        raise ActionError(errors)
    homework = create_homework(referral=contact.referral, contact=contact, plan=plan, by=by)
    _refresh(contact.referral, by)
    return homework


@transaction.atomic
def agree_goal(*, referral: Referral, description: str, agreed_on: dt.date, by: User) -> Goal:
    """Record a goal the client and therapist agreed (up to three per referral)."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_edit_client(viewer, referral.client), "agree goals with this client"
    )
    errors: dict[str, str] = {}
    description = check_text(errors, "description", description, limit=1000)
    if not description and "description" not in errors:
        errors["description"] = "Describe the goal in the client's own words."
    if not isinstance(agreed_on, dt.date) or isinstance(agreed_on, dt.datetime):
        errors["agreed_on"] = "Enter the date the goal was agreed."
    elif agreed_on > timezone.localdate() or agreed_on < referral.referral_date:
        errors["agreed_on"] = "The date must be between the referral date and today."
    # Lock the referral row so two people adding goals at once cannot take the same number.
    Referral.unscoped.select_for_update().filter(pk=referral.pk).first()
    taken = set(Goal.unscoped.filter(referral=referral).values_list("number", flat=True))
    free = [n for n in range(1, MAX_GOALS + 1) if n not in taken]
    if not free:
        errors["__all__"] = f"This referral already has {MAX_GOALS} goals, the most allowed."
    if errors:
        raise ActionError(errors)
    goal = Goal.unscoped.create(
        referral=referral, number=free[0], description=description, agreed_on=agreed_on
    )
    record_change(
        by=by,
        action="agree_goal",
        target=goal,
        client_id=referral.client_id,
        new=snapshot(goal, ("referral", "number", "description", "agreed_on", "status")),
    )
    _refresh(referral, by)
    return goal


@transaction.atomic
def update_goal(
    *,
    goal: Goal,
    expected_version: int,
    status: str,
    description: str | None = None,
    by: User,
) -> Goal:
    """Change a goal's status (achieved, dropped) or wording."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_edit_client(viewer, goal.referral.client), "change this goal"
    )
    errors: dict[str, str] = {}
    status = check_choice(errors, "status", status, GoalStatus, "goal status")
    if description is not None:
        description = check_text(errors, "description", description, limit=1000)
        if not description and "description" not in errors:
            errors["description"] = "Describe the goal in the client's own words."
    if errors:
        raise ActionError(errors)
    claim_version(goal, expected_version)
    old = snapshot(goal, ("status", "description"))
    goal.status = status
    if description is not None:
        goal.description = description
    goal.save(update_fields=["status", "description", "version"])
    record_change(
        by=by,
        action="update_goal",
        target=goal,
        client_id=goal.referral.client_id,
        old=old,
        new=snapshot(goal, ("status", "description")),
    )
    _refresh(goal.referral, by)
    return goal
