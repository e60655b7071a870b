"""The audit chain: every event sealed to the one before it by a keyed hash (HMAC-SHA256).

Each event is written with a *pending* MAC over its own content, inside the transaction of
the action it records. When that transaction commits, ``seal_pending`` (one short
transaction that holds the chain head's lock, so sealers queue on PostgreSQL; SQLite
serialises writers anyway) gives each pending event the next sequence number and the chain
MAC ``HMAC(key, previous MAC + the event)``. Sealing after commit keeps the chain's lock out
of every clinical transaction (no deadlock with the rows an action locks) and numbers
events in the order they became visible.

With the key kept outside the database (``ONTRACK_AUDIT_KEY`` or a key file), someone who
can write to the database but has no key cannot change, remove or insert an event without
``verify`` naming the first broken link: a changed event no longer matches its MAC, a
removed one leaves a gap in the sequence and breaks the next link, and an inserted one has
no MAC that the key makes. What the chain cannot show by itself is the removal of the very
last events; ``verify`` prints the head (sequence and MAC) so that it can be recorded
elsewhere and compared (``ontrack verify-audit --expect-head``).

The old and new values of an event are covered through ``payload_mac`` (a keyed digest of
them), so an erasure (docs/security.md) can blank them while the chain still verifies.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import math
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from ontrack.web.env import envsecret

log = logging.getLogger(__name__)

KEY_ENV = "ONTRACK_AUDIT_KEY"
KEY_FILE_NAME = "audit.key"
# The marker an erasure leaves in an event's old and new values (docs/security.md).
ERASED: dict[str, Any] = {"erased": True}
_BATCH = 500


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


def seal_pending() -> int:
    """Seal every pending event into the chain, oldest first; return how many were sealed.

    Safe to call at any time from any process: the chain head's row lock (PostgreSQL) or
    the write lock (SQLite) makes sealers take turns. An event whose pending MAC is wrong
    (written by something without the key) is left unsealed for ``verify`` to report.
    """
    from ontrack.web.audit.models import AuditChainHead, AuditEvent

    key = _key()
    sealed = 0
    while True:
        with transaction.atomic():
            head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
            rows = list(
                AuditEvent.objects.filter(seq__isnull=True)
                .order_by("id")
                .values("id", "mac", *CONTENT)[:_BATCH]
            )
            good = [r for r in rows if hmac.compare_digest(r["mac"], pending_mac(r, key))]
            if not good:
                return sealed
            seq, previous = head.seq, head.mac
            updates = []
            for row in good:
                seq += 1
                previous = chain_mac(seq, previous, row, key)
                updates.append((seq, previous, row["id"]))
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE audit_auditevent SET seq = %s, mac = %s WHERE id = %s AND seq IS NULL",
                    updates,
                )
            head.seq, head.mac = seq, previous
            head.save(update_fields=["seq", "mac"])
            sealed += len(good)
            if len(rows) < _BATCH:
                return sealed


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
