"""The NHS Talking Therapies waiting-time clocks of one referral.

NHS England's key metrics (docs/reference, "Key Metrics"): the wait from referral to
the first treatment within 6 weeks (42 days) and 18 weeks (126 days); the "hidden wait"
from the first to the second treatment over 28 and over 90 days; and the wait from
referral to assessment. A clock that has not stopped keeps running to ``today``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SIX_WEEKS = 42
EIGHTEEN_WEEKS = 126
HIDDEN_WAIT_LONG = 28
HIDDEN_WAIT_VERY_LONG = 90


@dataclass(frozen=True)
class WaitClocks:
    """Days waited at each stage; ``*_running`` is True while that clock has not stopped."""

    to_assessment: int
    assessment_running: bool
    to_first_treatment: int
    first_treatment_running: bool
    first_to_second: int | None
    second_running: bool

    @property
    def over_six_weeks(self) -> bool:
        """Waited (or is waiting) more than 6 weeks for the first treatment."""
        return self.to_first_treatment > SIX_WEEKS

    @property
    def over_eighteen_weeks(self) -> bool:
        return self.to_first_treatment > EIGHTEEN_WEEKS

    @property
    def hidden_wait_over_28(self) -> bool:
        return self.first_to_second is not None and self.first_to_second > HIDDEN_WAIT_LONG

    @property
    def hidden_wait_over_90(self) -> bool:
        return self.first_to_second is not None and self.first_to_second > HIDDEN_WAIT_VERY_LONG


def wait_clocks(
    *,
    referral_date: dt.date,
    today: dt.date,
    assessed_on: dt.date | None = None,
    first_treatment: dt.date | None = None,
    second_treatment: dt.date | None = None,
    ended_on: dt.date | None = None,
) -> WaitClocks:
    """Return the clocks of a referral; a clock stops at its event or at the ending.

    >>> c = wait_clocks(referral_date=dt.date(2026, 1, 1), today=dt.date(2026, 3, 1),
    ...                 assessed_on=dt.date(2026, 1, 8))
    >>> (c.to_assessment, c.to_first_treatment, c.first_treatment_running, c.over_six_weeks)
    (7, 59, True, True)
    """
    stop = min(today, ended_on) if ended_on is not None else today
    to_assessment = ((assessed_on or stop) - referral_date).days
    to_first = ((first_treatment or stop) - referral_date).days
    first_to_second = None
    if first_treatment is not None:
        first_to_second = ((second_treatment or stop) - first_treatment).days
    return WaitClocks(
        to_assessment=max(0, to_assessment),
        assessment_running=assessed_on is None and ended_on is None,
        to_first_treatment=max(0, to_first),
        first_treatment_running=first_treatment is None and ended_on is None,
        first_to_second=None if first_to_second is None else max(0, first_to_second),
        second_running=first_treatment is not None
        and second_treatment is None
        and ended_on is None,
    )
