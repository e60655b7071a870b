"""Bad input to the CLI: one line on stderr, exit status 2, nothing written, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ontrack.cli import main
from ontrack.dataset import write_dataset
from ontrack.synth import simulate


@pytest.fixture(scope="module")
def csv_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dataset") / "ds"
    write_dataset(simulate(referrals=20, seed=3), folder, format="csv")
    return folder


def _one_line_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_report_memory_limit_that_is_not_a_size(capsys, csv_dataset, tmp_path):
    html = tmp_path / "r.html"
    line = _one_line_exit_2(
        capsys, ["report", str(csv_dataset), "--memory-limit", "lots", "--html", str(html)]
    )
    assert line.startswith("ontrack report: error: --memory-limit 'lots'")
    assert not html.exists()


def test_report_memory_limit_cannot_inject_sql(capsys, csv_dataset):
    line = _one_line_exit_2(capsys, ["report", str(csv_dataset), "--memory-limit", "1GB'; --"])
    assert "--memory-limit" in line


@pytest.mark.parametrize(
    "content",
    [
        b"null",
        b'{"resourceType": "QuestionnaireResponse", "item": null}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        b"\xff\xfe{}",
        b'{"resourceType": "QuestionnaireResponse", "item": [{"linkId": "1", "answer": '
        b'[{"valueInteger": ' + b"9" * 5000 + b"}]}]}",
        b" " * 1_000_001,
    ],
    ids=["null", "null-items", "deep-array", "deep-object", "not-utf8", "huge-number", "huge"],
)
def test_score_response_bad_file(capsys, tmp_path, content):
    path = tmp_path / "response.json"
    path.write_bytes(content)
    line = _one_line_exit_2(capsys, ["score", "phq9", "--response", str(path)])
    assert line.startswith("ontrack score: error: ")


def test_score_response_missing_file(capsys, tmp_path):
    line = _one_line_exit_2(capsys, ["score", "phq9", "--response", str(tmp_path / "none")])
    assert "cannot read" in line


@pytest.mark.parametrize("out", ["/proc/x", "/no/such/folder/x"])
def test_simulate_out_where_nothing_can_be_written(capsys, out):
    line = _one_line_exit_2(
        capsys, ["simulate", "--referrals", "20", "--seed", "1", "--out", out, "--quiet"]
    )
    assert line.startswith("ontrack simulate: error: --out")
    assert not Path(out).exists()


@pytest.mark.parametrize(
    "tail",
    ['"T998","S1","pwp","10","1","41\n', '"T998","S1","pwp","10","1","41', 'T9,S1,pwp,10,1,"4'],
)
def test_check_refuses_a_line_with_an_unclosed_quote(capsys, csv_dataset, tmp_path, tail):
    broken = tmp_path / "broken"
    broken.mkdir()
    for file in csv_dataset.iterdir():
        (broken / file.name).write_bytes(file.read_bytes())
    with (broken / "therapist.csv").open("a", encoding="utf-8") as handle:
        handle.write(tail)
    assert main(["check", str(broken)]) == 2
    out = capsys.readouterr().out
    assert "therapist: cannot read therapist.csv" in out
    assert "a quoted value is never closed" in out


def test_check_still_reads_doubled_quotes_inside_a_value(capsys, csv_dataset, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for file in csv_dataset.iterdir():
        (copy / file.name).write_bytes(file.read_bytes())
    path = copy / "therapist.csv"
    # A copy of the last therapist whose id holds a quote, written as CSV doubles it: T""99.
    row = path.read_text(encoding="utf-8").splitlines()[-1].split(",")
    row[0] = '"T""99"'
    with path.open("a", encoding="utf-8") as handle:
        handle.write(",".join(row) + "\n")
    assert main(["check", str(copy)]) == 0
    assert "valid" in capsys.readouterr().out


def test_check_on_a_non_utf8_csv(capsys, csv_dataset, tmp_path):
    broken = tmp_path / "latin"
    broken.mkdir()
    for file in csv_dataset.iterdir():
        (broken / file.name).write_bytes(file.read_bytes())
    with (broken / "therapist.csv").open("ab") as handle:
        handle.write(b'"T\xe9","S1","pwp","10","1","41"\n')
    assert main(["check", str(broken)]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err


def test_unexpected_os_error_deep_in_a_command_is_one_line(capsys, monkeypatch, csv_dataset):
    import ontrack.cli.dataset as dataset_cli

    def fail(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "/data/x.csv")

    monkeypatch.setattr(dataset_cli, "load", fail)
    monkeypatch.delenv("ONTRACK_TRACEBACK", raising=False)
    status = main(["check", str(csv_dataset)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.strip() == "ontrack check: error: /data/x.csv: Permission denied"


def test_an_unexpected_bug_is_one_line_and_exit_1(capsys, monkeypatch, csv_dataset):
    import ontrack.cli.dataset as dataset_cli

    def bug(*args, **kwargs):
        raise KeyError("oops")

    monkeypatch.setattr(dataset_cli, "load", bug)
    monkeypatch.delenv("ONTRACK_TRACEBACK", raising=False)
    assert main(["check", str(csv_dataset)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "unexpected failure (KeyError" in err[0]


def test_json_output_still_valid(capsys):
    assert main(["score", "phq9", "1", "2", "1", "2", "1", "1", "0", "1", "0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 9
