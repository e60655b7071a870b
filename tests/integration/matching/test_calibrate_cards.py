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
