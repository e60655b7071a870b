"""Check score and alliance rows against their measure definitions (``ontrack.measures``).

For each row: the measure is known, the item list has the measure's length, each answer is
in range, the total is in range and equals what ``ontrack.measures.score`` gives for the
answers. Complete rows are scored in bulk with the measure's own rule (sum or mean, reverse
items, multiplier); rows with missing answers go through ``score`` one by one.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ontrack.dataset.problems import Problem
from ontrack.measures import Measure, MeasureError, get_measure, score
from ontrack.measures.definition import ScoringMethod

_BATCH = 1_000_000  # rows parsed at a time, to bound memory on national datasets
_TOLERANCE = 0.01  # totals are stored as decimals; differences below this are rounding


def check_measure_rows(table: str, data: pa.Table) -> Iterator[Problem]:
    """Yield every problem in the measure, items and total of each row of ``data``."""
    if data.num_rows == 0:
        return
    codes = data.column("measure")
    for code in pc.unique(codes).to_pylist():
        if code is None:
            continue  # a missing measure is reported by the null check
        positions = np.asarray(
            pc.indices_nonzero(pc.fill_null(pc.equal(codes, code), False)).to_numpy()
        )
        try:
            measure = get_measure(code)
        except MeasureError as error:
            for row in positions.tolist():
                yield Problem(table, row + 1, "measure", str(error))
            continue
        for start in range(0, len(positions), _BATCH):
            batch = positions[start : start + _BATCH]
            yield from _check_batch(table, measure, data.take(pa.array(batch)), batch)


def _check_batch(
    table: str, measure: Measure, data: pa.Table, rows: np.ndarray
) -> Iterator[Problem]:
    totals = data.column("total").to_numpy(zero_copy_only=False).astype(np.float64)
    yield from _check_total_range(table, measure, totals, rows)
    items = data.column("items")
    present = np.asarray(pc.is_valid(items).to_numpy(zero_copy_only=False), dtype=bool)
    if not present.any():
        return
    answers, usable, parse_problems = _parse(table, measure, items, rows)
    yield from parse_problems
    usable &= present
    yield from _check_answers(table, measure, answers, rows, usable)
    yield from _check_totals(table, measure, answers, totals, rows, usable)


def _check_total_range(
    table: str, measure: Measure, totals: np.ndarray, rows: np.ndarray
) -> Iterator[Problem]:
    outside = (totals < measure.min) | (totals > measure.max)
    for i in np.flatnonzero(outside).tolist():
        yield Problem(
            table,
            int(rows[i]) + 1,
            "total",
            f"{totals[i]:g} is outside the {measure.code} range {measure.min:g}-{measure.max:g}",
        )


def _parse(
    table: str, measure: Measure, items: pa.ChunkedArray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[Problem]]:
    """Return the answers (n rows × n items, NaN where missing), which rows could be read,
    and the problems found reading them.

    Rows written the usual way — one character per answer ("2,0,-,3") — are read straight
    from the string buffer; the rest go through a general split.
    """
    n = measure.n_items
    answers = np.full((len(items), n), np.nan)
    usable = np.zeros(len(items), dtype=bool)
    text = items.combine_chunks()
    compact = _compact_rows(text, n)
    answers_compact, bad_compact = _read_compact(text, compact, n)
    answers[compact] = answers_compact
    usable[compact] = ~bad_compact
    rest = np.flatnonzero(~compact & np.asarray(text.is_valid().to_numpy(zero_copy_only=False)))
    problems: list[Problem] = []
    if bad_compact.any():
        # Let the general reader name the offending answer.
        rest = np.sort(np.concatenate((rest, np.flatnonzero(compact)[bad_compact])))
    if len(rest):
        general, ok, problems = _parse_general(
            table, measure, text.take(pa.array(rest)), rows[rest]
        )
        answers[rest] = general
        usable[rest] = ok
    return answers, usable, problems


def _compact_rows(text: pa.StringArray, n: int) -> np.ndarray:
    """Rows whose text is exactly 2n - 1 characters long (one character per answer)."""
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[
        text.offset : text.offset + len(text) + 1
    ]
    lengths = np.diff(offsets)
    valid = np.asarray(text.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    return np.asarray(valid & (lengths == 2 * n - 1), dtype=bool)


def _read_compact(
    text: pa.StringArray, compact: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Answers of compact rows (NaN for '-'), and which of them hold anything unexpected."""
    rows = np.flatnonzero(compact)
    if len(rows) == 0:
        return np.zeros((0, n)), np.zeros(0, dtype=bool)
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[
        text.offset : text.offset + len(text) + 1
    ]
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)
    width = 2 * n - 1
    chars = data[offsets[rows][:, None] + np.arange(width)[None, :]]
    answer_chars = chars[:, 0::2]
    separators = chars[:, 1::2]
    digit = (answer_chars >= ord("0")) & (answer_chars <= ord("9"))
    dash = answer_chars == ord("-")
    bad = ~(digit | dash).all(axis=1) | (separators != ord(",")).any(axis=1)
    values = np.where(digit, answer_chars.astype(np.float64) - ord("0"), np.nan)
    return values, bad


def _parse_general(
    table: str, measure: Measure, items: pa.Array, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[Problem]]:
    """Split answers on commas (any width, decimals, spaces), naming what cannot be read."""
    n = measure.n_items
    answers = np.full((len(items), n), np.nan)
    usable = np.zeros(len(items), dtype=bool)
    problems: list[Problem] = []
    parts = pc.split_pattern(items, ",")
    lengths = pc.fill_null(pc.list_value_length(parts), n).to_numpy(zero_copy_only=False)
    wrong_length = np.flatnonzero(lengths != n)
    for i in wrong_length.tolist():
        problems.append(
            Problem(
                table,
                int(rows[i]) + 1,
                "items",
                f"{measure.code} has {n} items but {int(lengths[i])} answers are listed",
            )
        )
    ok = np.flatnonzero((lengths == n) & pc.is_valid(parts).to_numpy(zero_copy_only=False))
    if len(ok) == 0:
        return answers, usable, problems
    tokens = pc.utf8_trim_whitespace(pc.list_flatten(parts.take(pa.array(ok))))
    missing = pc.equal(tokens, "-")
    numeric = pc.match_substring_regex(tokens, r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
    unreadable = np.asarray(
        pc.invert(pc.or_(missing, numeric)).to_numpy(zero_copy_only=False), dtype=bool
    )
    clean = pc.if_else(pc.or_(missing, pa.array(unreadable)), pa.scalar(None, pa.string()), tokens)
    values = clean.cast(pa.float64()).to_numpy(zero_copy_only=False).reshape(len(ok), n)
    answers[ok] = values
    usable[ok] = True
    for flat in np.flatnonzero(unreadable).tolist():
        i, item = divmod(flat, n)
        problems.append(
            Problem(
                table,
                int(rows[ok[i]]) + 1,
                "items",
                f"answer {item + 1} is {tokens[flat].as_py()!r}, not a number or '-'",
            )
        )
        usable[ok[i]] = False
    return answers, usable, problems


def _check_answers(
    table: str, measure: Measure, answers: np.ndarray, rows: np.ndarray, usable: np.ndarray
) -> Iterator[Problem]:
    low, high, step = measure.item_min, measure.item_max, measure.item_step
    with np.errstate(invalid="ignore"):
        outside = (answers < low) | (answers > high)
        off_step = np.abs((answers - low) / step - np.round((answers - low) / step)) > 1e-9
    bad = (outside | off_step) & usable[:, None]
    for i, item in zip(*np.nonzero(bad), strict=True):
        yield Problem(
            table,
            int(rows[i]) + 1,
            "items",
            f"answer {item + 1} is {answers[i, item]:g}; {measure.code} answers run "
            f"{low}-{high} in steps of {step:g}",
        )
        usable[i] = False  # the total cannot be checked against a bad answer


def _check_totals(
    table: str,
    measure: Measure,
    answers: np.ndarray,
    totals: np.ndarray,
    rows: np.ndarray,
    usable: np.ndarray,
) -> Iterator[Problem]:
    expected = np.full(len(totals), np.nan)
    expected[usable] = bulk_total(measure, answers[usable])
    for i in np.flatnonzero(usable & np.isnan(expected)).tolist():
        # Too many answers missing to score: let ``score`` say why in its own words.
        answer_list = [None if np.isnan(a) else float(a) for a in answers[i]]
        try:
            expected[i] = score(measure, answer_list).total
        except MeasureError as error:
            yield Problem(table, int(rows[i]) + 1, "items", str(error))
    wrong = np.abs(expected - totals) > _TOLERANCE
    for i in np.flatnonzero(wrong).tolist():
        yield Problem(
            table,
            int(rows[i]) + 1,
            "total",
            f"{totals[i]:g} does not match the answers ({measure.code} scores them "
            f"{expected[i]:g})",
        )


def bulk_total(measure: Measure, answers: np.ndarray) -> np.ndarray:
    """Score answer rows (n × items, NaN = missing) as ``ontrack.measures.score`` does.

    Reverse-keyed items are flipped; a blank optional item is not applicable (the total is
    out of fewer items, not prorated); other missing answers are prorated where the measure
    allows (``max_missing``). Rows with more missing answers than the measure allows get NaN.

    >>> bulk_total(get_measure("GAD-7"), np.array([[2, 2, 1, 1, 0, 1, 1]]))
    array([8.])
    >>> bulk_total(get_measure("PHQ-9"), np.array([[1, 2, 1, 2, 1, 1, 0, np.nan, 0]]))
    array([9.])
    """
    keyed = np.array(answers, dtype=np.float64)
    if keyed.ndim != 2 or keyed.shape[1] != measure.n_items:
        raise ValueError(f"{measure.code} answers must be an n × {measure.n_items} array")
    for item in measure.reverse_items:
        keyed[:, item - 1] = measure.item_min + measure.item_max - keyed[:, item - 1]
    blank = np.isnan(keyed)
    optional = np.zeros(measure.n_items, dtype=bool)
    optional[[i - 1 for i in measure.optional_items]] = True
    not_applicable = (blank & optional).sum(axis=1)
    missing = (blank & ~optional).sum(axis=1)
    answered = (~blank).sum(axis=1)
    scorable = (answered > 0) & (missing <= measure.max_missing)
    with np.errstate(invalid="ignore", divide="ignore"):
        if measure.method is ScoringMethod.SUM:
            raw = np.where(blank, 0.0, keyed).sum(axis=1)
            applicable = measure.n_items - not_applicable
            total = np.where(missing > 0, raw * applicable / answered, raw)
        else:
            total = np.where(blank, 0.0, keyed).sum(axis=1) / answered
    total = np.round(total * measure.multiplier, 6)
    return np.asarray(np.where(scorable, total, np.nan), dtype=np.float64)
