"""Change of course: step up or down, change the therapy, move to another therapist, or
back on the waiting list. The old episode closes and stays in the history; the reason is
recorded in words that blame nobody."""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction

from ontrack.web.accounts.models import Staff, User
from ontrack.web.audit.events import record_change
from ontrack.web.common.actions import ActionError, check_choice, check_text
from ontrack.web.common.codes import Step, Therapy
from ontrack.web.pathway.actions.waiting import add_to_waiting_list
from ontrack.web.pathway.codes import CourseChangeKind
from ontrack.web.pathway.models import CourseChange
from ontrack.web.records import actions as records
from ontrack.web.records import permissions
from ontrack.web.records.models import Episode, Referral

# Words that put the blame on someone; the reason says what would help instead.
_BLAMING = re.compile(
    r"\b(fault|blame[ds]?|non-?complian\w*|failed to engage|refus\w* to engage|lazy|"
    r"unmotivated|difficult client|manipulative|attention[- ]seeking|useless|incompetent|"
    r"poor therapist|bad therapist)\b",
    re.IGNORECASE,
)


def check_reason(errors: dict[str, str], reason: str) -> str:
    """A reason is required, and written without blaming the client or the therapist."""
    text = check_text(errors, "reason", reason, limit=2000)
    if "reason" in errors:
        return text
    if not text:
        errors["reason"] = "Say why the course is changing."
    elif found := _BLAMING.search(text):
        errors["reason"] = (
            f"Describe what would help rather than who is at fault (“{found[0]}”): for "
            "example, “the client would like a different approach” or “a better fit for "
            "their work hours”."
        )
    return text


def _check_change(
    errors: dict[str, str],
    episode: Episode,
    kind: str,
    step: int | None,
    therapy: str,
    therapist: Staff | None,
) -> None:
    check_choice(errors, "kind", kind, CourseChangeKind, "change")
    check_choice(errors, "therapy", therapy, Therapy, "therapy", required=False)
    current = episode.step or 0
    if kind == CourseChangeKind.STEP_UP and not (step in Step.values and step > current):
        errors["step"] = f"Stepping up goes to a higher step than step {current}."
    if kind == CourseChangeKind.STEP_DOWN and not (step in Step.values and step < current):
        errors["step"] = f"Stepping down goes to a lower step than step {current}."
    if kind == CourseChangeKind.MODALITY and (not therapy or therapy == episode.therapy):
        errors["therapy"] = "Choose the new kind of therapy."
    if kind == CourseChangeKind.THERAPIST and therapist is None:
        errors["therapist"] = "Choose the therapist the client moves to."
    if therapist is not None and therapist.pk == episode.therapist_id:
        errors["therapist"] = f"{therapist} already holds this course."
    if not episode.is_open:
        errors["__all__"] = "This episode has already ended."


def _next_episode(
    referral: Referral,
    kind: str,
    therapist: Staff | None,
    on: dt.date,
    step: int,
    therapy: str,
    reason: str,
    by: User,
) -> Episode | None:
    """Start the new episode with ``therapist``, or put the client back on the list."""
    if therapist is not None and kind != CourseChangeKind.BACK_TO_WAITING:
        return records.open_episode(
            referral=referral, therapist=therapist, started_on=on, step=step, therapy=therapy, by=by
        )
    add_to_waiting_list(
        referral=referral,
        step=step,
        therapy=therapy,
        added_on=on,
        reason=f"{CourseChangeKind(kind).label}: {reason}"[:300],
        by=by,
    )
    return None


@transaction.atomic
def change_course(
    *,
    episode: Episode,
    expected_version: int,
    kind: str,
    reason: str,
    changed_on: dt.date,
    step: int | None = None,
    therapy: str = "",
    therapist: Staff | None = None,
    by: User,
) -> CourseChange:
    """Change the course of treatment. With a therapist the new episode starts at once;
    without one (or ``kind`` back-to-waiting) the client goes back on the waiting list."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_edit_client(viewer, episode.referral.client), "change this course"
    )
    errors: dict[str, str] = {}
    text = check_reason(errors, reason)
    _check_change(errors, episode, kind, step, therapy, therapist)
    if errors:
        raise ActionError(errors)
    referral = episode.referral
    records.close_episode(
        episode=episode, expected_version=expected_version, ended_on=changed_on, by=by
    )
    new_step = step if step is not None else episode.step or Step.LOW_INTENSITY
    new_therapy = therapy or episode.therapy
    to_episode = _next_episode(
        referral, kind, therapist, changed_on, new_step, new_therapy, text, by
    )
    change = CourseChange.unscoped.create(
        referral=referral,
        kind=kind,
        changed_on=changed_on,
        from_episode=episode,
        to_episode=to_episode,
        reason=text,
        changed_by=by,
    )
    record_change(
        by=by,
        action="change_course",
        target=change,
        client_id=referral.client_id,
        new={
            "kind": kind,
            "from_episode": episode.pk,
            "to_episode": to_episode.pk if to_episode else None,
            "step": new_step,
            "therapy": new_therapy,
            "reason": text,
        },
    )
    return change
