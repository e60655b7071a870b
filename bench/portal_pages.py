"""Time the client's pages (issue 15 target: p95 < 150 ms) on the demo service.

Builds the demo service (``ontrack demo --no-serve``, about 400 referrals) in a fresh
folder, signs in as its client, and requests each client page --repeat times after a
warm-up, in this process through Django's test client (server time only: no network, no
browser): every page the client has, and each kind of link page with no sign-in. Prints
p50 and p95 of the wall time per page and whether each is under the target, and the p95
of this process's CPU time per request (on a machine shared with other work, wall time
includes waiting for a CPU; CPU time is the server's own work).

    flock /tmp/ontrack-bench.lock .venv/bin/python bench/portal_pages.py --repeat 200

Record the figures and the command in docs/portal.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_MS = 150.0
PAGES = (
    "/my/",
    "/my/progress/",
    "/my/goals/",
    "/my/homework/",
    "/my/appointment/",
    "/my/questionnaires/",
    "/my/concerns/",
    "/my/concerns/new/",
    "/my/another-therapist/",
    "/my/messages/",
    "/my/ending/",
    "/my/experience/assessment/",
    "/my/experience/end/",
    "/my/recordings/",
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="portal_pages.py",
        description="Time the client's pages on the demo service (p50, p95 per page).",
        epilog="example:  .venv/bin/python bench/portal_pages.py --repeat 200",
    )
    parser.add_argument("--repeat", type=int, default=200, help="requests per page (200)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests first (10)")
    return parser.parse_args(argv)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _link_kinds(referral: Any, next_booked: Any, contact_model: Any) -> dict[str, dict[str, Any]]:
    """The kinds of link a client gets, each with what it points at in the demo."""
    kinds: dict[str, dict[str, Any]] = {"questionnaires": {}, "stop_messages": {}}
    booked = next_booked(referral)
    if booked is not None:
        kinds["appointment"] = {"appointment": booked, "episode": booked.episode}
    rated = _rateable(referral, contact_model)
    if rated is not None:
        kinds["rate_session"] = {"contact": rated}
    return kinds


def _rateable(referral: Any, contact_model: Any) -> Any:
    """The client's latest attended session, if it is recent enough to rate."""
    import datetime as dt

    from django.utils import timezone

    return (
        contact_model.unscoped.filter(
            referral=referral,
            attendance__in=["5", "6"],
            contact_date__gte=timezone.localdate() - dt.timedelta(days=14),
        )
        .order_by("-contact_date")
        .first()
    )


def _label(path: str, links: dict[str, str]) -> str:
    for purpose, token in links.items():
        if token in path:
            return f"/l/<{purpose} link>/"
    return path


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    var = Path(tempfile.mkdtemp(prefix="ontrack-portal-bench-"))
    env = {**os.environ, "ONTRACK_VAR_DIR": str(var)}
    ontrack = Path(sys.executable).parent / "ontrack"
    subprocess.run([str(ontrack), "demo", "--no-serve"], check=True, env=env, capture_output=True)
    # The demo's own field key (its notes, goals and homework are encrypted with it).
    keys = (var / "field.keys").read_text("utf-8").split()
    os.environ.update(
        ONTRACK_FIELD_KEYS=",".join(keys),
        ONTRACK_VAR_DIR=str(var),
        DATABASE_URL=f"sqlite:///{var / 'demo.sqlite3'}",
        DJANGO_SETTINGS_MODULE="ontrack.web.test_settings",
        ALLOWED_HOSTS="testserver",
    )
    import datetime as dt

    import django

    django.setup()
    from django.test import Client as Browser

    from ontrack.web.accounts.models import User
    from ontrack.web.common.forms import measure_key
    from ontrack.web.portal.links import issue_link
    from ontrack.web.records.actions import next_booked, raise_concern
    from ontrack.web.records.actions.online import asked_measures, current_referral_of
    from ontrack.web.records.models import Client, Contact, Homework
    from ontrack.web.records.scoping import scopes_disabled

    with scopes_disabled():
        user = User.objects.get(username="client")
        client = Client.unscoped.get(user=user)
        referral = current_referral_of(client.pk)
        assert referral is not None, "the demo client has no open referral"
        links = {}
        for purpose, extra in _link_kinds(referral, next_booked, Contact).items():
            _link, links[purpose] = issue_link(
                client=client,
                purpose=purpose,
                referral=referral,
                valid_for=dt.timedelta(days=4),
                **extra,
            )
        concern = raise_concern(
            client=client, referral=referral, kind="concern", summary="Timing.", by=user
        )
        extra_pages = [f"/my/concerns/{concern.pk}/"]
        asked = [a for a in asked_measures(referral) if a.online]
        if asked:
            extra_pages.append(f"/my/questionnaires/{measure_key(asked[0].measure.code)}/")
        homework = Homework.unscoped.filter(referral=referral).first()
        if homework is not None:
            extra_pages.append(f"/my/homework/{homework.pk}/")
        rated = _rateable(referral, Contact)
        if rated is not None:
            extra_pages.append(f"/my/sessions/{rated.pk}/rate/")
    signed_in = Browser()
    signed_in.force_login(user)
    rows = []
    pages = [*((p, signed_in) for p in (*PAGES, *extra_pages))]
    pages += [(f"/l/{token}/", Browser()) for token in links.values()]
    for path, browser in pages:
        for _ in range(args.warmup):
            assert browser.get(path).status_code == 200, path
        times, cpu = [], []
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = browser.get(path)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200, path
        p50, p95 = statistics.median(times), _percentile(times, 0.95)
        cpu95 = _percentile(cpu, 0.95)
        label = _label(path, links)
        rows.append((label, p50, p95, cpu95))
        print(
            f"{label:28} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  cpu p95 {cpu95:6.1f} ms  "
            + ("ok" if p95 < TARGET_MS else "OVER")
        )
    worst = max(row[2] for row in rows)
    worst_cpu = max(row[3] for row in rows)
    print(
        f"worst p95 {worst:.1f} ms (target < {TARGET_MS:.0f} ms); worst CPU p95 "
        f"{worst_cpu:.1f} ms (this process's own CPU time per request: the server's work "
        f"without waiting for a busy machine); load {os.getloadavg()[0]:.1f}"
    )
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
