"""The audit chain: every event sealed to the one before it by a keyed hash (HMAC-SHA256).

Each event is written with a *pending* MAC over its own content, inside the transaction of
the action it records, and needs no lock: appending is as concurrent as any insert. Events
are then *sealed* in batches (ADR 0135): ``seal_pending`` (one short transaction that holds
the chain head's lock) gives each pending event the next sequence number and the chain MAC
``HMAC(key, previous MAC + the event)``. ``seal_soon``, run when a transaction that wrote
events commits, arranges that: at most ``ONTRACK_AUDIT_SEAL_MS`` later (default 1000) a
timer in the same process seals everything pending, skipping its turn if another process
holds the lock (and trying again a moment later). With ``ONTRACK_AUDIT_SEAL_MS=0`` each
commit seals at once, waiting for the lock, as before ADR 0135 (the tests do this).

With the key kept outside the database (``ONTRACK_AUDIT_KEY`` or a key file), someone who
can write to the database but has no key cannot change, remove or insert a sealed event
without ``verify`` naming the first broken link: a changed event no longer matches its
MAC, a removed one leaves a gap in the sequence and breaks the next link, and an inserted
one has no MAC that the key makes. A pending event is covered by its pending MAC (changed
or forged: named) and by two checks on the unsealed tail: a copy of an event is named and
never sealed, and an unsealed event may not be older than the newest sealed one by more
than ``PENDING_GRACE`` (it was held back). What the chain cannot show by itself is the
removal of an event that is still pending (at most about a second on a live service), or
of the very last sealed events; ``verify`` prints the head (sequence and MAC) so that it can
be recorded elsewhere and compared (``ontrack verify-audit --expect-head``).

The old and new values of an event are covered through ``payload_mac`` (a keyed digest of
them), so an erasure (docs/security.md) can blank them while the chain still verifies.
"""

from __future__ import annotations

import atexit
import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import math
import os
import secrets
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections, transaction

from ontrack.web.env import envsecret

log = logging.getLogger(__name__)

KEY_ENV = "ONTRACK_AUDIT_KEY"
KEY_FILE_NAME = "audit.key"
# The marker an erasure leaves in an event's old and new values (docs/security.md).
ERASED: dict[str, Any] = {"erased": True}
_BATCH = 500
# An unsealed event older than the newest sealed one by more than this was held back from
# sealing (sealing takes every pending event, oldest first, at least once a second on a
# live service; only a transaction open this long could commit an event this late).
PENDING_GRACE = dt.timedelta(hours=1)


def key_file_default() -> Path:
    return Path(settings.VAR_DIR) / KEY_FILE_NAME


def _decode_key(text: str, where: str) -> bytes:
    text = text.strip()
    if len(text) < 32:
        raise ImproperlyConfigured(
            f"{where}: the audit key is too short ({len(text)} characters; use at least 32, "
            "e.g. from `python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    return text.encode("utf-8")


def load_key(key_file: Path | None = None, *, create: bool = True) -> bytes:
    """Return the audit key: ``ONTRACK_AUDIT_KEY`` (or ``_FILE``), else the key file.

    Without either, a new key file is made in ``ONTRACK_VAR_DIR`` (mode 0600), as the demo
    and a development checkout need; a production service sets ``ONTRACK_AUDIT_KEY_FILE``
    to a file kept apart from the database and its backups (docs/deploy.md).
    """
    if key_file is None:
        given = envsecret(KEY_ENV)
        if given:
            return _decode_key(given, KEY_ENV)
        key_file = key_file_default()
        if not key_file.exists() and not create:
            raise ImproperlyConfigured(
                f"no audit key: set {KEY_ENV} or {KEY_ENV}_FILE, or keep it in {key_file}"
            )
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            log.warning(
                "Made a new audit key in %s. Keep a copy apart from the database: without it "
                "the audit chain cannot be verified.",
                key_file,
            )
    try:
        text = key_file.read_text("utf-8")
    except OSError as exc:
        raise ImproperlyConfigured(
            f"cannot read the audit key {key_file}: {exc.strerror}"
        ) from None
    return _decode_key(text, str(key_file))


@cache
def _key() -> bytes:
    return load_key()


def reset_key_cache() -> None:
    """Forget the cached key (tests that change ``ONTRACK_AUDIT_KEY``)."""
    _key.cache_clear()
    _payload_cipher.cache_clear()


def _number(value: float) -> Any:
    # PostgreSQL's jsonb gives 1e20 back as 100000000000000000000: hash what both agree on.
    if math.isfinite(value) and value.is_integer():
        return int(value)
    return repr(value)


def _normal(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, Mapping):
        return {str(k): _normal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normal(v) for v in value]
    return str(value)


def stored_json(value: Any) -> Any:
    """``value`` as the database will give it back (the JSON field's encoder, then decoded)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _canonical(value: Any) -> bytes:
    return json.dumps(
        _normal(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def _mac(key: bytes, *parts: bytes) -> str:
    digest = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        digest.update(part)
    return digest.hexdigest()


@cache
def _payload_cipher() -> Fernet:
    # Derived from the audit key, so that verify-audit needs that key and nothing else.
    derived = hmac.new(_key(), b"audit payload encryption", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def seal_payload(value: Any) -> str:
    """Encrypt an event's old or new values (they can hold copies of clinical notes)."""
    text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return _payload_cipher().encrypt(text.encode("utf-8")).decode("ascii")


def open_payload(token: str) -> Any:
    try:
        return json.loads(_payload_cipher().decrypt(token.encode("ascii")))
    except InvalidToken:
        raise ImproperlyConfigured(
            "an audit event's values cannot be decrypted: the audit key is not the one they "
            "were written with"
        ) from None


def payload_mac(old: Any, new: Any, key: bytes | None = None) -> str:
    """The keyed digest of an event's old and new values."""
    return _mac(key or _key(), b"payload:", _canonical({"old": old, "new": new}))


def _at(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# The columns an event's MAC covers, in order (``old`` and ``new`` through payload_mac).
CONTENT = (
    "at",
    "kind",
    "actor_id",
    "actor",
    "action",
    "target_type",
    "target_id",
    "client_id",
    "clients_shown",
    "payload_mac",
)


def _content(row: Mapping[str, Any]) -> list[Any]:
    return [_at(row["at"]) if name == "at" else row[name] for name in CONTENT]


def pending_mac(row: Mapping[str, Any], key: bytes | None = None) -> str:
    """The MAC an event carries from its writing until it is sealed."""
    return _mac(key or _key(), b"pending:", _canonical(_content(row)))


def chain_mac(seq: int, previous: str, row: Mapping[str, Any], key: bytes | None = None) -> str:
    """The MAC that links event ``seq`` to the one before it."""
    return _mac(key or _key(), b"chain:", _canonical([seq, previous, *_content(row)]))


def _content_key(row: Mapping[str, Any]) -> str:
    # Two events with the same content (to the microsecond) are one event and its copy.
    return _mac(b"copy", _canonical(_content(row)))


def _copies(rows: list[dict[str, Any]], sealed: Iterator[Mapping[str, Any]]) -> dict[int, int]:
    """Pending ``rows`` (in id order) that copy an event: {copy's id: the original's id}."""
    seen = {_content_key(r): int(r["id"]) for r in sealed}
    found: dict[int, int] = {}
    for row in rows:
        original = seen.setdefault(_content_key(row), int(row["id"]))
        if original != row["id"]:
            found[int(row["id"])] = original
    return found


def _sealed_at(moments: set[dt.datetime]) -> Iterator[Mapping[str, Any]]:
    from ontrack.web.audit.models import AuditEvent

    if not moments:
        return iter(())
    found = AuditEvent.objects.filter(seq__isnull=False, at__in=moments).order_by("seq")
    rows: Iterator[Mapping[str, Any]] = found.values("id", *CONTENT).iterator()
    return rows


def seal_pending(*, wait: bool = True) -> int | None:
    """Seal every pending event into the chain, oldest first; return how many were sealed.

    Safe to call at any time from any process: the chain head's row lock (PostgreSQL) or
    the write lock (SQLite) makes sealers take turns. With ``wait=False`` a sealer that
    finds the lock held returns None at once (the holder seals, or a later turn does). An
    event whose pending MAC is wrong (written by something without the key), or that copies
    another event, is left unsealed for ``verify`` to report.
    """
    from ontrack.web.audit.models import AuditChainHead, AuditEvent

    key = _key()
    sealed, after = 0, 0
    while True:
        with transaction.atomic():
            heads = AuditChainHead.objects.select_for_update(skip_locked=not wait)
            head = heads.filter(pk=1).first()
            if head is None:
                if not wait and AuditChainHead.objects.filter(pk=1).exists():
                    return None  # another sealer holds the lock
                head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
            rows = list(
                AuditEvent.objects.filter(seq__isnull=True, id__gt=after)
                .order_by("id")
                .values("id", "mac", *CONTENT)[:_BATCH]
            )
            if not rows:
                return sealed
            after = rows[-1]["id"]
            good = [r for r in rows if hmac.compare_digest(r["mac"], pending_mac(r, key))]
            copies = _copies(good, _sealed_at({r["at"] for r in good}))
            good = [r for r in good if r["id"] not in copies]
            seq, previous = head.seq, head.mac
            updates = []
            for row in good:
                seq += 1
                previous = chain_mac(seq, previous, row, key)
                updates.append((seq, previous, row["id"]))
            if updates:
                with connection.cursor() as cursor:
                    cursor.executemany(
                        "UPDATE audit_auditevent SET seq = %s, mac = %s "
                        "WHERE id = %s AND seq IS NULL",
                        updates,
                    )
                head.seq, head.mac = seq, previous
                head.save(update_fields=["seq", "mac"])
                sealed += len(updates)
            if len(rows) < _BATCH:
                return sealed


# -- sealing soon after each commit, off the request's path -----------------------------------
# One timer per process at most: the first commit that writes an event starts it, later
# ones find it running. Seals therefore come in batches, at most ONTRACK_AUDIT_SEAL_MS after
# an event was committed, and no request waits for the chain's lock.

_timer: threading.Timer | None = None
_timer_lock = threading.Lock()


def seal_delay() -> float:
    """Seconds between an event's commit and its sealing (0: at once, waiting for the lock)."""
    return max(0, int(getattr(settings, "ONTRACK_AUDIT_SEAL_MS", 1000))) / 1000


def seal_soon() -> None:
    """Arrange for the events just committed to be sealed (see ``seal_delay``)."""
    global _timer
    delay = seal_delay()
    if delay == 0:
        seal_pending()
        return
    with _timer_lock:
        if _timer is None:
            _timer = threading.Timer(delay, _timer_thread)
            _timer.daemon = True
            _timer.start()


def seal_turn() -> None:
    """The timer's turn: seal what is pending, or wait for the next turn if another process
    holds the lock (what this process committed may have missed that sealer's batch)."""
    global _timer
    with _timer_lock:
        _timer = None  # events committed from now on start the next timer
    try:
        if seal_pending(wait=False) is None:
            seal_soon()
    except Exception:
        log.exception("sealing the audit chain failed; the next commit tries again")


def _timer_thread() -> None:
    try:
        seal_turn()
    finally:
        connections.close_all()  # this thread's own connections


def seal_now() -> None:
    """Cancel this process's timer and seal at once (at exit, so nothing waits for it)."""
    global _timer
    with _timer_lock:
        timer, _timer = _timer, None
    if timer is not None:
        timer.cancel()
        try:
            seal_pending()
        except Exception:
            log.exception("sealing the audit chain at exit failed; the next sealer will")


def _forget_timer_in_child() -> None:
    global _timer, _timer_lock
    _timer, _timer_lock = None, threading.Lock()  # a forked worker has no timer thread


atexit.register(seal_now)
os.register_at_fork(after_in_child=_forget_timer_in_child)


@dataclass
class Verdict:
    """What ``verify`` found: intact or the first broken link, and what it checked."""

    events: int = 0
    sealed: int = 0
    pending: int = 0
    erased: int = 0
    head: tuple[int, str] = (0, "")
    broken: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.broken is None


def _fail(verdict: Verdict, message: str) -> Verdict:
    verdict.broken = message
    return verdict


def verify_rows(
    rows: Iterator[Mapping[str, Any]], key: bytes, erased_clients: frozenset[int]
) -> Verdict:
    """Check events given in (sequence, then id) order; pending events come last."""
    verdict = Verdict()
    previous, expected = "", 1
    newest: dt.datetime | None = None  # the newest sealed event's time
    for row in rows:
        verdict.events += 1
        label = f"event id {row['id']}"
        if row["seq"] is None:
            if not hmac.compare_digest(row["mac"], pending_mac(row, key)):
                return _fail(
                    verdict,
                    f"{label} is not in the chain and its MAC is not one the key makes: "
                    "it was inserted or changed outside OnTrack",
                )
            if newest is not None and row["at"] < newest - PENDING_GRACE:
                return _fail(
                    verdict,
                    f"{label} is not in the chain though events written more than "
                    f"{PENDING_GRACE} after it are: it was held back from sealing (removed "
                    "and put back, or hidden)",
                )
        elif row["seq"] != expected:
            missing = (
                f"event {expected} is missing"
                if row["seq"] == expected + 1
                else f"events {expected} to {row['seq'] - 1} are missing"
                if row["seq"] > expected
                else f"sequence {row['seq']} appears again"
            )
            return _fail(verdict, f"{label} (seq {row['seq']}): {missing} (removed or inserted)")
        elif not hmac.compare_digest(row["mac"], chain_mac(row["seq"], previous, row, key)):
            return _fail(
                verdict,
                f"{label} (seq {row['seq']}): the link to the event before it is broken "
                "(this event was changed, or one before it was removed or inserted)",
            )
        old, new = row["old"], row["new"]
        if old == ERASED and new == ERASED:
            if row["client_id"] not in erased_clients:
                return _fail(
                    verdict,
                    f"{label} (seq {row['seq']}): its values were blanked with no erasure "
                    "of its client in the audit",
                )
            verdict.erased += 1
        elif not hmac.compare_digest(row["payload_mac"], payload_mac(old, new, key)):
            return _fail(verdict, f"{label} (seq {row['seq']}): its old or new values were changed")
        if row["seq"] is None:
            verdict.pending += 1
            continue
        previous, expected = row["mac"], expected + 1
        newest = row["at"] if newest is None else max(newest, row["at"])
        verdict.sealed += 1
        verdict.head = (row["seq"], row["mac"])
    return verdict


def verify(key: bytes | None = None, expect_head: tuple[int, str] | None = None) -> Verdict:
    """Check the whole audit chain of the default database."""
    from ontrack.web.audit.models import AuditChainHead, AuditEvent, AuditKind

    key = key or _key()
    columns = ("id", "seq", "mac", "old", "new", *CONTENT)
    erasures = AuditEvent.objects.filter(kind=AuditKind.CHANGE, action=ERASURE_ACTION)
    erased_clients = frozenset(
        c for c in erasures.values_list("client_id", flat=True) if c is not None
    )
    sealed = AuditEvent.objects.filter(seq__isnull=False).order_by("seq", "id")
    pending = AuditEvent.objects.filter(seq__isnull=True).order_by("id")

    def rows() -> Iterator[Mapping[str, Any]]:
        yield from sealed.values(*columns).iterator(chunk_size=2000)
        yield from pending.values(*columns).iterator(chunk_size=2000)

    verdict = verify_rows(rows(), key, erased_clients)
    if not verdict.intact:
        return verdict
    unsealed = list(pending.values("id", *CONTENT))
    copies = _copies(unsealed, _sealed_at({r["at"] for r in unsealed}))
    if copies:
        copy, original = min(copies.items())
        return _fail(
            verdict,
            f"event id {copy} is not in the chain and is a copy of event id {original}: "
            "it was inserted outside OnTrack",
        )
    stored = AuditChainHead.objects.filter(pk=1).values_list("seq", "mac").first() or (0, "")
    if stored[0] > verdict.head[0]:
        return _fail(
            verdict,
            f"the chain head says {stored[0]} events were sealed but the last one present is "
            f"{verdict.head[0]}: events after it were removed",
        )
    if expect_head is not None:
        seq, mac = expect_head
        found = sealed.filter(seq=seq).values_list("mac", flat=True).first()
        if found is None:
            return _fail(verdict, f"the recorded head event {seq} is missing (removed)")
        if not hmac.compare_digest(found, mac):
            return _fail(verdict, f"event {seq} is not the one recorded as the head (rewritten)")
    return verdict


ERASURE_ACTION = "erase_client"
