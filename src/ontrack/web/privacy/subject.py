"""Everything OnTrack holds about one client, found by following the database's own links.

``collect`` starts at the client (and their sign-in account) and follows every foreign key
that points at what it has found, whatever its ``on_delete``, until nothing new turns up. The
same set feeds the subject access export and the erasure, so the two cannot disagree, and a
model added later is included without editing a list here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core import serializers
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from ontrack.web.audit.models import AuditEvent
from ontrack.web.records.models import Client
from ontrack.web.records.scoping import scopes_disabled

# Never exported: secrets, and the hashes that stand in for them.
SECRET_FIELDS = frozenset({"password", "token", "token_hash", "secret", "key", "key_hash"})


@dataclass
class Holding:
    """The rows found for one client, by model."""

    rows: dict[type[models.Model], set[Any]]

    def counts(self) -> dict[str, int]:
        return {
            m._meta.label_lower: len(pks) for m, pks in sorted(self.rows.items(), key=_label) if pks
        }

    def objects(self) -> Iterator[models.Model]:
        for model, pks in sorted(self.rows.items(), key=_label):
            yield from model._base_manager.filter(pk__in=pks).order_by("pk")


def _label(item: tuple[type[models.Model], Any]) -> str:
    return item[0]._meta.label_lower


def _reverse_links(model: type[models.Model]) -> Iterator[models.ForeignObjectRel]:
    for rel in model._meta.get_fields(include_hidden=True):
        if (
            isinstance(rel, models.ForeignObjectRel)
            and (rel.one_to_many or rel.one_to_one)
            and rel.field.concrete
        ):
            yield rel


def collect(client: Client) -> Holding:
    """Find every row that belongs to ``client``."""
    rows: dict[type[models.Model], set[Any]] = defaultdict(set)
    frontier: list[tuple[type[models.Model], set[Any]]] = [(Client, {client.pk})]
    rows[Client].add(client.pk)
    if client.user_id is not None:
        user_model = Client._meta.get_field("user").related_model
        assert isinstance(user_model, type)
        rows[user_model].add(client.user_id)
        frontier.append((user_model, {client.user_id}))
    with scopes_disabled():
        while frontier:
            model, pks = frontier.pop()
            for rel in _reverse_links(model):
                related = rel.related_model
                assert isinstance(related, type)
                found = set(
                    related._base_manager.filter(**{f"{rel.field.name}__in": pks}).values_list(
                        "pk", flat=True
                    )
                )
                new = found - rows[related]
                if new:
                    rows[related] |= new
                    frontier.append((related, new))
    return Holding(rows={model: pks for model, pks in rows.items() if pks})


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k not in SECRET_FIELDS}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def subject_access(client: Client) -> dict[str, Any]:
    """The subject access export: every record about the client, and who accessed it."""
    holding = collect(client)
    records: dict[str, list[dict[str, Any]]] = {}
    with scopes_disabled():
        objects = list(holding.objects())
        for item in serializers.serialize("python", objects):
            records.setdefault(item["model"], []).append(
                {"id": _jsonable(item["pk"]), **_jsonable(_clean(item["fields"]))}
            )
        service = client.service.name
    access = [
        {
            "at": _jsonable(e.at),
            "who": e.actor,
            "kind": e.kind,
            "what": e.action,
            "record": f"{e.target_type} {e.target_id}".strip(),
        }
        for e in client_audit(client.pk)
    ]
    return {
        "format": "ontrack-subject-access-1",
        "made_at": _jsonable(timezone.now()),
        "service": service,
        "client_id": client.pk,
        "name": f"{client.given_name} {client.family_name}".strip(),
        "counts": holding.counts(),
        "records": records,
        "access": access,
    }


def client_audit(client_id: int) -> QuerySet[AuditEvent]:
    """Every audit event about a client, newest first: their record's events and the lists
    that showed them."""
    shown = Q(target_type="list", clients_shown__contains=f",{client_id},")
    return AuditEvent.objects.filter(Q(client_id=client_id) | shown).order_by("-at", "-id")


# A read made with an integration token is logged as "api token <id>" or "fhir token <id>"
# (ontrack.web.api.auth.audit_page).
_TOKEN_READ = re.compile(r"^(api|fhir) token (\d+)$")


def token_names(events: Iterable[AuditEvent]) -> dict[str, str]:
    """The integration token behind each API read among ``events``: token id -> its name.

    The names come from the audit trail itself (each token's ``create_api_token`` event), so
    a token revoked or deleted since still has its name, as it was when it was made.
    """
    ids = {m.group(2) for e in events if (m := _TOKEN_READ.match(e.action))}
    made = AuditEvent.objects.filter(
        action="create_api_token", target_type="api.apitoken", target_id__in=ids
    )
    return {e.target_id: str((e.new or {}).get("name", "")) for e in made}


def api_token_read(event: AuditEvent) -> str | None:
    """The id of the token an API read was made with, or None for any other event."""
    found = _TOKEN_READ.match(event.action)
    return found.group(2) if found else None
