"""Allocation: choose the therapist from ranked suggestions, within caseload limits.

Suggestions come from a *suggester* (``ontrack.pathway.allocation.Suggester``): the plain
rule until ``ontrack.matching`` lands, then whatever ``ONTRACK_THERAPIST_SUGGESTER`` names
(a dotted path). Over a caseload limit needs a manager's override with a reason; an
essential preference that cannot be met is said, and why is recorded.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from ontrack.pathway import Candidate, ClientNeeds, Preference, Suggester, Suggestion
from ontrack.pathway.allocation import plain_suggestions, preference_met
from ontrack.web.accounts.models import Staff, User
from ontrack.web.audit.events import record_change
from ontrack.web.common.actions import ActionError, check_text, claim_version
from ontrack.web.common.codes import EpisodeStatus
from ontrack.web.pathway.actions.reallocation import REALLOCATION_REASON, open_episode_of
from ontrack.web.pathway.actions.waiting import leave_waiting_list
from ontrack.web.pathway.codes import CourseChangeKind, LeftWaitingList, PreferenceKind
from ontrack.web.pathway.models import CourseChange, TherapyPreference, WaitingListEntry
from ontrack.web.pathway.permissions import can_allocate, can_override_caseload
from ontrack.web.records import actions as records
from ontrack.web.records import permissions
from ontrack.web.records.models import Assessment, Episode, QuestionnaireResponse

FUNCTIONING_IMPAIRED = 10  # WSAS 10-19: significant impairment in work and social life


def suggester() -> Suggester:
    """The configured suggester (``ONTRACK_THERAPIST_SUGGESTER``), else the plain rule."""
    path = getattr(settings, "ONTRACK_THERAPIST_SUGGESTER", "")
    return cast(Suggester, import_string(path)) if path else plain_suggestions


def candidates_for(service_id: int) -> list[Candidate]:
    """Every member of staff of the service who carries a caseload, with their open cases
    (one query)."""
    today = timezone.localdate()
    staff = (
        Staff.objects.filter(service_id=service_id)
        .exclude(therapist_role="")
        .select_related("user")
        .annotate(open_cases=Count("episodes", filter=Q(episodes__status=EpisodeStatus.OPEN)))
        .order_by("user__last_name", "user__first_name", "pk")
    )
    return [
        Candidate(
            therapist_id=s.pk,
            name=s.display_name,
            role=s.therapist_role,
            modalities=frozenset(s.modalities or []),
            languages=frozenset(s.languages or []),
            gender=s.gender,
            age=(today.year - s.year_of_birth) if s.year_of_birth else None,
            open_cases=s.open_cases,
            caseload_limit=s.caseload_limit,
            practitioner_id=s.practitioner_id or "",
        )
        for s in staff
    ]


def needs_for(entry: WaitingListEntry) -> ClientNeeds:
    """What allocation must meet for a waiting-list entry: step, therapy, preferences."""
    preferences = [
        Preference(
            kind=p.kind,
            value=p.value,
            essential=p.essential,
            label=f"{PreferenceKind(p.kind).label.lower()} {p.value}",
        )
        for p in TherapyPreference.unscoped.filter(referral_id=entry.referral_id)
    ]
    referral = entry.referral
    assessment = (
        Assessment.unscoped.filter(referral=referral)
        .exclude(problem_descriptor="")
        .order_by("-assessed_on", "-pk")
        .first()
    )
    descriptor = assessment.problem_descriptor if assessment else referral.problem_descriptor
    wsas = (
        QuestionnaireResponse.unscoped.filter(contact__referral=referral, measure="WSAS")
        .order_by("-contact__contact_date", "-pk")
        .values_list("total", flat=True)
        .first()
    )
    return ClientNeeds(
        step=entry.step,
        therapy=entry.therapy,
        preferences=preferences,
        problem_descriptor=descriptor or "",
        functioning_impaired=wsas is not None and wsas >= FUNCTIONING_IMPAIRED,
    )


def suggestions_for(entry: WaitingListEntry) -> list[Suggestion]:
    """Ranked therapists for a waiting-list entry, with their reasons (for a client who
    asked for another therapist, everyone but the one they have now)."""
    candidates = candidates_for(entry.referral.client.service_id)
    current = open_episode_of(entry)
    if current is not None:
        candidates = [c for c in candidates if c.therapist_id != current.therapist_id]
    return suggester()(needs_for(entry), candidates)


def first_choice(entry: WaitingListEntry) -> Suggestion | None:
    """The first suggestion that fits, when the ranking used measured effectiveness (the
    matching's ``benefit``); choosing someone else then needs a reason, which is recorded."""
    first = next((s for s in suggestions_for(entry) if s.fits), None)
    return first if first is not None and "benefit" in first.extra else None


def _unmet_essentials(entry: WaitingListEntry, therapist: Staff) -> list[str]:
    candidate = next(
        (c for c in candidates_for(therapist.service_id) if c.therapist_id == therapist.pk), None
    )
    if candidate is None:
        return []
    return [
        p.described
        for p in needs_for(entry).preferences
        if p.essential and preference_met(p, candidate) is False
    ]


def _check_allocation(
    entry: WaitingListEntry,
    therapist: Staff,
    started_on: dt.date,
    override_reason: str,
    unmet_reason: str,
    can_override: bool,
    choice_reason: str = "",
) -> tuple[dict[str, str], list[str], bool]:
    errors: dict[str, str] = {}
    override_reason = check_text(errors, "override_reason", override_reason, limit=1000)
    unmet_reason = check_text(errors, "unmet_reason", unmet_reason, limit=1000)
    choice_reason = check_text(errors, "choice_reason", choice_reason, limit=1000)
    if entry.left_on is not None:
        errors["__all__"] = "This client has already left the waiting list."
    current = open_episode_of(entry)
    if current is not None and current.therapist_id == therapist.pk:
        errors["therapist"] = (
            f"{therapist} is the client's therapist now, and the client asked for another "
            "therapist: choose someone else."
        )
    if not isinstance(started_on, dt.date):
        errors["started_on"] = "Enter the date treatment starts."
    elif started_on < entry.added_on:
        errors["started_on"] = "Treatment cannot start before the client joined the list."
    open_cases = Episode.unscoped.filter(therapist=therapist, status=EpisodeStatus.OPEN).count()
    over = therapist.caseload_limit > 0 and open_cases >= therapist.caseload_limit
    if over and not can_override:
        errors["therapist"] = (
            f"{therapist} is at their caseload limit ({open_cases} of "
            f"{therapist.caseload_limit}): choose someone with room, or ask a service "
            "manager to allocate over the limit."
        )
    elif over and not override_reason:
        errors["override_reason"] = (
            f"{therapist} is at their caseload limit ({open_cases} of "
            f"{therapist.caseload_limit}): give the reason for going over it."
        )
    first = first_choice(entry)
    if first is not None and first.therapist_id != therapist.pk and not choice_reason.strip():
        errors["choice_reason"] = (
            f"The first suggestion, ranked by measured effectiveness, is {first.name}: "
            f"say why you chose {therapist} instead."
        )
    unmet = _unmet_essentials(entry, therapist)
    if unmet and not unmet_reason:
        errors["unmet_reason"] = (
            f"{therapist} does not meet what the client said is essential "
            f"({'; '.join(unmet)}): record why this allocation is still made "
            "(and tell the client)."
        )
    return errors, unmet, over


@transaction.atomic
def allocate(
    *,
    entry: WaitingListEntry,
    expected_version: int,
    therapist: Staff,
    started_on: dt.date,
    override_reason: str = "",
    unmet_reason: str = "",
    choice_reason: str = "",
    by: User,
) -> Episode:
    """Allocate a waiting client to ``therapist``: the episode of care starts.

    Two people allocating the same client at once: the second finds the entry's version
    moved on and gets a conflict message; nothing of theirs is saved.
    """
    viewer = permissions.actor(by)
    referral = entry.referral
    permissions.require(can_allocate(viewer, referral.client.service_id), "allocate therapists")
    # Two clients allocated to the same therapist at once must not both take their last
    # place: hold the therapist's row until this allocation commits, then count.
    Staff.objects.select_for_update().filter(pk=therapist.pk).exists()
    errors, unmet, over = _check_allocation(
        entry,
        therapist,
        started_on,
        override_reason,
        unmet_reason,
        can_override_caseload(viewer, referral.client.service_id),
        choice_reason,
    )
    if errors:
        raise ActionError(errors)
    claim_version(entry, expected_version)
    current = open_episode_of(entry)
    if current is not None:
        # A request for another therapist: the course moves; the old one stays in the
        # history with its sessions.
        records.close_episode(
            episode=current, expected_version=current.version, ended_on=started_on, by=by
        )
    episode = records.open_episode(
        referral=referral,
        therapist=therapist,
        started_on=started_on,
        step=entry.step,
        therapy=entry.therapy,
        by=by,
    )
    leave_waiting_list(referral, started_on, LeftWaitingList.ALLOCATED, by)
    if current is not None:
        _record_move(current, episode, started_on, by)
    record_change(
        by=by,
        action="allocate",
        target=entry,
        client_id=referral.client_id,
        new={
            "episode": episode.pk,
            "therapist": therapist.pk,
            "over_caseload_limit": over,
            "override_reason": override_reason.strip(),
            "unmet_essentials": unmet,
            "unmet_reason": unmet_reason.strip(),
            "choice_reason": choice_reason.strip(),
            "reallocated_from": current.pk if current is not None else None,
        },
    )
    return episode


def _record_move(old: Episode, new: Episode, on: dt.date, by: User) -> None:
    change = CourseChange.unscoped.create(
        referral=old.referral,
        kind=CourseChangeKind.THERAPIST,
        changed_on=on,
        from_episode=old,
        to_episode=new,
        reason=f"{REALLOCATION_REASON}.",
        changed_by=by,
    )
    record_change(
        by=by,
        action="change_course",
        target=change,
        client_id=old.referral.client_id,
        new={
            "kind": CourseChangeKind.THERAPIST,
            "from_episode": old.pk,
            "to_episode": new.pk,
            "reason": change.reason,
        },
    )
