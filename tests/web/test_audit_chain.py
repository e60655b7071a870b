"""The audit chain: sealed after commit, verified with the key alone, tampering named."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import ClassVar

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


# -- batch sealing (ADR 0135): events wait unchained for a timer, then are sealed together ----


class _FakeTimer:
    """Stands in for threading.Timer: records what would run, runs when the test says."""

    started: ClassVar[list[_FakeTimer]] = []

    def __init__(self, delay: float, function) -> None:
        self.delay, self.function, self.daemon = delay, function, False
        _FakeTimer.started.append(self)

    def start(self) -> None:
        pass

    def cancel(self) -> None:
        pass


@pytest.fixture
def batch_sealing(settings, monkeypatch):
    """Seal on a (fake) timer, 1 s after the first commit, as a live service does."""
    settings.ONTRACK_AUDIT_SEAL_MS = 1000
    _FakeTimer.started = []
    monkeypatch.setattr(chain.threading, "Timer", _FakeTimer)
    monkeypatch.setattr(chain, "_timer", None)
    return _FakeTimer.started


def _pending_view(cast: Cast, **fields: object) -> AuditEvent:
    return AuditEvent.objects.create(
        kind="view", actor="sue", action="client_record", target_type="records.client",
        target_id=str(cast.client.pk), client_id=cast.client.pk, **fields,
    )  # fmt: skip


def test_committed_events_wait_for_one_timer_then_are_sealed_in_one_batch(
    cast: Cast, batch_sealing, django_capture_on_commit_callbacks
) -> None:
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            record_view(by=cast.sue, page="client_record", target=cast.client, client_id=1)
    assert AuditEvent.objects.filter(seq__isnull=True).count() == 3  # no lock taken yet
    assert [t.delay for t in batch_sealing] == [1.0]  # one timer for all three
    verdict = chain.verify()
    assert verdict.intact, verdict.broken
    assert (verdict.sealed, verdict.pending) == (0, 3)
    chain.seal_turn()
    assert list(AuditEvent.objects.order_by("id").values_list("seq", flat=True)) == [1, 2, 3]
    assert chain.verify().sealed == 3
    # The timer has gone: the next commit starts another.
    with django_capture_on_commit_callbacks(execute=True):
        record_view(by=cast.sue, page="client_record", target=cast.client, client_id=1)
    assert len(batch_sealing) == 2


def test_a_changed_pending_event_is_named_and_never_sealed(cast: Cast, batch_sealing) -> None:
    _events(cast)
    event = _pending_view(cast)
    _raw("UPDATE audit_auditevent SET actor = %s WHERE id = %s", ["mallory", event.pk])
    assert "inserted or changed outside OnTrack" in chain.verify().broken
    chain.seal_turn()
    assert AuditEvent.objects.get(pk=event.pk).seq is None


def test_a_copy_of_a_pending_event_is_named_and_never_sealed(cast: Cast, batch_sealing) -> None:
    _events(cast)
    event = _pending_view(cast)
    columns = "at, kind, actor_id, actor, action, target_type, target_id, client_id, " + (
        "clients_shown, old, new, seq, mac, payload_mac"
    )
    _raw(f"INSERT INTO audit_auditevent ({columns}) SELECT {columns} FROM audit_auditevent "
         "WHERE id = %s", [event.pk])  # fmt: skip
    copy = AuditEvent.objects.exclude(pk=event.pk).get(seq__isnull=True)
    verdict = chain.verify()
    assert verdict.broken == (
        f"event id {copy.pk} is not in the chain and is a copy of event id {event.pk}: "
        "it was inserted outside OnTrack"
    )
    chain.seal_turn()
    assert AuditEvent.objects.get(pk=event.pk).seq == 11
    assert AuditEvent.objects.get(pk=copy.pk).seq is None  # never adopted ...
    assert f"copy of event id {event.pk}" in chain.verify().broken  # ... and still named


def test_a_copy_put_back_after_its_original_was_sealed_is_never_sealed(
    cast: Cast, batch_sealing
) -> None:
    event = _pending_view(cast)
    good_mac = event.mac
    columns = "at, kind, actor_id, actor, action, target_type, target_id, client_id, " + (
        "clients_shown, old, new, seq, payload_mac"
    )
    _raw(f"INSERT INTO audit_auditevent ({columns}, mac) SELECT {columns}, 'x' "
         "FROM audit_auditevent WHERE id = %s", [event.pk])  # fmt: skip
    chain.seal_turn()  # the original is sealed; the copy (its MAC spoilt) is not
    copy = AuditEvent.objects.get(seq__isnull=True)
    _raw("UPDATE audit_auditevent SET mac = %s WHERE id = %s", [good_mac, copy.pk])
    chain.seal_turn()
    assert AuditEvent.objects.get(pk=copy.pk).seq is None
    assert f"event id {copy.pk} is not in the chain and is a copy of event id {event.pk}" in (
        chain.verify().broken
    )


def test_an_unsealed_event_older_than_the_sealed_tail_is_named(cast: Cast, batch_sealing) -> None:
    from django.utils import timezone

    _events(cast)
    late = _pending_view(cast, at=timezone.now() - chain.PENDING_GRACE - dt.timedelta(minutes=1))
    recent = _pending_view(cast)
    verdict = chain.verify()
    assert f"event id {late.pk} is not in the chain though events written more than" in (
        verdict.broken
    )
    assert f"event id {recent.pk}" not in verdict.broken


def test_only_sealed_events_count_in_the_tail_check(cast: Cast, batch_sealing) -> None:
    # A quiet service: nothing sealed since, so old pending events are the tail, not late.
    from django.utils import timezone

    _pending_view(cast, at=timezone.now() - dt.timedelta(days=2))
    _pending_view(cast)
    verdict = chain.verify()
    assert verdict.intact, verdict.broken
    assert verdict.pending == 2


def test_a_removed_sealed_event_is_still_named_with_pending_events_after_it(
    cast: Cast, batch_sealing
) -> None:
    _events(cast)
    _pending_view(cast)
    _raw("DELETE FROM audit_auditevent WHERE seq = %s", [5])
    assert "event 5 is missing" in chain.verify().broken


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_with_batch_sealing_keep_one_unbroken_chain(
    cast: Cast, settings
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("threads writing at once need a server database")
    settings.ONTRACK_AUDIT_SEAL_MS = 20  # real timer threads, one per "process" (here: all)
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
    deadline = time.monotonic() + 10
    while AuditEvent.objects.filter(seq__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    verdict = chain.verify()
    assert verdict.intact, verdict.broken
    assert (verdict.sealed, verdict.pending) == (200, 0)  # every one, by the timers alone
