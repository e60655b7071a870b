from __future__ import annotations

import csv
import io
import json
import re

import pytest

from ontrack.analytics.spec import tables_from_spec
from ontrack.cli import build_parser, main
from ontrack.dataset import write_dataset

pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")

DATA = """
referral
referral_id | referral_date | end_date   | imd_decile
r1          | 2024-04-01    | 2024-06-30 | 1
r2          | 2024-04-02    | 2024-06-30 | 10
r3          | 2024-04-03    |            | 10

contact
contact_id | referral_id | contact_date | therapist_id | attendance
a1         | r1          | 2024-04-10   | t1           | 5
a2         | r1          | 2024-05-10   | t1           | 5
b1         | r2          | 2024-04-10   | t2           | 5
b2         | r2          | 2024-04-17   | t2           | 3
b3         | r2          | 2024-05-10   | t2           | 5

score
contact_id | measure | total
a1         | PHQ-9   | 15
a1         | GAD-7   | 12
a2         | PHQ-9   | 5
a2         | GAD-7   | 5
b1         | PHQ-9   | 15
b1         | GAD-7   | 12
b3         | PHQ-9   | 14
b3         | GAD-7   | 10
"""
REQUIRED_KEYS = {
    "referrals",
    "finished_course",
    "recovery_rate",
    "reliable_improvement_rate",
    "reliable_deterioration_rate",
    "reliable_recovery_rate",
    "waited_6_weeks_rate",
    "waited_18_weeks_rate",
    "ended_after_one_treatment_rate",
    "dna_rate",
    "itt_recovery_rate",
    "by_imd_decile",
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "data"
    write_dataset(tables_from_spec(DATA), path)
    return path


@pytest.fixture(scope="module")
def outputs(dataset, tmp_path_factory):
    """One run writing JSON, CSV and HTML together (each report costs seconds)."""
    out = tmp_path_factory.mktemp("out")
    argv = ["report", str(dataset), "--json", "--csv", str(out / "tables")]
    argv += ["--html", str(out / "report.html")]
    with pytest.MonkeyPatch.context() as patch:
        buffer = io.StringIO()
        patch.setattr("sys.stdout", buffer)
        status = main(argv)
    return status, json.loads(buffer.getvalue()), out


def test_json_has_the_issue_keys_with_rates_as_fractions(outputs):
    status, data, _ = outputs

    assert status == 0
    assert set(data) >= REQUIRED_KEYS
    assert data["referrals"] == 3
    assert data["finished_course"] == 2
    assert data["recovery_rate"] == 0.5
    assert data["itt_recovery_rate"] == pytest.approx(1 / 3)
    assert data["dna_rate"] == pytest.approx(1 / 5)
    assert list(data["by_imd_decile"]) == [str(d) for d in range(1, 11)]
    assert data["by_imd_decile"]["1"]["finished_course"] == 1
    assert data["by_imd_decile"]["1"]["recovery_rate"] == 1.0
    assert data["by_imd_decile"]["10"]["recovery_rate"] == 0.0
    assert data["imd_gap"]["recovery_rate"] == -1.0
    for key in REQUIRED_KEYS - {"referrals", "finished_course", "by_imd_decile"}:
        assert 0.0 <= data[key] <= 1.0


def test_period_options_limit_the_measures(dataset, capsys):
    main(["report", str(dataset), "--json", "--from", "2024-04-02", "--to", "2024-04-30"])

    data = json.loads(capsys.readouterr().out)
    assert data["referrals"] == 2
    assert data["finished_course"] == 0
    assert data["period"] == {
        "start": "2024-04-02",
        "end": "2024-04-30",
        "label": "2024-04-02 to 2024-04-30",
    }


def test_json_is_compact_for_a_program_and_indented_at_a_terminal(dataset, capsys, monkeypatch):
    main(["report", str(dataset), "--json"])
    piped = capsys.readouterr().out
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    main(["report", str(dataset), "--json"])
    shown = capsys.readouterr().out

    assert piped.count("\n") == 1  # one line, then the newline
    assert shown.startswith('{\n  "period"')
    assert json.loads(piped)["referrals"] == json.loads(shown)["referrals"]


def test_publication_json_suppresses_small_counts(dataset, capsys):
    main(["report", str(dataset), "--json", "--publication"])

    data = json.loads(capsys.readouterr().out)
    assert data["publication"] is True
    assert data["referrals"] is None
    assert data["recovery_rate"] is None


def test_csv_writes_every_table(outputs):
    _, _, out = outputs
    out = out / "tables"

    names = {p.name for p in out.iterdir()}
    assert {
        "key_measures.csv",
        "funnel.csv",
        "by_imd_decile.csv",
        "by_month.csv",
        "by_therapist.csv",
        "therapist_effects.csv",
        "imd_gap.csv",
    } <= names
    with (out / "by_therapist.csv").open() as handle:
        rows = {r["group"]: r for r in csv.DictReader(handle)}
    assert rows["t2"]["dna"] == "1"


def test_html_is_self_contained_with_charts(outputs):
    _, _, out = outputs

    page = (out / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") >= 5
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<script" not in page
    for heading in (
        "The funnel",
        "Deprivation",
        "Waiting times",
        "Trends by month",
        "Therapist effects",
    ):
        assert heading in page


def test_summary_without_outputs_prints_key_measures(dataset, capsys):
    assert main(["report", str(dataset)]) == 0

    out = capsys.readouterr().out
    assert "recovery rate               100.0%" not in out
    assert "referrals received          3" in out


def test_help_lists_report_and_its_options(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report", "--help"])

    text = capsys.readouterr().out
    for option in ("--json", "--html", "--csv", "--engine", "--from", "--publication"):
        assert option in text
