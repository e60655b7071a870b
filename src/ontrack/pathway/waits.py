"""How long someone is likely to wait for a therapist: one rule, said the same way to
staff (the waiting list, the allocation page) and to the client (asking for another
therapist).

The rule is a queue, not a promise: the people ahead of them at the same step and
therapy, divided by how many the service allocated at that step and therapy per week
over the last ``WINDOW_DAYS`` days. With nobody allocated in that time there is no
honest figure, and the words say so. The median wait of those recently allocated is
given beside it, so nobody reads the estimate as a guarantee.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

WINDOW_DAYS = 84  # twelve weeks of allocations set the pace


@dataclass(frozen=True)
class WaitEstimate:
    """A likely wait, with what it rests on."""

    ahead: int
    allocated: int
    window_days: int
    weeks: int | None
    median_recent_weeks: int | None

    @property
    def per_week(self) -> float:
        """Allocations per week over the window."""
        return self.allocated / (self.window_days / 7)

    def words(self, *, you: bool = False) -> str:
        """The estimate in plain words, for the client (``you``) or for staff.

        >>> WaitEstimate(ahead=5, allocated=12, window_days=84, weeks=6,
        ...              median_recent_weeks=7).words(you=True)[:60]
        '5 people are waiting ahead of you. In the last 12 weeks the '
        """
        weeks_in_window = self.window_days // 7
        who = "you" if you else "someone joining now"
        ahead = (
            f"{self.ahead} {'person is' if self.ahead == 1 else 'people are'} waiting ahead "
            f"of {who}."
        )
        if self.weeks is None:
            return (
                f"{ahead} Nobody at this step was given a therapist in the last "
                f"{weeks_in_window} weeks, so we cannot honestly say how long the wait will "
                "be; the service manager can tell you more."
            )
        pace = (
            f"In the last {weeks_in_window} weeks the service gave {self.allocated} "
            f"{'person' if self.allocated == 1 else 'people'} at this step a therapist "
            f"(about {self.per_week:.1f} a week)"
        )
        likely = f"so the wait is likely to be about {_weeks(self.weeks)}"
        median = ""
        if self.median_recent_weeks is not None:
            waited = _weeks(self.median_recent_weeks)
            median = f" People who got a therapist in that time had waited {waited} (the median)."
        return f"{ahead} {pace}, {likely}. This is an estimate, not a promise.{median}"


def _weeks(n: int | None) -> str:
    if n is None:
        return "an unknown time"
    if n <= 1:
        return "a week or less"
    return f"{n} weeks"


def estimate_wait(
    *, ahead: int, recent_waits_days: Sequence[int], window_days: int = WINDOW_DAYS
) -> WaitEstimate:
    """Estimate the wait of someone with ``ahead`` people before them, from the waits
    (in days, joining the list to being allocated) of those allocated in the window.

    >>> e = estimate_wait(ahead=5, recent_waits_days=[30, 40, 50, 60] * 3)
    >>> (e.allocated, e.weeks, e.median_recent_weeks)
    (12, 6, 6)
    >>> estimate_wait(ahead=3, recent_waits_days=[]).weeks is None
    True
    """
    if ahead < 0 or window_days <= 0:
        raise ValueError("ahead must be 0 or more and the window positive")
    allocated = len(recent_waits_days)
    if allocated == 0:
        return WaitEstimate(ahead, 0, window_days, None, None)
    per_week = allocated / (window_days / 7)
    weeks = max(1, math.ceil((ahead + 1) / per_week))
    median = statistics.median(recent_waits_days)
    return WaitEstimate(ahead, allocated, window_days, weeks, max(1, round(median / 7)))
