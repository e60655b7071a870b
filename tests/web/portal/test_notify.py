"""Messages: queued once, sent by the real worker through a real SMTP server and a
stand-in of the GOV.UK Notify API, retried on failure, failed for staff to see, never in
quiet hours, never to a client who opted out or did not consent."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.urls import reverse
from django_tasks_db.management.commands.db_worker import Worker
from tests.web.conftest import Cast, browser_as
from tests.web.portal.conftest import Sms, Smtp

from ontrack.web.notify.models import Channel, Message, MessageStatus, MessagingSettings
from ontrack.web.notify.outbox import outside_quiet_hours, queue_message, retry_delay
from ontrack.web.records.models import Client

LONDON = zoneinfo.ZoneInfo("Europe/London")


def run_worker() -> None:
    """The django-tasks database worker, in batch mode: every ready task, then stop."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    ).run()


@pytest.fixture
def reachable(cast: Cast, settings: Any) -> Client:
    """Cara agrees to emails and texts; the service has no quiet hours; retries at once."""
    client = cast.client
    Client.unscoped.filter(pk=client.pk).update(
        consent_to_email=True,
        consent_to_sms=True,
        email="cara@example.org",
        phone="+447700900123",
    )
    client.refresh_from_db()
    MessagingSettings.objects.create(
        service=cast.service, quiet_from=dt.time(0, 0), quiet_until=dt.time(0, 0)
    )
    settings.ONTRACK_MESSAGE_RETRY_SECONDS = [0, 0, 0]
    return client


def _queue(client: Client, channel: str, key: str = "k1") -> Message:
    return queue_message(
        client=client,
        channel=channel,
        purpose="test",
        subject="Your appointment",
        body="See you on Tuesday.",
        dedupe_key=key,
    )


@pytest.mark.django_db(transaction=True)
def test_email_goes_through_a_real_smtp_server(
    reachable: Client, smtp_server: Smtp, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    message = _queue(reachable, Channel.EMAIL)

    run_worker()

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT, message.last_error
    assert message.attempts == 1
    received = smtp_server.messages()
    assert len(received) == 1
    assert "To: cara@example.org" in received[0]
    assert "See you on Tuesday." in received[0]


@pytest.mark.django_db(transaction=True)
def test_email_retries_then_fails_for_staff_when_the_server_is_down(
    reachable: Client, settings: Any, cast: Cast
) -> None:
    from tests.web.portal.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    message = _queue(reachable, Channel.EMAIL)

    run_worker()

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 4  # the first try and three retries
    assert "Could not reach the mail server" in message.last_error
    page = browser_as(cast, "alice").get(reverse("messages_log"))
    assert page.status_code == 200
    assert "Could not reach the mail server" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_text_goes_through_the_notify_stand_in(reachable: Client, sms: Sms, settings: Any) -> None:
    settings.ONTRACK_SMS_GATEWAY = "notify"
    settings.NOTIFY_API_KEY = sms.api_key
    settings.NOTIFY_BASE_URL = f"http://127.0.0.1:{sms.port}"
    settings.NOTIFY_SMS_TEMPLATE_ID = "template-1"
    message = _queue(reachable, Channel.SMS)

    run_worker()

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT, message.last_error
    (request,) = sms.requests()
    assert request["auth"] is True
    assert request["phone_number"] == "+447700900123"
    assert request["personalisation"] == {"body": "See you on Tuesday."}
    assert message.provider_ref == "notify-1"


@pytest.mark.django_db(transaction=True)
def test_text_is_retried_after_server_errors(
    reachable: Client, flaky_sms: Sms, settings: Any
) -> None:
    settings.ONTRACK_SMS_GATEWAY = "notify"
    settings.NOTIFY_API_KEY = flaky_sms.api_key
    settings.NOTIFY_BASE_URL = f"http://127.0.0.1:{flaky_sms.port}"
    message = _queue(reachable, Channel.SMS)

    run_worker()

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 3
    assert len(flaky_sms.requests()) == 3


@pytest.mark.django_db(transaction=True)
def test_refused_number_fails_at_once_without_retry(
    reachable: Client, sms: Sms, settings: Any
) -> None:
    settings.ONTRACK_SMS_GATEWAY = "notify"
    settings.NOTIFY_API_KEY = sms.api_key
    settings.NOTIFY_BASE_URL = f"http://127.0.0.1:{sms.port}"
    Client.unscoped.filter(pk=reachable.pk).update(phone="+447700900400")
    reachable.refresh_from_db()
    message = _queue(reachable, Channel.SMS)

    run_worker()

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 1
    assert "answered 400" in message.last_error


@pytest.mark.django_db(transaction=True)
def test_opted_out_or_unconsented_client_gets_nothing(reachable: Client, settings: Any) -> None:
    from ontrack.web.notify.outbox import opt_out

    opt_out(client=reachable, channel=Channel.EMAIL, how="test")
    Client.unscoped.filter(pk=reachable.pk).update(consent_to_sms=None)
    reachable.refresh_from_db()

    email, text = _queue(reachable, Channel.EMAIL, "a"), _queue(reachable, Channel.SMS, "b")

    assert (email.status, text.status) == (MessageStatus.SKIPPED, MessageStatus.SKIPPED)
    assert "asked for no more" in email.last_error
    assert "not agreed to text" in text.last_error


@pytest.mark.django_db(transaction=True)
def test_opt_out_after_queueing_stops_the_send(
    reachable: Client, smtp_server: Smtp, settings: Any
) -> None:
    from ontrack.web.notify.outbox import opt_out

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    message = _queue(reachable, Channel.EMAIL)
    opt_out(client=reachable, channel=Channel.EMAIL, how="test")

    run_worker()

    message.refresh_from_db()
    assert message.status == MessageStatus.SKIPPED
    assert smtp_server.messages() == []


@pytest.mark.django_db(transaction=True)
def test_same_key_is_queued_once(reachable: Client) -> None:
    first, second = _queue(reachable, Channel.EMAIL), _queue(reachable, Channel.EMAIL)
    assert first.pk == second.pk
    assert Message.unscoped.count() == 1


@pytest.mark.django_db(transaction=True)
def test_quiet_hours_hold_a_message_until_morning(reachable: Client) -> None:
    now = dt.datetime.now(tz=LONDON)
    start = (now - dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + dt.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    MessagingSettings.objects.filter(service_id=reachable.service_id).update(
        quiet_from=start, quiet_until=end
    )
    message = _queue(reachable, Channel.EMAIL)

    run_worker()  # nothing is ready before the quiet hours end

    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert message.next_attempt_at is not None
    assert message.next_attempt_at > now


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        ((22, 30), (2026, 12, 4, 8, 0)),  # evening: next morning
        ((3, 0), (2026, 12, 3, 8, 0)),  # small hours: this morning
        ((8, 0), (2026, 12, 3, 8, 0)),  # the end of quiet hours is not quiet
        ((12, 0), (2026, 12, 3, 12, 0)),  # daytime: as it is
        ((21, 0), (2026, 12, 4, 8, 0)),  # the start is quiet
    ],
)
def test_outside_quiet_hours_overnight(
    clock: tuple[int, int], expected: tuple[int, ...], settings: Any
) -> None:
    moment = dt.datetime(2026, 12, 3, *clock, tzinfo=LONDON)
    result = outside_quiet_hours(moment, (dt.time(21), dt.time(8)))
    assert result.astimezone(LONDON).timetuple()[:5] == expected


def test_outside_quiet_hours_daytime_window_and_none() -> None:
    noon = dt.datetime(2026, 12, 3, 12, 30, tzinfo=LONDON)
    assert outside_quiet_hours(noon, (dt.time(12), dt.time(14))).astimezone(LONDON).hour == 14
    assert outside_quiet_hours(noon, (dt.time(9), dt.time(9))) == noon


def test_retry_delay_follows_settings(settings: Any) -> None:
    settings.ONTRACK_MESSAGE_RETRY_SECONDS = [60, 600]
    assert retry_delay(1) == dt.timedelta(seconds=60)
    assert retry_delay(2) == dt.timedelta(seconds=600)
    assert retry_delay(3) is None
