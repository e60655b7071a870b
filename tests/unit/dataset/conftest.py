"""A small valid dataset, and helpers (as fixtures) to damage it in one precise place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from ontrack.synth import simulate

Tables = dict[str, pa.Table]


@pytest.fixture(scope="session")
def small_tables() -> Tables:
    return simulate(referrals=150, seed=8, therapists=6, services=1)


@pytest.fixture
def tables(small_tables: Tables) -> Tables:
    return dict(small_tables)


def _set_cell(table: pa.Table, column: str, row: int, value: object) -> pa.Table:
    index = table.column_names.index(column)
    values = table.column(column).to_pylist()
    values[row] = value
    return table.set_column(index, column, pa.array(values, table.schema.field(column).type))


def _set_text_cell(table: pa.Table, column: str, row: int, value: str) -> pa.Table:
    index = table.column_names.index(column)
    values = [None if v is None else str(v) for v in table.column(column).to_pylist()]
    values[row] = value
    return table.set_column(index, column, pa.array(values, pa.string()))


@pytest.fixture
def set_cell() -> Callable[[pa.Table, str, int, object], pa.Table]:
    """Replace one cell (0-based row), keeping the column's type."""
    return _set_cell


@pytest.fixture
def set_text_cell() -> Callable[[pa.Table, str, int, str], pa.Table]:
    """Turn a column to text and replace one cell, as a hand-edited CSV would."""
    return _set_text_cell


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write tables without checking them, as a damaged export would be written."""
    counter = iter(range(1000))

    def _write(tables: Tables, *, format: str = "parquet") -> Path:
        path = tmp_path / f"data{next(counter)}"
        path.mkdir()
        for name, table in tables.items():
            if format == "parquet":
                pq.write_table(table, path / f"{name}.parquet")
            else:
                options = pacsv.WriteOptions(quoting_style="all_valid")
                pacsv.write_csv(table, path / f"{name}.csv", options)
        return path

    return _write
