"""Time one course's fidelity audit page (and its PDF) in-process, on a small demo service.

Builds the demo (``--referrals``, default 200) into a fresh SQLite file, signs in as the
service manager (who sees every course), picks the ``--courses`` courses with the most
treatment sessions, and opens each course's audit page ``--repeat`` times. Prints the
median and 95th-percentile wall time and the queries per page, then the same for the PDF,
then the service's rates by IMD decile (every course audited) three times.
Each request reads the course and audits it afresh; the note reader remembers notes it has
read in this process (as a server worker does), so the first request of each course pays
for reading its notes and is timed separately ("cold").

    flock /tmp/ontrack-bench.lock .venv/bin/python bench/fidelity_page.py
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fidelity_page.py", description=__doc__.split("\n")[0])
    parser.add_argument("--referrals", type=int, default=200, help="demo referrals (200)")
    parser.add_argument("--courses", type=int, default=10, help="courses to open (10)")
    parser.add_argument("--repeat", type=int, default=20, help="requests per course (20)")
    return parser.parse_args(argv)


def _setup(folder: Path) -> None:
    os.environ.update(
        DATABASE_URL=f"sqlite:///{folder / 'bench.sqlite3'}",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="0",
        HTTPS_ONLY="0",
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="ontrack.web.settings",
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _time(browser: Any, paths: list[str], repeat: int) -> tuple[list[float], list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cold, warm, queries = [], [], 0
    for path in paths:
        for n in range(repeat + 1):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = browser.get(path)
                elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 200, (path, response.status_code)
            (cold if n == 0 else warm).append(elapsed)
            queries = max(queries, len(captured))
    return cold, warm, queries


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        _setup(Path(folder))
        from django.db.models import Count
        from django.test import Client as Browser
        from django.urls import reverse

        from ontrack.web.accounts.models import Staff, StaffRole
        from ontrack.web.canonical.demo import build_demo
        from ontrack.web.records.models import Referral
        from ontrack.web.records.scoping import scopes_disabled

        build_demo(referrals=args.referrals, seed=2026)
        with scopes_disabled():
            manager = Staff.objects.select_related("user").get(role=StaffRole.MANAGER).user
            referrals = list(
                Referral.objects.annotate(n=Count("contacts"))
                .select_related("client")
                .order_by("-n", "pk")[: args.courses]
            )
            sessions = [r.n for r in referrals]
        browser = Browser()
        browser.force_login(manager)
        print(f"{len(referrals)} courses of {min(sessions)}-{max(sessions)} contacts")
        for name in ("course_audit", "course_audit_pdf"):
            paths = [reverse(name, args=[r.client.pk]) + f"?referral={r.pk}" for r in referrals]
            cold, warm, queries = _time(browser, paths, args.repeat)
            print(
                f"{name}: warm median {statistics.median(warm):.1f} ms, "
                f"p95 {_p95(warm):.1f} ms (n={len(warm)}); cold median "
                f"{statistics.median(cold):.1f} ms, max {max(cold):.1f} ms; "
                f"{queries} queries at most"
            )
        # The service's rates by IMD decile: every course audited (cached for ten minutes;
        # ?refresh=1 measures the work itself).
        service = reverse("service_fidelity") + "?refresh=1"
        times = []
        for _ in range(3):
            start = time.perf_counter()
            assert browser.get(service).status_code == 200
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"service_fidelity (every course, no cache): {', '.join(f'{t:.0f}' for t in times)} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
