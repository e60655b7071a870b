"""Keep the service dashboard's counts current as records change (ADR 0093).

Every action that changes a client's record writes an audit event naming the client, in
its own transaction (STYLE: audited actions). ``on_audit_event`` (connected in
``CanonicalConfig.ready``) queues that client once per transaction; when the transaction
commits, ``refresh_clients`` exports the client's referrals (``referral_tables``), derives
their cells with ``ontrack.analytics.dashboard``, and moves the service's ``MonthCounts``
by the difference from the cells kept before. So the dashboard is current to the last
committed change, and a page reads a few hundred small rows.

``ONTRACK_DASHBOARD_REFRESH`` says who refreshes: ``commit`` (the default) does it in the
request, right after the commit; ``worker`` enqueues ``tasks.refresh_dashboard_cells`` for
the django-tasks database worker (ADR 0110), so the request does not wait, and the
dashboard is as current as the worker is prompt.

Bulk loads (``load_tables``, the demo) write no per-client events: they pause the hook
(``paused``) and rebuild their services' counts afterwards (``rebuild_service``), as the
``rebuild_dashboard`` command does for any service.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

from ontrack.web.accounts.models import Service
from ontrack.web.audit.models import AuditEvent, AuditKind
from ontrack.web.canonical.export import ExportError, referral_tables
from ontrack.web.canonical.models import MonthCounts, ReferralCells
from ontrack.web.records.models import Client, Referral
from ontrack.web.records.scoping import scopes_disabled

if TYPE_CHECKING:
    from ontrack.analytics.dashboard import ReferralCells as Cells
    from ontrack.analytics.dashboard import Totals

# ``ontrack.analytics`` (Ibis, DuckDB, NumPy) is imported when cells are first computed, not
# when the app starts: most processes never need it.
log = logging.getLogger(__name__)
_paused: ContextVar[bool] = ContextVar("ontrack_dashboard_cells_paused", default=False)


@contextmanager
def paused() -> Iterator[None]:
    """Do not refresh cells on audit events (a bulk load rebuilds its services afterwards)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


class _Refresh:
    """The commit callback for one client; equal callbacks are queued once."""

    def __init__(self, client_id: int) -> None:
        self.client_id = client_id
        self.done = False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Refresh) and other.client_id == self.client_id

    def pending(self, client_id: int) -> bool:
        return self.client_id == client_id and not self.done

    def __hash__(self) -> int:
        return hash(self.client_id)

    def __call__(self) -> None:
        self.done = True
        if settings.ONTRACK_DASHBOARD_REFRESH == "worker":
            from ontrack.web.canonical.tasks import refresh_dashboard_cells

            refresh_dashboard_cells.enqueue(self.client_id)
        else:
            refresh_clients([self.client_id])


def on_audit_event(sender: Any, instance: AuditEvent, created: bool, **kwargs: Any) -> None:
    """Queue the client of a change event for a refresh when the transaction commits."""
    if not created or instance.kind != AuditKind.CHANGE or instance.client_id is None:
        return
    if _paused.get():
        return
    client_id = int(instance.client_id)
    queued = getattr(transaction.get_connection(), "run_on_commit", [])
    # Callbacks of a rolled-back savepoint leave this list, so a client queued there is
    # queued again by the next event.
    if any(isinstance(f, _Refresh) and f.pending(client_id) for _, f, *_ in queued):
        return
    transaction.on_commit(_Refresh(client_id), robust=True)


def refresh_clients(client_ids: Iterable[int]) -> None:
    """Recompute the cells of these clients' referrals and move the counts by the change.

    Each client is refreshed in one transaction that first locks the client's row, so two
    refreshes of one client (two workers, two requests) run one after the other and the
    later one reads what the earlier one saw, or more.
    """
    from ontrack.analytics.dashboard import referral_cells

    for client_id in client_ids:
        with transaction.atomic(), scopes_disabled():
            service_id = (
                Client.objects.select_for_update()
                .filter(pk=client_id)
                .values_list("service_id", flat=True)
                .first()
            )
            referrals = Referral.objects.filter(client_id=client_id)
            try:
                cells = referral_cells(referral_tables(referrals)) if service_id else []
            except ExportError as exc:
                # The report refuses such records too; the dashboard keeps the last good cells.
                log.warning("dashboard cells of client %s not refreshed: %s", client_id, exc)
                continue
            _replace(client_id, service_id, cells)


@transaction.atomic
def _replace(client_id: int, service_id: int | None, cells: list[Cells]) -> None:
    from ontrack.analytics.dashboard import add_cells

    old_rows = list(ReferralCells.objects.select_for_update().filter(client_id=client_id))
    deltas: dict[int, Totals] = {}
    for row in old_rows:
        add_cells(deltas.setdefault(row.service_id, {}), [_cells(row)], -1)
    if service_id is not None:
        add_cells(deltas.setdefault(service_id, {}), cells)
    for sid, delta in sorted(deltas.items()):
        _move_counts(sid, delta)
    ReferralCells.objects.filter(pk__in=[r.pk for r in old_rows]).delete()
    if service_id is not None:
        ReferralCells.objects.bulk_create(
            ReferralCells(
                service_id=service_id,
                client_id=client_id,
                referral_id=c.referral_id,
                groups=c.groups,
                months=c.months,
            )
            for c in cells
        )


def _cells(row: ReferralCells) -> Cells:
    from ontrack.analytics.dashboard import ReferralCells as Cells

    return Cells(row.referral_id, dict(row.groups), {m: dict(c) for m, c in row.months.items()})


def _move_counts(service_id: int, delta: Totals) -> None:
    """Add ``delta`` to the service's counts, locking rows in one order (no deadlocks)."""
    delta = {k: {n: v for n, v in c.items() if v} for k, c in delta.items()}
    delta = {k: c for k, c in delta.items() if c}
    if not delta:
        return
    months = sorted({m for m, _, _ in delta})
    MonthCounts.objects.bulk_create(
        [
            MonthCounts(service_id=service_id, month=m, dimension=d, group=g, counts={})
            for m, d, g in sorted(delta)
        ],
        ignore_conflicts=True,
    )
    rows = (
        MonthCounts.objects.select_for_update()
        .filter(service_id=service_id, month__in=months)
        .order_by("month", "dimension", "group")
    )
    changed: list[MonthCounts] = []
    emptied: list[MonthCounts] = []
    for row in rows:
        change = delta.get((row.month, row.dimension, row.group))
        if change is None:
            continue
        counts = dict(row.counts)
        for name, n in change.items():
            counts[name] = counts.get(name, 0) + n
        row.counts = {name: n for name, n in counts.items() if n}
        (changed if row.counts else emptied).append(row)
    MonthCounts.objects.bulk_update(changed, ["counts"])
    MonthCounts.objects.filter(pk__in=[r.pk for r in emptied]).delete()


def rebuild_service(service: Service) -> int:
    """Recompute every cell and count of ``service`` from its records; return the referrals."""
    from ontrack.analytics.dashboard import add_cells, referral_cells

    with scopes_disabled():
        referrals = Referral.objects.filter(client__service=service)
        clients = dict(referrals.values_list("external_id", "client_id"))
        cells = referral_cells(referral_tables(referrals))
    totals = add_cells({}, cells)
    with transaction.atomic():
        ReferralCells.objects.filter(service=service).delete()
        MonthCounts.objects.filter(service=service).delete()
        ReferralCells.objects.bulk_create(
            (
                ReferralCells(
                    service=service,
                    client_id=clients[c.referral_id],
                    referral_id=c.referral_id,
                    groups=c.groups,
                    months=c.months,
                )
                for c in cells
            ),
            batch_size=2000,
        )
        MonthCounts.objects.bulk_create(
            (
                MonthCounts(service=service, month=m, dimension=d, group=g, counts=kept)
                for (m, d, g), counts in sorted(totals.items())
                if (kept := {n: v for n, v in counts.items() if v})
            ),
            batch_size=2000,
        )
    return len(cells)
