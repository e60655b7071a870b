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
    group = WaitingListEntry.unscoped.filter(
        referral__client__service_id=service_id, step=step, therapy=therapy
    )
    waiting = group.filter(left_on__isnull=True)
    if entry is not None:
        waiting = waiting.filter(
            Q(added_on__lt=entry.added_on) | Q(added_on=entry.added_on, pk__lt=entry.pk)
        )
    waits = _recent_waits(service_id, on).get((step, therapy), [])
    return estimate_wait(ahead=waiting.count(), recent_waits_days=waits)


def _recent_waits(service_id: int, on: dt.date | None) -> dict[tuple[int, str], list[int]]:
    """Days waited by those allocated in the window, by step and therapy (one query)."""
    day = on or today()
    recent = WaitingListEntry.unscoped.filter(
        referral__client__service_id=service_id,
        left_because=LeftWaitingList.ALLOCATED,
        left_on__gt=day - dt.timedelta(days=WINDOW_DAYS),
        left_on__lte=day,
    ).values_list("step", "therapy", "added_on", "left_on")
    waits: dict[tuple[int, str], list[int]] = {}
    for step, therapy, added, left in recent:
        if left is not None:
            waits.setdefault((step, therapy), []).append((left - added).days)
    return waits


def joining_estimates(
    service_id: int, waiting_counts: dict[tuple[int, str], int], on: dt.date | None = None
) -> dict[tuple[int, str], WaitEstimate]:
    """The likely wait for someone joining each group now, from the counts waiting in
    each (step, therapy) group: the same rule as ``wait_estimate``, in one query."""
    waits = _recent_waits(service_id, on)
    return {
        key: estimate_wait(ahead=n, recent_waits_days=waits.get(key, []))
        for key, n in waiting_counts.items()
    }


def wait_estimate_for(entry: WaitingListEntry) -> WaitEstimate:
    """The likely wait of one person on the list."""
    return wait_estimate(
        service_id=entry.referral.client.service_id,
        step=entry.step,
        therapy=entry.therapy,
        entry=entry,
    )
