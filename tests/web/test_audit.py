"""The audit trail is append-only: the model, the query set and the database all refuse."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from tests.web.conftest import Cast

from ontrack.web.audit.events import record_change, record_view
from ontrack.web.audit.models import AppendOnlyError, AuditEvent, AuditKind

pytestmark = pytest.mark.django_db


def _event(cast: Cast) -> AuditEvent:
    return record_change(
        by=cast.alice,
        action="update_client",
        target=cast.client,
        client_id=cast.client.pk,
        old={"phone": ""},
        new={"phone": "1"},
    )


def test_audit_event_cannot_be_updated_through_the_model(cast: Cast) -> None:
    event = _event(cast)
    event.actor = "mallory"
    with pytest.raises(AppendOnlyError):
        event.save()


def test_audit_event_cannot_be_updated_or_deleted_through_queries(cast: Cast) -> None:
    event = _event(cast)
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(actor="mallory")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_audit_event_cannot_be_updated_in_the_database(cast: Cast) -> None:
    event = _event(cast)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE audit_auditevent SET actor = %s WHERE id = %s", ["mallory", event.pk]
        )
    assert AuditEvent.objects.get(pk=event.pk).actor == "alice"


@pytest.mark.postgres
def test_audit_event_cannot_be_deleted_in_postgresql(cast: Cast) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "the DELETE trigger is PostgreSQL-only (SQLite test databases are emptied with DELETE)"
        )
    event = _event(cast)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])


def test_record_view_logs_who_saw_which_client(cast: Cast) -> None:
    record_view(by=cast.sue, page="client_record", target=cast.client, client_id=cast.client.pk)
    event = AuditEvent.objects.get()
    assert (event.kind, event.actor, event.action, event.client_id) == (
        AuditKind.VIEW,
        "sue",
        "client_record",
        cast.client.pk,
    )
    assert event.target_type == "records.client"
