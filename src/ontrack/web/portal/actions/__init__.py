"""What a client does on their own pages or through a link, and what staff do about it.

Questionnaires (``submit_online_questionnaire``, ``submit_fhir_response``), appointment
requests, asking for another therapist, the ending review and experience questions, and
session recordings. Changes to the care records themselves go through the records
actions (``rate_session``, ``raise_concern`` ...), which these call.
"""

from ontrack.web.portal.actions.questionnaires import (
    receive_fhir_response,
    submit_fhir_response,
    submit_online_questionnaire,
)

__all__ = ["receive_fhir_response", "submit_fhir_response", "submit_online_questionnaire"]
