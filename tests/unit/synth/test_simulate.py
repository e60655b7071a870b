"""The simulator: determinism, valid output, realistic structure, and its arguments."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import examples

from ontrack.dataset import TABLES
from ontrack.dataset.checks import check_tables
from ontrack.dataset.schema import code_lists
from ontrack.measures import score
from ontrack.synth import simulate


@pytest.fixture(scope="module")
def demo():
    return simulate(referrals=1200, seed=5, therapists=12, services=1)


def test_same_seed_gives_identical_tables():
    first = simulate(referrals=400, seed=21)
    second = simulate(referrals=400, seed=21)

    assert first.keys() == second.keys()
    for name in first:
        assert first[name].equals(second[name]), name


def test_different_seeds_give_different_data():
    first = simulate(referrals=400, seed=1)
    second = simulate(referrals=400, seed=2)

    assert not first["score"].equals(second["score"])


@settings(max_examples=examples(6), deadline=None)
@given(
    referrals=st.integers(1, 600),
    seed=st.integers(0, 2**32),
    services=st.sampled_from([None, 1, 2]),
)
def test_every_generated_dataset_is_valid(referrals, seed, services):
    tables = simulate(referrals=referrals, seed=seed, services=services)

    assert check_tables(tables) == []


def test_tables_have_the_canonical_schema(demo):
    for name, table in demo.items():
        assert table.schema == TABLES[name].arrow_schema, name


def test_demo_service_has_long_realistic_histories(demo):
    contact = demo["contact"]
    sessions = contact.column("session_number").to_numpy(zero_copy_only=False)
    referral = contact.column("referral_id").to_numpy(zero_copy_only=False)
    treated = {r for r, s in zip(referral, sessions, strict=True) if s == s and s >= 1}
    longest = np.nanmax(sessions.astype(float))

    assert len(treated) >= 400
    assert 15 <= longest <= 20
    assert demo["therapist"].num_rows == 12


def test_start_date_moves_every_date(demo):
    later = simulate(referrals=1200, seed=5, therapists=12, services=1, start=dt.date(2025, 4, 1))

    shift = pc.subtract(
        later["contact"].column("contact_date").cast("int32"),
        demo["contact"].column("contact_date").cast("int32"),
    )
    assert pc.unique(shift).to_pylist() == [365]


def test_totals_are_what_score_gives_for_the_items(demo):
    score_table = (
        demo["score"].slice(0, 400).to_pylist() + demo["alliance"].slice(0, 100).to_pylist()
    )

    for row in score_table:
        answers = [None if a == "-" else int(a) for a in row["items"].split(",")]
        assert score(row["measure"], answers).total == row["total"], row


def test_every_referral_has_one_truth_row_with_known_causes(demo):
    truth = demo["truth"]
    causes = code_lists()["failure_cause"]

    assert truth.column("referral_id").equals(demo["referral"].column("referral_id"))
    for text in truth.column("causes").to_pylist():
        assert all(cause in causes for cause in filter(None, text.split(";")))


def test_funnel_loses_many_between_referral_and_treatment(demo):
    contact = demo["contact"]
    treated = pc.count_distinct(
        contact.filter(pc.is_valid(contact.column("session_number"))).column("referral_id")
    ).as_py()
    never_seen = pc.sum(pc.equal(demo["referral"].column("end_code"), "50")).as_py()

    assert 0.5 < treated / 1200 < 0.75
    assert never_seen > 0.05 * 1200


def test_missed_appointments_of_every_kind_are_recorded(demo):
    codes = set(demo["contact"].column("attendance").to_pylist())

    assert codes >= {"2", "3", "4", "5", "6"}


def test_risk_item_is_sometimes_endorsed(demo):
    phq = demo["score"].filter(pc.equal(demo["score"].column("measure"), "PHQ-9"))
    item9 = [row.split(",")[8] for row in phq.column("items").to_pylist()]

    share = sum(a not in ("0", "-") for a in item9) / len(item9)
    assert 0.05 < share < 0.4


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"referrals": 0, "seed": 1}, "referrals must be at least 1"),
        ({"referrals": 10, "seed": -1}, "seed must be 0 or more"),
        ({"referrals": 10, "seed": 1, "services": 0}, "services must be at least 1"),
        ({"referrals": 10, "seed": 1, "services": 2, "therapists": 3}, "at least 2 per service"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate(**kwargs)


def test_non_integer_referrals_are_refused():
    with pytest.raises(TypeError, match="whole number"):
        simulate(referrals=10.5, seed=1)  # type: ignore[arg-type]


@pytest.mark.parametrize("referrals", [1, 2, 3])
@pytest.mark.parametrize("services", [1, 3])
def test_tiny_runs_are_valid_for_many_seeds(referrals, services):
    for seed in range(25):
        assert check_tables(simulate(referrals=referrals, seed=seed, services=services)) == []


def test_contacts_run_in_date_order_within_each_referral(demo):
    contact = demo["contact"].to_pandas()

    in_order = contact.groupby("referral_id", sort=False).contact_date.apply(
        lambda d: d.is_monotonic_increasing
    )

    assert in_order.all()
