"""OnTrack's optional parts, and the one line that says how to install each.

A plain ``pip install ontrack`` gives the web service on SQLite and the analytics on DuckDB.
PySpark (a JVM engine), the PostgreSQL driver and statsmodels (one optional curve fit) are
extras, so that a practice on a laptop does not download them (docs/install.md).

>>> sorted(EXTRAS)
['fits', 'postgres', 'spark']
>>> message("spark", "the spark engine")
"the spark engine needs PySpark, which is not installed: pip install 'ontrack[spark]'"
"""

from __future__ import annotations

import importlib.util
from typing import Literal

Extra = Literal["spark", "postgres", "fits"]

# extra -> (module whose presence shows the extra is installed, what a person calls it)
EXTRAS: dict[Extra, tuple[str, str]] = {
    "spark": ("pyspark", "PySpark"),
    "postgres": ("psycopg", "the PostgreSQL driver (psycopg)"),
    "fits": ("statsmodels", "statsmodels"),
}


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


def installed(extra: Extra) -> bool:
    """Return whether the packages of ``extra`` can be imported."""
    return importlib.util.find_spec(EXTRAS[extra][0]) is not None


def message(extra: Extra, purpose: str) -> str:
    """The one line that says ``purpose`` needs ``extra`` and how to install it."""
    return (
        f"{purpose} needs {EXTRAS[extra][1]}, which is not installed: "
        f"pip install 'ontrack[{extra}]'"
    )


def require(extra: Extra, purpose: str) -> None:
    """Raise ``MissingExtraError`` (one line naming what to install) if ``extra`` is missing."""
    if not installed(extra):
        raise MissingExtraError(message(extra, purpose))
