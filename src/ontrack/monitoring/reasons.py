"""The reasons therapy fails (DESIGN §1), and one piece of evidence about one of them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class Reason(StrEnum):
    """Why therapy fails (DESIGN §1)."""

    WRONG_THERAPY = "wrong_therapy"
    WRONG_FOCUS = "wrong_focus"
    WRONG_TIME = "wrong_time"
    WRONG_THERAPIST = "wrong_therapist"
    WRONG_PACE = "wrong_pace"
    WRONG_PLACE = "wrong_place"
    RUPTURE = "rupture"
    NO_GOALS = "no_goals"
    NO_HOMEWORK = "no_homework"
    DROPOUT_RISK = "dropout_risk"


# The simulator's planted causes (codes.toml [failure_cause]) and the reason each is.
CAUSE_TO_REASON = {
    "rupture": Reason.RUPTURE,
    "wrong_focus": Reason.WRONG_FOCUS,
    "social_stressor": Reason.WRONG_TIME,
    "overloaded_therapist": Reason.WRONG_PLACE,
    "poor_match": Reason.WRONG_THERAPIST,
    "wrong_therapy": Reason.WRONG_THERAPY,
    "no_goals": Reason.NO_GOALS,
    "no_homework": Reason.NO_HOMEWORK,
    "wrong_pace": Reason.WRONG_PACE,
}


@dataclass(frozen=True)
class Evidence:
    """One observation from the record, for (``supports``) or against a reason."""

    text: str
    weight: float
    supports: bool = True


def fmt(x: float) -> str:
    """Format a score for a sentence: one decimal at most, no trailing zero."""
    return f"{x:.1f}".rstrip("0").rstrip(".") if math.isfinite(x) else "n/a"
