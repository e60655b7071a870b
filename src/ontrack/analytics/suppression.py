"""Small-number suppression for anything meant for publication.

The rule is NHS England's, as its public key-metrics SQL applies it
(nhsengland/Talking-Therapies, "Key Metrics Dashboard/KM monthly update - Suppressed.sql"):

- a count below 5 is withheld (null); any other count is rounded to the nearest 5
  (``ROUND(count / 5.0, 0) * 5``);
- a rate or mean is withheld when its numerator or its denominator is below 5; otherwise it
  is computed from the *unrounded* counts.

Suppression applies to a whole table at once, after every measure has been computed, so
that no rate is ever derived from a rounded count.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ontrack.analytics.measures import COUNT_NAMES, RATES

THRESHOLD = 5
RULE = (
    "Publication rule (NHS England key metrics): counts below 5 are withheld and other "
    "counts are rounded to the nearest 5; a rate or mean is withheld when its numerator or "
    "denominator is below 5, and is otherwise computed from unrounded counts."
)


def round_count(value: int | None) -> int | None:
    """Apply the count rule.

    >>> [round_count(v) for v in (0, 4, 5, 7, 8, 12, 13)]
    [None, None, 5, 5, 10, 10, 15]
    """
    if value is None or value < THRESHOLD:
        return None
    # Counts are whole numbers, so value / 5 never ends in exactly .5: no tie to break.
    return math.floor(value / THRESHOLD + 0.5) * THRESHOLD


def suppress_measures(row: Mapping[str, Any]) -> dict[str, Any]:
    """Return a measure row (counts and rates) with the publication rule applied."""
    out = dict(row)
    for rate in RATES:
        if rate.name not in row:
            continue
        numerator = row.get(rate.numerator) or 0
        denominator = row.get(rate.denominator) or 0
        if numerator < THRESHOLD or denominator < THRESHOLD:
            out[rate.name] = None
    for name in COUNT_NAMES:
        if name in row:
            out[name] = round_count(row[name])
    return out


def suppress_counts(row: Mapping[str, Any], counts: tuple[str, ...]) -> dict[str, Any]:
    """Round the named counts of any row (alerts, therapist effects) by the count rule."""
    out = dict(row)
    for name in counts:
        if name in out and out[name] is not None:
            out[name] = round_count(int(out[name]))
    return out
