"""Grade a positive risk answer by how often the client said it happened.

A risk item (PHQ-9 item 9, CORE-10 item 6, ...) answered at or above its threshold always
needs a review today; the grade says how urgent the conversation is, from the answer alone:
PHQ-9 item 9 "several days" is level 1, "more than half the days" level 2, "nearly every
day" level 3. Scales with more answer points are mapped onto the same three levels by the
answer's share of the positive range (CORE-10 item 6: "only occasionally" 1, "sometimes" 2,
"often" and "most or all of the time" 3), so alerts from different measures can be
compared. The grade never lowers the need for a review; it only orders what is already
urgent. The service's own risk assessment grades the risk itself (DESIGN §4).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from ontrack.measures.definition import Measure
from ontrack.measures.registry import resolve
from ontrack.measures.scoring import Answer, risk_answers


class RiskLevel(IntEnum):
    """How often a positive risk answer said it happened, on a common three-level scale."""

    SOME_DAYS = 1  # PHQ-9 "several days"
    OFTEN = 2  # PHQ-9 "more than half the days"
    MOST_DAYS = 3  # PHQ-9 "nearly every day"

    @property
    def words(self) -> str:
        return {1: "on some days", 2: "often", 3: "nearly every day"}[self.value]


@dataclass(frozen=True, order=True)
class RiskGrade:
    """One positive risk answer and its level; grades order by level, then answer."""

    level: RiskLevel
    answer: float
    measure: str
    item: int
    label: str  # the measure's own words for the answer, e.g. "More than half the days"

    def sentence(self) -> str:
        """Say what was answered, in one line for an alert.

        >>> grade_risk("PHQ-9", [0] * 8 + [2]).sentence()
        'PHQ-9 item 9 answered 2 (More than half the days): risk level 2 of 3.'
        """
        value = str(int(self.answer)) if float(self.answer).is_integer() else f"{self.answer:g}"
        words = f" ({self.label})" if self.label else ""
        said = f"{self.measure} item {self.item} answered {value}{words}"
        return f"{said}: risk level {self.level} of 3."


def risk_level(measure: str | Measure, answer: float) -> RiskLevel | None:
    """Return the level of one risk-item answer, or None below the measure's risk threshold.

    >>> [risk_level("PHQ-9", a) for a in (0, 1, 2, 3)]
    [None, <RiskLevel.SOME_DAYS: 1>, <RiskLevel.OFTEN: 2>, <RiskLevel.MOST_DAYS: 3>]
    >>> [int(risk_level("CORE-10", a) or 0) for a in (0, 1, 2, 3, 4)]
    [0, 1, 2, 3, 3]
    """
    m = resolve(measure)
    if not math.isfinite(answer) or answer < m.risk_at_least:
        return None
    positive_points = m.item_max - m.risk_at_least + m.item_step
    share = (answer - m.risk_at_least + m.item_step) / positive_points
    return RiskLevel(min(3, max(1, math.ceil(round(3 * share, 9)))))


def grade_risk(measure: str | Measure, answers: Sequence[Answer]) -> RiskGrade | None:
    """Return the highest-graded positive risk answer, or None when no risk item is positive.

    Works on incomplete answers (like ``risk_answers``), so an answer that cannot be
    scored still grades its alert.

    >>> grade_risk("PHQ-9", [3, 3, 3, 3, 3, 3, 3, 3, 0]) is None
    True
    >>> grade_risk("CORE-10", [None] * 5 + [4] + [None] * 4).label
    'Most or all of the time'
    """
    m = resolve(measure)
    grades = [
        _grade(m, item, float(value))
        for item in risk_answers(m, answers)
        if (value := answers[item - 1]) is not None
    ]
    return max(grades, default=None)


def grade_answers(measure: str | Measure, answers: dict[int, float]) -> tuple[RiskGrade, ...]:
    """Grade each positive risk item among ``answers`` (item number → answer), worst first.

    For answers read one item at a time, where the rest may be unreadable.
    """
    m = resolve(measure)
    grades = []
    for item in m.risk_items:
        value = answers.get(item)
        if value is None or not m.item_min <= value <= m.item_max:
            continue
        if risk_level(m, value) is not None:
            grades.append(_grade(m, item, value))
    return tuple(sorted(grades, reverse=True))


def _grade(m: Measure, item: int, value: float) -> RiskGrade:
    level = risk_level(m, value)
    if level is None:  # pragma: no cover - callers pass positive answers only
        raise ValueError(f"{m.code} item {item}: {value:g} is not a positive risk answer")
    index = round((value - m.item_min) / m.item_step)
    label = m.answer_labels[index] if 0 <= index < len(m.answer_labels) else ""
    return RiskGrade(level, value, m.code, item, label)
