"""`ontrack calibrate --report-cards FILE` writes the cards the allocation page reads."""

from __future__ import annotations

import json

import pytest

from ontrack.cli import main
from ontrack.dataset.files import write_dataset
from ontrack.matching.suggest import load_cards
from ontrack.synth import simulate

pytestmark = pytest.mark.slow  # calibrates the early-warning models too


def test_calibrate_writes_report_cards_the_suggester_reads(tmp_path, capsys):
    data = tmp_path / "data"
    write_dataset(simulate(referrals=2500, seed=8, therapists=10, services=1), data,
                  overwrite=True)  # fmt: skip
    cards = tmp_path / "cards.json"
    argv = ["calibrate", str(data), "--out", str(tmp_path / "m.npz"), "--report-cards",
            str(cards), "--json"]  # fmt: skip
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["report_cards"]["cards"] > 0
    loaded = load_cards(str(cards))
    assert loaded
    assert all(domains for domains in loaded.values())


def test_calibrate_writes_the_advice_the_assessment_page_reads(tmp_path, capsys):
    from ontrack.matching.stored import load_advisor

    data = tmp_path / "data"
    write_dataset(simulate(referrals=2500, seed=8, therapists=10, services=1), data,
                  overwrite=True)  # fmt: skip
    advice = tmp_path / "advice.json"
    argv = ["calibrate", str(data), "--out", str(tmp_path / "m.npz"), "--advice",
            str(advice), "--json"]  # fmt: skip
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["advice"]["fitted_on"] > 20
    advisor = load_advisor(str(advice))
    assert advisor is not None
    assert advisor.source == "simulated data"


def test_calibrate_advice_to_a_missing_folder_exits_2(tmp_path, capsys):
    argv = ["calibrate", str(tmp_path), "--out", str(tmp_path / "m.npz"), "--advice",
            str(tmp_path / "nowhere" / "advice.json")]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "does not exist" in err[0]
