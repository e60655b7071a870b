"""Run one dataset through the reference and every engine.

``compute`` is parametrised over the pure-Python reference and DuckDB (fast, always), and
PySpark and PostgreSQL (marked ``spark`` / ``postgres``). One Spark session serves the whole
test session: it is slow to start.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pytest

from ontrack.analytics import Period, Report, build_report, open_tables, spark_session
from ontrack.analytics.reference import reference_report
from ontrack.analytics.spec import tables_from_spec

BENCH = Path(__file__).resolve().parents[3] / "bench"
POSTGRES_URL = os.environ.get("ONTRACK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
Compute = Callable[..., Report]

ENGINES = [
    "reference",
    "duckdb",
    pytest.param("spark", marks=pytest.mark.spark),
    pytest.param("postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def load_bench() -> Callable[[str], Any]:
    """Import a script of ``bench/`` by its name (``bench/`` is not a package)."""

    def load(name: str) -> Any:
        spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules.setdefault(spec.name, module)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throw-away database with byte-order collation, dropped at the end."""
    name = f"ontrack_analytics_test_{os.getpid()}"
    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'")
    yield f"{POSTGRES_URL}/{name}"
    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=ENGINES)
def compute(request: pytest.FixtureRequest) -> Compute:
    """Return ``compute(tables_or_spec, period=None) -> Report`` on one engine."""
    engine: str = request.param

    def run(source: str | Mapping[str, pa.Table], period: Period | None = None) -> Report:
        tables = tables_from_spec(source) if isinstance(source, str) else source
        if engine == "reference":
            return reference_report(tables, period)
        kwargs: dict[str, object] = {}
        if engine == "spark":
            # One session per test process (getOrCreate); tiny data: one task per stage.
            kwargs["spark"] = spark_session(partitions=1, small_data=True)
        if engine == "postgres":
            kwargs["postgres_url"] = request.getfixturevalue("postgres_database")
        with open_tables(tables, engine, **kwargs) as opened:  # type: ignore[arg-type]
            return build_report(opened, period=period)

    return run
