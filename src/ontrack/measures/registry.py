"""Look measures up by code: case- and punctuation-insensitive, with declared aliases."""

from __future__ import annotations

from ontrack.measures.definition import Measure
from ontrack.measures.errors import MeasureError
from ontrack.measures.loader import normalise_code, registry


def get_measure(code: str) -> Measure:
    """Return the measure with this code ("PHQ-9", "phq9", "Phq 9" are the same).

    >>> get_measure("Phq 9").code
    'PHQ-9'
    """
    if not isinstance(code, str):
        raise MeasureError(f"measure code must be text, got {code!r}")
    measures, aliases = registry()
    key = normalise_code(code)
    key = aliases.get(key, key)
    try:
        return measures[key]
    except KeyError:
        known = ", ".join(sorted(m.code for m in measures.values()))
        raise MeasureError(f"unknown measure {code!r}; known measures: {known}") from None


def canonical_code(code: str) -> str:
    """Return the measure's own code for any way of writing it; raise MeasureError if unknown.

    The one normaliser for measure codes in data: ``check``, ``calibrate`` and ``validate``
    all read a score table's codes through it, so "PHQ9" is "PHQ-9" everywhere.

    >>> canonical_code("PHQ9"), canonical_code("gad 7")
    ('PHQ-9', 'GAD-7')
    """
    return get_measure(code).code


def all_measures() -> list[Measure]:
    """Return every loaded measure, sorted by code.

    >>> "GAD-7" in [m.code for m in all_measures()]
    True
    """
    measures, _ = registry()
    return sorted(measures.values(), key=lambda m: m.code.lower())


def resolve(measure: str | Measure) -> Measure:
    """Accept a code or a ``Measure`` and return the ``Measure``."""
    return measure if isinstance(measure, Measure) else get_measure(measure)
