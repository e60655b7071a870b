"""Therapist matching: rank the therapists who could take one client.

Hard constraints come first and are never traded: the therapist works at the step and
delivers the therapy, has room under their caseload limit, and meets every preference the
client marked essential. Among those who fit, the score is

    benefit (report-card effect in the client's domains, SD units, weighted)
    + ``PREFERENCE`` for each other preference met
    + ``HEADROOM`` x the share of the caseload still free
    - ``WAIT_PER_WEEK`` x weeks to a first appointment.

The benefit uses only the client's problem domains and what they asked for; no
characteristic of the client (age, gender, ethnicity, deprivation) enters the score, so no
such characteristic can lower what they are offered. ``score_candidates`` works on arrays
(the replay in ``validate`` ranks thousands of clients); ``suggest`` wraps it as the
pathway's ``Suggester``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from ontrack.matching.domains import DOMAIN_LABEL, DOMAINS

PREFERENCE: Final = 0.15
HEADROOM: Final = 0.05
WAIT_PER_WEEK: Final = 0.02
FUNCTIONING_WEIGHT: Final = 0.5  # the WSAS domain counts half beside the presenting problem
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def domain_weights(domain: str, functioning: bool) -> FloatArray:
    """Weights of the client's domains: the presenting problem 1, functioning 0.5 when the
    WSAS shows impairment.

    >>> domain_weights("depression", True)[[0, -1]].tolist()
    [1.0, 0.5]
    """
    weights = np.zeros(len(DOMAINS))
    weights[DOMAINS.index(domain)] = 1.0
    if functioning and domain != "functioning":
        weights[DOMAINS.index("functioning")] = FUNCTIONING_WEIGHT
    return weights


@dataclass(frozen=True)
class Scored:
    """Candidates in rank order (indices into the arrays given), with their scores."""

    order: npt.NDArray[np.int64]
    fits: BoolArray
    score: FloatArray
    benefit: FloatArray


def score_candidates(
    effects: FloatArray,
    weights: FloatArray,
    fits: BoolArray,
    preferences_met: FloatArray,
    headroom_share: FloatArray,
    wait_weeks: FloatArray,
) -> Scored:
    """Rank candidates: those who fit every hard constraint first, then by score.

    ``effects`` is candidates x DOMAINS (shrunk report-card effects, 0 where none).

    >>> s = score_candidates(
    ...     np.array([[0.0] * 9, [0.3] + [0.0] * 8]), domain_weights("depression", False),
    ...     np.array([True, True]), np.zeros(2), np.zeros(2), np.zeros(2))
    >>> s.order.tolist()
    [1, 0]
    """
    benefit = effects @ weights
    score = (
        benefit
        + PREFERENCE * preferences_met
        + HEADROOM * headroom_share
        - WAIT_PER_WEEK * wait_weeks
    )
    order = np.lexsort((-score, ~fits))
    return Scored(order=np.asarray(order, dtype=np.int64), fits=fits, score=score, benefit=benefit)


def benefit_reasons(
    cards: dict[str, tuple[float, float, int, str]], weights: FloatArray
) -> list[str]:
    """Words for a therapist's report cards in the client's domains.

    ``cards`` maps domain -> (effect, effect in points, cases, label).

    >>> words = benefit_reasons({"depression": (0.2, 1.3, 40, "effective")},
    ...                         domain_weights("depression", False))
    >>> print(words[0])
    report card: effective with depression, clients improved 1.3 points more than expected (4...
    """
    reasons = []
    for index in np.flatnonzero(weights > 0):
        domain = DOMAINS[int(index)]
        label = DOMAIN_LABEL[domain]
        card = cards.get(domain)
        if card is None:
            reasons.append(f"no closed cases with {label} yet")
            continue
        _, points, cases, verdict = card
        if verdict == "not enough cases yet":
            reasons.append(f"report card for {label}: not enough cases yet ({cases})")
            continue
        direction = "more" if points >= 0 else "less"
        reasons.append(
            f"report card: {verdict} with {label}, clients improved {abs(points):.1f} points "
            f"{direction} than expected ({cases} cases)"
        )
    return reasons
