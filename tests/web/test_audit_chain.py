"""The audit chain: sealed after commit, verified with the key alone, tampering named."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from tests.web.conftest import Cast, browser_as

from ontrack.cli import main
from ontrack.web.audit import chain
from ontrack.web.audit.events import record_change, record_view
from ontrack.web.audit.models import AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db


def _events(cast: Cast, n: int = 5) -> list[AuditEvent]:
    events = []
    for i in range(n):
        events.append(
            record_change(
                by=cast.alice,
                action="update_client",
                target=cast.client,
                client_id=cast.client.pk,
                old={"phone": str(i), "ratio": 1.0, "when": None},
                new={"phone": str(i + 1), "ratio": 0.1, "nested": {"b": [1, 2], "a": "é"}},
            )
        )
        record_view(by=cast.sue, page="client_record", target=cast.client, client_id=cast.client.pk)
    chain.seal_pending()
    return events


def _raw(sql: str, params: list[object]) -> None:
    """Change the audit table behind OnTrack's back, as someone with the database would."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS audit_auditevent_append_only")
        else:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")


def test_events_are_sealed_in_order_when_their_transaction_commits(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record_view(by=cast.sue, page="client_record", target=cast.client, client_id=1)
        assert AuditEvent.objects.get().seq is None  # pending until commit
    event = AuditEvent.objects.get()
    assert event.seq == 1
    assert AuditChainHead.objects.get().seq == 1
    verdict = chain.verify()
    assert verdict.intact, verdict.broken
    assert (verdict.sealed, verdict.pending, verdict.head) == (1, 0, (1, event.mac))


def test_an_intact_chain_verifies_with_json_values_of_every_kind(cast: Cast) -> None:
    _events(cast)
    verdict = chain.verify()
    assert verdict.intact, verdict.broken
    assert verdict.sealed == AuditEvent.objects.count() == 10


def test_a_changed_event_is_named(cast: Cast) -> None:
    events = _events(cast)
    _raw("UPDATE audit_auditevent SET actor = %s WHERE id = %s", ["mallory", events[2].pk])
    verdict = chain.verify()
    assert not verdict.intact
    assert verdict.broken.startswith(f"event id {events[2].pk} (seq")
    assert "link to the event before it is broken" in verdict.broken


def test_changed_old_or_new_values_are_named(cast: Cast) -> None:
    events = _events(cast)
    _raw("UPDATE audit_auditevent SET new = %s WHERE id = %s", ['{"phone": "9"}', events[1].pk])
    verdict = chain.verify()
    assert f"event id {events[1].pk}" in verdict.broken
    assert "old or new values were changed" in verdict.broken


def test_a_removed_event_is_named(cast: Cast) -> None:
    _events(cast)
    removed = AuditEvent.objects.get(seq=4)
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [removed.pk])
    verdict = chain.verify()
    assert "event 4 is missing" in verdict.broken


def test_removing_the_newest_events_is_caught_by_the_head(cast: Cast) -> None:
    _events(cast)
    _raw("DELETE FROM audit_auditevent WHERE seq >= %s", [9])
    verdict = chain.verify()
    assert "events after it were removed" in verdict.broken


def test_a_forged_back_dated_event_is_named(cast: Cast) -> None:
    _events(cast)
    _raw(
        "INSERT INTO audit_auditevent (at, kind, actor_id, actor, action, target_type, "
        "target_id, client_id, clients_shown, old, new, seq, mac, payload_mac) VALUES "
        "(%s, 'view', NULL, 'alice', 'client_record', 'records.client', '1', 1, '', NULL, "
        "NULL, NULL, %s, '')",
        ["2020-01-01 00:00:00", "0" * 64],
    )
    verdict = chain.verify()
    assert "inserted or changed outside OnTrack" in verdict.broken
    # ... and the next sealing leaves it out of the chain rather than adopt it.
    record_view(by=cast.sue, page="client_record", target=cast.client, client_id=1)
    chain.seal_pending()
    assert AuditEvent.objects.filter(seq__isnull=True).count() == 1


def test_a_copied_event_given_a_place_in_the_chain_is_named(cast: Cast) -> None:
    _events(cast)
    _raw(
        "INSERT INTO audit_auditevent (at, kind, actor_id, actor, action, target_type, "
        "target_id, client_id, clients_shown, old, new, seq, mac, payload_mac) SELECT at, kind, "
        "actor_id, actor, action, target_type, target_id, client_id, clients_shown, old, new, "
        "11, mac, payload_mac "
        "FROM audit_auditevent WHERE seq = 3",
        [],
    )
    verdict = chain.verify()
    assert "(seq 11): the link to the event before it is broken" in verdict.broken


def test_values_blanked_without_an_erasure_are_named(cast: Cast) -> None:
    events = _events(cast)
    with connection.cursor() as cursor:
        # The trigger allows this shape of change (an erasure's), so no need to drop it.
        cursor.execute(
            "UPDATE audit_auditevent SET old = %s, new = %s WHERE id = %s",
            ['{"erased": true}', '{"erased": true}', events[0].pk],
        )
    verdict = chain.verify()
    assert "blanked with no erasure" in verdict.broken


def test_the_trigger_refuses_any_other_change_to_a_sealed_event(cast: Cast) -> None:
    from django.db import DatabaseError

    events = _events(cast)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET seq = 99 WHERE id = %s", [events[0].pk])


def test_verify_audit_command(cast: Cast, capsys) -> None:
    _events(cast)
    assert main(["verify-audit"]) == 0
    out = capsys.readouterr().out
    assert "audit chain intact: 10 events (10 sealed" in out
    head = out.strip().splitlines()[-1].removeprefix("head ")
    assert main(["verify-audit", "--expect-head", head]) == 0
    capsys.readouterr()
    _raw("DELETE FROM audit_auditevent WHERE seq = 10", [])
    _raw("UPDATE audit_auditchainhead SET seq = 9", [])
    assert main(["verify-audit"]) == 0  # the head was rewritten too: only --expect-head sees
    capsys.readouterr()
    assert main(["verify-audit", "--expect-head", head]) == 1
    assert "head event 10 is missing" in capsys.readouterr().out


def test_verify_audit_refuses_a_malformed_head(capsys) -> None:
    assert main(["verify-audit", "--expect-head", "ten"]) == 2
    assert capsys.readouterr().err.startswith("ontrack verify-audit: error: --expect-head")


def test_list_pages_log_which_clients_they_showed(cast: Cast) -> None:
    browser = browser_as(cast, "alice")
    assert browser.get("/caseload/").status_code == 200
    event = AuditEvent.objects.get(action="caseload")
    assert event.kind == "view"
    assert event.actor == "alice"
    assert event.target_type == "list"
    assert f",{cast.client.pk}," in event.clients_shown
    assert f",{cast.other_client.pk}," not in event.clients_shown


@pytest.mark.parametrize(
    ("role", "url", "page"),
    [
        ("alice", "/alerts/", "alerts_inbox"),
        ("sue", "/supervision/", "supervision_queue"),
        ("mo", "/waiting-list/", "waiting_list"),
        ("mo", "/intake/", "intake_queue"),
        ("alice", "/appointments/", "appointments"),
        ("mo", "/concerns/", "concerns_inbox"),
        ("alice", "/requests/", "requests_inbox"),
        ("alice", "/messages/", "messages_log"),
    ],
)
def test_every_list_of_clients_is_logged(cast: Cast, role: str, url: str, page: str) -> None:
    response = browser_as(cast, role).get(url)
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action=page, actor=role, target_type="list").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain(cast: Cast) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("threads writing at once need a server database")
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for _ in range(n):
                with transaction.atomic():
                    record_view(by=None, page="client_record", target=cast.client, client_id=1)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(25,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    chain.seal_pending()
    verdict = chain.verify()
    assert verdict.intact, verdict.broken
    assert verdict.sealed == 200
