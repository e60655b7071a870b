"""Pages of OnTrack: plain function views, one module per area.

Each looks up what it shows through a helper that returns the object or raises 404 (see
``_common``); the scoped managers make anything the viewer may not see simply not exist.
Every view of a client's record appends an audit event. Changes go through
``ontrack.web.records.actions``.
"""

from ontrack.web.records.views.alerts import (
    alert_detail,
    alert_review,
    alert_update,
    alerts_inbox,
    episode_review,
)
from ontrack.web.records.views.caseload import caseload, caseload_episodes
from ontrack.web.records.views.goals import client_goals, goal_update
from ontrack.web.records.views.homework import client_homework, homework_sheet, homework_sheet_pdf
from ontrack.web.records.views.records import client_record, home
from ontrack.web.records.views.sessions import contact_detail, record_session
from ontrack.web.records.views.supervision import supervision_notes, supervision_queue
from ontrack.web.records.views.timeline import client_timeline

__all__ = [
    "alert_detail",
    "alert_review",
    "alert_update",
    "alerts_inbox",
    "caseload",
    "caseload_episodes",
    "client_goals",
    "client_homework",
    "client_record",
    "client_timeline",
    "contact_detail",
    "episode_review",
    "goal_update",
    "home",
    "homework_sheet",
    "homework_sheet_pdf",
    "record_session",
    "supervision_notes",
    "supervision_queue",
]
