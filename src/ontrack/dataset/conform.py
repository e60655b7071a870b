"""Bring a raw table (from Parquet, CSV or memory) to its canonical columns and types.

Every value that cannot be converted is reported with its row and column, and becomes
null in the returned table so that the later checks can still run on the rest.
"""

from __future__ import annotations

import difflib

import pyarrow as pa
import pyarrow.compute as pc

from ontrack.dataset.problems import Problem
from ontrack.dataset.schema import Column, Table

# Text forms accepted for each type when a value arrives as a string (CSV, or a string
# column in Parquet). Whitespace around a value is tolerated.
_INT_TEXT = r"^\s*[+-]?\d+\s*$"
_FLOAT_TEXT = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"
_DATE_TEXT = r"^\s*\d{4}-\d{2}-\d{2}\s*$"
_TIMESTAMP_TEXT = (
    r"^\s*\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})\s*$"
)
_TRUE = frozenset({"true", "t", "1", "y", "yes"})
_FALSE = frozenset({"false", "f", "0", "n", "no"})

_TEXT_FORM = {
    "int": ("a whole number", _INT_TEXT),
    "float": ("a number", _FLOAT_TEXT),
    "date": ("a date (YYYY-MM-DD)", _DATE_TEXT),
    "timestamp": ("a date and time with a zone (YYYY-MM-DD HH:MM:SSZ)", _TIMESTAMP_TEXT),
}


def type_kind(type_: pa.DataType) -> str:
    """Return the kind of an Arrow type: "int", "float", "date", "timestamp", "bool" or
    "string" (anything else). Any width, unit or zone is the same kind; ``ontrack.analytics``
    uses this to accept a Parquet column without reading it.

    >>> [type_kind(t) for t in (pa.int8(), pa.float32(), pa.timestamp("ms"), pa.large_string())]
    ['int', 'float', 'timestamp', 'string']
    """
    if pa.types.is_integer(type_):
        return "int"
    if pa.types.is_floating(type_):
        return "float"
    if pa.types.is_date(type_):
        return "date"
    if pa.types.is_timestamp(type_):
        return "timestamp"
    if pa.types.is_boolean(type_):
        return "bool"
    return "string"


def _rows(mask: pa.ChunkedArray | pa.Array) -> list[int]:
    """Return the 0-based positions where ``mask`` is true (null counts as false)."""
    filled = pc.fill_null(mask, False)
    indices = pc.indices_nonzero(filled)
    return [int(i) for i in indices.to_pylist()]


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"


def conform(table: Table, raw: pa.Table, *, source: str) -> tuple[pa.Table, list[Problem]]:
    """Return ``raw`` with exactly ``table``'s columns and types, and the problems found.

    ``source`` names where the table came from (a file name) for whole-table messages.

    >>> from ontrack.dataset.schema import TABLES
    >>> raw = pa.table({"service_id": ["S1"], "name": ["North"], "region": [None]})
    >>> conformed, problems = conform(TABLES["service"], raw, source="service.csv")
    >>> conformed.schema == TABLES["service"].arrow_schema, problems
    (True, [])
    """
    problems: list[Problem] = []
    names = set(raw.column_names)
    expected = {c.name for c in table.columns}
    for unknown in sorted(names - expected):
        close = difflib.get_close_matches(unknown, sorted(expected - names), n=1, cutoff=0.75)
        if close:
            problems.append(
                Problem(
                    table.name,
                    None,
                    unknown,
                    f"unknown column in {source} (did you mean {close[0]!r}?)",
                )
            )
    if len(raw.column_names) != len(names):
        seen: set[str] = set()
        for name in raw.column_names:
            if name in seen:
                problems.append(
                    Problem(table.name, None, name, f"column appears twice in {source}")
                )
            seen.add(name)
    arrays: list[pa.ChunkedArray] = []
    for column in table.columns:
        if column.name not in names:
            if not column.optional:
                problems.append(Problem(table.name, None, column.name, "missing column"))
            arrays.append(pa.chunked_array([pa.nulls(raw.num_rows, column.type)]))
            continue
        values = raw.column(raw.column_names.index(column.name))
        converted, column_problems = _convert(table.name, column, values)
        arrays.append(converted)
        problems.extend(column_problems)
    return pa.Table.from_arrays(arrays, schema=table.arrow_schema), problems


def _convert(
    table_name: str, column: Column, values: pa.ChunkedArray
) -> tuple[pa.ChunkedArray, list[Problem]]:
    """Convert one column to its canonical type, reporting each value that will not go."""
    target = column.type
    if values.type == target:
        return values, []
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return _from_text(table_name, column, values.cast(pa.string()))
    try:
        return values.cast(target, safe=True), []
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    # Fall back to the text route so that each unconvertible value is named with its row.
    try:
        as_text = values.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        problem = Problem(
            table_name,
            None,
            column.name,
            f"has type {values.type}, which cannot be read as {target}",
        )
        return pa.chunked_array([pa.nulls(len(values), target)]), [problem]
    return _from_text(table_name, column, as_text)


def _from_text(
    table_name: str, column: Column, text: pa.ChunkedArray
) -> tuple[pa.ChunkedArray, list[Problem]]:
    kind = type_kind(column.type)
    if kind == "string":
        return text, []
    # An empty cell is a missing value for every type but text.
    blank = pc.equal(pc.utf8_trim_whitespace(text), "")
    text = pc.if_else(blank, pa.scalar(None, pa.string()), text)
    if kind == "bool":
        return _bool_from_text(table_name, column, text)
    what, pattern = _TEXT_FORM[kind]
    trimmed = pc.utf8_trim_whitespace(text)
    good = pc.fill_null(pc.match_substring_regex(text, pattern), False)
    if kind == "date":
        # The pattern admits impossible dates such as 2024-02-30; a round trip catches them.
        parsed = pc.strptime(trimmed, format="%Y-%m-%d", unit="s", error_is_null=True)
        same = pc.fill_null(pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), trimmed), False)
        good = pc.and_(good, same)
    bad_mask = pc.and_(pc.is_valid(text), pc.invert(good))
    bad = _rows(bad_mask)
    problems = [
        Problem(table_name, i + 1, column.name, f"{_show(v)} is not {what}")
        for i, v in zip(bad, text.take(pa.array(bad, pa.int64())).to_pylist(), strict=True)
    ]
    if bad:
        text = pc.if_else(bad_mask, pa.scalar(None, pa.string()), text)
    trimmed = pc.utf8_trim_whitespace(text)
    if kind in ("int", "float"):
        wide = pa.int64() if kind == "int" else pa.float64()
        if kind == "int":
            trimmed = pc.utf8_ltrim(trimmed, characters="+")
        numbers = trimmed.cast(wide)
        return _narrow(table_name, column, numbers, problems)
    return _cast_each(table_name, column, trimmed, problems, what)


def _narrow(
    table_name: str,
    column: Column,
    numbers: pa.ChunkedArray,
    problems: list[Problem],
) -> tuple[pa.ChunkedArray, list[Problem]]:
    """Cast 64-bit numbers to the column's type, reporting values out of its range."""
    target = column.type
    if pa.types.is_integer(target) and target.bit_width < 64:
        low, high = -(2 ** (target.bit_width - 1)), 2 ** (target.bit_width - 1) - 1
        outside = pc.or_(pc.less(numbers, low), pc.greater(numbers, high))
        rows = _rows(outside)
        for i in rows:
            problems.append(
                Problem(table_name, i + 1, column.name, f"{numbers[i].as_py()} is too large")
            )
        if rows:
            numbers = pc.if_else(outside, pa.scalar(None, numbers.type), numbers)
    return numbers.cast(target), problems


def _cast_each(
    table_name: str,
    column: Column,
    text: pa.ChunkedArray,
    problems: list[Problem],
    what: str,
) -> tuple[pa.ChunkedArray, list[Problem]]:
    """Cast text that passed the pattern; values the pattern missed are found one by one."""
    try:
        return text.cast(column.type), problems
    except pa.ArrowInvalid:
        pass
    values: list[object] = []
    for i, value in enumerate(text.to_pylist()):
        if value is None:
            values.append(None)
            continue
        try:
            values.append(pa.array([value]).cast(column.type)[0].as_py())
        except pa.ArrowInvalid:
            problems.append(
                Problem(table_name, i + 1, column.name, f"{_show(value)} is not {what}")
            )
            values.append(None)
    return pa.chunked_array([pa.array(values, column.type)]), problems


def _bool_from_text(
    table_name: str, column: Column, text: pa.ChunkedArray
) -> tuple[pa.ChunkedArray, list[Problem]]:
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(text))
    is_true = pc.is_in(lowered, value_set=pa.array(sorted(_TRUE)))
    is_false = pc.is_in(lowered, value_set=pa.array(sorted(_FALSE)))
    bad_mask = pc.and_(pc.is_valid(lowered), pc.invert(pc.or_(is_true, is_false)))
    problems = [
        Problem(
            table_name,
            i + 1,
            column.name,
            f"{_show(text[i].as_py())} is not true or false",
        )
        for i in _rows(bad_mask)
    ]
    result = pc.if_else(pc.or_(pc.is_null(lowered), bad_mask), pa.scalar(None, pa.bool_()), is_true)
    return result, problems


def conform_strictly(table: Table, raw: pa.Table, *, source: str) -> pa.Table:
    """Return the conformed table, or raise DatasetError listing what is wrong."""
    from ontrack.dataset.problems import DatasetError

    conformed, problems = conform(table, raw, source=source)
    if problems:
        raise DatasetError(problems)
    return conformed


__all__ = ["conform", "conform_strictly", "type_kind"]
