"""Bad datasets and bad options: a clear message naming table and column, exit status 2,
and nothing written."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ontrack.analytics import open_dataset, open_tables
from ontrack.analytics.report import build_report
from ontrack.analytics.spec import tables_from_spec
from ontrack.cli import main
from ontrack.dataset import DatasetError, write_dataset

pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")

SMALL = """
referral
referral_id | referral_date | end_date
r1          | 2024-04-01    | 2024-06-30

contact
contact_id | referral_id | contact_date
c1         | r1          | 2024-04-10
c2         | r1          | 2024-05-10

score
contact_id | measure | total
c1         | PHQ-9   | 15
"""


@pytest.fixture
def dataset(tmp_path):
    """A valid Parquet dataset; tests damage one file of it."""
    path = tmp_path / "data"
    write_dataset(tables_from_spec(SMALL), path)
    return path


def _rewrite(path, name, change):
    table = pq.read_table(path / f"{name}.parquet")
    pq.write_table(change(table), path / f"{name}.parquet")


def _report(capsys, *argv):
    status = main(["report", *map(str, argv)])
    captured = capsys.readouterr()
    return status, captured.err


def test_missing_directory_exits_2_naming_it(tmp_path, capsys):
    status, err = _report(capsys, tmp_path / "nowhere", "--json")

    assert status == 2
    assert "nowhere does not exist" in err
    assert err.count("\n") == 1


def test_missing_table_names_the_table(dataset, capsys):
    (dataset / "contact.parquet").unlink()

    status, err = _report(capsys, dataset, "--json")

    assert status == 2
    assert "contact: missing table" in err


def test_missing_column_names_table_and_column(dataset, capsys):
    _rewrite(dataset, "contact", lambda t: t.drop_columns(["attendance"]))

    status, err = _report(capsys, dataset, "--json")

    assert status == 2
    assert "contact, column attendance: missing column" in err


def test_wrong_type_names_table_column_and_types(dataset, capsys):
    _rewrite(
        dataset,
        "referral",
        lambda t: t.set_column(
            t.schema.get_field_index("referral_date"),
            "referral_date",
            pa.array(["2024-04-01"]),
        ),
    )

    status, err = _report(capsys, dataset, "--json")

    assert status == 2
    assert "referral, column referral_date: has type string, expected date32" in err


def test_unknown_code_names_table_column_and_value(dataset, capsys):
    _rewrite(
        dataset,
        "contact",
        lambda t: t.set_column(
            t.schema.get_field_index("attendance"), "attendance", pa.array(["5", "9"])
        ),
    )

    status, err = _report(capsys, dataset, "--json")

    assert status == 2
    assert "contact, column attendance: '9' is not a valid attendance code" in err


def test_bad_csv_value_is_reported_with_its_row(tmp_path, capsys):
    path = tmp_path / "csv"
    write_dataset(tables_from_spec(SMALL), path, format="csv")
    text = (path / "referral.csv").read_text().replace("2024-04-01", "1 April")
    (path / "referral.csv").write_text(text)

    status, err = _report(capsys, path, "--json")

    assert status == 2
    assert "referral" in err
    assert "referral_date" in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--from", "April"], "--from 'April' is not a date"),
        (["--from", "2025-01-01", "--to", "2024-01-01"], "is after --to"),
    ],
)
def test_bad_period_exits_2(dataset, capsys, options, message):
    status, err = _report(capsys, dataset, "--json", *options)

    assert status == 2
    assert message in err


def test_nothing_is_written_when_the_dataset_is_bad(dataset, tmp_path, capsys):
    (dataset / "score.parquet").unlink()
    html, csv_dir = tmp_path / "out.html", tmp_path / "tables"

    status, _ = _report(capsys, dataset, "--html", html, "--csv", csv_dir)

    assert status == 2
    assert not html.exists()
    assert not csv_dir.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_open_tables_rejects_a_missing_required_table():
    tables = tables_from_spec(SMALL)
    del tables["homework"]

    with pytest.raises(DatasetError, match="homework: missing table"):
        open_tables(tables)


def test_engine_check_rejects_unknown_ethnicity(dataset):
    _rewrite(
        dataset,
        "referral",
        lambda t: t.set_column(t.schema.get_field_index("ethnicity"), "ethnicity", pa.array(["Q"])),
    )

    with open_dataset(dataset) as engine, pytest.raises(DatasetError) as caught:
        build_report(engine)

    problem = caught.value.problems[0]
    assert (problem.table, problem.column) == ("referral", "ethnicity")
