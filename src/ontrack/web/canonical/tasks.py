"""The worker's task for the dashboard's counts (``ONTRACK_DASHBOARD_REFRESH=worker``)."""

from __future__ import annotations

from django_tasks import task

from ontrack.web.canonical.cells import refresh_clients


@task()
def refresh_dashboard_cells(client_id: int) -> None:
    """Recompute one client's dashboard cells and move the service's counts."""
    refresh_clients([client_id])
