"""Who may work the pathway's queues (on top of what they may see, ``records.scoping``)."""

from __future__ import annotations

from ontrack.web.records.permissions import CLINICAL
from ontrack.web.records.scoping import Viewer, ViewerKind


def can_triage(viewer: Viewer, service_id: int) -> bool:
    """Managers and staff flagged as doing triage work the intake queue and waiting list."""
    return viewer.does_triage and viewer.service_id == service_id


def can_allocate(viewer: Viewer, service_id: int) -> bool:
    """Managers, supervisors and triage staff of the service allocate therapists."""
    if viewer.service_id != service_id or viewer.kind not in CLINICAL:
        return False
    return viewer.kind in (ViewerKind.MANAGER, ViewerKind.SUPERVISOR) or viewer.does_triage


def can_override_caseload(viewer: Viewer, service_id: int) -> bool:
    """Only a service manager may allocate over a therapist's caseload limit."""
    return viewer.kind == ViewerKind.MANAGER and viewer.service_id == service_id
