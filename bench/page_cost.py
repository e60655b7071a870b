"""Measure what one clinician page costs the server: CPU, wall time and queries, in-process.

Complements ``web_load.py``: under load the latencies mostly measure the queue for the CPU
(docs/performance.md), while the CPU a page spends, one request at a time, barely moves
with the machine's load. Run it on the database ``web_load.py`` built:

    .venv/bin/python bench/page_cost.py --database postgres://postgres@127.0.0.1:5432/ontrack_bench

It signs in (in-process, Django's test client) as therapist5 (their own caseload),
supervisor1 (a group's) and the manager (the whole service's open episodes, paged), opens
each caseload --repeat times, and therapist5's clients' timelines as many times; it prints
the median CPU ms (``time.process_time``; the least as well, which other work on the
machine disturbs least), wall ms and query count of each page. To
compare with another version of the code, put its ``src`` first on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Any

from web_load import DEFAULT_DB, _environment  # bench/ is this script's own folder


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="page_cost.py",
        description="Median CPU, wall time and queries of the caseload and timeline pages.",
        epilog="example:  .venv/bin/python bench/page_cost.py --repeat 15",
    )
    parser.add_argument("--database", default=DEFAULT_DB, help=f"PostgreSQL URL ({DEFAULT_DB})")
    parser.add_argument("--repeat", type=int, default=15, help="requests per page (15)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def _setup(database: str) -> None:
    """Configure Django as web_load.py serves it, for the test client's host."""
    os.environ.update(_environment(database))
    os.environ.update(ALLOWED_HOSTS="testserver", DJANGO_SETTINGS_MODULE="ontrack.web.settings")
    import django

    django.setup()


def _measure(browser: Any, path: str, repeat: int) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser.get(path)  # warm: templates compiled, connection open
    cpu, wall, queries = [], [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started_cpu, started = time.process_time(), time.perf_counter()
            response = browser.get(path)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        queries.append(len(captured))
    return {
        "cpu_ms": statistics.median(cpu),
        "cpu_min_ms": min(cpu),
        "wall_ms": statistics.median(wall),
        "queries": statistics.median(queries),
        "rows": response.content.decode().count('<th scope="row" class="nhsuk-table__header'),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    _setup(args.database)
    import re

    from django.test import Client

    from ontrack.web.accounts.models import User

    figures: dict[str, Any] = {"arguments": vars(args)}
    for who in ("therapist5", "supervisor1", "manager"):
        browser = Client()
        browser.force_login(User.objects.get(username=who))
        figures[f"caseload ({who})"] = _measure(browser, "/caseload/", args.repeat)
        if who == "therapist5":
            page = browser.get("/caseload/").content.decode()
            clients = sorted(set(re.findall(r'href="/clients/(\d+)/"', page)))[:5]
            timings = [_measure(browser, f"/clients/{c}/", args.repeat) for c in clients]
            figures["timeline (therapist5)"] = {
                key: statistics.median(t[key] for t in timings) for key in timings[0]
            }
    print(f"{'page':<26}{'CPU ms':>8}{'(min)':>7}{'wall ms':>9}{'queries':>9}")
    for name, row in figures.items():
        if name != "arguments":
            print(
                f"{name:<26}{row['cpu_ms']:>8.1f}{row['cpu_min_ms']:>7.1f}{row['wall_ms']:>9.1f}"
                f"{row['queries']:>9.0f}"
            )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
