"""Benchmark the records' safekeeping on a scratch SQLite database of its own:
the audit chain (writing and sealing events, `verify-audit`), a tampered event detected,
field encryption per value, and the backup-then-restore drill on the demo service.

    .venv/bin/python bench/records_safekeeping.py --events 20000 --repeats 3

Everything runs under a temporary ONTRACK_VAR_DIR (its own keys and databases), never on
the shared test server. Medians are printed; record them, the command and the machine's
load in docs/security.md.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable


def _run(args: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "-m", "ontrack", *args], env=env, capture_output=True, text=True, check=False
    )
    return time.perf_counter() - started, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="audit events to write")
    parser.add_argument("--referrals", type=int, default=400, help="demo size for the drill")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="ontrack-safekeeping-"))
    env = {**os.environ, "ONTRACK_VAR_DIR": str(var)}
    env.pop("DATABASE_URL", None)
    for name in ("ONTRACK_AUDIT_KEY", "ONTRACK_FIELD_KEYS"):
        env.pop(name, None)
    try:
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        seconds, done = _run(["demo", "--no-serve", "--referrals", str(args.referrals)], env)
        if done.returncode != 0:
            print(done.stderr)
            return 1
        print(f"demo with {args.referrals} referrals built in {seconds:.1f} s")
        database = var / "demo.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{database}"
        env["ONTRACK_AUDIT_KEY_FILE"] = str(var / "audit.key")
        env["ONTRACK_FIELD_KEYS_FILE"] = str(var / "field.keys")
        env["SECRET_KEY"] = secrets.token_urlsafe(40)
        env["DJANGO_SETTINGS_MODULE"] = "ontrack.web.settings"
        code = f"""
import time, statistics, django
django.setup()
from django.db import transaction
from ontrack.web.audit import chain
from ontrack.web.audit.events import record_change, record_view
from ontrack.web.common import crypto
from ontrack.web.records.models import Client
from ontrack.web.records.scoping import scopes_disabled
with scopes_disabled():
    client = Client.objects.first()
n = {args.events}
started = time.perf_counter()
for i in range(n):
    with transaction.atomic():
        if i % 2:
            record_view(by=None, page="client_record", target=client, client_id=client.pk)
        else:
            record_change(by=None, action="update_client", target=client, client_id=client.pk,
                          old={{"notes": "before " * 20}}, new={{"notes": "after " * 20}})
per = (time.perf_counter() - started) / n
print(f"audit event written and sealed (its own transaction, then the seal): {{per*1e3:.2f}} ms")
note = "Talked about sleep and worry; agreed a behavioural experiment for the week. " * 4
t = time.perf_counter()
for _ in range(2000):
    token = crypto.encrypt(note)
e = (time.perf_counter() - t) / 2000
t = time.perf_counter()
for _ in range(2000):
    crypto.decrypt(token)
d = (time.perf_counter() - t) / 2000
print(f"field encryption of a {{len(note)}}-character note: "
      f"encrypt {{e*1e6:.0f}} us, decrypt {{d*1e6:.0f}} us")
"""
        subprocess.run([PYTHON, "-c", code], env=env, check=True)
        verify = []
        for _ in range(args.repeats):
            seconds, done = _run(["verify-audit"], env)
            assert done.returncode == 0, done.stdout + done.stderr
            verify.append(seconds)
        print(done.stdout.strip().splitlines()[0])
        print(f"verify-audit (whole process): median {statistics.median(verify):.2f} s")
        tampered = var / "tampered.sqlite3"
        shutil.copy(database, tampered)
        with sqlite3.connect(tampered) as con:
            con.execute("DROP TRIGGER audit_auditevent_append_only")
            con.execute("UPDATE audit_auditevent SET actor = 'mallory' WHERE seq = 1000")
        _, done = _run(["verify-audit", "--database", f"sqlite:///{tampered}"], env)
        print(f"tampered copy: exit {done.returncode}: {done.stdout.strip().splitlines()[0]}")
        backups, restores = [], []
        for n in range(args.repeats):
            target = var / f"backup-{n}.sqlite3"
            seconds, done = _run(["backup", str(target)], env)
            assert done.returncode == 0, done.stderr
            backups.append(seconds)
            with sqlite3.connect(database) as con:
                con.execute("DELETE FROM records_goalrating")
            seconds, done = _run(["restore", str(target), "--yes"], env)
            assert done.returncode == 0, done.stdout + done.stderr
            restores.append(seconds)
        print(done.stdout.strip())
        print(
            f"backup median {statistics.median(backups):.2f} s, restore with the fingerprint "
            f"check median {statistics.median(restores):.2f} s "
            f"({database.stat().st_size / 1e6:.1f} MB database)"
        )
    finally:
        shutil.rmtree(var, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
