"""The three engines the analytics run on, behind one small interface.

Every measure is an Ibis expression; an ``Engine`` supplies the canonical tables as Ibis
tables and does the few things Ibis leaves to each backend: registering data, keeping an
intermediate result (the per-referral table) so later queries reuse it, and cleaning up.
DuckDB (embedded) is the default; PySpark in local mode or on a cluster, and PostgreSQL,
run the same expressions. See docs/adr/0030-analytics-one-implementation-three-engines.md.
"""

from __future__ import annotations

import gc
import itertools
import os
import re
import uuid
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from ontrack.dataset import TABLES, DatasetError, Problem, read_dataset
from ontrack.dataset.conform import type_kind
from ontrack.extras import require

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

EngineName = Literal["duckdb", "spark", "postgres"]
ENGINES: tuple[EngineName, ...] = ("duckdb", "spark", "postgres")
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

_counter = itertools.count()


@dataclass
class Engine:
    """An Ibis connection holding the canonical tables of one dataset.

    Use as a context manager (or call ``close``) so that temporary views, cached tables and
    PostgreSQL scratch schemas are removed.
    """

    name: EngineName
    con: Any  # an Ibis backend; Ibis does not type its backends precisely enough for mypy
    tables: dict[str, ir.Table]
    prefix: str = field(default_factory=lambda: f"ot{uuid.uuid4().hex[:8]}_")
    schema: str | None = None  # PostgreSQL scratch schema
    spark: SparkSession | None = None
    _owned: bool = True
    _views: list[str] = field(default_factory=list)

    def table(self, name: str) -> ir.Table | None:
        """Return a canonical table, or None for an optional table the dataset lacks."""
        return self.tables.get(name)

    def materialize(self, expr: ir.Table, label: str) -> ir.Table:
        """Compute ``expr`` once and return a table that later queries read instead."""
        name = f"{self.prefix}{label}_{next(_counter)}"
        sql = str(self.con.compile(expr))
        if self.name == "duckdb":
            self.con.raw_sql(f'CREATE TEMP TABLE "{name}" AS {sql}')
            return cast(ir.Table, self.con.table(name))
        if self.name == "spark":
            assert self.spark is not None
            frame = self.spark.sql(sql).cache()
            frame.count()  # fill the cache now, so that its cost is paid once
            frame.createOrReplaceTempView(name)
            self._views.append(name)
            return cast(ir.Table, self.con.table(name))
        self.con.raw_sql(f'CREATE TABLE "{self.schema}"."{name}" AS {sql}').close()
        self.con.raw_sql(f'ANALYZE "{self.schema}"."{name}"').close()
        return cast(ir.Table, self.con.table(name, database=self.schema))

    def register(self, label: str, data: pa.Table) -> ir.Table:
        """Put a small Arrow table (a lookup) on the engine and return it."""
        name = f"{self.prefix}{label}_{next(_counter)}"
        if self.name == "duckdb":
            self.con.con.register(name, data)
            return cast(ir.Table, self.con.table(name))
        if self.name == "spark":
            assert self.spark is not None
            self.spark.createDataFrame(_spark_safe(data)).createOrReplaceTempView(name)
            self._views.append(name)
            return cast(ir.Table, self.con.table(name))
        _copy_into_postgres(self.con.con, self.schema or "public", name, data)
        return cast(ir.Table, self.con.table(name, database=self.schema))

    def fetch(self, expr: ir.Table) -> list[dict[str, Any]]:
        """Run ``expr`` and return its rows as dicts."""
        return cast(list[dict[str, Any]], self.fetch_arrow(expr).to_pylist())

    def fetch_arrow(self, expr: ir.Table) -> pa.Table:
        """Run ``expr`` and return its result as an Arrow table."""
        if self.name == "spark":
            # Ibis fetches Spark results through pandas; Spark 4 hands Arrow over directly,
            # which is faster and keeps pandas' deprecation warnings out of the way.
            assert self.spark is not None
            frame = self.spark.sql(str(self.con.compile(expr)))
            with warnings.catch_warnings():
                # PySpark leaves the socket it streamed the result through to the garbage
                # collector; collect it here, where its ResourceWarning is expected.
                warnings.simplefilter("ignore", ResourceWarning)
                result = frame.toArrow()
                gc.collect()
            return result
        if self.name == "duckdb":
            # Ibis' own path plans the query a second time; run the compiled SQL directly.
            relation = self.con.con.sql(str(self.con.compile(expr)))
            to_arrow = getattr(relation, "to_arrow_table", None) or relation.arrow
            return cast(pa.Table, to_arrow())
        return cast(pa.Table, expr.to_pyarrow())

    def close(self) -> None:
        """Drop what this engine created; close the connection if this engine opened it."""
        if self.name == "spark" and self.spark is not None:
            for view in self._views:
                self.spark.catalog.dropTempView(view)
            self.spark.catalog.clearCache()
        elif self.name == "postgres" and self.schema is not None:
            self.con.raw_sql(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE').close()
            self.con.con.commit()
        if self._owned and self.name != "spark":
            self.con.disconnect()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_dataset(
    path: str | os.PathLike[str],
    engine: EngineName = "duckdb",
    *,
    spark: SparkSession | None = None,
    postgres_url: str = DEFAULT_POSTGRES_URL,
    memory_limit: str | None = None,
) -> Engine:
    """Open the dataset directory ``path`` on ``engine``.

    Parquet tables are read in place by DuckDB and Spark (nothing is loaded into Python);
    CSV tables, which carry no types, are read and validated by ``ontrack.dataset`` first.
    A missing directory, table or column, or a wrong type, raises ``DatasetError``.

    >>> import tempfile
    >>> from ontrack.synth import simulate
    >>> from ontrack.dataset import write_dataset
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_dataset(simulate(referrals=20, seed=2), tmp, overwrite=True)
    ...     with open_dataset(tmp) as engine:
    ...         referral = engine.table("referral")
    ...         engine.fetch(referral.aggregate(n=referral.count()))
    [{'n': 20}]
    """
    _require_engine(engine)
    root = Path(path)
    files = _dataset_files(root)
    if any(f.suffix == ".csv" for f in files.values()):
        return open_tables(read_dataset(root), engine, spark=spark, postgres_url=postgres_url)
    _check_parquet_schemas(files)
    if engine == "duckdb":
        con = _duckdb(memory_limit)
        tables = {}
        for name, file in files.items():
            view = f"ot_{name}"
            quoted = str(file).replace("'", "''")
            con.raw_sql(f"CREATE VIEW \"{view}\" AS SELECT * FROM read_parquet('{quoted}')")
            tables[name] = con.table(view)
        return Engine("duckdb", con, tables)
    if engine == "spark":
        session = spark or spark_session()
        out = Engine("spark", ibis.pyspark.connect(session), {}, spark=session)
        for name, file in files.items():
            view = f"{out.prefix}{name}"
            session.read.parquet(str(file)).createOrReplaceTempView(view)
            out._views.append(view)
            out.tables[name] = out.con.table(view)
        return out
    return open_tables(
        {name: pq.read_table(file) for name, file in files.items()},
        "postgres",
        postgres_url=postgres_url,
    )


def open_tables(
    tables: Mapping[str, pa.Table],
    engine: EngineName = "duckdb",
    *,
    spark: SparkSession | None = None,
    postgres_url: str = DEFAULT_POSTGRES_URL,
) -> Engine:
    """Put canonical Arrow tables (as ``ontrack.synth.simulate`` returns) on ``engine``.

    >>> from ontrack.synth import simulate
    >>> with open_tables(simulate(referrals=10, seed=1)) as engine:
    ...     referral = engine.table("referral")
    ...     engine.fetch(referral.aggregate(n=referral.count()))
    [{'n': 10}]
    """
    _require_engine(engine)
    _check_arrow_tables(tables)
    if engine == "duckdb":
        con = _duckdb(None)
        registered = {}
        for name, data in tables.items():
            if name in TABLES:
                con.con.register(f"ot_{name}", data)
                registered[name] = con.table(f"ot_{name}")
        return Engine("duckdb", con, registered)
    if engine == "spark":
        session = spark or spark_session()
        out = Engine("spark", ibis.pyspark.connect(session), {}, spark=session)
        for name, data in tables.items():
            if name in TABLES:
                view = f"{out.prefix}{name}"
                session.createDataFrame(_spark_safe(data)).createOrReplaceTempView(view)
                out._views.append(view)
                out.tables[name] = out.con.table(view)
        return out
    if engine == "postgres":
        return _postgres_from_arrow(tables, postgres_url)
    raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")


def from_connection(con: Any, *, database: str | None = None) -> Engine:
    """Wrap an existing Ibis connection whose canonical tables are already there.

    Used by the records app, whose PostgreSQL database can expose the canonical tables as
    views. Tables are looked up by their canonical names in ``database`` (schema).
    """
    backend = con.name
    names: dict[str, EngineName] = {"duckdb": "duckdb", "pyspark": "spark", "postgres": "postgres"}
    if backend not in names:
        raise ValueError(f"unsupported Ibis backend {backend!r}; use DuckDB, PySpark or PostgreSQL")
    present = set(con.list_tables(database=database) if database else con.list_tables())
    missing = [t.name for t in TABLES.values() if t.required and t.name not in present]
    if missing:
        raise DatasetError(Problem(name, None, None, "missing table") for name in missing)
    tables = {
        name: con.table(name, database=database) if database else con.table(name)
        for name in TABLES
        if name in present
    }
    _check_ibis_schemas(tables)
    out = Engine(names[backend], con, tables, _owned=False)
    if out.name == "postgres":
        out.schema = f"ontrack_scratch_{uuid.uuid4().hex[:8]}"
        con.raw_sql(f'CREATE SCHEMA "{out.schema}"').close()
    elif out.name == "spark":
        out.spark = con._session
    return out


def spark_session(
    partitions: int = 4, *, small_data: bool = False, master: str | None = None
) -> SparkSession:
    """Return (creating if needed) a PySpark session: local, or on the cluster ``master``.

    ``master`` (or ``$ONTRACK_SPARK_MASTER``) is a Spark master URL such as
    ``spark://host:7077``; the default is local mode on two cores. On a cluster each
    executor asks for ``$ONTRACK_SPARK_EXECUTOR_MEMORY`` (default 1g), which must fit a
    worker's memory.

    Few shuffle partitions: the default 200 makes small local jobs slow. UTC so that dates
    and timestamps never shift. ``small_data`` (the tests' few-row tables) turns off
    whole-stage code generation and adaptive execution: compiling and re-planning cost more
    than they save on a few rows (about halves a spec test), and the answers are the same.
    """
    require("spark", "the spark engine")
    from pyspark.sql import SparkSession

    builder = cast(Any, SparkSession.builder)
    session = cast(
        "SparkSession",
        builder.master(master or os.environ.get("ONTRACK_SPARK_MASTER", "local[2]"))
        .appName("ontrack-analytics")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.ansi.enabled", "false")
        # Read when the JVM starts (the first session only); a national year needs more
        # than Spark's 1 GB default in local mode.
        .config("spark.driver.memory", os.environ.get("ONTRACK_SPARK_DRIVER_MEMORY", "4g"))
        .config("spark.executor.memory", os.environ.get("ONTRACK_SPARK_EXECUTOR_MEMORY", "1g"))
        .getOrCreate(),
    )
    # getOrCreate returns an existing session unchanged; these two can change at run time.
    session.conf.set("spark.sql.shuffle.partitions", str(partitions))
    session.conf.set("spark.sql.session.timeZone", "UTC")
    session.conf.set("spark.sql.codegen.wholeStage", str(not small_data).lower())
    session.conf.set("spark.sql.adaptive.enabled", str(not small_data).lower())
    return session


def _require_engine(engine: EngineName) -> None:
    """Say in one line what to install when an optional engine is missing (MissingExtraError)."""
    if engine in ("spark", "postgres"):
        require(engine, f"the {engine} engine")


# -- DuckDB ---------------------------------------------------------------------------------


_MEMORY_LIMIT = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


def check_memory_limit(text: str) -> str:
    """Return ``text`` if it is a DuckDB memory size (``4GB``, ``512 MiB``); else ValueError.

    Checked here, not left to DuckDB, because the value is spliced into a SET statement.
    """
    if not _MEMORY_LIMIT.fullmatch(text.strip()):
        raise ValueError(f"{text!r} is not a memory size such as 4GB or 512MiB")
    return text.strip()


def _duckdb(memory_limit: str | None) -> Any:
    con = ibis.duckdb.connect()
    if memory_limit:
        con.raw_sql(f"SET memory_limit = '{check_memory_limit(memory_limit)}'")
    # Insertion order is not needed by any measure; dropping it lets DuckDB stream more.
    con.raw_sql("SET preserve_insertion_order = false")
    return con


# -- PostgreSQL -----------------------------------------------------------------------------


def _postgres_from_arrow(tables: Mapping[str, pa.Table], url: str) -> Engine:
    con = ibis.connect(url)
    schema = f"ontrack_{uuid.uuid4().hex[:8]}"
    out = Engine("postgres", con, {}, schema=schema)
    try:
        raw = con.con
        with raw.cursor() as cur:
            # Dates of timestamps are taken in UTC, as on the other engines.
            cur.execute("SET TIME ZONE 'UTC'")
            cur.execute(f'CREATE SCHEMA "{schema}"')
        raw.commit()
        for name, data in tables.items():
            if name in TABLES:
                columns = TABLES[name].arrow_schema.names
                present = [c for c in columns if c in data.column_names]
                _copy_into_postgres(raw, schema, name, data.select(present))
                out.tables[name] = con.table(name, database=schema)
    except BaseException:
        out.close()
        raise
    return out


def _copy_into_postgres(raw: Any, schema: str, name: str, data: pa.Table) -> None:
    columns = ", ".join(f'"{f.name}" {_postgres_type(f.type)}' for f in data.schema)
    names = ", ".join(f'"{c}"' for c in data.column_names)
    with raw.cursor() as cur:
        cur.execute(f'CREATE TABLE "{schema}"."{name}" ({columns})')
        with cur.copy(f'COPY "{schema}"."{name}" ({names}) FROM STDIN') as copy:
            for row in _rows(data):
                copy.write_row(row)
        cur.execute(f'ANALYZE "{schema}"."{name}"')
    raw.commit()


def _postgres_type(type_: pa.DataType) -> str:
    if pa.types.is_string(type_):
        return "text"
    if pa.types.is_int32(type_):
        return "integer"
    if pa.types.is_int64(type_):
        return "bigint"
    if pa.types.is_floating(type_):
        return "double precision"
    if pa.types.is_date(type_):
        return "date"
    if pa.types.is_timestamp(type_):
        return "timestamptz"
    if pa.types.is_boolean(type_):
        return "boolean"
    raise TypeError(f"no PostgreSQL type for {type_}")


def _rows(data: pa.Table) -> Iterator[tuple[Any, ...]]:
    for batch in data.to_batches(max_chunksize=50_000):
        yield from zip(*(col.to_pylist() for col in batch.columns), strict=True)


# -- Spark ----------------------------------------------------------------------------------


def _spark_safe(data: pa.Table) -> pa.Table:
    """Give Spark timestamps it reads without a local-time shift (microseconds, UTC)."""
    fields = []
    for f in data.schema:
        if pa.types.is_timestamp(f.type):
            fields.append(pa.field(f.name, pa.timestamp("us", tz="UTC"), f.nullable))
        else:
            fields.append(f)
    return data.cast(pa.schema(fields))


# -- Checks ---------------------------------------------------------------------------------


def _dataset_files(root: Path) -> dict[str, Path]:
    if not root.is_dir():
        what = "does not exist" if not root.exists() else "is not a directory"
        raise DatasetError([Problem("dataset", None, None, f"{root} {what}")])
    files: dict[str, Path] = {}
    for name in TABLES:
        for suffix in (".parquet", ".csv"):
            file = root / f"{name}{suffix}"
            if file.exists():
                files[name] = file
                break
    missing = [t.name for t in TABLES.values() if t.required and t.name not in files]
    if missing:
        raise DatasetError(
            Problem(name, None, None, f"missing table: no {name}.parquet or {name}.csv in {root}")
            for name in missing
        )
    return files


def _compatible(expected: pa.DataType, actual: pa.DataType) -> bool:
    """Accept any width of integer and float, any timestamp unit, any string flavour.

    The kinds are ``ontrack.dataset``'s (the CSV and Parquet readers convert by them); text
    is narrower here, since a kind of "string" there also covers types with no text form.
    """
    want, got = type_kind(expected), type_kind(actual)
    if want == "string":
        return bool(
            pa.types.is_string(actual)
            or pa.types.is_large_string(actual)
            or pa.types.is_string_view(actual)
        )
    if want == "float":
        return got in ("float", "int")
    return want == got


def _schema_problems(name: str, actual: pa.Schema) -> list[Problem]:
    problems = []
    for column in TABLES[name].columns:
        if column.name not in actual.names:
            if not column.optional:
                problems.append(Problem(name, None, column.name, "missing column"))
            continue
        found = actual.field(column.name).type
        if not _compatible(column.type, found):
            problems.append(
                Problem(name, None, column.name, f"has type {found}, expected {column.type}")
            )
    return problems


def _check_parquet_schemas(files: Mapping[str, Path]) -> None:
    problems: list[Problem] = []
    for name, file in files.items():
        try:
            schema = pq.read_schema(file)
        except (pa.ArrowInvalid, OSError) as error:
            problems.append(Problem(name, None, None, f"cannot read {file.name}: {error}"))
            continue
        problems += _schema_problems(name, schema)
    if problems:
        raise DatasetError(problems)


def _check_arrow_tables(tables: Mapping[str, pa.Table]) -> None:
    problems: list[Problem] = []
    for table in TABLES.values():
        if table.name not in tables:
            if table.required:
                problems.append(Problem(table.name, None, None, "missing table"))
            continue
        problems += _schema_problems(table.name, tables[table.name].schema)
    if problems:
        raise DatasetError(problems)


def _check_ibis_schemas(tables: Mapping[str, ir.Table]) -> None:
    problems: list[Problem] = []
    for name, table in tables.items():
        problems += _schema_problems(name, table.schema().to_pyarrow())
    if problems:
        raise DatasetError(problems)
