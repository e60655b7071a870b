"""Time the client's pages (issue 15 target: p95 < 150 ms) on the demo service.

Builds the demo service (``ontrack demo --no-serve``, about 400 referrals) in a fresh
folder, signs in as its client, and requests each client page --repeat times after a
warm-up, in this process through Django's test client (server time only: no network, no
browser). A questionnaires link is opened the same way, with no sign-in. Prints p50 and
p95 per page and says whether each is under the target.

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


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    var = Path(tempfile.mkdtemp(prefix="ontrack-portal-bench-"))
    env = {**os.environ, "ONTRACK_VAR_DIR": str(var)}
    ontrack = Path(sys.executable).parent / "ontrack"
    subprocess.run([str(ontrack), "demo", "--no-serve"], check=True, env=env, capture_output=True)
    os.environ.update(
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
    from ontrack.web.portal.links import issue_link
    from ontrack.web.portal.models import LinkPurpose
    from ontrack.web.records.actions.online import current_referral_of
    from ontrack.web.records.models import Client
    from ontrack.web.records.scoping import scopes_disabled

    with scopes_disabled():
        user = User.objects.get(username="client")
        client = Client.unscoped.get(user=user)
        referral = current_referral_of(client.pk)
        _link, token = issue_link(
            client=client,
            purpose=LinkPurpose.QUESTIONNAIRES,
            referral=referral,
            valid_for=dt.timedelta(days=4),
        )
    signed_in = Browser()
    signed_in.force_login(user)
    rows = []
    for path, browser in [*((p, signed_in) for p in PAGES), (f"/l/{token}/", Browser())]:
        for _ in range(args.warmup):
            assert browser.get(path).status_code == 200, path
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = browser.get(path)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, path
        p50, p95 = statistics.median(times), _percentile(times, 0.95)
        label = "/l/<token>/" if path.startswith("/l/") else path
        rows.append((label, p50, p95))
        print(
            f"{label:28} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
            + ("ok" if p95 < TARGET_MS else "OVER")
        )
    worst = max(p95 for _, _, p95 in rows)
    print(f"worst p95 {worst:.1f} ms (target < {TARGET_MS:.0f} ms); load {os.getloadavg()[0]:.1f}")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
