"""The pathway's records: intake, assessment and triage, waiting, course changes, ending.

Sensitive free text lives in plain text fields for now; each model lists it in
``SENSITIVE_TEXT`` so the fields can be switched to an encrypted field type later.
"""

from ontrack.web.pathway.models.assessment import (
    Circumstance,
    RiskAssessment,
    SignpostService,
    TherapyPreference,
    TriageDecision,
)
from ontrack.web.pathway.models.course import (
    ContactAttempt,
    CourseChange,
    EndingReview,
    WaitingCheckIn,
    WaitingListEntry,
)
from ontrack.web.pathway.models.intake import IntakeSettings, SelfReferral

__all__ = [
    "Circumstance",
    "ContactAttempt",
    "CourseChange",
    "EndingReview",
    "IntakeSettings",
    "RiskAssessment",
    "SelfReferral",
    "SignpostService",
    "TherapyPreference",
    "TriageDecision",
    "WaitingCheckIn",
    "WaitingListEntry",
]
