"""The pandas and Polars baselines of bench/analytics.py compute the same measures as the
Ibis code.

A speed comparison is only fair if both sides count the same things: every count of every
breakdown group and month of the baseline must equal the report's.
"""

from __future__ import annotations

from typing import Any

import pytest

from ontrack.analytics import build_report, open_dataset
from ontrack.dataset import write_dataset
from ontrack.synth import simulate

pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")


def _differences(where: str, ours: dict[str, Any], theirs: dict[str, int]) -> list[str]:
    return [
        f"{where} {name}: ibis {ours.get(name)} pandas {value}"
        for name, value in theirs.items()
        if ours.get(name) != value
    ]


@pytest.mark.parametrize("baseline", ["analytics_pandas_baseline", "analytics_polars_baseline"])
def test_baseline_counts_what_the_report_counts(tmp_path, load_bench, baseline):
    write_dataset(simulate(referrals=600, seed=5), tmp_path, overwrite=True)

    theirs = load_bench(baseline).run(tmp_path)
    with open_dataset(tmp_path) as engine:
        report = build_report(engine)

    diffs = _differences("overall", report.overall, theirs["overall"])
    checked = 0
    for dimension, groups in theirs["breakdowns"].items():
        ours = {r["group"]: r for r in report.breakdowns[dimension]}
        ours |= {r["label"]: r for r in report.breakdowns[dimension]}
        for group, counts in groups.items():
            # A therapist's appointments are their own contacts' (the report's rule), which
            # the baseline does not attempt; every other count is the referral's.
            if dimension == "therapist":
                counts = {k: v for k, v in counts.items() if k not in ("appointments", "dna")}
            diffs += _differences(f"{dimension}={group}", ours.get(group, {}), counts)
            checked += 1
    months = {r["group"]: r for r in report.breakdowns["month"]}
    for month, counts in theirs["months"].items():
        diffs += _differences(f"month={month}", months.get(month, {}), counts)
        checked += 1

    if "published" in theirs:  # the Polars baseline's small tables
        ours_out = report.to_dict()
        for key, value in theirs["published"].items():
            if ours_out[key] != value:
                diffs.append(f"{key}: ibis {ours_out[key]} {baseline} {value}")
    assert diffs == []
    assert checked > 50  # every dimension and month was compared, not an empty loop
    assert theirs["therapists"] == len(report.therapist_effects)
