"""Write audit events: ``record_change`` from actions, ``record_view`` from views."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from ontrack.web.audit.models import AuditEvent, AuditKind

Actor = AbstractBaseUser | AnonymousUser | None


def _actor(by: Actor) -> tuple[int | None, str]:
    if by is None:
        return None, "system"
    named = getattr(by, "audit_actor", None)  # a client acting through a signed link
    if named is not None:
        return None, str(named)
    if not by.is_authenticated:
        return None, "anonymous"
    return int(by.pk), by.get_username()


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Return the named fields of ``instance`` as JSON-ready values (foreign keys as ids)."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        values[name] = _jsonable(getattr(instance, attname))
    return values


def _target(instance: models.Model) -> tuple[str, str]:
    return instance._meta.label_lower, str(instance.pk)


def record_change(
    *,
    by: Actor,
    action: str,
    target: models.Model,
    client_id: int | None,
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append the audit event for one change; call it inside the action's transaction."""
    actor_id, actor = _actor(by)
    target_type, target_id = _target(target)
    return AuditEvent.objects.create(
        kind=AuditKind.CHANGE,
        actor_id=actor_id,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        client_id=client_id,
        old=_jsonable(old) if old is not None else None,
        new=_jsonable(new) if new is not None else None,
    )


def record_view(*, by: Actor, page: str, target: models.Model, client_id: int | None) -> None:
    """Append the audit event for one view of a client's record."""
    actor_id, actor = _actor(by)
    target_type, target_id = _target(target)
    AuditEvent.objects.create(
        kind=AuditKind.VIEW,
        actor_id=actor_id,
        actor=actor,
        action=page,
        target_type=target_type,
        target_id=target_id,
        client_id=client_id,
    )


def record_load(
    *, by: Actor, action: str, target: models.Model, summary: Mapping[str, Any]
) -> None:
    """Append one audit event for a bulk load (an import of many records at once)."""
    actor_id, actor = _actor(by)
    target_type, target_id = _target(target)
    AuditEvent.objects.create(
        kind=AuditKind.LOAD,
        actor_id=actor_id,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        new=_jsonable(summary),
    )


def record_list_view(*, by: Actor, page: str, path: str, client_ids: Iterable[int]) -> None:
    """Append the audit event for one view of a list that shows clients (a caseload, alerts).

    The clients shown are kept in ``clients_shown`` (",12,40,"), so the audit review page
    can say who saw a client's name and status in a list, not only who opened their record.
    """
    actor_id, actor = _actor(by)
    AuditEvent.objects.create(
        kind=AuditKind.VIEW,
        actor_id=actor_id,
        actor=actor,
        action=page,
        target_type="list",
        target_id=path[:64],
        clients_shown="".join(f",{n}" for n in sorted(set(client_ids))) + ",",
    )
