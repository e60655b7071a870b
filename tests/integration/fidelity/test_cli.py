"""`ontrack notes classify` and `ontrack audit` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ontrack.cli import main
from ontrack.dataset import write_dataset
from ontrack.fidelity.notes import CRITERIA
from ontrack.synth import simulate


def test_notes_classify_prints_one_object_per_note_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "notes.jsonl"
    file.write_text(
        json.dumps({"id": "n-2", "note": "No homework set."}) + "\n"
        + json.dumps({"id": "n-1", "note": "Agreed to walk 20 minutes daily.", "therapy": "unheard-of"}) + "\n"
    )  # fmt: skip

    status = main(["notes", "classify", str(file), "--json"])

    out = json.loads(capsys.readouterr().out)
    assert status == 0
    assert [o["id"] for o in out] == ["n-2", "n-1"]
    assert set(out[0]) == {"id", *CRITERIA}
    assert out[0]["homework_set"] == {"value": False, "evidence": None}
    assert out[1]["homework_set"]["evidence"] == "Agreed to walk 20 minutes daily."


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ('{"id": "a", "note": "x"}\nnot json\n', "line 2"),
        ('{"id": "a"}\n', "line 1"),
        ('{"note": "x"}\n', "line 1"),
        ("[1, 2]\n", "line 1"),
    ],
)
def test_notes_classify_bad_input_exits_2_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, line: str
) -> None:
    file = tmp_path / "notes.jsonl"
    file.write_text(content)

    status = main(["notes", "classify", str(file), "--json"])

    captured = capsys.readouterr()
    assert status == 2
    assert captured.out == ""
    assert line in captured.err
    assert len(captured.err.strip().splitlines()) == 1


def test_notes_classify_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["notes", "classify", str(tmp_path / "absent.jsonl"), "--json"])

    assert status == 2
    assert capsys.readouterr().out == ""


def test_audit_json_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_dataset(simulate(referrals=60, seed=2), tmp_path / "d")

    status = main(["audit", str(tmp_path / "d"), "--json"])

    out = json.loads(capsys.readouterr().out)
    assert status == 0
    assert {"courses", "rates", "by_therapist", "by_imd_decile"} <= set(out)
    assert "league table" in out["by_therapist"]["framing"]
    assert all(r is None or 0 <= r <= 1 for r in out["rates"].values())


def test_audit_reads_an_optional_note_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tables = simulate(referrals=40, seed=2)
    write_dataset(tables, tmp_path / "d")
    contact = next(c for c in tables["contact"].to_pylist() if c["session_number"] == 1)
    (tmp_path / "d" / "note.csv").write_text(
        f'"contact_id","text"\n"{contact["contact_id"]}","HW: thought record daily, sheet given."\n'
    )

    status = main(["audit", str(tmp_path / "d"), "--json"])

    out = json.loads(capsys.readouterr().out)
    assert status == 0
    assert out["judged"]["homework_written"] >= 1


def test_audit_bad_dataset_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["audit", str(tmp_path / "nowhere")])

    assert status == 2
    assert capsys.readouterr().out == ""
