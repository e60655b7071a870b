"""The only code that changes clinical records.

Every action takes keyword arguments, the actor as ``by=``, runs in one transaction,
checks that the actor may do it, validates everything before writing anything, and
appends an audit event (who, what, old and new values) in the same transaction. Views
never call ``.save()`` on clinical models; they call these.
"""

from ontrack.web.common.actions import ActionError, ConcurrencyError
from ontrack.web.records.actions.alerts import (
    acknowledge_alert,
    close_alert,
    open_alert,
    record_alert_action,
)
from ontrack.web.records.actions.appointments import (
    book_appointment,
    cancel_by_client,
    next_booked,
    rebook_appointment,
    record_appointment_outcome,
)
from ontrack.web.records.actions.care import (
    close_episode,
    create_referral,
    end_referral,
    open_episode,
    reassign_episode,
    record_assessment,
)
from ontrack.web.records.actions.client_side import (
    rate_session,
    report_homework,
    set_online_settings,
)
from ontrack.web.records.actions.clients import register_client, update_client
from ontrack.web.records.actions.concerns import (
    acknowledge_concern,
    close_concern,
    escalate_concern,
    raise_concern,
)
from ontrack.web.records.actions.corrections import correct_session, mark_entered_in_error
from ontrack.web.records.actions.followups import record_follow_up
from ontrack.web.records.actions.homework import (
    HomeworkPlan,
    agree_goal,
    set_homework,
    update_goal,
)
from ontrack.web.records.actions.online import record_session_with_online
from ontrack.web.records.actions.reviews import add_supervision_note, record_review_decision
from ontrack.web.records.actions.risk import (
    alert_risk_answers,
    open_risk_alert_of,
    raise_risk_alert,
    review_risk_alert,
    risk_first,
    session_where,
)
from ontrack.web.records.actions.sessions import (
    HomeworkReview,
    Session,
    SessionCheck,
    record_session,
    validate_session,
)
from ontrack.web.records.actions.signals import refresh_signal
from ontrack.web.records.actions.tokens import claim_form_token, new_form_token

__all__ = [
    "ActionError",
    "ConcurrencyError",
    "HomeworkPlan",
    "HomeworkReview",
    "Session",
    "SessionCheck",
    "acknowledge_alert",
    "acknowledge_concern",
    "add_supervision_note",
    "agree_goal",
    "alert_risk_answers",
    "book_appointment",
    "cancel_by_client",
    "claim_form_token",
    "close_alert",
    "close_concern",
    "close_episode",
    "correct_session",
    "create_referral",
    "end_referral",
    "escalate_concern",
    "mark_entered_in_error",
    "new_form_token",
    "next_booked",
    "open_alert",
    "open_episode",
    "open_risk_alert_of",
    "raise_concern",
    "raise_risk_alert",
    "rate_session",
    "reassign_episode",
    "rebook_appointment",
    "record_alert_action",
    "record_appointment_outcome",
    "record_assessment",
    "record_follow_up",
    "record_review_decision",
    "record_session",
    "record_session_with_online",
    "refresh_signal",
    "register_client",
    "report_homework",
    "review_risk_alert",
    "risk_first",
    "session_where",
    "set_homework",
    "set_online_settings",
    "update_client",
    "update_goal",
    "validate_session",
]
