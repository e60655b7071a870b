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
    decrypt_file,
    encrypt_file,
    key_id,
    new_key,
    parse_key,
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


def test_encrypted_drill_restores_identical_counts_and_checksums(sqlite_db, tmp_path) -> None:
    key = parse_key(new_key())
    before = sqlite_fingerprint(sqlite_db.sqlite_path)
    target = tmp_path / "b.sqlite3.enc"
    manifest = backup(sqlite_db, target, key)
    assert manifest["encryption"] == "aes-256-gcm-chunked-1"
    assert manifest["key_id"] == key_id(key)
    assert {t: tuple(v) for t, v in manifest["tables"].items()} == before
    data = target.read_bytes()
    # Nothing of the records is readable in the file; no plain copy is left beside it.
    for plain in (b"SQLite format", "Zoë".encode(), b"note"):
        assert plain not in data
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    with closing(sqlite3.connect(sqlite_db.sqlite_path)) as con:  # the loss
        con.execute("DELETE FROM client WHERE id > 100")
        con.execute("UPDATE audit SET mac = 'forged' WHERE id = 7")
        con.commit()
    lost = sqlite_fingerprint(sqlite_db.sqlite_path)
    with pytest.raises(BackupError, match="is encrypted: give its key"):
        restore(sqlite_db, target)
    with pytest.raises(BackupError, match="made with another backup key"):
        restore(sqlite_db, target, parse_key(new_key()))
    assert sqlite_fingerprint(sqlite_db.sqlite_path) == lost
    _, problems = restore(sqlite_db, target, key)
    assert problems == []
    assert sqlite_fingerprint(sqlite_db.sqlite_path) == before


@pytest.mark.parametrize("size", [0, 1, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3 * (1 << 20)])
def test_encryption_round_trips_and_refuses_any_change(tmp_path, size: int) -> None:
    key = parse_key(new_key())
    plain = tmp_path / "plain"
    plain.write_bytes(os.urandom(size))
    encrypt_file(plain, tmp_path / "sealed", key)
    decrypt_file(tmp_path / "sealed", tmp_path / "back", key)
    assert (tmp_path / "back").read_bytes() == plain.read_bytes()
    sealed = (tmp_path / "sealed").read_bytes()
    chunk = (1 << 20) + 16
    header = len(sealed) - size - 16 * max(1, -(-size // (1 << 20)))
    damaged = {
        "a bit flipped": sealed[:-1] + bytes([sealed[-1] ^ 1]),
        "cut short": sealed[: header + chunk] if size > 1 << 20 else sealed[:-1],
        "the header changed": sealed[:5] + b"X" + sealed[6:],
    }
    if size > 2 << 20:  # two whole chunks swapped
        a, b = sealed[header : header + chunk], sealed[header + chunk : header + 2 * chunk]
        damaged["chunks swapped"] = sealed[:header] + b + a + sealed[header + 2 * chunk :]
    for n, (what, data) in enumerate(damaged.items()):
        (tmp_path / f"d{n}").write_bytes(data)
        with pytest.raises(BackupError):
            decrypt_file(tmp_path / f"d{n}", tmp_path / f"out{n}", key)
        assert what


def test_a_backup_key_must_be_32_bytes(tmp_path) -> None:
    for bad in ("", "short", "x" * 44, new_key()[:-4]):
        with pytest.raises(BackupError, match="32 random bytes"):
            parse_key(bad)


@pytest.mark.slow
def test_cli_encrypts_whenever_a_key_is_configured(sqlite_db, tmp_path) -> None:
    env = {**os.environ, "ONTRACK_VAR_DIR": str(tmp_path), "PYTHONPATH": os.pathsep.join(sys.path)}
    for name in ("DATABASE_URL", "ONTRACK_BACKUP_KEY", "ONTRACK_BACKUP_KEY_FILE"):
        env.pop(name, None)
    db = f"sqlite:///{sqlite_db.sqlite_path}"

    def ontrack(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ontrack", *args],
            env={**env, **extra},
            capture_output=True,
            text=True,
            check=False,
        )

    refused = ontrack("backup", str(tmp_path / "plain.sqlite3"), "--database", db, "--encrypt")
    assert (refused.returncode, refused.stderr.count("\n")) == (2, 1)
    assert "--encrypt: no backup key" in refused.stderr
    assert not (tmp_path / "plain.sqlite3").exists()
    key = tmp_path / "backup.key"
    assert ontrack("backup-key", str(key)).returncode == 0
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    made = ontrack(
        "backup", str(tmp_path / "b.enc"), "--database", db, ONTRACK_BACKUP_KEY_FILE=str(key)
    )
    assert made.returncode == 0, made.stderr
    assert "encrypted (key id " in made.stdout
    with closing(sqlite3.connect(sqlite_db.sqlite_path)) as con:
        con.execute("DELETE FROM client")
        con.commit()
    keyless = ontrack("restore", str(tmp_path / "b.enc"), "--database", db, "--yes")
    assert keyless.returncode == 2
    assert "is encrypted: give its key" in keyless.stderr
    restored = ontrack(
        "restore", str(tmp_path / "b.enc"), "--database", db, "--yes", "--key-file", str(key)
    )
    assert restored.returncode == 0, restored.stderr
    assert "identical to the backup" in restored.stdout
    assert sqlite_fingerprint(sqlite_db.sqlite_path)["client"][0] == 300


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
@pytest.mark.parametrize("encrypted", [False, True])
def test_postgresql_drill_restores_identical_counts_and_checksums(
    pg_db, tmp_path, encrypted: bool
) -> None:
    import psycopg

    key = parse_key(new_key()) if encrypted else None
    before = pg_fingerprint(pg_db.url)
    backup(pg_db, tmp_path / "b.dump", key)
    with psycopg.connect(pg_db.url) as con:
        con.execute("DELETE FROM client WHERE id > 100")
        con.execute("UPDATE audit SET mac = 'forged' WHERE id = 7")
        con.execute("DROP TABLE tagged")
    assert pg_fingerprint(pg_db.url) != before
    _, problems = restore(pg_db, tmp_path / "b.dump", key)
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
