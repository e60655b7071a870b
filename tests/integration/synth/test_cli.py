"""`ontrack simulate` and `ontrack check` end to end."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from ontrack.cli import build_parser, main
from ontrack.dataset import read_dataset


def _help(command: str) -> str:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    return subparsers.choices[command].format_help()


def test_simulate_help_explains_every_option():
    text = _help("simulate")

    for option in (
        "--referrals",
        "--seed",
        "--out",
        "--therapists",
        "--services",
        "--start",
        "--format",
        "--force",
        "--check",
        "--quiet",
    ):
        assert option in text
    assert "truth" in text
    assert "same --seed" in text.replace("\n", " ")


def test_simulate_writes_a_dataset_that_checks_clean(tmp_path, capsys):
    out = tmp_path / "demo"

    status = main(
        [
            "simulate",
            "--check",
            "--referrals",
            "300",
            "--seed",
            "4",
            "--therapists",
            "6",
            "--services",
            "1",
            "--out",
            str(out),
        ]
    )

    assert status == 0
    assert "wrote 10 tables" in capsys.readouterr().out
    assert main(["check", str(out)]) == 0
    assert "valid (10 tables" in capsys.readouterr().out
    assert read_dataset(out)["therapist"].num_rows == 6


def test_simulate_twice_with_one_seed_writes_the_same_data(tmp_path):
    for name in ("a", "b"):
        main(
            [
                "simulate",
                "--referrals",
                "200",
                "--seed",
                "9",
                "--out",
                str(tmp_path / name),
                "--quiet",
            ]
        )

    for table in ("referral", "contact", "score", "truth"):
        a = pq.read_table(tmp_path / "a" / f"{table}.parquet")
        b = pq.read_table(tmp_path / "b" / f"{table}.parquet")
        assert a.equals(b), table


def test_simulate_csv_format(tmp_path):
    out = tmp_path / "csv"

    assert (
        main(
            [
                "simulate",
                "--referrals",
                "50",
                "--seed",
                "1",
                "--out",
                str(out),
                "--format",
                "csv",
                "--quiet",
            ]
        )
        == 0
    )

    assert (out / "referral.csv").exists()
    assert main(["check", str(out)]) == 0


def test_simulate_refuses_a_non_empty_directory(tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("x")

    status = main(["simulate", "--referrals", "10", "--seed", "1", "--out", str(tmp_path)])

    assert status == 2
    assert "use --force" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--referrals", "0", "--seed", "1"], "referrals must be at least 1"),
        (["--referrals", "5", "--seed", "-3"], "seed must be 0 or more"),
        (
            ["--referrals", "5", "--seed", "1", "--services", "2", "--therapists", "3"],
            "at least 2 per service",
        ),
    ],
)
def test_simulate_bad_values_exit_2_with_one_line(tmp_path, capsys, args, message):
    status = main(["simulate", *args, "--out", str(tmp_path / "x")])

    err = capsys.readouterr().err
    assert status == 2
    assert message in err
    assert err.count("\n") == 1
    assert not (tmp_path / "x").exists()


def test_simulate_bad_date_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(
            [
                "simulate",
                "--referrals",
                "5",
                "--seed",
                "1",
                "--out",
                str(tmp_path / "x"),
                "--start",
                "2024-13-01",
            ]
        )

    assert exit_.value.code == 2
    assert "is not a date" in capsys.readouterr().err


def test_check_lists_every_problem_and_exits_2(tmp_path, capsys):
    out = tmp_path / "demo"
    main(["simulate", "--referrals", "100", "--seed", "2", "--out", str(out), "--quiet"])
    data = (out / "contact.parquet").read_bytes()
    (out / "contact.parquet").write_bytes(data[:100])
    (out / "homework.parquet").unlink()

    status = main(["check", str(out)])

    text = capsys.readouterr().out
    assert status == 2
    assert "contact: cannot read contact.parquet" in text
    assert "homework: missing table" in text
    assert text.strip().endswith("2 problems")


def test_check_json_lists_problems_as_objects(tmp_path, capsys):
    import json

    status = main(["check", str(tmp_path / "missing"), "--json"])

    problems = json.loads(capsys.readouterr().out)
    assert status == 2
    assert problems[0]["table"] == "dataset"
    assert set(problems[0]) == {"table", "row", "column", "message"}
