"""Checks on the values of conformed canonical tables.

Each check is vectorised with Arrow compute so that a national year (tens of millions of
rows) is checked in seconds; Python runs only over the rows found wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ontrack.dataset.problems import Problem
from ontrack.dataset.schema import (
    ATTENDED,
    CONTACT_TIME_PATTERN,
    FOLLOW_UP,
    TABLES,
    TREATMENT_APP_TYPES,
    Column,
    Table,
    code_lists,
)

Tables = Mapping[str, pa.Table]


def _rows(mask: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Return the 0-based positions where ``mask`` is true (null counts as false)."""
    filled = pc.fill_null(mask, False)
    return np.asarray(pc.indices_nonzero(filled).to_numpy(), dtype=np.int64)


def _show(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"


def _report(
    table: str,
    column: str,
    mask: pa.ChunkedArray | pa.Array,
    values: pa.ChunkedArray | None,
    message: Callable[[object], str],
) -> Iterator[Problem]:
    rows = _rows(mask)
    if len(rows) == 0:
        return
    shown: list[object] = (
        values.take(pa.array(rows)).to_pylist() if values is not None else [None] * len(rows)
    )
    for row, value in zip(rows.tolist(), shown, strict=True):
        yield Problem(table, row + 1, column, message(value))


def check_tables(tables: Tables) -> list[Problem]:
    """Return every problem in the values of in-memory tables, table by table.

    Checks nulls, codes, ranges, keys, references between tables, dates in order and the
    consistency of contacts, scores and homework. A table not already in its canonical
    types is conformed first (and what will not convert is reported). Tables absent from
    ``tables`` are skipped (the loader reports required ones missing), and so are
    references into them.

    >>> from ontrack.synth import simulate
    >>> check_tables(simulate(referrals=40, seed=2))
    []
    """
    from ontrack.dataset.conform import conform

    problems: list[Problem] = []
    # Checks across columns and tables see a bad code as unknown (null), so that one wrong
    # cell is reported once, not again by every rule that reads it.
    cleaned: dict[str, pa.Table] = {}
    for name, table in TABLES.items():
        data = tables.get(name)
        if data is None:
            continue
        unreadable: set[tuple[int | None, str | None]] = set()
        if data.schema != table.arrow_schema:
            data, conform_problems = conform(table, data, source=f"table {name!r}")
            problems.extend(conform_problems)
            unreadable = {(p.row, p.column) for p in conform_problems}
        # A value that would not convert is now null: do not report it again as missing.
        problems.extend(
            p for p in _check_columns(table, data) if (p.row, p.column) not in unreadable
        )
        cleaned[name] = _without_bad_codes(table, data)
    tables = _Indexed(cleaned)
    for name, table in TABLES.items():
        data = tables.get(name)
        if data is None:
            continue
        problems.extend(_check_key(table, data))
        problems.extend(_check_row_dates(table, data))
        problems.extend(_check_references(table, data, tables))
    problems.extend(_check_contacts(tables))
    problems.extend(_check_at_attended_contacts(tables))
    problems.extend(_check_homework(tables))
    problems.extend(_check_scores(tables))
    problems.extend(_check_truth_causes(tables))
    return problems


def _check_columns(table: Table, data: pa.Table) -> Iterator[Problem]:
    lists = code_lists()
    for column in table.columns:
        values = data.column(column.name)
        if not column.nullable and values.null_count:
            yield from _report(
                table.name, column.name, pc.is_null(values), None, lambda _: "missing value"
            )
        if column.codes is not None:
            yield from _check_codes(table.name, column, values, lists[column.codes])
        if column.minimum is not None or column.maximum is not None:
            yield from _check_range(table.name, column, values)


def _code_set(column: Column) -> pa.Array:
    valid = list(code_lists()[column.codes or ""])
    if pa.types.is_integer(column.type):
        return pa.array([int(c) for c in valid], column.type)
    return pa.array(valid, column.type)


def _without_bad_codes(table: Table, data: pa.Table) -> pa.Table:
    for column in table.columns:
        if column.codes is None:
            continue
        values = data.column(column.name)
        bad = pc.invert(pc.fill_null(pc.is_in(values, value_set=_code_set(column)), True))
        if pc.any(bad).as_py():
            index = data.column_names.index(column.name)
            cleaned = pc.if_else(bad, pa.scalar(None, column.type), values)
            data = data.set_column(index, data.schema.field(index), cleaned)
    return data


def _check_codes(
    table: str, column: Column, values: pa.ChunkedArray, codes: Mapping[str, str]
) -> Iterator[Problem]:
    valid = list(codes)
    unknown = pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=_code_set(column))))
    listing = ", ".join(valid) if len(valid) <= 20 else ", ".join(valid[:20]) + ", ..."
    yield from _report(
        table,
        column.name,
        unknown,
        values,
        lambda v: f"{_show(v)} is not a code in {column.codes} (valid: {listing})",
    )


def _check_range(table: str, column: Column, values: pa.ChunkedArray) -> Iterator[Problem]:
    low, high = column.minimum, column.maximum
    too_low = pc.less(values, low) if low is not None else None
    too_high = pc.greater(values, high) if high is not None else None
    if low is not None and high is not None:
        bounds = f"between {low:g} and {high:g}"
    elif low is not None:
        bounds = f"at least {low:g}"
    else:
        bounds = f"at most {high:g}"
    for mask in (too_low, too_high):
        if mask is not None:
            yield from _report(
                table, column.name, mask, values, lambda v: f"{_show(v)} is not {bounds}"
            )


def _check_key(table: Table, data: pa.Table) -> Iterator[Problem]:
    if table.key is None or data.num_rows == 0:
        return
    keys = data.column(table.key)
    if pc.count_distinct(keys, mode="all").as_py() == data.num_rows:
        return
    counts = pc.value_counts(keys)
    repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    dup_rows = _rows(pc.is_in(keys, value_set=repeated))
    first_row: dict[object, int] = {}
    for row, value in zip(
        dup_rows.tolist(), keys.take(pa.array(dup_rows)).to_pylist(), strict=True
    ):
        if value in first_row:
            yield Problem(
                table.name,
                row + 1,
                table.key,
                f"duplicate {table.key} {_show(value)} (first at row {first_row[value]})",
            )
        else:
            first_row[value] = row + 1


def _check_row_dates(table: Table, data: pa.Table) -> Iterator[Problem]:
    for earlier, later in table.date_order:
        before = data.column(earlier)
        after = data.column(later)
        wrong = pc.less(after, before)
        rows = _rows(wrong)
        shown_after = after.take(pa.array(rows)).to_pylist()
        shown_before = before.take(pa.array(rows)).to_pylist()
        for row, a, b in zip(rows.tolist(), shown_after, shown_before, strict=True):
            yield Problem(
                table.name,
                row + 1,
                later,
                f"{later} {_show(a)} is before {earlier} {_show(b)}",
            )


class _Indexed(dict[str, pa.Table]):
    """The tables, with each referencing column's positions in its target worked out once.

    ``index_in`` over millions of keys is the costliest step of a check, and most of it is
    hashing the target column; so all the columns that reference one target are looked up
    together, against a single hash of it.
    """

    def __init__(self, tables: Mapping[str, pa.Table]) -> None:
        super().__init__(tables)
        self._memo: dict[tuple[str, str], pa.ChunkedArray | None] = {}

    def positions(self, child: str, column: str, reference: str) -> pa.ChunkedArray | None:
        """For each value of ``child.column``, its row in ``reference`` (null when absent)."""
        if (child, column) not in self._memo:
            self._index_all(reference)
        return self._memo.get((child, column))

    def _index_all(self, reference: str) -> None:
        target_table, target_column = reference.split(".")
        users = [
            (table.name, c.name)
            for table in TABLES.values()
            for c in table.columns
            if c.references == reference and table.name in self
        ]
        target = self.get(target_table)
        if target is None:
            self._memo.update(dict.fromkeys(users))
            return
        chunks = [chunk for name, col in users for chunk in self[name].column(col).chunks]
        values = pa.chunked_array(chunks, type=target.schema.field(target_column).type)
        found = pc.index_in(values, value_set=target.column(target_column).combine_chunks())
        start = 0
        for name, col in users:
            length = self[name].num_rows
            self._memo[(name, col)] = found.slice(start, length)
            start += length


def _check_references(table: Table, data: pa.Table, tables: _Indexed) -> Iterator[Problem]:
    for column in table.columns:
        if column.references is None:
            continue
        values = data.column(column.name)
        positions = tables.positions(table.name, column.name, column.references)
        if positions is None:
            continue
        orphan = pc.and_(pc.is_valid(values), pc.is_null(positions))
        target_table, target_column = column.references.split(".")
        yield from _report(
            table.name,
            column.name,
            orphan,
            values,
            _orphan_message(target_table, target_column),
        )


def _orphan_message(table: str, column: str) -> Callable[[object], str]:
    return lambda value: f"{_show(value)} is not a {column} in {table}"


def _lookup(
    tables: _Indexed, child: str, column: str, reference: str, wanted: str
) -> pa.ChunkedArray | None:
    """Return ``wanted`` from the row each ``child.column`` value references (null if none)."""
    positions = tables.positions(child, column, reference)
    if positions is None:
        return None
    target = tables[reference.split(".")[0]].column(wanted)
    return target.take(positions)


def _check_contacts(tables: _Indexed) -> Iterator[Problem]:
    contact = tables.get("contact")
    if contact is None:
        return
    dates = contact.column("contact_date")
    referred = _lookup(tables, "contact", "referral_id", "referral.referral_id", "referral_date")
    ended = _lookup(tables, "contact", "referral_id", "referral.referral_id", "end_date")
    if referred is not None and ended is not None:
        yield from _report(
            "contact",
            "contact_date",
            pc.less(dates, referred),
            dates,
            lambda v: f"contact_date {_show(v)} is before the referral_date of its referral",
        )
        # NHS England expects follow-ups after discharge (AppType 06 AND CareContDate >
        # ServDischDate); any other contact after the end is an error.
        follow_up = pc.fill_null(pc.equal(contact.column("app_type"), FOLLOW_UP), False)
        yield from _report(
            "contact",
            "contact_date",
            pc.and_(pc.greater(dates, ended), pc.invert(follow_up)),
            dates,
            lambda v: (
                f"contact_date {_show(v)} is after the end_date of its referral "
                "(only a follow-up, app_type 06, may be)"
            ),
        )
    attended = pc.or_(
        pc.fill_null(
            pc.is_in(contact.column("attendance"), value_set=pa.array(sorted(ATTENDED))), False
        ),
        pc.fill_null(pc.invert(contact.column("planned")), False),
    )
    treatment = pc.is_in(
        contact.column("app_type"), value_set=pa.array(sorted(TREATMENT_APP_TYPES))
    )
    session = contact.column("session_number")
    known = pc.and_(
        pc.is_valid(contact.column("attendance")), pc.is_valid(contact.column("app_type"))
    )
    yield from _report(
        "contact",
        "session_number",
        pc.and_(pc.and_(pc.is_valid(session), known), pc.invert(pc.and_(attended, treatment))),
        contact.column("attendance"),
        lambda v: (
            "session_number is set on a contact that is not an attended or unplanned "
            f"treatment contact (attendance {_show(v)})"
        ),
    )
    if "contact_time" in contact.column_names:
        times = contact.column("contact_time")
        wellformed = pc.match_substring_regex(times, CONTACT_TIME_PATTERN)
        yield from _report(
            "contact",
            "contact_time",
            pc.invert(wellformed),
            times,
            lambda v: f"contact_time {_show(v)} is not a 24-hour time 'HH:MM' or 'HH:MM:SS'",
        )
    yield from _check_step_matches_therapy(contact)
    yield from _check_session_numbers_unique(contact)


def _check_step_matches_therapy(contact: pa.Table) -> Iterator[Problem]:
    steps = code_lists()["therapy_step"]
    step_by_therapy = pa.array([int(v) for v in steps.values()], pa.int32())
    position = pc.index_in(contact.column("therapy"), value_set=pa.array(list(steps)))
    expected = step_by_therapy.take(position.combine_chunks())
    step = contact.column("step")
    yield from _report(
        "contact",
        "step",
        pc.not_equal(step, expected),
        step,
        lambda v: f"step {_show(v)} does not match the step of the therapy recorded",
    )


def _check_session_numbers_unique(contact: pa.Table) -> Iterator[Problem]:
    session = contact.column("session_number")
    numbered = _rows(pc.is_valid(session))
    if len(numbered) == 0:
        return
    subset = contact.take(pa.array(numbered)).select(["referral_id", "session_number"])
    subset = subset.append_column("row", pa.array(numbered))
    counts = subset.group_by(["referral_id", "session_number"]).aggregate(
        [("row", "min"), ("row", "count")]
    )
    repeated = counts.filter(pc.greater(counts.column("row_count"), 1))
    if repeated.num_rows == 0:
        return
    joined = subset.join(repeated, ["referral_id", "session_number"], join_type="inner")
    joined = joined.filter(pc.not_equal(joined.column("row"), joined.column("row_min")))
    for row, number, first in zip(
        joined.column("row").to_pylist(),
        joined.column("session_number").to_pylist(),
        joined.column("row_min").to_pylist(),
        strict=True,
    ):
        yield Problem(
            "contact",
            row + 1,
            "session_number",
            f"session {number} of this referral is already at row {first + 1}",
        )


def _check_at_attended_contacts(tables: _Indexed) -> Iterator[Problem]:
    """Scores, ratings and circumstances belong to a contact of the same referral."""
    for name in ("score", "alliance", "goal_rating", "circumstance"):
        data = tables.get(name)
        if data is None:
            continue
        owner = _lookup(tables, name, "contact_id", "contact.contact_id", "referral_id")
        if owner is None:
            continue
        yield from _report(
            name,
            "referral_id",
            pc.not_equal(data.column("referral_id"), owner),
            owner,
            lambda v: f"referral_id differs from that of its contact ({_show(v)})",
        )
        if name == "circumstance":
            continue
        attendance = _lookup(tables, name, "contact_id", "contact.contact_id", "attendance")
        assert attendance is not None
        not_seen = pc.and_(
            pc.is_valid(attendance),
            pc.invert(pc.is_in(attendance, value_set=pa.array(sorted(ATTENDED)))),
        )
        yield from _report(
            name,
            "contact_id",
            not_seen,
            attendance,
            lambda v: f"recorded at a contact that was not attended (attendance {_show(v)})",
        )


def _check_homework(tables: _Indexed) -> Iterator[Problem]:
    homework = tables.get("homework")
    if homework is None:
        return
    reference = "contact.contact_id"
    set_on = _lookup(tables, "homework", "set_contact_id", reference, "contact_date")
    reviewed_on = _lookup(tables, "homework", "reviewed_contact_id", reference, "contact_date")
    if set_on is None or reviewed_on is None:
        return
    yield from _report(
        "homework",
        "reviewed_contact_id",
        pc.less(reviewed_on, set_on),
        reviewed_on,
        lambda v: f"reviewed on {_show(v)}, before the contact at which it was set",
    )
    referral = homework.column("referral_id")
    for column in ("set_contact_id", "reviewed_contact_id"):
        owner = _lookup(tables, "homework", column, reference, "referral_id")
        assert owner is not None
        yield from _report(
            "homework",
            column,
            pc.not_equal(referral, owner),
            owner,
            lambda v: f"the contact belongs to another referral ({_show(v)})",
        )
    outcome = homework.column("outcome")
    yield from _report(
        "homework",
        "outcome",
        pc.and_(pc.is_valid(outcome), pc.is_null(homework.column("reviewed_contact_id"))),
        outcome,
        lambda v: f"outcome {_show(v)} is recorded but the homework was never reviewed",
    )


def _check_scores(tables: _Indexed) -> Iterator[Problem]:
    from ontrack.dataset.measure_checks import check_measure_rows

    for name in ("score", "alliance"):
        data = tables.get(name)
        if data is not None:
            yield from check_measure_rows(name, data)


def _check_truth_causes(tables: _Indexed) -> Iterator[Problem]:
    """Each ';'-separated cause in ``truth.causes`` is in the failure_cause code list."""
    truth = tables.get("truth")
    if truth is None:
        return
    known = set(code_lists()["failure_cause"])
    causes = truth.column("causes")
    distinct = [c for c in pc.unique(causes).to_pylist() if c]
    bad = [c for c in distinct if not set(c.split(";")) <= known]
    if not bad:
        return
    yield from _report(
        "truth",
        "causes",
        pc.is_in(causes, value_set=pa.array(bad, pa.string())),
        causes,
        lambda v: (
            f"{_show(v)} names a cause not in failure_cause "
            f"({', '.join(sorted(set(str(v).split(';')) - known))})"
        ),
    )
