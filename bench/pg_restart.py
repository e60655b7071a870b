"""Restart PostgreSQL during a 16-user write load; check that no acknowledged write is lost.

Issue 20's figure: "PostgreSQL restarted during a 16-user load, in bench/ on a database of
its own: 0 acknowledged writes lost". This script

1. builds a small demo service (``bench/web_load.py``'s builder) in a database of its own,
   ``ontrack_pg_restart`` on 127.0.0.1:5432 (user postgres), never the tests' database;
2. serves it with gunicorn (loopback) and runs --users threads, each an integration token
   acting as a different therapist, recording sessions (PHQ-9 and GAD-7) through the REST
   API's real write path (``POST /api/episodes/{id}/sessions`` under the episode's ETag);
3. restarts the PostgreSQL server --restart-after seconds in (``pg_ctlcluster
   --skip-systemctl-redirect <version> main restart``) and waits until it accepts
   connections again; the users carry on (a failed request is retried as a new one);
4. after the load, reads the database directly (psycopg, not the app) and checks every
   acknowledged write (HTTP 201 with the contact's id): the contact, its two questionnaire
   responses with the totals sent, and its audit event; it also counts writes that were
   committed but never acknowledged (the answer lost with the connection), and runs
   ``ontrack verify-audit`` on the database.

    flock /tmp/ontrack-bench.lock .venv/bin/python bench/pg_restart.py

The restart drops every connection to the server, other databases' too: on a shared
machine run it rarely, and never inside the test suite. Exit 0 when no acknowledged write
is missing, 1 otherwise.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import web_load  # the sibling script: its builder and server
from api_load import make_tokens  # one token per user, acting as therapist N

ROOT = web_load.ROOT
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/ontrack_pg_restart"
RESTART = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="pg_restart.py", description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DB, help=f"PostgreSQL URL ({DEFAULT_DB})")
    parser.add_argument("--therapists", type=int, default=16)
    parser.add_argument("--clients", type=int, default=400)
    parser.add_argument("--users", type=int, default=16, help="concurrent users (16)")
    parser.add_argument("--duration", type=float, default=40.0, help="seconds of load (40)")
    parser.add_argument(
        "--restart-after", type=float, default=15.0, help="seconds into the load (15)"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--port", type=int, default=8881, help="loopback port (8881)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="reuse the database")
    parser.add_argument("--no-restart", action="store_true", help="load only (a dry run)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    args.waiting, args.triage_users = 0, 0  # what web_load's builder also reads
    if args.users > args.therapists:
        parser.error("--users cannot exceed --therapists: each user is a different therapist")
    return args


@dataclass
class Ledger:
    """What the users sent and what the server said, shared by the threads."""

    acknowledged: dict[int, dict[str, int]] = field(default_factory=dict)  # contact -> totals
    attempts: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # why a write was not acknowledged
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ack(self, contact: int, totals: dict[str, int]) -> None:
        with self.lock:
            self.acknowledged[contact] = totals

    def count(self, why: str) -> None:
        with self.lock:
            self.refused[why] = self.refused.get(why, 0) + 1


class ApiUser:
    """One integration: its own connection, reopened after any failure."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.conn: http.client.HTTPConnection | None = None

    def call(
        self, method: str, path: str, body: Any = None, if_match: str | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Authorization": f"Bearer {self.token}"}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body), "application/json"
        if if_match is not None:
            headers["If-Match"] = if_match
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        try:
            parsed = json.loads(raw or b"null")
        except ValueError:
            parsed = None
        return response.status, parsed, dict(response.headers)


def run_user(user: ApiUser, ledger: Ledger, stop: float, rng: random.Random) -> None:
    """Record sessions until ``stop``; every failure is counted, never fatal."""
    today = time.strftime("%Y-%m-%d")
    own: str | None = None
    while time.monotonic() < stop:
        try:
            if own is None:
                status, me, _ = user.call("GET", "/api/me")
                if status != 200:
                    raise RuntimeError(f"me {status}")
                own = f"/api/episodes?status=open&therapist_id={me['staff_id']}&limit=50"
            status, page, _ = user.call("GET", own)
            if status != 200 or not page["items"]:
                raise RuntimeError(f"list {status}")
            path = f"/api/episodes/{rng.choice(page['items'])['id']}"
            status, _, headers = user.call("GET", path)
            if status != 200:
                raise RuntimeError(f"read {status}")
            phq = [rng.randint(0, 3) for _ in range(8)] + [0]
            gad = [rng.randint(0, 3) for _ in range(7)]
            body = {
                "contact_date": today,
                "attendance": "5",
                "questionnaires": {"PHQ-9": phq, "GAD-7": gad},
            }
        except (OSError, http.client.HTTPException, RuntimeError, KeyError, TypeError):
            time.sleep(0.2)  # the server or its database is away: try again
            continue
        with ledger.lock:
            ledger.attempts += 1
        try:
            status, answer, _ = user.call(
                "POST", f"{path}/sessions", body=body, if_match=headers["ETag"]
            )
        except (OSError, http.client.HTTPException) as exc:
            ledger.count(f"no answer ({type(exc).__name__})")
            time.sleep(0.2)
            continue
        if status == 201 and isinstance(answer, dict):
            ledger.ack(int(answer["contact"]["id"]), {"PHQ-9": sum(phq), "GAD-7": sum(gad)})
        else:
            ledger.count(f"HTTP {status}")
        time.sleep(rng.uniform(0.05, 0.25))


def _connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, connect_timeout=3)


def restart_postgres(url: str) -> dict[str, float]:
    """Restart the server and wait until it takes connections again; return the timings."""
    started = time.monotonic()
    done = subprocess.run(RESTART, shell=True, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"the restart failed: {done.stderr.strip() or done.stdout.strip()}")
    returned = time.monotonic()
    while True:
        try:
            with _connect(url) as conn:
                conn.execute("SELECT 1")
            break
        except Exception:  # any refusal means "not back yet"
            if time.monotonic() - started > 120:
                raise SystemExit("PostgreSQL did not come back within 120 s") from None
            time.sleep(0.2)
    return {
        "restart_command_s": returned - started,
        "until_connections_s": time.monotonic() - started,
    }


def count_contacts(url: str) -> int:
    with _connect(url) as conn:
        return int(conn.execute("SELECT count(*) FROM records_contact").fetchone()[0])


def check(url: str, acknowledged: dict[int, dict[str, int]]) -> dict[str, Any]:
    """Look for every acknowledged write in the database itself."""
    ids = sorted(acknowledged)
    with _connect(url) as conn:
        contacts = {
            row[0]
            for row in conn.execute("SELECT id FROM records_contact WHERE id = ANY(%s)", [ids])
        }
        totals: dict[int, dict[str, int]] = {}
        for contact, measure, total in conn.execute(
            "SELECT contact_id, measure, total FROM records_questionnaireresponse "
            "WHERE contact_id = ANY(%s)",
            [ids],
        ):
            totals.setdefault(contact, {})[measure] = total
        audited = {
            int(row[0])
            for row in conn.execute(
                "SELECT target_id FROM audit_auditevent WHERE action = 'record_session' "
                "AND target_type = 'records.contact' AND target_id = ANY(%s)",
                [[str(i) for i in ids]],
            )
        }
    missing = [i for i in ids if i not in contacts]
    wrong = [i for i in ids if i in contacts and totals.get(i) != acknowledged[i]]
    unaudited = [i for i in ids if i not in audited]
    return {
        "acknowledged": len(ids),
        "present": len(contacts),
        "lost": len(missing),
        "scores_missing_or_wrong": len(wrong),
        "audit_event_missing": len(unaudited),
        "examples": {"lost": missing[:10], "wrong": wrong[:10], "unaudited": unaudited[:10]},
    }


def verify_audit(url: str) -> tuple[int, str]:
    env = web_load._environment(url)
    done = subprocess.run(
        [str(web_load.BIN / "ontrack"), "verify-audit", "--database", url],
        env=env, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    return done.returncode, (done.stdout.strip() or done.stderr.strip()).splitlines()[0]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    figures: dict[str, Any] = {"arguments": {k: str(v) for k, v in vars(args).items()}}
    if not args.reuse:
        print(f"Building a demo service: {args.therapists} therapists, ~{args.clients} clients")
        figures["build"] = web_load.build(args)
    tokens = make_tokens(args)
    os.environ["ONTRACK_API_RATE"] = "100000/m"
    before = count_contacts(args.database)
    server = web_load.serve(args)
    ledger = Ledger()
    try:
        start = time.monotonic()
        stop = start + args.duration
        rng = random.Random(args.seed)
        threads = [
            threading.Thread(
                target=run_user,
                args=(ApiUser(args.port, t), ledger, stop, random.Random(rng.random())),
                daemon=True,
            )
            for t in tokens
        ]
        for thread in threads:
            thread.start()
        if not args.no_restart:
            time.sleep(max(0.0, start + args.restart_after - time.monotonic()))
            acked_before = len(ledger.acknowledged)
            print(f"Restarting PostgreSQL at {time.monotonic() - start:.1f} s ...", flush=True)
            figures["restart"] = restart_postgres(args.database)
            figures["restart"]["at_s"] = args.restart_after
            figures["restart"]["acknowledged_before"] = acked_before
            print(f"  back after {figures['restart']['until_connections_s']:.1f} s", flush=True)
        for thread in threads:
            thread.join(timeout=args.duration + 120)
        figures["load_average_after"] = os.getloadavg()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    after = count_contacts(args.database)
    result = check(args.database, ledger.acknowledged)
    result["attempts"] = ledger.attempts
    result["not_acknowledged"] = dict(sorted(ledger.refused.items()))
    result["committed_not_acknowledged"] = after - before - result["present"]
    figures["result"] = result
    figures["verify_audit"] = verify_audit(args.database)
    print(
        f"\n{args.users} users, {args.duration:.0f} s, PostgreSQL "
        + ("not restarted" if args.no_restart else f"restarted at {args.restart_after:.0f} s")
    )
    print(f"write attempts:             {ledger.attempts}")
    print(f"acknowledged (HTTP 201):    {result['acknowledged']}")
    print(f"not acknowledged:           {result['not_acknowledged']}")
    print(f"acknowledged and present:   {result['present']}")
    print(f"acknowledged writes LOST:   {result['lost']}")
    print(f"  scores missing or wrong:  {result['scores_missing_or_wrong']}")
    print(f"  audit event missing:      {result['audit_event_missing']}")
    print(f"committed, not acknowledged: {result['committed_not_acknowledged']}")
    print(f"verify-audit: exit {figures['verify_audit'][0]}: {figures['verify_audit'][1]}")
    print(f"load average {figures['load_average_after']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    bad = result["lost"] or result["scores_missing_or_wrong"] or result["audit_event_missing"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
