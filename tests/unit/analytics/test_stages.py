"""build_report can say where its time went, for bench/analytics.py."""

from __future__ import annotations

import pytest

from ontrack.analytics import build_report
from ontrack.analytics.engines import open_tables
from ontrack.synth import simulate

# Ibis 12 still calls DuckDB's deprecated fetch_arrow_table when it reads a schema.
pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")


def test_stage_seconds_are_recorded_only_when_asked():
    tables = simulate(referrals=60, seed=11)
    stages: dict[str, float] = {}
    with open_tables(tables) as engine:
        timed = build_report(engine, stages=stages)
    with open_tables(tables) as engine:
        untimed = build_report(engine)

    assert list(stages) == [
        "check codes",
        "contact table",
        "per-referral table",
        "breakdowns",
        "appointments and months",
        "therapist effects",
        "alert response",
        "published tables",
    ]
    assert all(seconds >= 0 for seconds in stages.values())
    assert timed.overall == untimed.overall
