"""The only code that changes the pathway's records (and, through the records actions,
the care records): keyword-only, ``by=``, atomic, audited, validation with the action."""

from ontrack.web.common.actions import ActionError, ConcurrencyError
from ontrack.web.pathway.actions.allocation import (
    allocate,
    candidates_for,
    needs_for,
    suggestions_for,
)
from ontrack.web.pathway.actions.assessment import (
    CircumstanceFound,
    RiskFindings,
    Triage,
    record_risk_assessment,
    record_triage,
)
from ontrack.web.pathway.actions.course import change_course
from ontrack.web.pathway.actions.ending import (
    Review,
    end_course,
    ending_facts,
    ending_needs_questions,
)
from ontrack.web.pathway.actions.intake import (
    decline_self_referral,
    likely_duplicates,
    register_referral,
    submit_self_referral,
)
from ontrack.web.pathway.actions.reallocation import request_reallocation
from ontrack.web.pathway.actions.waiting import (
    add_to_waiting_list,
    record_check_in,
    record_contact_attempt,
)

__all__ = [
    "ActionError",
    "CircumstanceFound",
    "ConcurrencyError",
    "Review",
    "RiskFindings",
    "Triage",
    "add_to_waiting_list",
    "allocate",
    "candidates_for",
    "change_course",
    "decline_self_referral",
    "end_course",
    "ending_facts",
    "ending_needs_questions",
    "likely_duplicates",
    "needs_for",
    "record_check_in",
    "record_contact_attempt",
    "record_risk_assessment",
    "record_triage",
    "register_referral",
    "request_reallocation",
    "submit_self_referral",
    "suggestions_for",
]
