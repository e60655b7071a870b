"""`ontrack match-validate` on a small simulated service whose answers are known."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from ontrack.cli import main
from ontrack.dataset.files import write_dataset
from ontrack.matching.validate import ValidationSettings, match_validate
from ontrack.synth import simulate

pytestmark = pytest.mark.slow  # an 8,000-referral service replayed five times

KEYS = (
    "referrals",
    "recovery_gain",
    "reliable_improvement_gain",
    "dropout_change",
    "median_wait_change_days",
    "label_agreement",
    "label_coverage",
    "label_false_effective",
    "over_caseload",
    "by_imd_decile",
    "by_ethnicity",
)


@pytest.fixture(scope="module")
def tables():
    return simulate(referrals=8000, seed=41, therapists=30, services=1)


@pytest.fixture(scope="module")
def result(tables):
    return match_validate(tables)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory, tables):
    path = tmp_path_factory.mktemp("service")
    write_dataset(tables, path, overwrite=True)
    return path


def test_every_key_the_issue_names(result):
    for key in KEYS:
        assert key in result
    assert result["ground_truth"] is True
    assert result["referrals"] > 1000
    for key in ("recovery_gain", "reliable_improvement_gain", "dropout_change"):
        assert -1.0 <= result[key] <= 1.0
    assert list(result["by_imd_decile"]) == [str(d) for d in range(1, 11)]
    for group in (*result["by_imd_decile"].values(), *result["by_ethnicity"].values()):
        assert set(group) == {"referrals", "recovery_gain"}


def test_never_over_a_caseload_limit(result):
    assert result["over_caseload"] == 0
    assert result["over_caseload_as_usual"] == 0


def test_matching_helps_on_a_service_with_planted_effects(result):
    """The planted effects are known, so matched allocation should do better on average."""
    assert result["recovery_gain"] > 0
    assert result["reliable_improvement_gain"] > 0
    assert result["hi_start_share"]["matched"] >= result["hi_start_share"]["as_usual"]
    assert result["preference_honoured"]["matched"] >= result["preference_honoured"]["as_usual"]


def test_without_ground_truth_the_estimate_is_labelled_model_based(tables):
    stripped = dict(tables)
    del stripped["truth"]
    therapist = tables["therapist"]
    keep = [c for c in therapist.column_names if not c.startswith("effect_")]
    stripped["therapist"] = therapist.select(keep)
    result = match_validate(stripped, ValidationSettings(folds=2))
    assert result["ground_truth"] is False
    assert "model-based" in result["estimate"]
    assert result["label_agreement"] is None
    assert result["over_caseload"] == 0


def test_cli_json(dataset, capsys):
    assert main(["match-validate", str(dataset), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in KEYS:
        assert key in data


@pytest.mark.parametrize(
    "argv",
    [
        ["match-validate", "/no/such/dataset", "--json"],
        ["match-validate", "DATASET", "--folds", "1"],
        ["match-validate", "DATASET", "--hi-capacity", "0.5"],
        ["match-validate", "DATASET", "--folds", "x"],
    ],
)
def test_bad_input_exits_2_with_one_line(dataset, capsys, argv):
    argv = [str(dataset) if a == "DATASET" else a for a in argv]
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse's own usage errors
        status = exit_.code
    assert status == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1


def test_too_few_treated_referrals_is_bad_input(tmp_path, capsys):
    write_dataset(simulate(referrals=30, seed=1, therapists=2, services=1), tmp_path,
                  overwrite=True)  # fmt: skip
    assert main(["match-validate", str(tmp_path), "--json"]) == 2
    assert "too few" in capsys.readouterr().err


def test_a_table_without_what_matching_needs_is_bad_input():
    with pytest.raises(ValueError, match="lacks"):
        match_validate({"referral": pa.table({"referral_id": ["R1"]})})


def test_a_card_is_scored_against_the_planted_effect_its_cases_carry(tables):
    """Problem-domain cards read the planted effect in that domain (where the descriptor is
    the true problem); the functioning card reads the mix of the therapist's planted effects
    in their clients' problems, not the general effect alone."""
    import numpy as np

    from ontrack.matching.cases import load_cases
    from ontrack.matching.domains import DOMAINS
    from ontrack.matching.reportcards import domain_cases
    from ontrack.matching.validate import _staff, _truth, planted_on_cards

    cases = load_cases(tables)
    staff = _staff(tables)
    truth = _truth(tables, cases)
    true_domain = np.asarray(truth["true_domain"], dtype=object)
    planted = planted_on_cards(cases, staff, true_domain)
    index = {str(t): i for i, t in enumerate(staff.ids)}
    rows = domain_cases(cases, "depression") & (true_domain == "depression")
    whole = {
        str(staff.ids[t])
        for t in np.unique(cases["therapist_index"][domain_cases(cases, "depression")])
        if rows[domain_cases(cases, "depression") & (cases["therapist_index"] == t)].all()
    }
    for therapist in whole:
        expected = staff.planted[index[therapist], DOMAINS.index("depression")]
        assert planted[(therapist, "depression")] == pytest.approx(expected)
    functioning = [k for k in planted if k[1] == "functioning"]
    assert functioning
    moved = 0
    for therapist, _ in functioning:
        effects = staff.planted[index[therapist], :-1]
        value = planted[(therapist, "functioning")]
        assert effects.min() - 1e-9 <= value <= effects.max() + 1e-9
        general = staff.planted[index[therapist], DOMAINS.index("functioning")]
        moved += abs(value - general) > 1e-6
    assert moved > len(functioning) / 2
