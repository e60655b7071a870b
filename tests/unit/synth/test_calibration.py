"""The vectorised NHS TT classification, checked against the per-referral reference, and the
calibration comparison. The calibration itself, on 40,000 referrals, is checked in
tests/integration/synth/test_calibration_national.py (the full-size table is in
docs/simulator.md)."""

from __future__ import annotations

import numpy as np
import pytest

from ontrack.measures import nhstt
from ontrack.synth import simulate
from ontrack.synth.calibration import TARGETS, classify, compare


def _reference(tables) -> dict[str, nhstt.ReferralOutcome]:
    """Classify every referral one at a time with ontrack.measures.nhstt."""
    contacts: dict[str, list[dict]] = {}
    for row in tables["contact"].to_pylist():
        contacts.setdefault(row["referral_id"], []).append(row)
    scores: dict[str, list[dict]] = {}
    for row in tables["score"].to_pylist():
        scores.setdefault(row["referral_id"], []).append(row)
    outcomes = {}
    for referral in tables["referral"].to_pylist():
        rid = referral["referral_id"]
        own = contacts.get(rid, [])
        index = {c["contact_id"]: i for i, c in enumerate(own)}
        outcomes[rid] = nhstt.classify_referral(
            [
                nhstt.Contact(c["contact_date"], c["app_type"], c["attendance"], c["planned"])
                for c in own
            ],
            [
                nhstt.MeasureScore(s["measure"], s["total"], contact=index[s["contact_id"]])
                for s in scores.get(rid, [])
                if s["measure"] != "WSAS"
            ],
            referral["problem_descriptor"],
        )
    return outcomes


@pytest.mark.parametrize("seed", [3, 4])
def test_vectorised_classification_matches_classify_referral(seed):
    tables = simulate(referrals=500, seed=seed)
    reference = _reference(tables)
    ids = tables["referral"].column("referral_id").to_pylist()

    outcome = classify(tables)

    for i, rid in enumerate(ids):
        expected = reference[rid]
        got = (
            int(outcome.treatment_contacts[i]),
            bool(outcome.finished[i]),
            bool(outcome.recovered[i]),
            bool(outcome.reliable_improvement[i]),
            bool(outcome.reliable_deterioration[i]),
            bool(outcome.no_reliable_change[i]),
            bool(outcome.reliable_recovery[i]),
        )
        want = (
            expected.treatment_contacts,
            expected.finished_course,
            expected.recovered,
            expected.reliable_improvement,
            expected.reliable_deterioration,
            expected.no_reliable_change,
            expected.reliable_recovery,
        )
        assert got == want, (rid, expected.notes)
        if expected.finished_course and expected.paired:
            assert outcome.anxiety_measure[i] == expected.anxiety_measure
            assert bool(outcome.caseness[i]) == expected.caseness_at_start
        if expected.first_treatment_date is not None:
            received = tables["referral"].column("referral_date")[i].as_py()
            assert outcome.wait_days[i] == (expected.first_treatment_date - received).days


def test_follow_up_scores_do_not_count_as_last_scores():
    tables = simulate(referrals=3000, seed=12)
    contact = tables["contact"]
    follow_ups = {
        r
        for r, a in zip(
            contact.column("referral_id").to_pylist(),
            contact.column("app_type").to_pylist(),
            strict=True,
        )
        if a == "06"
    }
    assert follow_ups

    outcome = classify(tables)
    ids = tables["referral"].column("referral_id").to_pylist()
    reference = _reference(tables)
    for i, rid in enumerate(ids):
        if rid in follow_ups:
            assert outcome.phq9_last[i] == pytest.approx(
                reference[rid].depression_last, nan_ok=True
            )


def test_compare_flags_figures_outside_tolerance():
    figures = {t.name: t.published for t in TARGETS}
    figures["recovery"] = 60.0

    verdicts = {t.name: ok for t, _, ok in compare(figures)}

    assert verdicts["recovery"] is False
    assert all(ok for name, ok in verdicts.items() if name != "recovery")


def test_contacts_are_classified_from_dates_not_row_order():
    tables = simulate(referrals=300, seed=9)
    shuffled = dict(tables)
    order = np.random.default_rng(0).permutation(tables["contact"].num_rows)
    shuffled["contact"] = tables["contact"].take(order)
    shuffled["score"] = tables["score"].take(
        np.random.default_rng(1).permutation(tables["score"].num_rows)
    )

    a, b = classify(tables), classify(shuffled)

    assert (a.recovered == b.recovered).all()
    np.testing.assert_array_equal(a.phq9_last, b.phq9_last)
