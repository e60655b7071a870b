"""Measure what one API request costs the server: CPU, wall time and queries, in-process.

Complements ``api_load.py`` as ``page_cost.py`` complements ``web_load.py``: under load
the latencies mostly measure the queue for the CPU (and for the audit chain's lock), while
the CPU one request spends barely moves with the machine's load. Run it on the database
``api_load.py`` built:

    .venv/bin/python bench/api_cost.py --repeat 15

It makes a token acting as therapist3 (in-process, Django's test client), then requests
each of the reads ``api_load.py`` makes --repeat times and records a session --writes
times; it prints the median CPU ms (``time.process_time``), the median wall ms and the
query count of each.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_load import DEFAULT_DB  # the sibling script's database
from web_load import _environment


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="api_cost.py", description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DB, help=f"PostgreSQL URL ({DEFAULT_DB})")
    parser.add_argument("--repeat", type=int, default=15, help="requests per read (15)")
    parser.add_argument("--writes", type=int, default=5, help="sessions recorded (5)")
    parser.add_argument("--therapist", default="therapist3", help="who the token acts as")
    return parser.parse_args(argv)


def _measure(call: Any, repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cpu, wall, queries, status = [], [], 0, 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            c0, w0 = time.process_time(), time.perf_counter()
            status = call()
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
        queries = len(captured)
    return {
        "status": status,
        "cpu_ms": statistics.median(cpu),
        "wall_ms": statistics.median(wall),
        "queries": queries,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.update(_environment(args.database))
    os.environ["DJANGO_SETTINGS_MODULE"] = "ontrack.web.settings"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["ONTRACK_API_RATE"] = "100000/m"
    import django

    django.setup()
    from django.test import Client

    from ontrack.web.accounts.models import Staff, User
    from ontrack.web.api.tokens import create_token

    manager = Staff.objects.filter(role="manager").select_related("user").first()
    if manager is None:
        raise SystemExit("no service manager in that database: run api_load.py first")
    acting = User.objects.get(username=args.therapist)
    secret = create_token(
        name="api_cost", scopes=["read", "write"],
        resources=["episodes", "contacts", "signals", "alerts"],
        by=manager.user, acting_as=acting,
    ).secret  # fmt: skip
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    staff_id = client.get("/api/me").json()["staff_id"]
    own = f"/api/episodes?status=open&therapist_id={staff_id}&limit=50"
    episode = client.get(own).json()["items"][0]["id"]
    reads = [
        own,
        f"/api/episodes/{episode}",
        f"/api/episodes/{episode}/signal",
        f"/api/contacts?episode_id={episode}&limit=20",
        "/api/alerts?status=open&limit=20",
    ]
    figures: dict[str, Any] = {}
    for path in reads:
        figures[path] = _measure(lambda p=path: client.get(p).status_code, args.repeat)
    etag = [client.get(f"/api/episodes/{episode}")["ETag"]]
    body = json.dumps(
        {
            "contact_date": time.strftime("%Y-%m-%d"),
            "attendance": "5",
            "questionnaires": {"PHQ-9": [1] * 8 + [0], "GAD-7": [1] * 7},
        }
    )

    def write() -> int:
        answer = client.post(
            f"/api/episodes/{episode}/sessions", body,
            content_type="application/json", headers={"If-Match": etag[0]},
        )  # fmt: skip
        etag[0] = answer["ETag"]
        return int(answer.status_code)

    figures["POST session"] = _measure(write, args.writes)
    print(f"{'request':<58}{'status':>7}{'CPU ms':>8}{'wall ms':>9}{'queries':>9}")
    for name, row in figures.items():
        print(
            f"{name:<58}{row['status']:>7}{row['cpu_ms']:>8.1f}{row['wall_ms']:>9.1f}"
            f"{row['queries']:>9}"
        )
    print(f"load average {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
