"""Queue a message and deliver it: the rules every message follows.

``queue_message`` stores the message (once per ``dedupe_key``) and asks the worker to send
it after the service's quiet hours. ``deliver`` is what the worker runs: it claims the
message, checks again that the client still wants it (opt-out, consent), sends it, and on
a failure either schedules another try (``RETRY_DELAYS``) or marks it failed for staff.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ontrack.web.notify.gateways import DeliveryError, Gateway, gateway_for
from ontrack.web.notify.models import (
    Channel,
    Message,
    MessageStatus,
    MessagingSettings,
    OptOut,
    Recipient,
)
from ontrack.web.records.models import Client

Enqueue = Callable[[int, dt.datetime], None]


def quiet_hours_of(service_id: int) -> tuple[dt.time, dt.time]:
    """The service's quiet hours (the model's defaults when it has none saved)."""
    found = MessagingSettings.objects.filter(service_id=service_id).first()
    if found is None:
        found = MessagingSettings(service_id=service_id)
    return found.quiet_from, found.quiet_until


def outside_quiet_hours(moment: dt.datetime, quiet: tuple[dt.time, dt.time]) -> dt.datetime:
    """Return ``moment``, or the end of the quiet hours it falls in (service time).

    >>> import datetime as dt, zoneinfo
    >>> london = zoneinfo.ZoneInfo("Europe/London")
    >>> late = dt.datetime(2026, 12, 3, 22, 30, tzinfo=london)
    >>> outside_quiet_hours(late, (dt.time(21), dt.time(8))).isoformat()
    '2026-12-04T08:00:00+00:00'
    >>> outside_quiet_hours(late.replace(hour=12), (dt.time(21), dt.time(8))).hour
    12
    """
    start, end = quiet
    if start == end:
        return moment
    local = timezone.localtime(moment)
    clock = local.time()
    overnight = start > end
    inside = (clock >= start or clock < end) if overnight else (start <= clock < end)
    if not inside:
        return moment
    day = local.date() + dt.timedelta(days=1) if overnight and clock >= start else local.date()
    return timezone.make_aware(dt.datetime.combine(day, end), timezone.get_current_timezone())


def why_not_to(client: Client, channel: str, recipient: str = Recipient.CLIENT) -> str:
    """Say why this client must not get a message on ``channel``; "" when they may."""
    if recipient == Recipient.STAFF:
        return ""
    if OptOut.unscoped.filter(client=client, channel=channel).exists():
        return "The client asked for no more of these messages."
    if channel == Channel.SMS:
        if client.consent_to_sms is not True:
            return "The client has not agreed to text messages."
        if not client.phone:
            return "No mobile number is recorded."
    elif channel == Channel.EMAIL:
        if client.consent_to_email is not True:
            return "The client has not agreed to emails."
        if not client.email:
            return "No email address is recorded."
    return ""


def _enqueue_task(message_id: int, run_after: dt.datetime) -> None:
    from ontrack.web.notify.tasks import deliver_message

    deliver_message.using(run_after=run_after).enqueue(message_id)


def queue_message(
    *,
    client: Client,
    channel: str,
    purpose: str,
    subject: str,
    body: str,
    dedupe_key: str,
    to: str = "",
    recipient: str = Recipient.CLIENT,
    not_before: dt.datetime | None = None,
    enqueue: Enqueue = _enqueue_task,
) -> Message:
    """Store a message and hand it to the worker; the same ``dedupe_key`` is queued once.

    A message the client must not get (opted out, no consent, no address) is stored as
    skipped with the reason, so staff can see why nothing went.
    """
    existing = Message.unscoped.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    address = to or (client.phone if channel == Channel.SMS else client.email)
    reason = why_not_to(client, channel, recipient)
    now = timezone.now()
    when = outside_quiet_hours(max(now, not_before or now), quiet_hours_of(client.service_id))
    try:
        with transaction.atomic():
            message = Message.unscoped.create(
                client=client,
                recipient=recipient,
                channel=channel,
                to=address,
                purpose=purpose,
                subject=subject,
                body=body,
                dedupe_key=dedupe_key,
                status=MessageStatus.SKIPPED if reason else MessageStatus.QUEUED,
                last_error=reason,
                next_attempt_at=None if reason else when,
                created_at=now,
            )
    except IntegrityError:  # queued by someone else a moment ago
        return Message.unscoped.get(dedupe_key=dedupe_key)
    if not reason:
        transaction.on_commit(lambda: enqueue(message.pk, when))
    return message


def retry_delay(attempts: int) -> dt.timedelta | None:
    """How long to wait before the next try after ``attempts`` failed ones; None = stop."""
    delays: list[int] = list(settings.ONTRACK_MESSAGE_RETRY_SECONDS)
    if attempts > len(delays):
        return None
    return dt.timedelta(seconds=delays[attempts - 1])


def _claim(message_id: int) -> Message | None:
    claimed = Message.unscoped.filter(pk=message_id, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENDING
    )
    return Message.unscoped.select_related("client").get(pk=message_id) if claimed else None


def _finish(message: Message, **fields: object) -> None:
    for name, value in fields.items():
        setattr(message, name, value)
    message.save(update_fields=list(fields))


def deliver(
    message_id: int, *, gateway: Gateway | None = None, enqueue: Enqueue = _enqueue_task
) -> str:
    """Send one queued message now; return what happened (for the task's result)."""
    message = _claim(message_id)
    if message is None:
        return "not queued"
    now = timezone.now()
    reason = why_not_to(message.client, message.channel, message.recipient)
    if reason:
        _finish(message, status=MessageStatus.SKIPPED, last_error=reason, next_attempt_at=None)
        return "skipped"
    if message.recipient == Recipient.CLIENT:
        when = outside_quiet_hours(now, quiet_hours_of(message.client.service_id))
        if when > now:
            _finish(message, status=MessageStatus.QUEUED, next_attempt_at=when)
            transaction.on_commit(lambda: enqueue(message.pk, when))
            return "quiet hours"
    return _attempt(message, gateway or gateway_for(message.channel), now, enqueue)


def _attempt(message: Message, gateway: Gateway, now: dt.datetime, enqueue: Enqueue) -> str:
    attempts = message.attempts + 1
    try:
        ref = gateway.send(
            to=message.to,
            subject=message.subject,
            body=message.body,
            reference=f"ontrack-message-{message.pk}",
        )
    except DeliveryError as exc:
        delay = None if exc.permanent else retry_delay(attempts)
        if delay is None:
            _finish(
                message,
                status=MessageStatus.FAILED,
                attempts=attempts,
                last_error=str(exc),
                failed_at=now,
                next_attempt_at=None,
            )
            return "failed"
        when = now + delay
        _finish(
            message,
            status=MessageStatus.QUEUED,
            attempts=attempts,
            last_error=str(exc),
            next_attempt_at=when,
        )
        transaction.on_commit(lambda: enqueue(message.pk, when))
        return "will retry"
    _finish(
        message,
        status=MessageStatus.SENT,
        attempts=attempts,
        provider_ref=ref,
        sent_at=now,
        last_error="",
        next_attempt_at=None,
    )
    return "sent"


@transaction.atomic
def retry_message(message: Message) -> Message:
    """Send a failed message again (staff asked for it)."""
    if message.status != MessageStatus.FAILED:
        return message
    now = timezone.now()
    Message.unscoped.filter(pk=message.pk, status=MessageStatus.FAILED).update(
        status=MessageStatus.QUEUED, failed_at=None, next_attempt_at=now, attempts=0
    )
    transaction.on_commit(lambda: _enqueue_task(message.pk, now))
    message.refresh_from_db()
    return message


def opt_out(*, client: Client, channel: str, how: str) -> OptOut:
    """Record that the client wants no more messages on ``channel`` (idempotent)."""
    found, _ = OptOut.unscoped.get_or_create(
        client=client, channel=channel, defaults={"at": timezone.now(), "how": how}
    )
    return found
