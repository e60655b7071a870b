"""The restore drill: back up, lose data, restore, and prove every table identical."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from pathlib import Path

import pytest

from ontrack.web.privacy.backup import (
    BackupError,
    Database,
    backup,
    pg_fingerprint,
    restore,
    sqlite_fingerprint,
)

PG_URL = os.environ.get(
    "ONTRACK_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _fill(execute) -> None:
    execute("CREATE TABLE client (id INTEGER PRIMARY KEY, name TEXT, notes TEXT, born DATE)")
    execute("CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT, new TEXT, mac TEXT)")
    for n in range(1, 301):
        execute(
            f"INSERT INTO client VALUES ({n}, 'Zoë {n}', 'note ''{n}'' 🌱', '1990-01-{n % 28 + 1:02d}')"
        )
        execute(f"INSERT INTO audit VALUES ({n}, '2026-12-0{n % 9 + 1}', '{{\"n\": {n}}}', 'm{n}')")


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Database:
    path = tmp_path / "live.sqlite3"
    with closing(sqlite3.connect(path)) as con:
        con.execute("PRAGMA journal_mode=WAL")
        _fill(con.execute)
        con.commit()
    return Database("sqlite", sqlite_path=path)


def test_sqlite_drill_restores_identical_counts_and_checksums(sqlite_db, tmp_path) -> None:
    before = sqlite_fingerprint(sqlite_db.sqlite_path)
    manifest = backup(sqlite_db, tmp_path / "b.sqlite3")
    assert {t: tuple(v) for t, v in manifest["tables"].items()} == before
    assert before["client"][0] == 300
    with closing(sqlite3.connect(sqlite_db.sqlite_path)) as con:  # the loss
        con.execute("DELETE FROM client WHERE id > 100")
        con.execute("UPDATE audit SET mac = 'forged' WHERE id = 7")
        con.commit()
    assert sqlite_fingerprint(sqlite_db.sqlite_path) != before
    _, problems = restore(sqlite_db, tmp_path / "b.sqlite3")
    assert problems == []
    assert sqlite_fingerprint(sqlite_db.sqlite_path) == before


def test_a_damaged_backup_is_refused_and_nothing_changes(sqlite_db, tmp_path) -> None:
    target = tmp_path / "b.sqlite3"
    backup(sqlite_db, target)
    with closing(sqlite3.connect(sqlite_db.sqlite_path)) as con:
        con.execute("DELETE FROM client WHERE id > 100")
        con.commit()
    after_loss = sqlite_fingerprint(sqlite_db.sqlite_path)
    data = bytearray(target.read_bytes())
    data[5000] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="does not match its manifest"):
        restore(sqlite_db, target)
    assert sqlite_fingerprint(sqlite_db.sqlite_path) == after_loss


def test_backup_never_overwrites(sqlite_db, tmp_path) -> None:
    target = tmp_path / "b.sqlite3"
    target.write_text("precious")
    with pytest.raises(BackupError, match="exists already"):
        backup(sqlite_db, target)
    assert target.read_text() == "precious"


def test_cli_backup_and_restore_one_line_errors(tmp_path, capsys) -> None:
    from ontrack.cli import main

    assert main(["restore", str(tmp_path / "none.sqlite3")]) == 2
    assert "--yes" in capsys.readouterr().err
    assert main(["backup", "/proc/nowhere/b.sqlite3"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.fixture
def pg_db():
    psycopg = pytest.importorskip("psycopg")
    name = f"ontrack_drill_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(PG_URL, autocommit=True)
    except psycopg.Error:
        pytest.skip("no PostgreSQL server")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        with psycopg.connect(url) as con:
            _fill(con.execute)
            con.execute("CREATE TABLE tagged (a INTEGER, b JSONB)")  # no primary key
            con.execute("""INSERT INTO tagged VALUES (2, '{"x": [1, 2]}'), (1, NULL)""")
        yield Database("postgresql", url=url)
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_postgresql_drill_restores_identical_counts_and_checksums(pg_db, tmp_path) -> None:
    import psycopg

    before = pg_fingerprint(pg_db.url)
    backup(pg_db, tmp_path / "b.dump")
    with psycopg.connect(pg_db.url) as con:
        con.execute("DELETE FROM client WHERE id > 100")
        con.execute("UPDATE audit SET mac = 'forged' WHERE id = 7")
        con.execute("DROP TABLE tagged")
    assert pg_fingerprint(pg_db.url) != before
    _, problems = restore(pg_db, tmp_path / "b.dump")
    assert problems == []
    assert pg_fingerprint(pg_db.url) == before
    assert before["client"][0] == 300


@pytest.mark.slow
def test_drill_on_the_demo_service_with_the_cli(tmp_path) -> None:
    """The whole application's schema, triggers and audit chain, through the commands."""
    env = {**os.environ, "ONTRACK_VAR_DIR": str(tmp_path), "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("DATABASE_URL", None)
    env.pop("ONTRACK_AUDIT_KEY", None)
    run = [sys.executable, "-m", "ontrack"]
    subprocess.run(
        [*run, "demo", "--no-serve", "--referrals", "20"], env=env, check=True, capture_output=True
    )
    db = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    env["ONTRACK_AUDIT_KEY_FILE"] = str(tmp_path / "audit.key")
    out = subprocess.run(
        [*run, "backup", str(tmp_path / "b.sqlite3"), "--database", db],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith("backed up ")
    with closing(sqlite3.connect(tmp_path / "demo.sqlite3")) as con:
        con.execute("DELETE FROM records_goalrating")
        con.commit()
    restored = subprocess.run(
        [*run, "restore", str(tmp_path / "b.sqlite3"), "--database", db, "--yes"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "identical to the backup" in restored.stdout
    verified = subprocess.run(
        [*run, "verify-audit", "--database", db],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
