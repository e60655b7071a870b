"""Benchmark the clinician and pathway pages under load.

Builds the demo service scaled up (default 50 therapists, about 5,000 clients) in its own
PostgreSQL database, serves it with gunicorn on the loopback interface, and runs --users
virtual clinicians (default 16) for --duration seconds. Each one signs in as a different
therapist and repeats what a therapist does between sessions: open the caseload, open a
client's timeline, and (half the time) open the session form and save a session with
quick-entry answers, pausing --think seconds (with jitter) between steps as a person
would. Each also opens their week of appointments and a referral page from it. The first
--triage-users of them do triage as well (the demo flags them so): they open a page of the
waiting list (--waiting people on it, default 1,000), a waiting person's referral page and
check-in form, and save a waiting-well check-in. Latencies are measured in the client, per
request, after a --warmup period.

Targets (issue 7): caseload and timeline p95 < 150 ms, session save p95 < 200 ms; (issue
13) every pathway page p95 < 150 ms, saves p95 < 200 ms.
Record the printed figures and the exact command in docs/performance.md.

    .venv/bin/python bench/web_load.py                      # build, serve, load, report
    .venv/bin/python bench/web_load.py --reuse --duration 60 --json out/web_load.json

Nothing leaves the machine: the server binds 127.0.0.1 and the users connect to it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/ontrack_bench"
PASSWORD = "ontrack-demo"
CLIENTS_PER_REFERRAL = 0.95  # the simulator's repeat referrals: ~5% of clients come back
TARGETS = {
    "caseload": 150.0,
    "timeline": 150.0,
    "session save": 200.0,
    "appointments week": 150.0,
    "referral page": 150.0,
    "waiting list": 150.0,
    "check-in form": 150.0,
    "check-in save": 200.0,
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="web_load.py",
        description="Load-test the caseload, timeline and session save on PostgreSQL.",
        epilog="example:  .venv/bin/python bench/web_load.py --users 16 --duration 60",
    )
    parser.add_argument("--database", default=DEFAULT_DB, help=f"PostgreSQL URL ({DEFAULT_DB})")
    parser.add_argument("--therapists", type=int, default=50, help="therapists (default 50)")
    parser.add_argument("--clients", type=int, default=5000, help="clients (default 5000)")
    parser.add_argument("--users", type=int, default=16, help="concurrent users (default 16)")
    parser.add_argument(
        "--waiting", type=int, default=1000, help="people on the waiting list (default 1000)"
    )
    parser.add_argument(
        "--triage-users", type=int, default=4, help="users who also do triage (default 4)"
    )
    parser.add_argument("--duration", type=float, default=60.0, help="seconds measured (60)")
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds not measured (20)")
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean pause between steps, seconds (1.0)"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--port", type=int, default=8877, help="loopback port (default 8877)")
    parser.add_argument("--seed", type=int, default=2026, help="simulation seed (2026)")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing bench database")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    for name in ("therapists", "clients", "users", "workers", "waiting"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.users > args.therapists:
        parser.error("--users cannot exceed --therapists: each user is a different therapist")
    if args.duration <= 0 or args.warmup < 0 or args.think < 0:
        parser.error("--duration must be positive; --warmup and --think at least 0")
    if not args.database.startswith(("postgres://", "postgresql://")):
        parser.error("--database must be a PostgreSQL URL (the targets are for PostgreSQL)")
    return args


def _environment(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database,
        "SECRET_KEY": os.environ.get("SECRET_KEY", secrets.token_urlsafe(50)),
        "DEBUG": "0",
        "HTTPS_ONLY": "0",
        "DB_CONN_MAX_AGE": "600",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "ERROR",
    }


def _recreate_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"bench database name {name!r} must be a plain lower-case identifier")
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def _triage_names(args: argparse.Namespace) -> list[str]:
    return [f"therapist{n}" for n in range(1, min(args.triage_users, args.users) + 1)]


def build(args: argparse.Namespace) -> dict[str, Any]:
    """Create the bench database and load the scaled demo service into it."""
    _recreate_database(args.database)
    env = _environment(args.database)
    referrals = math.ceil(args.clients / CLIENTS_PER_REFERRAL)
    script = (
        "import django, json, time;"
        "django.setup();"
        "from django.core.management import call_command;"
        "call_command('migrate', verbosity=0);"
        "from ontrack.web.canonical.demo import build_demo;"
        "t = time.perf_counter();"
        f"d = build_demo(referrals={referrals}, seed={args.seed}, therapists={args.therapists},"
        f" waiting={args.waiting});"
        "from ontrack.web.accounts.models import Staff;"
        f"Staff.objects.filter(user__username__in={_triage_names(args)!r}).update(triage=True);"
        "print(json.dumps({'seconds': time.perf_counter() - t, 'clients': d.summary.clients,"
        " 'referrals': d.summary.referrals, 'contacts': d.summary.contacts,"
        " 'open_episodes': d.open_episodes, 'waiting': d.pathway.waiting,"
        " 'appointments': d.pathway.appointments}))"
    )
    env["DJANGO_SETTINGS_MODULE"] = "ontrack.web.settings"
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"building the bench database failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def serve(args: argparse.Namespace) -> subprocess.Popen[bytes]:
    """Start gunicorn on the loopback interface and wait until it answers."""
    env = _environment(args.database)
    env["DJANGO_SETTINGS_MODULE"] = "ontrack.web.settings"
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "ontrack.web.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            # A loaded machine can take over gunicorn's default 30 s to import the URL
            # configuration on a worker's first request; do not kill workers for it.
            "--timeout",
            "180",
        ],
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
            conn.request("GET", "/accounts/sign-in/")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not start within 240 seconds")


@dataclass
class Results:
    """Latencies in milliseconds per kind of request, and the failures."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(ms)

    def fail(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


class User:
    """One virtual therapist with a keep-alive connection and a session cookie."""

    def __init__(self, port: int, username: str, rng: random.Random) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.username = username
        self.rng = rng

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, float, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1{path}"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        started = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        elapsed = (time.perf_counter() - started) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text, elapsed, response.headers.get("Location", "")

    def sign_in(self) -> None:
        _, page, _, _ = self.request("GET", "/accounts/sign-in/")
        token = _csrf(page)
        status, _, _, _ = self.request(
            "POST",
            "/accounts/sign-in/",
            {"csrfmiddlewaretoken": token, "username": self.username, "password": PASSWORD},
        )
        if status != 302:
            raise RuntimeError(f"{self.username} could not sign in (HTTP {status})")

    def pause(self, think: float) -> None:
        if think:
            time.sleep(self.rng.uniform(0.5 * think, 1.5 * think))


def _csrf(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if match is None:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def _session_form(page: str) -> dict[str, str]:
    version = re.search(r'name="version" value="(\d+)"', page)
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    if version is None or token is None:
        raise RuntimeError("no version or form token on the session form")
    return {
        "csrfmiddlewaretoken": _csrf(page),
        "version": version.group(1),
        "form_token": token.group(1),
        "same_day_confirmed": "on",
        "contact_date": time.strftime("%Y-%m-%d"),
        "attendance": "5",
        "app_type": "02",
        "cons_mechanism": "01",
        "therapy": "",
        "phq9_quick": "".join(random.choice("0112") for _ in range(8)) + "0",
        "gad7_quick": "".join(random.choice("0112") for _ in range(7)),
        "osr_quick": " ".join(str(random.randint(6, 10)) for _ in range(4)),
        "notes": "Benchmark session.",
    }


def _check_in_form(page: str) -> dict[str, str]:
    return {
        "csrfmiddlewaretoken": _csrf(page),
        "checked_on": time.strftime("%Y-%m-%d"),
        "phq9": "".join(random.choice("0112") for _ in range(8)) + "0",
        "gad7": "".join(random.choice("0112") for _ in range(7)),
        "still_wants_therapy": "on",
        "note": "Benchmark check-in.",
    }


Timed = Any  # the ``timed`` closure of ``run_user``


def pathway_steps(user: User, timed: Timed, think: float, triage: bool) -> None:
    """The week, a referral from it, and for triage staff the waiting list and a check-in."""
    week = timed("appointments week", "GET", "/appointments/")
    referrals = re.findall(r'href="/referrals/(\d+)/"', week)
    if referrals:
        user.pause(think)
        timed("referral page", "GET", f"/referrals/{user.rng.choice(referrals)}/")
    if not triage:
        return
    user.pause(think)
    waiting = timed("waiting list", "GET", f"/waiting-list/?page={user.rng.randint(1, 10)}")
    waiting_ids = re.findall(r'href="/referrals/(\d+)/"', waiting)
    if not waiting_ids:
        return
    chosen = user.rng.choice(waiting_ids)
    user.pause(think)
    timed("referral page", "GET", f"/referrals/{chosen}/")
    user.pause(think)
    form = timed("check-in form", "GET", f"/referrals/{chosen}/check-in/")
    user.pause(think)
    timed("check-in save", "POST", f"/referrals/{chosen}/check-in/", _check_in_form(form))


def run_user(
    user: User,
    results: Results,
    start: float,
    stop: float,
    think: float,
    record: float,
    triage: bool = False,
) -> None:
    """Repeat caseload → timeline → (session form → save) → pathway steps until ``stop``."""

    def timed(kind: str, method: str, path: str, form: dict[str, str] | None = None) -> str:
        status, page, ms, _ = user.request(method, path, form)
        expected = 302 if method == "POST" else 200
        if status != expected:
            results.fail(f"{kind} {path}: HTTP {status}")
        elif time.monotonic() >= start:
            results.add(kind, ms)
        return page

    try:
        user.sign_in()
        while time.monotonic() < stop:
            caseload = timed("caseload", "GET", "/caseload/")
            clients = re.findall(r'href="/clients/(\d+)/"', caseload)
            if not clients:
                results.fail(f"{user.username}: empty caseload")
                return
            user.pause(think)
            timeline = timed("timeline", "GET", f"/clients/{user.rng.choice(clients)}/")
            record_link = re.search(r'href="(/clients/\d+/episodes/\d+/sessions/new/)"', timeline)
            user.pause(think)
            pathway_steps(user, timed, think, triage)
            user.pause(think)
            if record_link is None or user.rng.random() > record:
                continue
            form_page = timed("session form", "GET", record_link.group(1))
            form = _session_form(form_page)
            user.pause(think)
            timed("session save", "POST", record_link.group(1), form)
            user.pause(think)
    except (OSError, RuntimeError, http.client.HTTPException) as exc:
        results.fail(f"{user.username}: {exc}")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
    return ordered[index]


def summarise(results: Results, seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, values in sorted(results.latencies.items()):
        out[kind] = {
            "requests": len(values),
            "per_second": len(values) / seconds,
            "median_ms": statistics.median(values),
            "p95_ms": _percentile(values, 0.95),
            "p99_ms": _percentile(values, 0.99),
            "max_ms": max(values),
            "target_p95_ms": TARGETS.get(kind),
            "met": (_percentile(values, 0.95) < TARGETS[kind]) if kind in TARGETS else None,
        }
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    figures: dict[str, Any] = {"arguments": {k: str(v) for k, v in vars(args).items()}}
    if not args.reuse:
        print(f"Building the demo service: {args.therapists} therapists, ~{args.clients} clients")
        figures["build"] = build(args)
        print(f"  built in {figures['build']['seconds']:.0f} s: {figures['build']}")
    server = serve(args)
    try:
        results = Results()
        start = time.monotonic() + args.warmup
        stop = start + args.duration
        rng = random.Random(args.seed)
        users = [
            User(args.port, f"therapist{n}", random.Random(rng.random()))
            for n in range(1, args.users + 1)
        ]
        triage = set(_triage_names(args))
        threads = [
            threading.Thread(
                target=run_user,
                args=(u, results, start, stop, args.think, 0.5, u.username in triage),
                daemon=True,
            )
            for u in users
        ]
        load_before = os.getloadavg()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.warmup + args.duration + 120)
        figures["load_average_before"] = load_before
        figures["load_average_after"] = os.getloadavg()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    figures["results"] = summarise(results, args.duration)
    figures["errors"] = results.errors[:20]
    figures["error_count"] = len(results.errors)
    print(f"\n{args.users} users, {args.duration:.0f} s measured, think {args.think} s:")
    print(f"{'request':<18}{'n':>7}{'median ms':>11}{'p95 ms':>9}{'p99 ms':>9}  target p95")
    for kind, row in figures["results"].items():
        target = row["target_p95_ms"]
        verdict = ""
        if target is not None:
            verdict = f"< {target:.0f} ms " + ("met" if row["met"] else "NOT MET")
        print(
            f"{kind:<18}{row['requests']:>7}{row['median_ms']:>11.0f}{row['p95_ms']:>9.0f}"
            f"{row['p99_ms']:>9.0f}  {verdict}"
        )
    print(f"errors: {len(results.errors)}; load average {figures['load_average_after']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    return 1 if results.errors else 0


if __name__ == "__main__":
    sys.exit(main())
