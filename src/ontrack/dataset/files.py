"""Read, write and validate a canonical dataset: a directory of ``<table>.parquet`` or
``<table>.csv`` files, one per table.

Reading never half-succeeds: either every table loads and passes every check, or
``DatasetError`` lists every problem found. Writing goes to a temporary directory beside
the target and is moved into place only when every file is written.
"""

from __future__ import annotations

import csv
import difflib
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from tqdm import tqdm

from ontrack.dataset.checks import check_tables
from ontrack.dataset.conform import conform
from ontrack.dataset.problems import DatasetError, Problem
from ontrack.dataset.schema import TABLES

Format = Literal["parquet", "csv"]
_SUFFIXES: dict[str, Format] = {".parquet": "parquet", ".csv": "csv"}
_TABLE_ORDER = {name: i for i, name in enumerate(TABLES)}


def validate(path: str | os.PathLike[str]) -> list[Problem]:
    """Return every problem in the dataset at ``path`` (an empty list when it is valid).

    Checks required tables and columns, types, codes, ranges, keys, references between
    tables, dates in order, and each score against its measure. An unreadable or truncated
    file is reported, not raised.

    >>> import tempfile
    >>> from ontrack.synth import simulate
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_dataset(simulate(referrals=50, seed=1), tmp, overwrite=True)
    ...     validate(tmp)
    []
    """
    _, problems = load(path)
    return problems


def read_dataset(path: str | os.PathLike[str]) -> dict[str, pa.Table]:
    """Load and validate the dataset at ``path``; raise ``DatasetError`` on any problem.

    Returns one Arrow table per table present, with exactly the canonical columns and types
    (optional tables that are absent are left out; optional columns absent read as null).

    >>> import tempfile
    >>> from ontrack.synth import simulate
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_dataset(simulate(referrals=50, seed=1), tmp, overwrite=True)
    ...     tables = read_dataset(tmp)
    >>> tables["referral"].num_rows
    50
    """
    tables, problems = load(path)
    if problems:
        raise DatasetError(problems)
    return tables


def write_dataset(
    tables: Mapping[str, pa.Table],
    path: str | os.PathLike[str],
    *,
    format: Format = "parquet",
    overwrite: bool = False,
    check: bool = True,
    progress: bool = False,
) -> None:
    """Write ``tables`` to the directory ``path`` as ``<table>.parquet`` or ``<table>.csv``.

    The tables are first brought to the canonical columns and types and (unless
    ``check=False``) checked as ``validate`` would; any problem raises ``DatasetError`` and
    nothing is written. An existing non-empty directory is replaced only with
    ``overwrite=True``, and then only once the new files are complete. ``progress`` shows a
    progress bar (one step per table) on stderr.

    >>> import tempfile
    >>> from ontrack.synth import simulate
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_dataset(simulate(referrals=20, seed=3), tmp, format="csv", overwrite=True)
    ...     sorted(p.name for p in Path(tmp).iterdir())[:3]
    ['alliance.csv', 'circumstance.csv', 'contact.csv']
    """
    if format not in _SUFFIXES.values():
        raise ValueError(f"format must be 'parquet' or 'csv', not {format!r}")
    target = Path(path)
    conformed, problems = _conform_all(tables)
    if check and not problems:
        problems = check_tables(conformed)
    if problems:
        raise DatasetError(_sorted(problems))
    if target.exists() and not target.is_dir():
        raise DatasetError(
            [Problem("dataset", None, None, f"{target} exists and is not a directory")]
        )
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise DatasetError(
            [Problem("dataset", None, None, f"{target} is not empty (use overwrite to replace it)")]
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; a dataset is an ordinary folder
    try:
        for name, table in tqdm(
            conformed.items(), desc="write", unit="table", disable=not progress
        ):
            _write_table(table, staging / f"{name}.{format}", format)
        _swap_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _conform_all(tables: Mapping[str, pa.Table]) -> tuple[dict[str, pa.Table], list[Problem]]:
    problems: list[Problem] = []
    conformed: dict[str, pa.Table] = {}
    for name in tables:
        if name not in TABLES:
            problems.append(Problem(name, None, None, _unknown_table(name)))
    for name, table in TABLES.items():
        if name not in tables:
            if table.required:
                problems.append(Problem(name, None, None, "missing table"))
            continue
        data, table_problems = conform(table, tables[name], source=f"table {name!r}")
        conformed[name] = data
        problems.extend(table_problems)
    return conformed, problems


def _unknown_table(name: str) -> str:
    close = difflib.get_close_matches(name, list(TABLES), n=1, cutoff=0.75)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"not a canonical table{hint}; tables are {', '.join(TABLES)}"


def _write_table(table: pa.Table, file: Path, format: Format) -> None:
    if format == "parquet":
        pq.write_table(table, file, compression="zstd")
    else:
        # Quote every value so that an empty string stays distinct from a missing value.
        pacsv.write_csv(table, file, pacsv.WriteOptions(quoting_style="all_valid"))


def _swap_into_place(staging: Path, target: Path) -> None:
    if not target.exists():
        staging.rename(target)
        return
    old = target.with_name(f".{target.name}-old-{os.getpid()}")
    target.rename(old)
    try:
        staging.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def load(path: str | os.PathLike[str]) -> tuple[dict[str, pa.Table], list[Problem]]:
    """Load every table at ``path``, conform it and check it; return tables and problems.

    The tables are usable only when the problem list is empty.
    """
    path = Path(path)
    if not path.is_dir():
        what = "does not exist" if not path.exists() else "is not a directory"
        return {}, [Problem("dataset", None, None, f"{path} {what}")]
    files, problems = _find_files(path)
    tables: dict[str, pa.Table] = {}
    for name, file in files.items():
        raw, problem = _read_raw(name, file)
        if problem is not None:
            problems.append(problem)
            continue
        assert raw is not None
        data, table_problems = conform(TABLES[name], raw, source=file.name)
        problems.extend(table_problems)
        tables[name] = data
    if not problems:
        problems = check_tables(tables)
    return tables, _sorted(problems)


def _find_files(path: Path) -> tuple[dict[str, Path], list[Problem]]:
    found: dict[str, list[Path]] = {}
    strays: list[str] = []
    for file in sorted(path.iterdir()):
        if file.suffix.lower() not in _SUFFIXES or file.name.startswith("."):
            continue
        if file.stem in TABLES:
            found.setdefault(file.stem, []).append(file)
        else:
            strays.append(file.name)
    problems: list[Problem] = []
    files: dict[str, Path] = {}
    for name, table in TABLES.items():
        candidates = found.get(name, [])
        if len(candidates) > 1:
            listed = " and ".join(f.name for f in candidates)
            problems.append(Problem(name, None, None, f"both {listed} exist; keep one"))
        elif candidates:
            files[name] = candidates[0]
        elif table.required:
            problems.append(Problem(name, None, None, _missing_table(name, strays)))
    return files, problems


def _missing_table(name: str, strays: list[str]) -> str:
    stems = {Path(s).stem: s for s in strays}
    close = difflib.get_close_matches(name, list(stems), n=1, cutoff=0.75)
    hint = (
        f" (found {stems[close[0]]}; rename it {name}{Path(stems[close[0]]).suffix}?)"
        if close
        else ""
    )
    return f"missing table: no {name}.parquet or {name}.csv{hint}"


def _read_raw(name: str, file: Path) -> tuple[pa.Table | None, Problem | None]:
    try:
        if file.suffix.lower() == ".parquet":
            return pq.read_table(file), None
        return _read_csv(file), None
    except (
        pa.ArrowInvalid,
        pa.ArrowNotImplementedError,
        OSError,
        UnicodeDecodeError,
        UnclosedQuoteError,
    ) as error:
        kind = "Parquet" if file.suffix.lower() == ".parquet" else "CSV"
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return None, Problem(
            name,
            None,
            None,
            f"cannot read {file.name}: not a readable {kind} file (truncated or damaged?): "
            f"{reason}",
        )


class UnclosedQuoteError(ValueError):
    """A CSV file whose last quoted value is never closed (a truncated or damaged file)."""


_CHUNK = 1 << 24


def _check_quotes(file: Path) -> None:
    """Refuse a CSV file with a quoted value that is never closed.

    Arrow's reader takes an unclosed quote at the end of a file as a value running to the end,
    so a truncated line would be read as a new row. In a well-formed file every quote
    character is paired (opening, closing, or doubled inside a value), so an even count is
    cheap proof of health; only an odd count is read again, by the standard library's strict
    reader, to name the line.
    """
    quotes = 0
    with file.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            quotes += chunk.count(b'"')
    if quotes % 2 == 0:
        return
    with file.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            for _ in reader:
                pass
        except csv.Error:
            raise UnclosedQuoteError(
                f"line {reader.line_num}: a quoted value is never closed"
            ) from None


def _read_csv(file: Path) -> pa.Table:
    """Read every column as text; ``conform`` converts each one and names bad values."""
    _check_quotes(file)
    with file.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle), [])
    return pacsv.read_csv(
        file,
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()),
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )


def _sorted(problems: list[Problem]) -> list[Problem]:
    def key(p: Problem) -> tuple[int, str, int, str]:
        return (_TABLE_ORDER.get(p.table, -1), p.table, p.row or 0, p.column or "")

    return sorted(problems, key=key)
