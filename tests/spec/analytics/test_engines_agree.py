"""Property tests: on generated datasets every engine gives the reference's answers.

DuckDB is checked here; tests/integration/analytics repeats this for PySpark and
PostgreSQL. ``examples(n)`` is n in the "ci" Hypothesis profile, fewer in "dev". Integers must match exactly; the only floats an engine computes (therapist
effects' expected counts) must match to 1e-9 (``spec.report_differences``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from tests.conftest import examples

from ontrack.analytics import Period, build_report, open_tables
from ontrack.analytics.reference import reference_report
from ontrack.analytics.spec import datasets, report_differences
from ontrack.dataset.checks import check_tables
from ontrack.measures import nhstt

pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")

PERIODS = (Period(), Period(dt.date(2024, 4, 15), dt.date(2024, 6, 30)))


# One test per period, so that xdist can run the two halves at once (each report on a
# generated dataset takes seconds); every period still sees 25 datasets in the "ci" profile.
@pytest.mark.parametrize("period", PERIODS, ids=["whole", "part"])
@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(tables=datasets())
def test_duckdb_matches_reference_on_generated_datasets(period, tables):
    assert check_tables(tables) == []  # the generator only makes valid datasets

    with open_tables(tables) as engine:
        report = build_report(engine, period=period)

    assert report_differences(report, reference_report(tables, period)) == []


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables=datasets())
def test_reference_flags_match_the_measures_library_classifier(tables):
    """Per referral, our outcome flags equal ``ontrack.measures.nhstt.classify_referral``."""
    from ontrack.analytics.reference import moment, referral_facts
    from ontrack.analytics.thresholds import Thresholds

    rows = {name: t.to_pylist() for name, t in tables.items()}
    therapists = sorted(t["therapist_id"] for t in rows["therapist"])
    facts = {
        f.referral["referral_id"]: f
        for f in referral_facts(rows, Thresholds.nhs_talking_therapies(), Period(), therapists)
    }
    for referral in rows["referral"]:
        rid = referral["referral_id"]
        contacts = sorted(
            (c for c in rows["contact"] if c["referral_id"] == rid),
            key=lambda c: (moment(c), c["contact_id"]),
        )
        position = {c["contact_id"]: i for i, c in enumerate(contacts)}
        scores = [s for s in rows["score"] if s["contact_id"] in position]
        if _same_day_repeats(scores, contacts, position):
            continue  # ties are ordered differently by design (docs/analytics.md)
        outcome = nhstt.classify_referral(
            [
                nhstt.Contact(c["contact_date"], c["app_type"], c["attendance"], c["planned"])
                for c in contacts
            ],
            [
                nhstt.MeasureScore(s["measure"], s["total"], contact=position[s["contact_id"]])
                for s in scores
            ],
            referral["problem_descriptor"],
        )
        f = facts[rid]
        assert outcome.treatment_contacts == f.n_treatment
        if outcome.finished_course:
            assert outcome.paired == f.paired
            assert outcome.recovered == f.recovered
            assert outcome.reliable_improvement == f.improved
            assert outcome.reliable_deterioration == f.deteriorated
            assert outcome.no_reliable_change == (f.paired and f.no_change)
            assert outcome.reliable_recovery == f.reliably_recovered


def _same_day_repeats(
    scores: list[dict[str, Any]], contacts: list[dict[str, Any]], position
) -> bool:
    from ontrack.analytics.reference import moment

    seen = set()
    for s in scores:
        key = (s["measure"], moment(contacts[position[s["contact_id"]]]))
        if key in seen:
            return True
        seen.add(key)
    return False


def test_duckdb_matches_reference_on_a_simulated_service():
    from ontrack.synth import simulate

    tables = simulate(referrals=1500, seed=11)
    period = Period(dt.date(2024, 6, 1), dt.date(2025, 3, 31))

    with open_tables(tables) as engine:
        report = build_report(engine, period=period)

    assert report_differences(report, reference_report(tables, period)) == []
    # The simulator is calibrated to the national figures (docs/reference/national-figures.md#annual-series: about 50%).
    assert 0.35 < report.overall["recovery_rate"] < 0.65


def test_report_differences_names_what_differs():
    """The comparison every engine test relies on does see a changed count and effect."""
    import dataclasses

    from ontrack.analytics.spec import OUTCOMES_EXAMPLE, tables_from_spec
    from ontrack.synth import simulate

    report = reference_report(tables_from_spec(OUTCOMES_EXAMPLE))
    changed = dataclasses.replace(report, overall={**report.overall, "recovered": 0})
    differences = report_differences(changed, report)
    assert [d.split(":")[0] for d in differences] == ["funnel", "recovered"]
    assert differences[-1] == "recovered: 0 != 1"

    served = reference_report(simulate(referrals=200, seed=3))
    effect = served.therapist_effects[0]
    nudged = dataclasses.replace(effect, expected_rate=effect.expected_rate + 1e-6)
    moved = dataclasses.replace(served, therapist_effects=[nudged, *served.therapist_effects[1:]])
    assert report_differences(moved, served) == [
        f"therapist {effect.therapist_id} expected_rate: {nudged.expected_rate!r} != "
        f"{effect.expected_rate!r}"
    ]
    tiny = dataclasses.replace(effect, expected_rate=effect.expected_rate + 1e-12)
    same = dataclasses.replace(served, therapist_effects=[tiny, *served.therapist_effects[1:]])
    assert report_differences(same, served) == []
