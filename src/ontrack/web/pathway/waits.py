"""The likely wait for a therapist, from the waiting list itself: one place that staff's
pages (the waiting list, allocation) and the client's pages (asking for another therapist)
all call, so everyone sees the same figure (the rule: ``ontrack.pathway.waits``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from ontrack.pathway.waits import WINDOW_DAYS, WaitEstimate, estimate_wait
from ontrack.web.pathway.codes import LeftWaitingList
from ontrack.web.pathway.models import WaitingListEntry
from ontrack.web.records.scoping import today


def wait_estimate(
    *,
    service_id: int,
    step: int,
    therapy: str,
    entry: WaitingListEntry | None = None,
    on: dt.date | None = None,
) -> WaitEstimate:
    """The likely wait at ``step`` and ``therapy`` in the service: for ``entry`` (those
    ahead of it on the list), or for someone joining now (everyone waiting)."""
    day = on or today()
    group = WaitingListEntry.unscoped.filter(
        referral__client__service_id=service_id, step=step, therapy=therapy
    )
    waiting = group.filter(left_on__isnull=True)
    if entry is not None:
        waiting = waiting.filter(
            Q(added_on__lt=entry.added_on) | Q(added_on=entry.added_on, pk__lt=entry.pk)
        )
    recent = group.filter(
        left_because=LeftWaitingList.ALLOCATED,
        left_on__gt=day - dt.timedelta(days=WINDOW_DAYS),
        left_on__lte=day,
    ).values_list("added_on", "left_on")
    waits = [(left - added).days for added, left in recent if left is not None]
    return estimate_wait(ahead=waiting.count(), recent_waits_days=waits)


def wait_estimate_for(entry: WaitingListEntry) -> WaitEstimate:
    """The likely wait of one person on the list."""
    return wait_estimate(
        service_id=entry.referral.client.service_id,
        step=entry.step,
        therapy=entry.therapy,
        entry=entry,
    )
