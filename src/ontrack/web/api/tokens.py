"""Make, revoke and check integration tokens: the only code that changes ``ApiToken``.

Who may make one: a service manager, for their own service, acting as any active member
of its staff (themselves by default), for any resources; an administrator, acting as
themselves only, for configuration resources only, never client records. Revoking: the
service's managers, or whoever made it. Every change is audited; so is every use
(``record_use``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ontrack.web.accounts.models import Staff, StaffRole, User
from ontrack.web.api.models import (
    CLINICAL_RESOURCES,
    CONFIGURATION_RESOURCES,
    RESOURCES,
    SCOPES,
    ApiToken,
)
from ontrack.web.audit.events import record_change, record_view, snapshot
from ontrack.web.common.actions import ActionError, check_text
from ontrack.web.records import permissions
from ontrack.web.records.scoping import ViewerKind, viewer_for

PREFIX = "otk_"  # so a leaked token is recognisable by secret scanners
_FIELDS = ("service", "name", "acting_as", "scopes", "resources", "prefix", "created_by")


@dataclass(frozen=True)
class NewToken:
    """A token just made, with its secret (shown once, never stored)."""

    token: ApiToken
    secret: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _staff_of(user: User) -> Staff | None:
    return Staff.objects.select_related("service").filter(user_id=user.pk).first()


def _check_lists(errors: dict[str, str], scopes: object, resources: object) -> None:
    for name, value, allowed in (("scopes", scopes, SCOPES), ("resources", resources, RESOURCES)):
        if isinstance(value, str) or not isinstance(value, Sequence) or not value:
            errors[name] = f"Choose at least one of: {', '.join(allowed)}."
            continue
        unknown = sorted({str(v) for v in value} - set(allowed))
        if unknown:
            errors[name] = f"Unknown {name}: {', '.join(unknown)} (known: {', '.join(allowed)})."


@transaction.atomic
def create_token(
    *,
    name: str,
    scopes: Sequence[str],
    resources: Sequence[str],
    by: User,
    acting_as: User | None = None,
) -> NewToken:
    """Make a token for an integration of ``by``'s service; return it with its secret."""
    viewer = permissions.actor(by)
    permissions.require(
        viewer.kind in (ViewerKind.MANAGER, ViewerKind.ADMIN) and viewer.staff is not None,
        "make API tokens (service managers and administrators do)",
    )
    assert viewer.staff is not None
    acting_as = acting_as or by
    errors: dict[str, str] = {}
    name = check_text(errors, "name", name, limit=100)
    if not name and "name" not in errors:
        errors["name"] = "Name the integration the token is for."
    _check_lists(errors, scopes, resources)
    actor_staff = _staff_of(acting_as)
    if not acting_as.is_active or actor_staff is None:
        errors["acting_as"] = "A token acts as an active member of staff."
    elif actor_staff.service_id != viewer.service_id:
        errors["acting_as"] = "A token acts as a member of staff of your own service."
    clinical = sorted(set(resources) & set(CLINICAL_RESOURCES)) if not errors else []
    if viewer.kind == ViewerKind.ADMIN:
        if acting_as.pk != by.pk:
            errors["acting_as"] = "An administrator's token acts as the administrator."
        if clinical:
            errors["resources"] = (
                "An administrator may grant configuration resources only "
                f"({', '.join(CONFIGURATION_RESOURCES)}), never client records."
            )
    elif clinical and actor_staff is not None and actor_staff.role == StaffRole.ADMIN:
        errors["resources"] = "A token acting as an administrator cannot reach client records."
    if errors:
        raise ActionError(errors)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        service_id=viewer.staff.service_id,
        name=name,
        acting_as=acting_as,
        scopes=[s for s in SCOPES if s in scopes],
        resources=[r for r in RESOURCES if r in resources],
        prefix=secret[: len(PREFIX) + 6],
        secret_sha256=digest(secret),
        created_by=by,
    )
    record_change(
        by=by, action="create_api_token", target=token, client_id=None,
        new=snapshot(token, _FIELDS),
    )  # fmt: skip
    return NewToken(token, secret)


def can_revoke(by: User, token: ApiToken) -> bool:
    staff = _staff_of(by)
    if staff is None or staff.service_id != token.service_id:
        return False
    return staff.role == StaffRole.MANAGER or token.created_by_id == by.pk


@transaction.atomic
def revoke_token(*, token: ApiToken, by: User) -> ApiToken:
    """Revoke a token at once; it cannot be used again (make a new one instead)."""
    permissions.require(can_revoke(by, token), "revoke this token")
    if token.revoked_at is not None:
        raise ActionError("This token is already revoked.")
    token.revoked_at = timezone.now()
    token.revoked_by = by
    token.save(update_fields=["revoked_at", "revoked_by"])
    record_change(
        by=by, action="revoke_api_token", target=token, client_id=None,
        old={"revoked_at": None}, new=snapshot(token, ("revoked_at", "revoked_by")),
    )  # fmt: skip
    return token


def resolve(secret: str) -> tuple[ApiToken | None, str]:
    """Return the token a presented secret opens, or None and why not (one line)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None, "That is not an OnTrack API token."
    token = (
        ApiToken.objects.select_related("acting_as").filter(secret_sha256=digest(secret)).first()
    )
    if token is None:
        return None, "Unknown API token."
    if token.revoked_at is not None:
        return None, "This API token has been revoked."
    # The scoping's own resolution (one query, cached on the user for the whole request).
    staff = viewer_for(token.acting_as).staff
    if not token.acting_as.is_active or staff is None or staff.service_id != token.service_id:
        return None, "The member of staff this token acts as no longer works for its service."
    return token, ""


def record_use(token: ApiToken, method: str, path: str, status: int | None = None) -> None:
    """Audit one use of a token (who, which token, what request, how it was answered)."""
    what = f"api {method} {path}"[: 64 - 6] + (f" {status}" if status is not None else "")
    record_view(by=token.acting_as, page=what, target=token, client_id=None)
    # The audit trail has every use; the token's own "last used" needs only the minute.
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - dt.timedelta(minutes=1))
    ).update(last_used_at=now)
