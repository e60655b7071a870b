"""Problems found in a dataset, and the error that carries them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a dataset.

    ``row`` is the 1-based data row within the table (the CSV header is not counted, so
    row 1 is line 2 of a CSV file); it is None when the problem concerns a whole table or
    column. ``column`` is None when the problem concerns a whole table.

    >>> str(Problem("contact", 3, "attendance", "'8' is not a valid code"))
    "contact, row 3, column attendance: '8' is not a valid code"
    """

    table: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.table]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class DatasetError(Exception):
    """A dataset that cannot be used; ``problems`` lists everything found wrong.

    >>> error = DatasetError([Problem("referral", None, None, "missing table")])
    >>> str(error)
    'the dataset has 1 problem: referral: missing table'
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(self._summary())

    def _summary(self) -> str:
        count = len(self.problems)
        if count == 0:
            return "the dataset has problems"
        noun = "problem" if count == 1 else "problems"
        first = str(self.problems[0])
        more = "" if count == 1 else f" (and {count - 1} more)"
        return f"the dataset has {count} {noun}: {first}{more}"
