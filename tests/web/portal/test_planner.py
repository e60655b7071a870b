"""The planner: which reminders and invitations go when, each with its one link, once."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client as Browser
from django.utils import timezone
from tests.web.conftest import Cast, gad7, phq9
from tests.web.portal.conftest import book

from ontrack.web.notify.models import Message, MessageStatus, MessagingSettings
from ontrack.web.portal.models import AccessLink, AppointmentRequest
from ontrack.web.portal.planner import plan_messages
from ontrack.web.records import actions
from ontrack.web.records.models import Appointment, AppointmentStatus, Client


@pytest.fixture
def reachable(cast: Cast) -> Client:
    Client.unscoped.filter(pk=cast.client.pk).update(
        consent_to_sms=True, phone="+447700900123", contact_preference="sms"
    )
    MessagingSettings.objects.create(
        service=cast.service, quiet_from=dt.time(0, 0), quiet_until=dt.time(0, 0)
    )
    cast.client.refresh_from_db()
    return cast.client


def _book(cast: Cast, days: int) -> Appointment:
    return book(cast, days)


def _link_in(message: Message) -> str:
    match = re.search(r"/l/([^/\s]+)/", message.body)
    assert match is not None, message.body
    return match.group(1)


def test_appointment_reminder_the_day_before_with_a_working_cancel_link(
    cast: Cast, reachable: Client, settings: Any
) -> None:
    appointment = _book(cast, 1)
    planned = plan_messages()
    assert planned.appointment_reminders == 1
    message = Message.unscoped.get(purpose="appointment_reminder")
    assert message.channel == "sms"
    assert "at 10:00" in message.body
    assert "To stop these reminders:" in message.body
    token = _link_in(message)
    Browser().post(f"/l/{token}/", {"kind": "cancel"})
    assert AppointmentRequest.unscoped.get().kind == "cancel"
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED_BY_CLIENT


def test_second_run_queues_nothing(cast: Cast, reachable: Client) -> None:
    _book(cast, 1)
    plan_messages()
    before = (Message.unscoped.count(), AccessLink.unscoped.count())
    again = plan_messages()
    assert again.appointment_reminders == again.questionnaire_invitations == 0
    assert (Message.unscoped.count(), AccessLink.unscoped.count()) == before


def test_questionnaire_invitation_then_one_reminder_after_two_days(
    cast: Cast, reachable: Client
) -> None:
    _book(cast, 3)
    assert plan_messages().questionnaire_invitations == 1
    link = AccessLink.unscoped.get(purpose="questionnaires")
    assert (link.expires_at - link.created_at) == dt.timedelta(days=4)
    assert plan_messages(timezone.localdate() + dt.timedelta(days=1)).questionnaire_reminders == 0
    later = timezone.localdate() + dt.timedelta(days=2)
    assert plan_messages(later).questionnaire_reminders == 1
    assert plan_messages(later).questionnaire_reminders == 0


def test_no_invitation_when_the_therapist_turned_online_off(cast: Cast, reachable: Client) -> None:
    actions.set_online_settings(
        client=cast.client,
        expected_version=0,
        measures=[],
        frequency="never",
        show_alliance=True,
        by=cast.alice,
    )
    _book(cast, 3)
    assert plan_messages().questionnaire_invitations == 0


def test_rating_invitation_after_an_attended_session(cast: Cast, reachable: Client) -> None:
    actions.record_session(
        episode=cast.episode,
        expected_version=cast.episode.version,
        contact_date=timezone.localdate() - dt.timedelta(days=1),
        attendance="5",
        app_type="01",
        questionnaires={"PHQ-9": phq9(12), "GAD-7": gad7(8)},
        by=cast.alice,
    )
    assert plan_messages().rating_invitations == 1
    token = _link_in(Message.unscoped.get(purpose="rating_invitation"))
    assert "Rate your session" in Browser().get(f"/l/{token}/").content.decode()


def test_client_without_consent_is_not_messaged(cast: Cast) -> None:
    _book(cast, 1)
    planned = plan_messages()
    assert planned.appointment_reminders == 0
    assert Message.unscoped.count() == 0


def test_command_reports_what_it_queued(cast: Cast, reachable: Client, capsys: Any) -> None:
    _book(cast, 1)
    call_command("plan_messages")
    out = capsys.readouterr().out
    assert "queued 1 appointment reminders" in out
    assert Message.unscoped.filter(status=MessageStatus.QUEUED).count() >= 1
