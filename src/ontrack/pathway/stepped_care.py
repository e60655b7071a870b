"""The stepped-care rule shown beside the assessment decision.

NICE's stepped-care model for common mental health problems (CG90/NG222 depression,
CG113 anxiety, NG116 PTSD, CG31 OCD, CG159 social anxiety): start with the least
intensive effective step, except where the problem or its severity calls for
high-intensity therapy from the start. This is advice to the assessor, in words, never a
decision; the stratified advice of ``ontrack.matching`` will sit beside it when it lands.
"""

from __future__ import annotations

from dataclasses import dataclass

# Problem descriptors for which NICE recommends high-intensity therapy from the start.
_HIGH_INTENSITY_FIRST = {
    "F43.1": "PTSD: NICE recommends trauma-focused CBT or EMDR (step 3)",
    "F40.1": "Social anxiety: NICE recommends individual CBT for social anxiety (step 3)",
    "F45.2": "Health anxiety: high-intensity CBT (step 3)",
}
SEVERE_PHQ9 = 20  # PHQ-9 severe band
SEVERE_GAD7 = 15  # GAD-7 severe band
CBT = "304891004"
GSH_BOOK = "748051000000105"


@dataclass(frozen=True)
class StepAdvice:
    """The step and therapy the stepped-care rule suggests, and why."""

    step: int
    therapy: str
    reason: str


def stepped_care_advice(
    problem_descriptor: str | None,
    *,
    phq9: float | None = None,
    gad7: float | None = None,
    previous_step2: bool = False,
) -> StepAdvice:
    """Return the stepped-care suggestion for an assessment.

    >>> stepped_care_advice("F32", phq9=12).step
    2
    >>> stepped_care_advice("F43.1").step
    3
    """
    if problem_descriptor in _HIGH_INTENSITY_FIRST:
        return StepAdvice(3, CBT, _HIGH_INTENSITY_FIRST[problem_descriptor])
    if phq9 is not None and phq9 >= SEVERE_PHQ9:
        return StepAdvice(3, CBT, f"PHQ-9 of {phq9:g} is in the severe range: step 3 first")
    if gad7 is not None and gad7 >= SEVERE_GAD7:
        return StepAdvice(3, CBT, f"GAD-7 of {gad7:g} is in the severe range: step 3 first")
    if previous_step2:
        return StepAdvice(3, CBT, "Low-intensity help was tried before: step up to step 3")
    return StepAdvice(
        2, GSH_BOOK, "Mild to moderate symptoms: start with guided self-help (step 2)"
    )
