"""Reading and writing canonical datasets: round trips, refusal to overwrite, no partial writes."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ontrack.dataset import TABLES, DatasetError, Problem, read_dataset, validate, write_dataset


@pytest.mark.parametrize("format", ["parquet", "csv"])
def test_write_then_read_round_trips_every_table(tmp_path, small_tables, format):
    write_dataset(small_tables, tmp_path / "out", format=format)

    loaded = read_dataset(tmp_path / "out")

    assert set(loaded) == set(small_tables)
    for name, table in small_tables.items():
        assert loaded[name].schema == TABLES[name].arrow_schema
        assert loaded[name].equals(table), name


def test_csv_round_trip_keeps_empty_text_apart_from_missing(tmp_path, small_tables):
    causes = small_tables["truth"].column("causes").to_pylist()
    assert "" in causes  # referrals with no planted cause

    write_dataset(small_tables, tmp_path / "out", format="csv")

    assert read_dataset(tmp_path / "out")["truth"].column("causes").to_pylist() == causes


def test_write_refuses_a_non_empty_directory_without_overwrite(tmp_path, small_tables):
    target = tmp_path / "out"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")

    with pytest.raises(DatasetError, match="not empty"):
        write_dataset(small_tables, target)

    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_write_with_overwrite_replaces_the_directory(tmp_path, small_tables):
    target = tmp_path / "out"
    write_dataset(small_tables, target, format="csv")

    write_dataset(small_tables, target, overwrite=True)

    assert sorted(p.suffix for p in target.iterdir()) == [".parquet"] * len(small_tables)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging left behind


def test_write_of_bad_tables_raises_and_writes_nothing(tmp_path, tables, set_cell):
    tables["contact"] = set_cell(tables["contact"], "attendance", 4, "8")

    with pytest.raises(DatasetError) as error:
        write_dataset(tables, tmp_path / "out")

    assert error.value.problems[0] == Problem(
        "contact",
        5,
        "attendance",
        "'8' is not a code in attendance (valid: 2, 3, 4, 5, 6, 7)",
    )
    assert list(tmp_path.iterdir()) == []


def test_write_of_an_unknown_table_names_the_closest(tmp_path, small_tables):
    tables = dict(small_tables, contacts=small_tables["contact"])

    with pytest.raises(DatasetError, match="did you mean 'contact'"):
        write_dataset(tables, tmp_path / "out")


def test_write_rejects_an_unknown_format(tmp_path, small_tables):
    with pytest.raises(ValueError, match="parquet"):
        write_dataset(small_tables, tmp_path / "out", format="xlsx")  # type: ignore[arg-type]


def test_read_of_a_missing_directory_raises_with_the_path(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        read_dataset(tmp_path / "nowhere")


def test_read_fills_an_absent_optional_column_with_nulls(tmp_path, small_tables, write):
    referral = small_tables["referral"].drop_columns(["therapist_gender_preference"])
    path = write(dict(small_tables, referral=referral))

    loaded = read_dataset(path)

    assert loaded["referral"].column("therapist_gender_preference").null_count == 150


def test_read_leaves_out_absent_optional_tables(tmp_path, small_tables, write):
    tables = {k: v for k, v in small_tables.items() if TABLES[k].required}
    path = write(tables)

    assert set(read_dataset(path)) == set(tables)


def test_read_accepts_wider_integer_and_dictionary_columns(tmp_path, small_tables, write):
    referral = small_tables["referral"]
    age = referral.column("age").cast(pa.int64())
    gender = referral.column("gender").combine_chunks().dictionary_encode()
    referral = referral.set_column(referral.column_names.index("age"), "age", age)
    referral = referral.set_column(referral.column_names.index("gender"), "gender", gender)
    path = write(dict(small_tables, referral=referral))

    assert validate(path) == []


def test_read_never_returns_a_half_loaded_dataset(tmp_path, small_tables, write):
    path = write(small_tables)
    data = (path / "score.parquet").read_bytes()
    (path / "score.parquet").write_bytes(data[: len(data) // 2])

    with pytest.raises(DatasetError) as error:
        read_dataset(path)

    assert [p.table for p in error.value.problems] == ["score"]


def test_written_parquet_files_carry_the_canonical_schema(tmp_path, small_tables):
    write_dataset(small_tables, tmp_path / "out")

    schema = pq.read_schema(tmp_path / "out" / "contact.parquet")

    assert schema.remove_metadata() == TABLES["contact"].arrow_schema
