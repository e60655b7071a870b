"""Benchmark the REST API under load: reads and session writes at 5,000 clients, 16 users.

Builds the demo service scaled up (default 50 therapists, about 5,000 clients) in its own
PostgreSQL database with ``bench/web_load.py``'s builder, makes one integration token per
virtual user (acting as a different therapist, read and write on episodes, contacts,
signals and alerts), serves the app with gunicorn on the loopback interface and runs
--users threads for --duration seconds. Each repeats what a scheduling or record system
does: list its open episodes, read one, read its signal, read its contacts, list open
alerts, and (half the time) record a session with PHQ-9 and GAD-7 answers under the
episode's ETag. Latencies are measured in the client, per request, after --warmup.

Targets (issue 19): reads p95 < 100 ms, writes p95 < 200 ms.

    flock /tmp/ontrack-bench.lock .venv/bin/python bench/api_load.py
    flock /tmp/ontrack-bench.lock .venv/bin/python bench/api_load.py --reuse --duration 60

Nothing leaves the machine: the server binds 127.0.0.1 and the users connect to it.
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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import web_load  # the sibling script: its builder, server and summaries

ROOT = web_load.ROOT
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/ontrack_api_bench"
TARGETS = {"read": 100.0, "write": 200.0}
RESOURCES = "episodes,contacts,signals,alerts"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="api_load.py", description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DB, help=f"PostgreSQL URL ({DEFAULT_DB})")
    parser.add_argument("--therapists", type=int, default=50)
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--waiting", type=int, default=1000)
    parser.add_argument("--triage-users", type=int, default=0)
    parser.add_argument("--users", type=int, default=16, help="concurrent users (16)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds measured (60)")
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds not measured (20)")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause, seconds (1.0)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--port", type=int, default=8879, help="loopback port (8879)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="reuse the bench database")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.users > args.therapists:
        parser.error("--users cannot exceed --therapists: each user is a different therapist")
    return args


def make_tokens(args: argparse.Namespace) -> list[str]:
    """One token per user, made by the service manager, acting as therapist N."""
    env = web_load._environment(args.database)
    env["DJANGO_SETTINGS_MODULE"] = "ontrack.web.settings"
    script = (
        "import django, json; django.setup();"
        "from ontrack.web.accounts.models import Staff, User;"
        "from ontrack.web.api.tokens import create_token;"
        "manager = Staff.objects.filter(role='manager').select_related('user').first().user;"
        "out = [];"
        f"[out.append(create_token(name=f'bench {{n}}', scopes=['read', 'write'],"
        f" resources={RESOURCES.split(',')!r}, by=manager,"
        " acting_as=User.objects.get(username=f'therapist{n}')).secret)"
        f" for n in range(1, {args.users} + 1)];"
        "print(json.dumps(out))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"making the tokens failed:\n{done.stderr[-4000:]}")
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


class ApiUser:
    def __init__(self, port: int, token: str, rng: random.Random) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.token = token
        self.rng = rng

    def call(
        self, method: str, path: str, body: Any = None, if_match: str | None = None
    ) -> tuple[int, Any, dict[str, str], float]:
        headers = {"Authorization": f"Bearer {self.token}"}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        if if_match is not None:
            headers["If-Match"] = if_match
        started = time.perf_counter()
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        return response.status, json.loads(raw or b"null"), dict(response.headers), elapsed


def run_user(
    user: ApiUser, results: web_load.Results, start: float, stop: float, think: float
) -> None:
    def timed(kind: str, method: str, path: str, **kw: Any) -> tuple[Any, dict[str, str]]:
        status, body, headers, ms = user.call(method, path, **kw)
        if status >= 400 and not (kind == "write" and status == 409):
            raise RuntimeError(f"{method} {path}: HTTP {status} {str(body)[:200]}")
        if start <= time.monotonic() <= stop:
            results.add(kind, ms)
            results.add(f"{kind}: {path.split('?')[0].split('/')[2]}", ms)
        return body, headers

    today = time.strftime("%Y-%m-%d")
    try:
        me = user.call("GET", "/api/me")[1]
        own = f"/api/episodes?status=open&therapist_id={me['staff_id']}&limit=50"
        while time.monotonic() < stop:
            page, _ = timed("read", "GET", own)
            if not page["items"]:
                raise RuntimeError("the therapist has no open episodes")
            episode = user.rng.choice(page["items"])
            path = f"/api/episodes/{episode['id']}"
            _, headers = timed("read", "GET", path)
            timed("read", "GET", f"{path}/signal")
            timed("read", "GET", f"/api/contacts?episode_id={episode['id']}&limit=20")
            timed("read", "GET", "/api/alerts?status=open&limit=20")
            user_pause(user, think)
            if user.rng.random() < 0.5:
                body = {
                    "contact_date": today,
                    "attendance": "5",
                    "questionnaires": {
                        "PHQ-9": [user.rng.randint(0, 3) for _ in range(8)] + [0],
                        "GAD-7": [user.rng.randint(0, 3) for _ in range(7)],
                    },
                }
                timed("write", "POST", f"{path}/sessions", body=body, if_match=headers["ETag"])
                user_pause(user, think)
    except (OSError, RuntimeError, http.client.HTTPException, KeyError) as exc:
        results.fail(f"{exc}")


def user_pause(user: ApiUser, think: float) -> None:
    if think:
        time.sleep(user.rng.uniform(0.5 * think, 1.5 * think))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    figures: dict[str, Any] = {"arguments": {k: str(v) for k, v in vars(args).items()}}
    if not args.reuse:
        print(f"Building the demo service: {args.therapists} therapists, ~{args.clients} clients")
        figures["build"] = web_load.build(args)
        print(f"  built in {figures['build']['seconds']:.0f} s: {figures['build']}")
    tokens = make_tokens(args)
    os.environ["ONTRACK_API_RATE"] = "100000/m"  # the bench measures speed, not the limit
    server = web_load.serve(args)
    try:
        results = web_load.Results()
        start = time.monotonic() + args.warmup
        stop = start + args.duration
        rng = random.Random(args.seed)
        threads = [
            threading.Thread(
                target=run_user,
                args=(
                    ApiUser(args.port, t, random.Random(rng.random())),
                    results,
                    start,
                    stop,
                    args.think,
                ),
                daemon=True,
            )
            for t in tokens
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.warmup + args.duration + 120)
        figures["load_average_after"] = os.getloadavg()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    web_load.TARGETS.update(TARGETS)
    figures["results"] = web_load.summarise(results, args.duration)
    figures["errors"] = results.errors[:20]
    figures["error_count"] = len(results.errors)
    print(f"\n{args.users} users, {args.duration:.0f} s measured, think {args.think} s:")
    print(f"{'request':<20}{'n':>7}{'median ms':>11}{'p95 ms':>9}{'p99 ms':>9}  target p95")
    for kind, row in figures["results"].items():
        target = row["target_p95_ms"]
        verdict = f"< {target:.0f} ms " + ("met" if row["met"] else "NOT MET") if target else ""
        print(
            f"{kind:<20}{row['requests']:>7}{row['median_ms']:>11.0f}{row['p95_ms']:>9.0f}"
            f"{row['p99_ms']:>9.0f}  {verdict}"
        )
    print(f"errors: {len(results.errors)}; load average {figures['load_average_after']}")
    for error in results.errors[:5]:
        print(f"  {error}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    return 1 if results.errors else 0


if __name__ == "__main__":
    sys.exit(main())
