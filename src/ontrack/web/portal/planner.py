"""Decide which reminders and invitations are due, write them, and queue them.

Run often (``manage.py plan_messages``, say every 15 minutes from cron or a timer); every
message has a key, so a second run queues nothing new. Each message carries one link with
one purpose: appointment reminders a one-tap cancel or rebook link (the easy cancel is
what lasts, docs/reference/portal.md#reminders), questionnaire invitations the questionnaires
link (open ``questionnaire_open_days``, reminded after ``reminder_after_days`` if not
done), session-rating invitations the rating link. Every message ends with how to stop.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ontrack.web.common.codes import ContactPreference, EpisodeStatus, OnlineFrequency
from ontrack.web.notify.models import Channel, Message
from ontrack.web.notify.outbox import queue_message, why_not_to
from ontrack.web.portal.config import portal_settings
from ontrack.web.portal.links import issue_link, link_url
from ontrack.web.portal.models import LinkPurpose
from ontrack.web.records.actions.client_side import RATING_WINDOW_DAYS
from ontrack.web.records.actions.online import asked_measures, online_settings_of
from ontrack.web.records.models import (
    AllianceResponse,
    Appointment,
    AppointmentStatus,
    Client,
    Contact,
    Episode,
)

# How many days ahead of a session each kind of message goes.
REMIND_DAYS_BEFORE = 1
_GAP_DAYS = {
    OnlineFrequency.WEEKLY: 7,
    OnlineFrequency.FORTNIGHTLY: 14,
    OnlineFrequency.FOUR_WEEKLY: 28,
}


@dataclass
class Planned:
    """What one run queued (messages, by kind)."""

    appointment_reminders: int = 0
    questionnaire_invitations: int = 0
    questionnaire_reminders: int = 0
    rating_invitations: int = 0


def channel_for(client: Client) -> str | None:
    """The channel to use: their preference if allowed, else whichever is allowed."""
    preferred = Channel.SMS if client.contact_preference == ContactPreference.SMS else Channel.EMAIL
    for channel in (preferred, Channel.EMAIL if preferred == Channel.SMS else Channel.SMS):
        if not why_not_to(client, channel):
            return channel
    return None


def _stop_line(client: Client, channel: str) -> str:
    _link, token = issue_link(
        client=client,
        purpose=LinkPurpose.STOP_MESSAGES,
        valid_for=dt.timedelta(days=60),
        channel=channel,
    )
    return f"To stop these reminders: {link_url(token)}"


def _send(
    client: Client, purpose: str, key: str, subject: str, text: str, link_token: str, channel: str
) -> bool:
    if Message.unscoped.filter(dedupe_key=key).exists():
        return False
    body = f"{text}\n{link_url(link_token)}\n\n{_stop_line(client, channel)}"
    queue_message(
        client=client,
        channel=channel,
        purpose=purpose,
        subject=subject,
        body=body,
        dedupe_key=key,
    )
    return True


def _appointment_reminder(appointment: Appointment, planned: Planned) -> None:
    """A reminder the day before a booked appointment (the pathway's, any kind), with a
    link that can cancel or ask to move that one appointment and nothing else."""
    client = appointment.referral.client
    channel = channel_for(client)
    key = f"appointment:{appointment.pk}"
    if channel is None or Message.unscoped.filter(dedupe_key=key).exists():
        return
    _link, token = issue_link(
        client=client,
        purpose=LinkPurpose.APPOINTMENT,
        referral=appointment.referral,
        episode=appointment.episode,
        appointment=appointment,
        valid_for=dt.timedelta(days=REMIND_DAYS_BEFORE + 1),
        channel=channel,
    )
    at = timezone.localtime(appointment.starts_at)
    text = (
        f"Hello {client.given_name}, a reminder of your appointment on {at:%A %-d %B} at "
        f"{at:%H:%M}. If you cannot come, tap here to cancel or ask for another time:"
    )
    if _send(client, "appointment_reminder", key, "Your appointment", text, token, channel):
        planned.appointment_reminders += 1


def _appointments_on(day: dt.date) -> list[Appointment]:
    """Booked appointments on ``day`` of referrals still open."""
    zone = timezone.get_current_timezone()
    return list(
        Appointment.unscoped.filter(
            status=AppointmentStatus.BOOKED,
            starts_at__gte=dt.datetime.combine(day, dt.time.min, zone),
            starts_at__lt=dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, zone),
            referral__end_date__isnull=True,
        ).select_related("referral__client", "episode")
    )


def _questionnaires_due(episode: Episode, today: dt.date) -> bool:
    """Whether the client's questionnaires are due for the coming session."""
    settings = online_settings_of(episode.referral.client_id)
    day = episode.next_session_on
    if settings.frequency == OnlineFrequency.NEVER or day is None:
        return False
    portal = portal_settings(episode.referral.client.service_id)
    if not 0 < (day - today).days <= portal.questionnaire_open_days:
        return False
    gap = _GAP_DAYS.get(OnlineFrequency(settings.frequency))
    if settings.frequency == OnlineFrequency.EVERY_OTHER_SESSION:
        sessions = Contact.unscoped.filter(episode=episode, session_number__isnull=False).count()
        return sessions % 2 == 0
    if gap is not None:
        last = (
            Message.unscoped.filter(
                client_id=episode.referral.client_id, purpose="questionnaire_invitation"
            )
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        return last is None or (today - timezone.localdate(last)).days >= gap
    return True


def _questionnaire_invitation(episode: Episode, today: dt.date, planned: Planned) -> None:
    referral, client = episode.referral, episode.referral.client
    day = episode.next_session_on
    if day is None or not _questionnaires_due(episode, today):
        return
    if not any(a.online for a in asked_measures(referral)):
        return
    channel = channel_for(client)
    key = f"questionnaires:{referral.pk}:{day:%Y-%m-%d}"
    if channel is None or Message.unscoped.filter(dedupe_key=key).exists():
        return
    portal = portal_settings(client.service_id)
    _link, token = issue_link(
        client=client,
        purpose=LinkPurpose.QUESTIONNAIRES,
        referral=referral,
        valid_for=dt.timedelta(days=portal.questionnaire_open_days),
        channel=channel,
    )
    text = (
        f"Hello {client.given_name}, please fill in your questionnaires before your session "
        f"on {day:%A %-d %B}. It takes a few minutes:"
    )
    if _send(client, "questionnaire_invitation", key, "Your questionnaires", text, token, channel):
        planned.questionnaire_invitations += 1


def _questionnaire_reminder(episode: Episode, today: dt.date, planned: Planned) -> None:
    """Remind once, ``reminder_after_days`` after the invitation, if the link is unused."""
    from ontrack.web.portal.models import AccessLink

    referral, client = episode.referral, episode.referral.client
    day = episode.next_session_on
    if day is None:
        return
    portal = portal_settings(client.service_id)
    # The invitation's link: the oldest still open (a reminder's own link is newer).
    link = (
        AccessLink.unscoped.filter(
            referral=referral,
            purpose=LinkPurpose.QUESTIONNAIRES,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("created_at")
        .first()
    )
    if link is None or (today - timezone.localdate(link.created_at)).days < (
        portal.reminder_after_days
    ):
        return
    channel = link.channel or channel_for(client)
    key = f"questionnaires-reminder:{referral.pk}:{day:%Y-%m-%d}"
    if not channel or Message.unscoped.filter(dedupe_key=key).exists():
        return
    # A fresh link for the reminder, ending when the invitation's does.
    _fresh, token = issue_link(
        client=client,
        purpose=LinkPurpose.QUESTIONNAIRES,
        referral=referral,
        valid_for=link.expires_at - timezone.now(),
        channel=channel,
    )
    text = f"Hello {client.given_name}, a reminder to fill in your questionnaires:"
    if _send(client, "questionnaire_reminder", key, "Your questionnaires", text, token, channel):
        planned.questionnaire_reminders += 1


def _rating_invitation(episode: Episode, today: dt.date, planned: Planned) -> None:
    since = today - dt.timedelta(days=2)
    contact = (
        Contact.unscoped.filter(episode=episode, attendance__in=["5", "6"], contact_date__gte=since)
        .order_by("-contact_date")
        .first()
    )
    if contact is None or AllianceResponse.unscoped.filter(contact=contact).exists():
        return
    client = episode.referral.client
    channel = channel_for(client)
    key = f"rating:{contact.pk}"
    if channel is None or Message.unscoped.filter(dedupe_key=key).exists():
        return
    _link, token = issue_link(
        client=client,
        purpose=LinkPurpose.RATE_SESSION,
        contact=contact,
        valid_for=dt.timedelta(days=RATING_WINDOW_DAYS),
        channel=channel,
    )
    text = f"Hello {client.given_name}, how was your session? Four quick questions:"
    if _send(client, "rating_invitation", key, "How was your session?", text, token, channel):
        planned.rating_invitations += 1


def plan_messages(today: dt.date | None = None) -> Planned:
    """Queue every reminder and invitation due today (trusted code: no viewer)."""
    today = today or timezone.localdate()
    planned = Planned()
    episodes = Episode.unscoped.filter(
        status=EpisodeStatus.OPEN, referral__end_date__isnull=True
    ).select_related("referral__client")
    for appointment in _appointments_on(today + dt.timedelta(days=REMIND_DAYS_BEFORE)):
        _appointment_reminder(appointment, planned)
    for episode in episodes:
        _questionnaire_invitation(episode, today, planned)
        _questionnaire_reminder(episode, today, planned)
        _rating_invitation(episode, today, planned)
    return planned
