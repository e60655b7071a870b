"""Two-person approval of manager rights (ADR 0146).

A service manager sees every client of the service, so making someone a manager is asked
for by one person (an administrator in the admin, or a manager) and takes effect only
when a *second, different* manager of the same service approves it. Neither the person
who asked nor the person who would become manager may approve. A service with no manager
yet is started by its installation superuser approving instead (still not the one who
asked). Every step is an audited event; the role changes in the same transaction as the
approval's event.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ontrack.web.accounts.models import GrantStatus, RoleGrant, Staff, StaffRole, User
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import ActionError

# Roles that need a second person's approval to be granted.
NEEDS_APPROVAL = frozenset({StaffRole.MANAGER})
_GRANT_FIELDS = ("staff", "role", "old_role", "status", "requested_by", "decided_by")


def _managers(service_id: int) -> QuerySet[Staff]:
    return Staff.objects.filter(service_id=service_id, role=StaffRole.MANAGER, user__is_active=True)


def may_decide(grant: RoleGrant, by: User) -> str:
    """Why ``by`` may not approve or refuse ``grant`` ("" when they may)."""
    if grant.status != GrantStatus.PENDING:
        return "This request was already decided."
    if by.pk == grant.requested_by_id:
        return "A second person must approve: you asked for this."
    if by.pk == grant.staff.user_id:
        return "Nobody approves their own manager rights."
    service_id = grant.staff.service_id
    staff = getattr(by, "staff", None) if by.is_authenticated else None
    if staff is not None:
        if staff.service_id == service_id and staff.role == StaffRole.MANAGER:
            return ""
        return "Only a manager of this service approves manager rights."
    if by.is_superuser and not _managers(service_id).exists():
        return ""  # the first manager of a new service
    return "Only a manager of this service approves manager rights."


def pending_for(by: User) -> QuerySet[RoleGrant]:
    """The requests ``by`` could decide (a manager: their service's)."""
    grants = RoleGrant.objects.select_related("staff__user", "requested_by").filter(
        status=GrantStatus.PENDING
    )
    staff = getattr(by, "staff", None)
    if staff is not None and staff.role == StaffRole.MANAGER:
        return grants.filter(staff__service_id=staff.service_id)
    if by.is_superuser and staff is None:
        return grants
    return grants.none()


@transaction.atomic
def request_role(*, staff: Staff, role: str, by: User) -> RoleGrant:
    """Ask for ``role`` for ``staff``; it waits for a second person's approval."""
    if role not in NEEDS_APPROVAL:
        raise ActionError({"role": f"{role} needs no approval: set it directly."})
    if staff.user_id == by.pk:
        raise ActionError({"role": "Nobody asks for a role for themselves."})
    if staff.role == role:
        raise ActionError({"role": f"{staff} is already a {staff.get_role_display()}."})
    if RoleGrant.objects.filter(staff=staff, status=GrantStatus.PENDING).exists():
        raise ActionError({"role": f"A request for {staff} is already waiting for approval."})
    grant = RoleGrant.objects.create(
        staff=staff,
        role=role,
        old_role=staff.role,
        requested_by=by,
        requested_at=timezone.now(),
    )
    record_change(
        by=by,
        action="role_grant_requested",
        target=grant,
        client_id=None,
        new=snapshot(grant, _GRANT_FIELDS),
    )
    return grant


@transaction.atomic
def decide(*, grant: RoleGrant, approve: bool, by: User) -> RoleGrant:
    """Approve (the role changes now) or refuse a waiting request."""
    grant = RoleGrant.objects.select_for_update().select_related("staff").get(pk=grant.pk)
    problem = may_decide(grant, by)
    if problem:
        raise ActionError(problem)
    old = snapshot(grant, _GRANT_FIELDS)
    grant.status = GrantStatus.APPROVED if approve else GrantStatus.REFUSED
    grant.decided_by = by
    grant.decided_at = timezone.now()
    grant.save(update_fields=["status", "decided_by", "decided_at"])
    record_change(
        by=by,
        action="role_grant_approved" if approve else "role_grant_refused",
        target=grant,
        client_id=None,
        old=old,
        new=snapshot(grant, _GRANT_FIELDS),
    )
    if approve:
        staff = Staff.objects.select_for_update().get(pk=grant.staff_id)
        before = snapshot(staff, ("role", "therapist_role"))
        staff.role = grant.role
        if staff.role in (StaffRole.MANAGER, StaffRole.ADMIN):
            staff.therapist_role = ""  # managers carry no caseload (Staff.clean)
        staff.save(update_fields=["role", "therapist_role"])
        record_change(
            by=by,
            action="staff_role_changed",
            target=staff,
            client_id=None,
            old=before,
            new={**snapshot(staff, ("role", "therapist_role")), "approved_grant": grant.pk},
        )
    return grant
