"""Backup and restore of the whole database, SQLite or PostgreSQL, proved by a fingerprint.

A backup is the engine's own consistent copy (SQLite's online backup API; ``pg_dump`` in its
custom format, taken in the same snapshot as the fingerprint) and a manifest beside it
(``FILE.json``): the file's SHA-256, and every table's row count and the SHA-256 of its
rows in primary-key order. ``restore`` refuses a file that does not match its manifest,
restores it, fingerprints the result and says whether every table is identical.

These work on the database directly (sqlite3, psycopg, pg_dump), so they run while the
service is stopped and need nothing of Django but the configured database's address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "ontrack-backup-1"
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


def backup(db: Database, target: Path) -> dict[str, Any]:
    """Write a consistent copy of ``db`` to ``target`` and its manifest; return the manifest."""
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file name")
    manifest_path = manifest_for(target)
    partial = target.with_name(f".{target.name}.partial")
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
    manifest = {
        "format": FORMAT,
        "engine": db.engine,
        "made_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "file_sha256": _sha256_file(target),
        "tables": {name: list(value) for name, value in tables.items()},
    }
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


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


def restore(db: Database, source: Path) -> tuple[dict[str, Any], list[str]]:
    """Replace ``db``'s contents with the backup ``source``; return (manifest, differences)."""
    manifest = read_manifest(source)
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if manifest["engine"] != db.engine:
        raise BackupError(f"{source} is a {manifest['engine']} backup; the database is {db.engine}")
    if _sha256_file(source) != manifest["file_sha256"]:
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
