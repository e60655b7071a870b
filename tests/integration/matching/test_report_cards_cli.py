"""`ontrack report-cards` on a small simulated service."""

from __future__ import annotations

import json

import pytest

from ontrack.cli import main
from ontrack.dataset.files import write_dataset
from ontrack.synth import simulate


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    path = tmp_path_factory.mktemp("service")
    write_dataset(
        simulate(referrals=3000, seed=21, therapists=12, services=1), path, overwrite=True
    )
    return path


def test_report_cards_json(dataset, capsys):
    assert main(["report-cards", str(dataset), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["min_cases"] == 15
    cards = data["cards"]
    assert cards
    for card in cards:
        assert card["label"] in ("effective", "neutral", "ineffective", "not enough cases yet")
        assert (card["cases"] >= 15) == (card["label"] != "not enough cases yet")
        assert card["lower"] <= card["effect"] <= card["upper"]


def test_report_cards_in_words_for_one_therapist(dataset, capsys):
    assert main(["report-cards", str(dataset), "--therapist", "T01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("T01\n")
    assert "closed cases" in out or "not enough cases yet" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["report-cards", "/no/such/dir"],
        ["report-cards", "DATASET", "--therapist", "T999"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(dataset, capsys, argv):
    argv = [str(dataset) if a == "DATASET" else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "error" in err


def test_advise_one_referral(dataset, capsys):
    assert main(["advise", str(dataset), "--referral", "R0010", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["step"]["step"] >= data["step"]["stepped_care_step"]
    assert data["step"]["reasons"]
    assert "simulated data" in data["fitted_on"]
    assert 1 <= len(data["therapists"]) <= 5
    assert [t["rank"] for t in data["therapists"]] == list(range(1, len(data["therapists"]) + 1))


def test_advise_unknown_referral_is_one_line_and_exit_2(dataset, capsys):
    assert main(["advise", str(dataset), "--referral", "R9999"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
