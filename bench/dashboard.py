"""Measure the service dashboard on PostgreSQL: page p50/p95, the rebuild, and the refresh
each change costs, for one service of --referrals referrals (50,000 by default).

    .venv/bin/python bench/dashboard.py --referrals 50000

It recreates its own database (``ontrack_bench_dashboard``), simulates a year of referrals
ending today (``ontrack.synth``), loads them as an imported history (``load_tables``, the
dashboard hook paused, as ``manage.py load_dataset`` does), times ``rebuild_service`` (what
``manage.py rebuild_dashboard`` runs), then, in-process with Django's test client signed in
as the service's manager, requests the page --repeat times for each of: the default view
(the last 12 months), the whole year with the publication rule, and the CSV download; it
prints p50 and p95 wall time and the queries of each. Last it times ``refresh_clients`` for
--refresh clients (what each recorded session, correction or discharge adds after its
commit with ONTRACK_DASHBOARD_REFRESH=commit) and checks the counts still equal a rebuild.
The machine's load average is printed before and after: the machine may be shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from typing import Any

from web_load import _environment, _recreate_database  # bench/ is this script's own folder

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/ontrack_bench_dashboard"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="dashboard.py",
        description="p50/p95 of the service dashboard on PostgreSQL, with its rebuild.",
        epilog="example:  .venv/bin/python bench/dashboard.py --referrals 50000",
    )
    parser.add_argument("--database", default=DEFAULT_DB, help=f"PostgreSQL URL ({DEFAULT_DB})")
    parser.add_argument("--referrals", type=int, default=50_000, help="referrals (50,000)")
    parser.add_argument("--seed", type=int, default=7, help="simulation seed (7)")
    parser.add_argument("--repeat", type=int, default=100, help="requests per view (100)")
    parser.add_argument("--refresh", type=int, default=100, help="clients refreshed (100)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database a previous run built (skip the simulation and the load)",
    )
    parser.add_argument(
        "--no-rebuild",
        action="store_true",
        help="with --reuse: measure the counts already kept (the rebuild is not timed)",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.referrals < 10 or args.repeat < 2 or args.refresh < 1:
        parser.error("--referrals at least 10, --repeat at least 2, --refresh at least 1")
    if not args.database.startswith(("postgres://", "postgresql://")):
        parser.error("--database must be a PostgreSQL URL (the target is for PostgreSQL)")
    return args


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": statistics.median(ordered), "p95_ms": p95, "max_ms": ordered[-1]}


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _build(referrals: int, seed: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.utils import timezone

    from ontrack.synth import simulate
    from ontrack.web.accounts.models import Service, Staff, StaffRole, User
    from ontrack.web.canonical.cells import paused, rebuild_service
    from ontrack.web.canonical.demo import cut_at
    from ontrack.web.canonical.load import load_tables, refresh_planner_statistics

    _say("migrating")
    call_command("migrate", verbosity=0)
    _say("simulating and loading")
    today = timezone.localdate()
    started = time.perf_counter()
    tables = cut_at(
        simulate(referrals=referrals, seed=seed, services=1, start=today - dt.timedelta(days=365)),
        today,
    )
    with paused():
        summary = load_tables(tables)
    refresh_planner_statistics()
    loaded = time.perf_counter() - started
    service = Service.objects.get()
    Staff.objects.create(
        user=User.objects.create(username="manager"),
        service=service,
        role=StaffRole.MANAGER,
        practitioner_id="MGR1",
    )
    _say("rebuilding")
    started = time.perf_counter()
    rebuilt = rebuild_service(service)
    rebuild = time.perf_counter() - started
    return {
        "referrals": summary.referrals,
        "contacts": summary.contacts,
        "load_seconds": loaded,
        "rebuild_seconds": rebuild,
        "rebuilt_referrals": rebuilt,
    }


def _rebuild_only() -> dict[str, Any]:
    from ontrack.web.accounts.models import Service
    from ontrack.web.canonical.cells import rebuild_service
    from ontrack.web.records.models import Contact, Referral

    _say("rebuilding (database reused)")
    started = time.perf_counter()
    rebuilt = rebuild_service(Service.objects.get())
    return {
        "referrals": Referral.unscoped.count(),
        "contacts": Contact.unscoped.count(),
        "load_seconds": float("nan"),
        "rebuild_seconds": time.perf_counter() - started,
        "rebuilt_referrals": rebuilt,
    }


def _counts_only() -> dict[str, Any]:
    from ontrack.web.records.models import Contact, Referral

    return {
        "referrals": Referral.unscoped.count(),
        "contacts": Contact.unscoped.count(),
        "load_seconds": float("nan"),
        "rebuild_seconds": float("nan"),
        "rebuilt_referrals": None,
    }


def _page(browser: Any, query: dict[str, str], repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = browser.get("/service/", query)  # warm: imports, templates, connection
    if first.status_code != 200:
        raise SystemExit(f"/service/ {query}: HTTP {first.status_code}")
    wall, queries = [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = browser.get("/service/", query)
            wall.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"/service/ {query}: HTTP {response.status_code}")
        queries.append(len(captured))
    return {**_percentiles(wall), "queries": max(queries), "bytes": len(response.content)}


def _refresh(count: int) -> dict[str, Any]:
    from ontrack.web.canonical.cells import refresh_clients
    from ontrack.web.canonical.models import MonthCounts
    from ontrack.web.records.models import Client

    ids = list(Client.unscoped.order_by("pk").values_list("pk", flat=True))
    step = max(1, len(ids) // count)
    chosen = ids[::step][:count]
    wall = []
    for client_id in chosen:
        started = time.perf_counter()
        refresh_clients([client_id])
        wall.append((time.perf_counter() - started) * 1000)
    kept = list(
        MonthCounts.objects.order_by("month", "dimension", "group").values_list(
            "month", "dimension", "group", "counts"
        )
    )
    return {"clients": len(chosen), **_percentiles(wall), "rows": len(kept), "kept": kept}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = os.getloadavg()
    if not args.reuse:
        _recreate_database(args.database)
    os.environ.update(_environment(args.database))
    # The page is measured, not the sign-in: no second factor for the test client's session.
    os.environ.update(
        ALLOWED_HOSTS="testserver",
        DJANGO_SETTINGS_MODULE="ontrack.web.settings",
        ONTRACK_REQUIRE_2FA="0",
    )
    import django

    django.setup()
    from django.test import Client
    from django.utils import timezone

    from ontrack.web.accounts.models import Service, User
    from ontrack.web.canonical.cells import rebuild_service
    from ontrack.web.canonical.models import MonthCounts

    figures: dict[str, Any] = {"arguments": vars(args), "load_average_before": load_before}
    if args.reuse:
        figures["build"] = _counts_only() if args.no_rebuild else _rebuild_only()
    else:
        figures["build"] = _build(args.referrals, args.seed)
    _say("measuring the page")
    browser = Client()
    browser.force_login(User.objects.get(username="manager"))
    year = {"from": f"{timezone.localdate() - dt.timedelta(days=365):%Y-%m}"}
    views = {
        "default (last 12 months)": {},
        "whole year, publication rule": {**year, "publication": "1"},
        "CSV download": {**year, "format": "csv"},
    }
    figures["pages"] = {}
    for name, query in views.items():
        figures["pages"][name] = row = _page(browser, query, args.repeat)
        _say(
            f"{name}: p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms, "
            f"{row['queries']} queries"
        )
    _say("refreshing clients")
    refreshed = _refresh(args.refresh)
    kept = refreshed.pop("kept")
    figures["refresh_per_client"] = refreshed
    _say(f"refresh per client: p50 {refreshed['p50_ms']:.1f} ms, p95 {refreshed['p95_ms']:.1f} ms")
    _say(f"load average now {os.getloadavg()[0]:.2f}; rebuilding to compare")
    rebuild_service(Service.objects.get())
    rebuilt = list(
        MonthCounts.objects.order_by("month", "dimension", "group").values_list(
            "month", "dimension", "group", "counts"
        )
    )
    figures["refresh_equals_rebuild"] = kept == rebuilt
    figures["month_count_rows"] = len(rebuilt)
    figures["load_average_after"] = os.getloadavg()
    figures["cpus"] = os.cpu_count()

    build = figures["build"]
    print(
        f"{build['referrals']:,} referrals, {build['contacts']:,} contacts; loaded in "
        f"{build['load_seconds']:.0f} s; rebuild_service {build['rebuild_seconds']:.1f} s; "
        f"{len(rebuilt):,} month-count rows"
    )
    print(f"{'view':<32}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'queries':>9}")
    for name, row in figures["pages"].items():
        print(
            f"{name:<32}{row['p50_ms']:>8.1f}{row['p95_ms']:>8.1f}{row['max_ms']:>8.1f}"
            f"{row['queries']:>9}"
        )
    r = figures["refresh_per_client"]
    print(
        f"refresh after a change, per client ({r['clients']}): p50 {r['p50_ms']:.1f} ms, "
        f"p95 {r['p95_ms']:.1f} ms; counts equal a rebuild: {figures['refresh_equals_rebuild']}"
    )
    print(
        f"load average before {load_before[0]:.2f}, after {figures['load_average_after'][0]:.2f} "
        f"({figures['cpus']} CPUs)"
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=2, default=str)
    return 0 if figures["refresh_equals_rebuild"] else 1


if __name__ == "__main__":
    sys.exit(main())
