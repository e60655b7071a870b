"""`ontrack score --response FILE` on malformed files: one line, exit 2, risk still said."""

import json

import pytest

from ontrack.cli import main
from ontrack.measures.fhir import response_for


def phq9_text(item1: str) -> str:
    response = response_for("PHQ-9", [1] * 8 + [2])
    text = json.dumps(response)
    first = json.dumps(response["item"][0]["answer"][0])
    return text.replace(first, item1, 1)


@pytest.mark.parametrize(
    "content",
    [
        phq9_text('{"valueInteger": null}').encode(),
        phq9_text('{"valueDecimal": ' + "9" * 400 + ".5}").encode(),
        phq9_text('{"valueInteger": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}").encode(),
        phq9_text('{"valueInteger": "1"}').encode(),
        phq9_text('{"valueInteger": 1}').replace('"status"', '"text": "caf\u00e9", "status"')
        .encode("latin-1"),
    ],
    ids=["null", "400 digits", "deep", "text", "latin-1"],
)  # fmt: skip
def test_score_response_malformed_file_one_line_exit_2_says_risk(tmp_path, capsys, content):
    path = tmp_path / "qr.json"
    path.write_bytes(content)

    status = main(["score", "PHQ-9", "--response", str(path)])

    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "RISK: PHQ-9 item 9 answered 2 (More than half the days)" in err


def test_score_response_huge_file_is_refused_unread(tmp_path, capsys):
    path = tmp_path / "qr.json"
    path.write_text(phq9_text('{"valueInteger": 1}').replace('"status"', '"text": "' + "x" * 2_000_000 + '", "status"'))  # fmt: skip

    status = main(["score", "PHQ-9", "--response", str(path)])

    _, err = capsys.readouterr()
    assert status == 2
    assert "too large" in err
    assert err.count("\n") == 1


def test_score_response_missing_file_exit_2(tmp_path, capsys):
    status = main(["score", "PHQ-9", "--response", str(tmp_path / "none.json")])

    _, err = capsys.readouterr()
    assert status == 2
    assert "cannot read" in err


def test_score_response_valid_file_scores_and_says_risk(tmp_path, capsys):
    path = tmp_path / "qr.json"
    path.write_text(phq9_text('{"valueInteger": 1}'))

    status = main(["score", "PHQ-9", "--response", str(path)])

    out, _ = capsys.readouterr()
    assert status == 0
    assert out.startswith("RISK: PHQ-9 item 9")
