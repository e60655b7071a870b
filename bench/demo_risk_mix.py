"""The demo's risk-alert mix: how many clients have an open urgent / any risk alert.

Builds the demo service (``ontrack demo --no-serve``, 400 referrals by default) in a fresh
folder for each seed and reads its SQLite database: clients in treatment (an open
episode), those with an open risk alert and an open urgent one, risk alerts in all (open
and closed), and the largest share of one therapist's caseload marked "Urgent: risk".

    flock /tmp/ontrack-bench.lock .venv/bin/python bench/demo_risk_mix.py --seeds 2026 7 11

Record the figures and the command in docs/risk.md.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

QUERIES = {
    "in_treatment": "SELECT COUNT(DISTINCT r.client_id) FROM records_episode e "
    "JOIN records_referral r ON r.id = e.referral_id WHERE e.status = 'open'",
    "open_risk": "SELECT COUNT(DISTINCT r.client_id) FROM records_alert a "
    "JOIN records_referral r ON r.id = a.referral_id JOIN records_episode e "
    "ON e.referral_id = r.id AND e.status = 'open' WHERE a.kind = 'risk' AND a.status != 'closed'",
    "open_urgent": "SELECT COUNT(DISTINCT r.client_id) FROM records_alert a "
    "JOIN records_referral r ON r.id = a.referral_id JOIN records_episode e "
    "ON e.referral_id = r.id AND e.status = 'open' WHERE a.kind = 'risk' "
    "AND a.status != 'closed' AND a.severity = 'urgent'",
    "risk_alerts_ever": "SELECT COUNT(*) FROM records_alert WHERE kind = 'risk'",
    "open_risk_alerts": "SELECT COUNT(*) FROM records_alert WHERE kind = 'risk' "
    "AND status != 'closed'",
    "clients_with_two_open": "SELECT COUNT(*) FROM (SELECT r.client_id FROM records_alert a "
    "JOIN records_referral r ON r.id = a.referral_id WHERE a.kind = 'risk' "
    "AND a.status != 'closed' GROUP BY r.client_id HAVING COUNT(*) > 1)",
}
WORST_CASELOAD = (
    "SELECT e.therapist_id, COUNT(DISTINCT r.client_id), COUNT(DISTINCT CASE WHEN a.id IS NOT "
    "NULL THEN r.client_id END) FROM records_episode e JOIN records_referral r ON r.id = "
    "e.referral_id LEFT JOIN records_alert a ON a.referral_id = r.id AND a.kind = 'risk' AND "
    "a.status != 'closed' AND a.severity = 'urgent' WHERE e.status = 'open' GROUP BY "
    "e.therapist_id"
)


def build(seed: int, referrals: int, folder: Path) -> Path:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["ONTRACK_VAR_DIR"] = str(folder)
    command = [sys.executable, "-m", "ontrack", "demo", "--no-serve", "--seed", str(seed)]
    command += ["--referrals", str(referrals)]
    subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return folder / "demo.sqlite3"


def mix(database: Path) -> dict[str, float]:
    with sqlite3.connect(database) as db:
        found: dict[str, float] = {k: db.execute(q).fetchone()[0] for k, q in QUERIES.items()}
        worst = max(
            (urgent / clients, clients, urgent)
            for _, clients, urgent in db.execute(WORST_CASELOAD)
            if clients
        )
    found["worst_caseload_urgent"] = worst[2]
    found["worst_caseload_clients"] = worst[1]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[2026])
    parser.add_argument("--referrals", type=int, default=400)
    args = parser.parse_args()
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as folder:
            m = mix(build(seed, args.referrals, Path(folder)))
        n = m["in_treatment"]
        print(
            f"seed {seed}: {n:.0f} clients in treatment; open risk alert "
            f"{m['open_risk']:.0f} ({m['open_risk'] / n:.1%}), open urgent "
            f"{m['open_urgent']:.0f} ({m['open_urgent'] / n:.1%}); risk alerts in all "
            f"{m['risk_alerts_ever']:.0f} ({m['open_risk_alerts']:.0f} open); clients with two "
            f"open: {m['clients_with_two_open']:.0f}; worst caseload "
            f"{m['worst_caseload_urgent']:.0f} of {m['worst_caseload_clients']:.0f} urgent"
        )


if __name__ == "__main__":
    main()
