"""The lower bound of bench/analytics_lower_bound.py computes what the report computes.

A hand-written query that skipped part of the work would make a bound that proves nothing:
every total of each step must equal the reference implementation's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ontrack.analytics.derive import ASSESSMENT
from ontrack.analytics.period import Period
from ontrack.analytics.reference import referral_facts
from ontrack.analytics.thresholds import Thresholds
from ontrack.dataset import write_dataset
from ontrack.synth import simulate


def _early(contact: dict[str, Any]) -> bool:
    """At an assessment or by treatment session 2 (reference.referral_facts' rule)."""
    number = contact["session_number"]
    return contact["app_type"] == ASSESSMENT or (number is not None and number <= 2)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    tables = simulate(referrals=500, seed=11)
    out = tmp_path_factory.mktemp("lower_bound")
    write_dataset(tables, out, overwrite=True)
    rows = {name: table.to_pylist() for name, table in tables.items()}
    therapists = sorted({t["therapist_id"] for t in rows["therapist"]})
    contacts = {c["contact_id"]: c for c in rows["contact"]}
    facts = referral_facts(rows, Thresholds.nhs_talking_therapies(), Period(), therapists)
    expected = {
        "referrals": len(facts),
        "treatment_contacts": sum(f.n_treatment for f in facts),
        "entered_treatment": sum(f.first_treatment is not None for f in facts),
        "paired": sum(f.paired for f in facts),
        "sum_first_phq9": sum(f.dep_first for f in facts if f.dep_first is not None),
        "early_goals": sum(f.early_goals for f in facts),
        "early_goal_ratings": sum(_early(contacts[g["contact_id"]]) for g in rows["goal_rating"]),
        "homework_set": sum(f.homework_set for f in facts),
        "homework_done": sum(f.homework_done for f in facts),
        "dna": sum(f.dna_in_period for f in facts),
        "appointments": sum(f.appointments_in_period for f in facts),
        "attended": sum(f.n_attended for f in facts),
        "with_therapist": sum(f.therapist is not None for f in facts),
        "stepped": sum(len(f.steps) > 1 for f in facts),
        # not a total of the bench: how many goal ratings there are in all
        "all_goal_ratings": len(rows["goal_rating"]),
    }
    return out, expected


@pytest.mark.parametrize("step", ["core", "+adsm", "per-referral"])
def test_each_step_totals_equal_the_reference(dataset, step, load_bench):
    data, reference = dataset
    expected = dict(reference)
    all_goal_ratings = expected.pop("all_goal_ratings")
    _, totals = load_bench("analytics_lower_bound").run_step(data, step)
    if step == "core":
        # Without the ADSM a referral is paired on the GAD-7 alone; only that total differs.
        del totals["paired"], expected["paired"]
    assert totals["sum_first_phq9"] == pytest.approx(expected["sum_first_phq9"])
    for name, value in totals.items():
        if name != "sum_first_phq9":
            assert value == expected[name], name
    if step == "per-referral":
        assert set(totals) == set(expected)
        # Some goal ratings are made later than session 2, so the early rule is exercised.
        assert 0 < expected["early_goal_ratings"] < all_goal_ratings
        assert expected["stepped"] > 0


def test_the_steps_add_work_in_order(dataset, load_bench):
    data, _ = dataset
    bench = load_bench("analytics_lower_bound")
    core, adsm, full = (bench.query(data, step) for step in bench.STEPS)
    assert "goal_rating" not in core
    assert "goal_rating" not in adsm
    assert "goal_rating" in full
    assert "homework" in full
    assert "problem_descriptor" in adsm
    assert "problem_descriptor" not in core
