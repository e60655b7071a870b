"""Vectorised building blocks: ragged expansion, identifiers and item strings.

The simulator never loops in Python per referral or per session; these helpers turn
per-parent counts into per-child rows and build Arrow string columns straight from NumPy
byte buffers.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]
UInt8Array = npt.NDArray[np.uint8]

MISSING_ANSWER = 255  # marks an unanswered item in an answer matrix


def expand(counts: npt.ArrayLike) -> tuple[IntArray, IntArray]:
    """Return (parent index, position within parent) for children counted per parent.

    >>> parent, position = expand([2, 0, 3])
    >>> parent.tolist(), position.tolist()
    ([0, 0, 2, 2, 2], [0, 1, 0, 1, 2])
    """
    n = np.asarray(counts, dtype=np.int64)
    parent = np.repeat(np.arange(len(n), dtype=np.int64), n)
    starts = np.cumsum(n) - n
    position = np.arange(len(parent), dtype=np.int64) - starts[parent]
    return parent, position


def group_cumsum(values: npt.ArrayLike, parent: npt.ArrayLike) -> IntArray:
    """Return the running total of ``values`` within each run of equal, sorted ``parent``.

    >>> group_cumsum([1, 2, 3, 4], [0, 0, 1, 1]).tolist()
    [1, 3, 3, 7]
    """
    v = np.asarray(values, dtype=np.int64)
    p = np.asarray(parent)
    total = np.cumsum(v)
    if len(v) == 0:
        return total
    first = np.ones(len(p), dtype=bool)
    first[1:] = p[1:] != p[:-1]
    # Index of the first row of each row's group, carried forward.
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(p)), 0))
    base = (total - v)[group_start]
    return np.asarray(total - base, dtype=np.int64)


def group_last(parent: npt.ArrayLike, n_parents: int) -> IntArray:
    """Return, for each parent, the index of its last child in sorted ``parent`` (-1 if none).

    >>> group_last([0, 0, 2], 3).tolist()
    [1, -1, 2]
    """
    p = np.asarray(parent, dtype=np.int64)
    last = np.full(n_parents, -1, dtype=np.int64)
    last[p] = np.arange(len(p), dtype=np.int64)  # later writes win: the last child
    return last


def group_first(parent: npt.ArrayLike, n_parents: int) -> IntArray:
    """Return, for each parent, the index of its first child in sorted ``parent`` (-1 if none).

    >>> group_first([0, 0, 2], 3).tolist()
    [0, -1, 2]
    """
    p = np.asarray(parent, dtype=np.int64)
    first = np.full(n_parents, -1, dtype=np.int64)
    first[p[::-1]] = np.arange(len(p) - 1, -1, -1, dtype=np.int64)
    return first


def identifiers(prefix: str, numbers: npt.ArrayLike, width: int) -> pa.StringArray:
    """Return ``prefix`` + zero-padded ``numbers`` as an Arrow string array.

    >>> identifiers("R", [1, 42], 4).to_pylist()
    ['R0001', 'R0042']
    """
    nums = np.asarray(numbers, dtype=np.int64)
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    length = len(head) + width
    buffer = np.empty((len(nums), length), dtype=np.uint8)
    buffer[:, : len(head)] = head
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    buffer[:, len(head) :] = (nums[:, None] // powers) % 10 + ord("0")
    offsets = np.arange(0, (len(nums) + 1) * length, length, dtype=np.int32)
    return pa.StringArray.from_buffers(
        len(nums), pa.py_buffer(offsets), pa.py_buffer(buffer.tobytes())
    )


def width_for(count: int) -> int:
    """Return the number of digits needed to number ``count`` things from 1."""
    return max(1, len(str(max(count, 1))))


def answer_strings(answers: UInt8Array) -> pa.StringArray:
    """Return each row of an answer matrix as "a,b,c" text; MISSING_ANSWER becomes '-'.

    Answers may run 0..99 (one or two digits).

    >>> answer_strings(np.array([[0, 3, 255], [10, 2, 1]], dtype=np.uint8)).to_pylist()
    ['0,3,-', '10,2,1']
    """
    n, k = answers.shape
    missing = answers == MISSING_ANSWER
    two_digit = (answers >= 10) & ~missing
    if not two_digit.any():
        return _single_digit_strings(answers, missing)
    token = np.where(two_digit, 2, 1).astype(np.int64)
    row_length = token.sum(axis=1) + (k - 1)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(row_length, out=offsets[1:])
    if offsets[-1] >= 2**31:
        raise ValueError("too many answers for one string array; score in smaller batches")
    start = offsets[:-1, None] + np.cumsum(token + 1, axis=1) - (token + 1)
    data = np.full(int(offsets[-1]), ord(","), dtype=np.uint8)
    tens = answers // 10
    ones = answers % 10
    first_char = np.where(missing, ord("-"), np.where(two_digit, tens, ones) + ord("0"))
    data[start.ravel()] = first_char.ravel().astype(np.uint8)
    if two_digit.any():
        data[start[two_digit] + 1] = (ones[two_digit] + ord("0")).astype(np.uint8)
    return pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data.tobytes())
    )


def _single_digit_strings(answers: UInt8Array, missing: BoolArray) -> pa.StringArray:
    """Fast path: every token is one character, so every row has the same length."""
    n, k = answers.shape
    length = 2 * k - 1
    buffer = np.full((n, length), ord(","), dtype=np.uint8)
    buffer[:, 0::2] = np.where(missing, ord("-"), answers + ord("0"))
    offsets = np.arange(0, (n + 1) * length, length, dtype=np.int64)
    if offsets[-1] >= 2**31:
        raise ValueError("too many answers for one string array; score in smaller batches")
    return pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(buffer.tobytes())
    )
