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


def _respelled(tables, spelling: dict[str, str]):  # type: ignore[no-untyped-def]
    """Return the tables with the score table's measure codes written another way."""
    import pyarrow as pa
    import pyarrow.compute as pc

    score = tables["score"]
    codes = score.column("measure")
    for canonical, other in spelling.items():
        codes = pc.if_else(pc.equal(codes, canonical), pa.scalar(other), codes)
    out = dict(tables)
    out["score"] = score.set_column(score.column_names.index("measure"), "measure", codes)
    return out


@pytest.mark.slow
def test_measure_codes_are_read_the_same_way_by_check_calibrate_and_validate(  # type: ignore[no-untyped-def]
    service_tables, tmp_path, capsys
) -> None:
    from ontrack.dataset import write_dataset

    path = tmp_path / "respelled"
    tables = _respelled(service_tables, {"PHQ-9": "PHQ9", "GAD-7": "gad 7"})
    write_dataset(tables, path, overwrite=True)

    assert main(["check", str(path)]) == 0
    assert main(["calibrate", str(path), "--out", str(tmp_path / "m.npz"), "--json"]) == 0
    capsys.readouterr()
    assert main(["validate", str(path), "--json", "--folds", "2", "--review-sample", "0"]) == 0
    report = json.loads(capsys.readouterr().out)

    assert report["sensitivity"] is not None
    assert {"PHQ-9", "GAD-7"} <= set(load_bundle(tmp_path / "m.npz").curves)


def test_validate_without_a_finished_course_says_so_and_exits_2(  # type: ignore[no-untyped-def]
    service_tables, tmp_path, capsys
) -> None:
    import pyarrow as pa

    from ontrack.dataset import write_dataset

    referral = service_tables["referral"]
    open_only = dict(service_tables.items())
    for column in ("end_date", "end_code"):
        index = referral.column_names.index(column)
        kind = referral.schema.field(column).type
        referral = referral.set_column(index, column, pa.nulls(referral.num_rows, kind))
    open_only["referral"] = referral
    path = tmp_path / "open"
    write_dataset(open_only, path, overwrite=True, check=False)

    status = main(["validate", str(path), "--folds", "2", "--review-sample", "0"])

    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1
    assert "no finished course" in err[0]
