"""The audit event: who did what to which record, with the values before and after.

Rows carry no foreign keys (as opensafely's job-server does), so deleting or renaming a
user or a record never rewrites history. Rows are never updated or deleted: the model
refuses, the query set refuses, and a database trigger refuses updates (migrations 0002,
0003). Each row is sealed into a keyed hash chain (``ontrack.web.audit.chain``), so a change
made around all of that (a dropped trigger, a raw DELETE, a forged INSERT) is detected by
``ontrack verify-audit``.
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from ontrack.web.audit import chain


class AuditKind(models.TextChoices):
    """Whether an event changed records, read them, or bulk-loaded them."""

    CHANGE = "change", "Change"
    VIEW = "view", "View"
    LOAD = "load", "Bulk load"
    EXPORT = "export", "Export"


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit event."""


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events are append-only: they cannot be updated")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit events are append-only: they cannot be deleted")


class SealedJSONField(models.JSONField):
    """Old and new values, stored encrypted (``{"sealed": token}``) and read back plain.

    They can hold copies of clinical notes, so they are encrypted at rest like the notes
    themselves, with a key derived from the audit key (ADR 0108). An erasure's marker is
    stored plain, as the trigger that allows erasures compares it.
    """

    def get_prep_value(self, value: Any) -> Any:
        if value is not None and value != chain.ERASED and not _is_sealed(value):
            value = {"sealed": chain.seal_payload(value)}
        return super().get_prep_value(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        value = super().from_db_value(value, expression, connection)
        return chain.open_payload(value["sealed"]) if _is_sealed(value) else value


def _is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("sealed"), str)


class AuditEvent(models.Model):
    """One append-only entry in the audit trail."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=8, choices=AuditKind.choices)
    # The actor as they were at the time; no foreign key, so history survives them.
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor = models.CharField(max_length=150, help_text="Username, or 'system'.")
    action = models.CharField(max_length=64, help_text="The action or page, e.g. record_session.")
    target_type = models.CharField(max_length=64, help_text="app_label.model of the record.")
    target_id = models.CharField(max_length=64, blank=True)
    client_id = models.BigIntegerField(
        null=True, blank=True, db_index=True, help_text="The client whose record this concerns."
    )
    # A list page's view: the clients it showed, as ",12,40," (found by a plain text match).
    clients_shown = models.TextField(blank=True)
    old = SealedJSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    new = SealedJSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    # The chain (ontrack.web.audit.chain): the position, set when the event is sealed (in a
    # batch, within ONTRACK_AUDIT_SEAL_MS of its transaction's commit); the MAC (pending
    # until sealed, then the link to the event before); and the keyed digest of old and new.
    seq = models.BigIntegerField(null=True, blank=True, unique=True)
    mac = models.CharField(max_length=64, blank=True)
    payload_mac = models.CharField(max_length=64, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["at", "id"]
        indexes: ClassVar = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events are append-only: they cannot be updated")
        # Hash what the database will give back, so that verification reads the same.
        for name in ("actor", "action", "target_type", "target_id", "clients_shown"):
            setattr(self, name, str(getattr(self, name)))
        self.old, self.new = chain.stored_json(self.old), chain.stored_json(self.new)
        self.payload_mac = chain.payload_mac(self.old, self.new)
        self.seq = None
        self.mac = chain.pending_mac(
            {name: getattr(self, name) for name in chain.CONTENT if name != "at"} | {"at": self.at}
        )
        super().save(*args, **kwargs)
        transaction.on_commit(chain.seal_soon, robust=True)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events are append-only: they cannot be deleted")


class AuditChainHead(models.Model):
    """The last sealed event's sequence number and MAC (one row; its lock orders sealers)."""

    seq = models.BigIntegerField(default=0)
    mac = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"audit chain head {self.seq}"
