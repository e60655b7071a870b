"""Backup and restore of the whole database, SQLite or PostgreSQL, proved by a fingerprint.

A backup is the engine's own consistent copy (SQLite's online backup API; ``pg_dump`` in its
custom format, taken in the same snapshot as the fingerprint) and a manifest beside it
(``FILE.json``): the file's SHA-256, and every table's row count and the SHA-256 of its
rows in primary-key order. ``restore`` refuses a file that does not match its manifest,
restores it, fingerprints the result and says whether every table is identical.

These work on the database directly (sqlite3, psycopg, pg_dump), so they run while the
service is stopped and need nothing of Django but the configured database's address.

With a backup key (32 random bytes, URL-safe base64) the file is encrypted (ADR 0145):
AES-256-GCM in 1 MiB chunks, each with its own nonce (a random prefix, the chunk's number,
and whether it is the last), so a chunk changed, moved, dropped or cut off fails to
decrypt. The plain copy is made in a private temporary folder and removed; the manifest
then describes the encrypted file and names the key by a digest of it, never the key.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "ontrack-backup-1"
ENCRYPTION = "aes-256-gcm-chunked-1"
_MAGIC = b"ONTRACK-BACKUP-AES256GCM-1\n"
_CHUNK = 1 << 20
_TAG = 16
Fingerprint = dict[str, tuple[int, str]]


class BackupError(Exception):
    """The backup or restore cannot be done; nothing was changed (one line says why)."""


@dataclass(frozen=True)
class Database:
    """Where the database is: a SQLite file, or a PostgreSQL URL."""

    engine: str  # "sqlite" or "postgresql"
    sqlite_path: Path | None = None
    url: str | None = None

    @classmethod
    def from_settings(cls, config: dict[str, Any]) -> Database:
        engine = config["ENGINE"].rsplit(".", 1)[-1]
        if engine == "sqlite3":
            return cls("sqlite", sqlite_path=Path(config["NAME"]))
        if engine == "postgresql":
            user = config.get("USER") or ""
            password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
            at = f"{user}{password}@" if user else ""
            port = f":{config['PORT']}" if config.get("PORT") else ""
            host = config.get("HOST") or "localhost"
            return cls("postgresql", url=f"postgresql://{at}{host}{port}/{config['NAME']}")
        raise BackupError(f"backup supports SQLite and PostgreSQL, not {config['ENGINE']}")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _value(value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def _fingerprint(cursor: Any, tables: list[str], order: dict[str, str]) -> Fingerprint:
    result: Fingerprint = {}
    for table in tables:
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY {order[table]}')
        digest, count = hashlib.sha256(), 0
        while rows := cursor.fetchmany(2000):
            for row in rows:
                digest.update(repr(tuple(_value(v) for v in row)).encode("utf-8"))
                digest.update(b"\n")
            count += len(rows)
        result[table] = (count, digest.hexdigest())
    return result


def sqlite_fingerprint(path: Path) -> Fingerprint:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
        cursor = con.cursor()
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
        tables = [r[0] for r in cursor.fetchall()]
        return _fingerprint(cursor, tables, dict.fromkeys(tables, "rowid"))


def _pg_tables(cursor: Any) -> tuple[list[str], dict[str, str]]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    tables = [r[0] for r in cursor.fetchall()]
    order: dict[str, str] = {}
    for table in tables:
        cursor.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary "
            "ORDER BY a.attnum",
            [f'"{table}"'],
        )
        keys = [f'"{r[0]}"' for r in cursor.fetchall()]
        if not keys:
            cursor.execute(f'SELECT * FROM "{table}" LIMIT 0')
            keys = [str(n) for n in range(1, len(cursor.description) + 1)]
        order[table] = ", ".join(keys)
    return tables, order


@contextmanager
def _pg(url: str) -> Iterator[Any]:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - the postgres extra is missing
        raise BackupError(
            "PostgreSQL needs the postgres extra: pip install 'ontrack[postgres]'"
        ) from exc
    try:
        con = psycopg.connect(url)
    except psycopg.Error as exc:
        raise BackupError(f"cannot connect to the database: {str(exc).strip()}") from None
    with con:
        yield con


def pg_fingerprint(url: str) -> Fingerprint:
    with _pg(url) as con, con.cursor() as cursor:
        tables, order = _pg_tables(cursor)
        return _fingerprint(cursor, tables, order)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (it comes with the PostgreSQL client)")
    return found


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(
            f"{Path(command[0]).name} failed: {lines[-1] if lines else done.returncode}"
        )


# -- encryption ---------------------------------------------------------------------------------


def parse_key(text: str) -> bytes:
    """The backup key from its text form (URL-safe base64 of 32 random bytes)."""
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != 32:
        raise BackupError(
            "the backup key must be 32 random bytes in URL-safe base64 (44 characters), "
            "for example from `ontrack backup-key FILE`"
        )
    return key


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def key_id(key: bytes) -> str:
    """Names a key without revealing it (written in the manifest)."""
    return hashlib.sha256(b"ontrack backup key id\0" + key).hexdigest()[:16]


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    if index >= 1 << 32:
        raise BackupError("the backup is too large to encrypt in one file (4 PiB)")
    return prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def encrypt_file(source: Path, target: Path, key: bytes) -> None:
    """Encrypt ``source`` into the new file ``target`` (mode 0600)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead, prefix = AESGCM(key), os.urandom(7)
    header = _MAGIC + prefix
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with source.open("rb") as plain, os.fdopen(fd, "wb") as out:
        out.write(header)
        index, chunk = 0, plain.read(_CHUNK)
        while True:
            following = plain.read(_CHUNK)
            last = not following
            out.write(aead.encrypt(_nonce(prefix, index, last), chunk, header))
            if last:
                return
            index, chunk = index + 1, following


def decrypt_file(source: Path, target: Path, key: bytes) -> None:
    """Decrypt ``source`` into the new file ``target``; BackupError if any chunk fails."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead = AESGCM(key)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with source.open("rb") as sealed, os.fdopen(fd, "wb") as out:
        header = sealed.read(len(_MAGIC) + 7)
        if not header.startswith(_MAGIC) or len(header) != len(_MAGIC) + 7:
            raise BackupError(f"{source} is not an encrypted OnTrack backup")
        prefix = header[len(_MAGIC) :]
        index, chunk = 0, sealed.read(_CHUNK + _TAG)
        while True:
            following = sealed.read(_CHUNK + _TAG)
            last = not following
            try:
                out.write(aead.decrypt(_nonce(prefix, index, last), chunk, header))
            except InvalidTag:
                raise BackupError(
                    f"{source} cannot be decrypted with this key at chunk {index} "
                    "(damaged, cut short, or made with another key): not restored"
                ) from None
            if last:
                return
            index, chunk = index + 1, following


# -- backup and restore ---------------------------------------------------------------------------


def backup(db: Database, target: Path, key: bytes | None = None) -> dict[str, Any]:
    """Write a consistent copy of ``db`` to ``target`` and its manifest; return the manifest.

    With ``key`` the copy is encrypted; the plain copy exists only in a private temporary
    folder while it is fingerprinted and encrypted.
    """
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file name")
    manifest_path = manifest_for(target)
    if key is None:
        partial = target.with_name(f".{target.name}.partial")
        tables = _copy(db, partial, target)
    else:
        with tempfile.TemporaryDirectory(prefix="ontrack-backup-") as private:
            plain = Path(private) / "plain"
            tables = _copy(db, plain, plain.with_name("copied"))
            partial = target.with_name(f".{target.name}.partial")
            try:
                encrypt_file(plain.with_name("copied"), partial, key)
                partial.rename(target)
            finally:
                partial.unlink(missing_ok=True)
    manifest = {
        "format": FORMAT,
        "engine": db.engine,
        "made_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "file_sha256": _sha256_file(target),
        **({"encryption": ENCRYPTION, "key_id": key_id(key)} if key is not None else {}),
        "tables": {name: list(value) for name, value in tables.items()},
    }
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def _copy(db: Database, partial: Path, target: Path) -> Fingerprint:
    """The engine's copy of ``db`` at ``target`` (written as ``partial``, then renamed)."""
    try:
        if db.engine == "sqlite":
            assert db.sqlite_path is not None
            if not db.sqlite_path.exists():
                raise BackupError(f"no database at {db.sqlite_path}")
            with (
                closing(sqlite3.connect(f"file:{db.sqlite_path}?mode=ro", uri=True)) as source,
                closing(sqlite3.connect(partial)) as copy,
            ):
                source.backup(copy)
            tables = sqlite_fingerprint(partial)
        else:
            assert db.url is not None
            pg_dump = _tool("pg_dump")
            with _pg(db.url) as con, con.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                _run(
                    [
                        pg_dump,
                        "--format=custom",
                        "--no-owner",
                        "--no-privileges",
                        f"--snapshot={snapshot}",
                        f"--file={partial}",
                        f"--dbname={db.url}",
                    ]
                )
                names, order = _pg_tables(cursor)
                tables = _fingerprint(cursor, names, order)
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return tables


def manifest_for(target: Path) -> Path:
    return target.with_name(target.name + ".json")


def read_manifest(source: Path) -> dict[str, Any]:
    path = manifest_for(source)
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"cannot read the backup's manifest {path}: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not an OnTrack backup manifest")
    return manifest


def differences(expected: dict[str, Any], found: Fingerprint) -> list[str]:
    """Tables whose rows differ between a manifest and a fingerprint (empty: identical)."""
    problems = []
    for table in sorted(set(expected) | set(found)):
        want = tuple(expected[table]) if table in expected else None
        got = found.get(table)
        if want is None:
            problems.append(f"{table}: not in the backup")
        elif got is None:
            problems.append(f"{table}: missing after restore")
        elif want != got:
            problems.append(
                f"{table}: {got[0]} rows, expected {want[0]} (or their content differs)"
            )
    return problems


def restore(
    db: Database, source: Path, key: bytes | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Replace ``db``'s contents with the backup ``source``; return (manifest, differences).

    An encrypted backup needs the key it was made with; it is decrypted into a private
    temporary folder, checked whole, and only then restored.
    """
    manifest = read_manifest(source)
    if "encryption" not in manifest:
        return _restore(db, source, manifest)
    if manifest["encryption"] != ENCRYPTION:
        raise BackupError(f"{source} is encrypted as {manifest['encryption']!r}, unknown here")
    if key is None:
        raise BackupError(
            f"{source} is encrypted: give its key (ONTRACK_BACKUP_KEY_FILE, "
            "ONTRACK_BACKUP_KEY or --key-file)"
        )
    if key_id(key) != manifest.get("key_id"):
        raise BackupError(
            f"{source} was made with another backup key (key id {manifest.get('key_id')}; "
            f"this key's id is {key_id(key)}): not restored"
        )
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if _sha256_file(source) != manifest["file_sha256"]:
        raise BackupError(
            f"{source} does not match its manifest (damaged or altered): not restored"
        )
    with tempfile.TemporaryDirectory(prefix="ontrack-restore-") as private:
        plain = Path(private) / "plain"
        decrypt_file(source, plain, key)
        return _restore(db, plain, manifest, checked=True)


def _restore(
    db: Database, source: Path, manifest: dict[str, Any], *, checked: bool = False
) -> tuple[dict[str, Any], list[str]]:
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if manifest["engine"] != db.engine:
        raise BackupError(f"{source} is a {manifest['engine']} backup; the database is {db.engine}")
    if not checked and _sha256_file(source) != manifest["file_sha256"]:
        raise BackupError(
            f"{source} does not match its manifest (damaged or altered): not restored"
        )
    if db.engine == "sqlite":
        assert db.sqlite_path is not None
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup_db:
            check = backup_db.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"{source} fails SQLite's integrity check: {check}")
            db.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(db.sqlite_path)) as live:
                backup_db.backup(live)
        found = sqlite_fingerprint(db.sqlite_path)
    else:
        assert db.url is not None
        pg_restore = _tool("pg_restore")
        _run(
            [
                pg_restore,
                # Drops and recreates what the backup holds, all in one transaction: a
                # failure leaves the database as it was.
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={db.url}",
                str(source),
            ]
        )
        found = pg_fingerprint(db.url)
    return manifest, differences(manifest["tables"], found)
