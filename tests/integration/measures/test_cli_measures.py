"""The measures, score, change and example commands: JSON shapes, text output, bad input."""

import json
import subprocess
import sys

import pytest

from ontrack.cli import main
from ontrack.measures.fhir import response_for


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_measures_json_lists_every_measure_with_required_fields(capsys):
    status, out, _ = run(capsys, "measures", "--json")

    rows = json.loads(out)
    assert status == 0
    assert len(rows) == 20
    for row in rows:
        assert {"code", "name", "items", "min", "max", "has_text", "licence"} <= set(row)
    phq9 = next(r for r in rows if r["code"] == "PHQ-9")
    assert (phq9["items"], phq9["min"], phq9["max"], phq9["has_text"]) == (9, 0, 27, True)


def test_measures_table_is_readable(capsys):
    status, out, _ = run(capsys, "measures")

    assert status == 0
    assert "PHQ-9" in out
    assert "OSR" in out
    assert "TEXT" in out


def test_measures_code_shows_text_or_says_why_not(capsys):
    _, phq9, _ = run(capsys, "measures", "phq9")
    _, wsas, _ = run(capsys, "measures", "WSAS")

    assert "Little interest or pleasure in doing things" in phq9
    assert "risk items: 9" in phq9
    assert "item wording not shipped" in wsas


def test_measures_fhir_prints_a_questionnaire(capsys):
    status, out, _ = run(capsys, "measures", "GAD-7", "--fhir")

    resource = json.loads(out)
    assert status == 0
    assert resource["resourceType"] == "Questionnaire"


def test_measures_fhir_without_code_is_a_usage_error(capsys):
    status, out, err = run(capsys, "measures", "--fhir")

    assert status == 2
    assert out == ""
    assert "needs a measure CODE" in err


def test_score_json_shape(capsys):
    status, out, _ = run(capsys, "score", "phq9", "1", "2", "1", "2", "1", "1", "0", "1", "1",
                         "--json")  # fmt: skip

    data = json.loads(out)
    assert status == 0
    assert data["measure"] == "PHQ-9"
    assert data["total"] == 10
    assert data["band"] == "moderate"
    assert data["caseness"] is True
    assert data["risk"] is True
    assert data["prorated"] is False


def test_score_json_caseness_null_without_cutoff(capsys):
    _, out, _ = run(capsys, "score", "WSAS", "1", "1", "1", "1", "1", "--json")

    assert json.loads(out)["caseness"] is None


def test_score_dash_is_a_missing_answer(capsys):
    _, out, _ = run(capsys, "score", "GAD-7", "2", "2", "-", "1", "0", "1", "1", "--json")

    data = json.loads(out)
    assert data["prorated"] is True
    assert data["missing"] == 1
    assert data["total"] == 8.166667


def test_score_text_puts_risk_first(capsys):
    status, out, _ = run(capsys, "score", "PHQ-9", "0", "0", "0", "0", "0", "0", "0", "0", "2")

    assert status == 0
    assert out.splitlines()[0].startswith("RISK: PHQ-9 item 9")
    assert "PHQ-9 total 2 of 27" in out


def test_score_fhir_response(capsys, tmp_path):
    path = tmp_path / "qr.json"
    path.write_text(json.dumps(response_for("GAD-7", [3, 3, 3, 3, 3, 3, 3])), encoding="utf-8")

    status, out, _ = run(capsys, "score", "GAD-7", "--response", str(path), "--json")

    assert status == 0
    assert json.loads(out)["total"] == 21


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["score", "BDI-II", "1"], "unknown measure 'BDI-II'"),
        (["score", "PHQ-9", "1", "1", "1"], "PHQ-9 needs 9 answers, got 3"),
        (["score", "PHQ-9", "1", "1", "1", "1", "1", "1", "1", "1", "4"],
         "item 9: 4 is out of range 0..3"),
        (["score", "PHQ-9", "1", "1", "x", "1", "1", "1", "1", "1", "1"],
         "answer 3 'x' is not a number"),
        (["score", "PHQ-9", "-", "-", "-", "1", "1", "1", "1", "1", "0"],
         "3 answers missing"),
        (["score", "PHQ-9", "1", "1", "1", "1", "1", "1", "1", "1", "-1"],
         "item 9: -1 is out of range"),
        (["score", "PHQ-9", "1", "1", "1", "1", "1", "1", "1", "1", "nan"], "not a finite number"),
        (["score", "PHQ-9", "1", "1", "1", "1", "1", "1", "1", "1", "1.5"], "must be a whole"),
        (["score", "GAD-7", "--response", "/nonexistent/qr.json"], "cannot read"),
        (["change", "PHQ-9", "ten", "5"], "FIRST 'ten' is not a number"),
        (["change", "PHQ-9", "30", "5"], "first total: 30 is out of range 0..27"),
        (["change", "BDI", "10", "5"], "unknown measure 'BDI'"),
        (["change", "SRS", "30", "38"], "no reliable-change threshold"),
        (["measures", "BDI"], "unknown measure 'BDI'"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_one_line_and_no_score(capsys, argv, message):
    status, out, err = run(capsys, *argv, "--json") if argv[0] != "measures" else run(capsys, *argv)

    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert message in err


def test_too_many_missing_error_still_names_the_risk_answer(capsys):
    status, out, err = run(capsys, "score", "PHQ-9", "-", "-", "-", "0", "0", "0", "0", "0", "3")

    assert status == 2
    assert out == ""
    assert "RISK: item 9" in err


def test_change_json_shape(capsys):
    status, out, _ = run(capsys, "change", "PHQ-9", "16", "9", "--json")

    data = json.loads(out)
    assert status == 0
    assert (data["change"], data["threshold"], data["reliable"]) == (-7, 6, "improvement")
    assert data["category"] == "recovered"


def test_change_higher_is_better(capsys):
    _, out, _ = run(capsys, "change", "ORS", "30", "20", "--json")

    assert json.loads(out)["reliable"] == "deterioration"


def test_change_criterion_c(capsys):
    _, out, _ = run(capsys, "change", "CORE-10", "12", "4", "--criterion", "c", "--json")

    data = json.loads(out)
    assert data["cutoff"] == pytest.approx(10.46, abs=0.005)
    assert data["category"] == "recovered"


def test_change_text(capsys):
    _, out, _ = run(capsys, "change", "GAD-7", "14", "9")

    assert "reliable improvement" in out
    assert "threshold 4" in out


def test_example_walks_through_a_referral(capsys):
    status, out, _ = run(capsys, "example")

    assert status == 0
    assert "RISK: PHQ-9 item 9" in out
    assert "PHQ-9 + SPIN" in out
    assert "follow-up or not attended" in out
    line = next(x for x in out.splitlines() if x.strip().startswith("reliable recovery"))
    assert line.split()[-1] == "True"


def test_cli_runs_as_a_process():
    ok = subprocess.run(
        [sys.executable, "-m", "ontrack", "score", "GAD-7", "0", "0", "0", "0", "0", "0", "0",
         "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    bad = subprocess.run(
        [sys.executable, "-m", "ontrack", "score", "GAD-7", "9"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert ok.returncode == 0
    assert json.loads(ok.stdout)["total"] == 0
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.strip() == "ontrack score: error: GAD-7 needs 7 answers, got 1"
