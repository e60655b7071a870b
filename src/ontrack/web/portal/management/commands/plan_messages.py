"""Queue the reminders and invitations due now (run it every few minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ontrack.web.portal.actions.recordings import purge_expired_recordings
from ontrack.web.portal.links import forget_old_attempts
from ontrack.web.portal.planner import plan_messages
from ontrack.web.records.scoping import scopes_disabled


class Command(BaseCommand):
    help = (
        "Queue the appointment reminders, questionnaire invitations and reminders, and "
        "session-rating invitations due now; the worker (manage.py db_worker) sends them. "
        "Also deletes session recordings past their retention period. "
        "Safe to run as often as you like: nothing is queued twice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with scopes_disabled():
            planned = plan_messages()
            forget_old_attempts()
            purged = purge_expired_recordings()
        self.stdout.write(
            f"queued {planned.appointment_reminders} appointment reminders, "
            f"{planned.questionnaire_invitations} questionnaire invitations, "
            f"{planned.questionnaire_reminders} questionnaire reminders, "
            f"{planned.rating_invitations} rating invitations; "
            f"deleted {purged} recordings past their retention period"
        )
