"""``ontrack calibrate`` and ``ontrack validate`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ontrack.cli import main
from ontrack.monitoring import load_bundle


@pytest.mark.slow
def test_calibrate_writes_a_loadable_model_file(service_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "models.npz"

    status = main(["calibrate", str(service_dir), "--out", str(out), "--json"])

    assert status == 0
    summary = json.loads(capsys.readouterr().out)
    assert "PHQ-9" in summary["measures"]
    assert "PHQ-9" in load_bundle(out).curves


@pytest.mark.slow
def test_validate_json_reports_the_figures(service_dir: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    status = main(["validate", str(service_dir), "--json", "--folds", "2", "--review-sample", "30"])

    assert status == 0
    report = json.loads(capsys.readouterr().out)
    for key in ("episodes", "sensitivity", "deterioration_sensitivity", "false_alarm_rate",
                "median_lead_sessions", "by_imd_decile", "cause_in_top_two"):  # fmt: skip
        assert key in report


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate", "{missing}"], "does not exist"),
        (["validate", "{empty}"], "not a valid canonical dataset"),
        (["validate", "{data}", "--folds", "1"], "--folds must be at least 2"),
        (["validate", "{data}", "--target-false-alarm", "1.5"], "strictly between 0 and 1"),
        (["calibrate", "{data}", "--out", "{missing}/m.npz"], "does not exist"),
        (["calibrate", "{data}", "--out", "{tmp}/m.npz", "--neighbours", "0"], "at least 1"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(  # type: ignore[no-untyped-def]
    argv, message, service_dir, tmp_path, capsys
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    names = {"missing": str(tmp_path / "missing"), "empty": str(empty),
             "data": str(service_dir), "tmp": str(tmp_path)}  # fmt: skip
    args = [a.format(**names) for a in argv]

    status = main(args)

    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1
    assert message in err[0]
    assert not (tmp_path / "m.npz").exists()


def test_commands_explain_themselves(capsys) -> None:  # type: ignore[no-untyped-def]
    for command in ("calibrate", "validate"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "canonical dataset" in capsys.readouterr().out
