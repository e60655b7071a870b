"""A client asks for another therapist: the referral goes back to where the service
allocates (the waiting list, at the same step and therapy), while the current course
goes on until someone else is free. Allocating that entry then moves the course to the
new therapist (``allocation.allocate``): the old episode closes and stays in the history
with its sessions, and the change is recorded in words that blame nobody."""

from __future__ import annotations

from django.db import transaction

from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import ActionError
from ontrack.web.common.codes import EpisodeStatus, Step
from ontrack.web.pathway.models import WaitingListEntry
from ontrack.web.records import permissions
from ontrack.web.records.models import Episode
from ontrack.web.records.permissions import Actor
from ontrack.web.records.scoping import today

# The reason on the list and on the course change: what is happening, not whose fault.
REALLOCATION_REASON = "The client asked for another therapist"


def reallocation_reason(episode: Episode) -> str:
    """The waiting list's words for a reallocation (no blame, no client's own words)."""
    return (
        f"{REALLOCATION_REASON}; continues with {episode.therapist} until a new therapist "
        "is allocated."
    )


def open_episode_of(entry: WaitingListEntry) -> Episode | None:
    """The course still running for a waiting-list entry: set when the entry is a request
    for another therapist (allocating it moves that course to the new therapist)."""
    return (
        Episode.unscoped.select_related("therapist__user")
        .filter(referral_id=entry.referral_id, status=EpisodeStatus.OPEN)
        .first()
    )


def reallocation_group(episode: Episode) -> tuple[int, str]:
    """The step and therapy a client who asks for another therapist waits at: those of
    their course (else those they last waited for)."""
    last = (
        WaitingListEntry.unscoped.filter(referral_id=episode.referral_id)
        .order_by("-added_on", "-pk")
        .first()
    )
    step = episode.step or (last.step if last else Step.LOW_INTENSITY)
    therapy = episode.therapy or (last.therapy if last else "")
    return step, therapy


@transaction.atomic
def request_reallocation(*, episode: Episode, by: Actor) -> WaitingListEntry:
    """Put the client back on the waiting list for another therapist, at the step and
    therapy of their current course, which continues meanwhile.

    The client may ask for themselves; clinical staff who see them may ask on their
    behalf. Refused (nothing changed) when the course has ended or they already wait.
    """
    referral = episode.referral
    viewer = permissions.actor(by)
    permissions.require(
        permissions.is_the_client(viewer, referral.client_id)
        or permissions.can_edit_client(viewer, referral.client),
        "ask for another therapist for this client",
    )
    if not episode.is_open or not referral.is_open:
        raise ActionError("This course of treatment has ended, so there is nobody to change.")
    if WaitingListEntry.unscoped.filter(referral=referral, left_on__isnull=True).exists():
        raise ActionError(
            "You are already on the waiting list for a therapist; the service will be in touch."
        )
    step, therapy = reallocation_group(episode)
    entry = WaitingListEntry.unscoped.create(
        referral=referral,
        step=step,
        therapy=therapy,
        added_on=max(today(), referral.referral_date),
        reason=reallocation_reason(episode)[:300],
    )
    record_change(
        by=by,
        action="request_reallocation",
        target=entry,
        client_id=referral.client_id,
        new={
            **snapshot(entry, ("referral", "step", "therapy", "added_on", "reason")),
            "from_episode": episode.pk,
        },
    )
    return entry
