"""The rules of the pathway from referral to discharge, framework-free.

The NHS Talking Therapies waiting-time clocks (``clocks``), which end codes fit what
happened (``endings``), the stepped-care rule beside the assessment decision
(``stepped_care``), therapist suggestions for allocation (``allocation``: the interface
``ontrack.matching`` plugs into) and the rule that nobody is discharged silently after a
missed appointment (``endings.silent_discharge_problem``). The web app
``ontrack.web.pathway`` records what happens; these decide nothing on their own.
"""

from ontrack.pathway.allocation import (
    Candidate,
    ClientNeeds,
    Preference,
    Suggester,
    Suggestion,
    plain_suggestions,
)
from ontrack.pathway.clocks import WaitClocks, wait_clocks
from ontrack.pathway.endings import (
    NOT_TAKEN_ON,
    TAKEN_ON,
    early_ending_questions,
    end_code_problem,
    silent_discharge_problem,
)
from ontrack.pathway.stepped_care import StepAdvice, stepped_care_advice

__all__ = [
    "NOT_TAKEN_ON",
    "TAKEN_ON",
    "Candidate",
    "ClientNeeds",
    "Preference",
    "StepAdvice",
    "Suggester",
    "Suggestion",
    "WaitClocks",
    "early_ending_questions",
    "end_code_problem",
    "plain_suggestions",
    "silent_discharge_problem",
    "stepped_care_advice",
    "wait_clocks",
]
