"""Free text encrypted at rest, audit values too; keys rotate without losing a word."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from tests.web.conftest import Cast

from ontrack.cli import main
from ontrack.web.audit import chain
from ontrack.web.audit.events import record_change
from ontrack.web.audit.models import AuditEvent
from ontrack.web.common import crypto
from ontrack.web.records.models import Client
from ontrack.web.records.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

NOTE = "Talked about her brother's death; plans to call the crisis line if it gets worse."


def _stored(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


@pytest.fixture
def keys(monkeypatch):
    """Use a key of the test's own, and put the suite's back afterwards."""

    def use(*values: bytes) -> None:
        monkeypatch.setenv(crypto.KEYS_ENV, ",".join(v.decode() for v in values))
        crypto.reset_cache()

    yield use
    monkeypatch.undo()
    crypto.reset_cache()


def test_notes_are_stored_encrypted_and_read_plain(cast: Cast) -> None:
    with scopes_disabled():
        Client.objects.filter(pk=cast.client.pk).update(
            address="1 Secret Street", therapist_preferences=""
        )
        client = Client.objects.get(pk=cast.client.pk)
    assert client.address == "1 Secret Street"
    stored = _stored("records_client", "address", cast.client.pk)
    assert stored.startswith(crypto.PREFIX)
    assert "Secret" not in stored
    # Emptiness stays visible (constraints and "was anything written?" still work).
    assert _stored("records_client", "therapist_preferences", cast.client.pk) == ""


def test_a_session_note_through_save_values_and_subquery(cast: Cast) -> None:
    from tests.web import factories as f

    from ontrack.web.records.models import Contact

    contact = f.ContactFactory(referral=cast.referral, notes=NOTE)
    raw = _stored("records_contact", "notes", contact.pk)
    assert raw.startswith(crypto.PREFIX)
    assert "brother" not in raw
    with scopes_disabled():
        assert Contact.objects.get(pk=contact.pk).notes == NOTE
        assert Contact.objects.filter(pk=contact.pk).values_list("notes", flat=True)[0] == NOTE


def test_audit_values_are_encrypted_with_a_key_derived_from_the_audit_key(cast: Cast) -> None:
    event = record_change(
        by=cast.alice,
        action="record_session",
        target=cast.client,
        client_id=cast.client.pk,
        new={"notes": NOTE},
    )
    raw = _stored("audit_auditevent", "new", event.pk)
    assert "brother" not in raw
    assert "sealed" in raw
    assert AuditEvent.objects.get(pk=event.pk).new == {"notes": NOTE}
    chain.seal_pending()
    assert chain.verify().intact


def test_rotation_moves_every_value_to_the_new_key(cast: Cast, keys, capsys) -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    keys(old)
    with scopes_disabled():
        Client.objects.filter(pk=cast.client.pk).update(address="1 Secret Street")
    under_old = _stored("records_client", "address", cast.client.pk)
    keys(new, old)
    assert main(["rotate-keys"]) == 0
    assert "re-encrypted" in capsys.readouterr().out
    under_new = _stored("records_client", "address", cast.client.pk)
    assert under_new != under_old
    assert Fernet(new).decrypt(under_new.removeprefix(crypto.PREFIX).encode()) == b"1 Secret Street"
    keys(new)  # the old key is gone, and nothing needed it
    with scopes_disabled():
        assert Client.objects.get(pk=cast.client.pk).address == "1 Secret Street"
    assert AuditEvent.objects.filter(action="rotate_keys").exists()


def test_a_value_no_key_opens_is_a_clear_error(cast: Cast, keys) -> None:
    keys(Fernet.generate_key())
    with scopes_disabled():
        Client.objects.filter(pk=cast.client.pk).update(address="1 Secret Street")
    keys(Fernet.generate_key())
    with scopes_disabled(), pytest.raises(crypto.DecryptionError, match="Recovery"):
        Client.objects.get(pk=cast.client.pk)


def test_values_written_before_encryption_are_read_and_then_encrypted(cast: Cast) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE records_client SET address = %s WHERE id = %s", ["Plain Road", cast.client.pk]
        )
    with scopes_disabled():
        assert Client.objects.get(pk=cast.client.pk).address == "Plain Road"
    crypto.reencrypt(Client, ["address"])
    assert _stored("records_client", "address", cast.client.pk).startswith(crypto.PREFIX)
