"""The two ways a message leaves OnTrack: email over SMTP (Django's mail) and text messages
through a gateway (GOV.UK Notify by default), behind one small interface.

A gateway raises ``DeliveryError`` saying whether trying again could help (a server that
is down: yes; an address the provider refuses: no).
"""

from __future__ import annotations

import smtplib
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection


class DeliveryError(Exception):
    """The message was not delivered; ``permanent`` when another try cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Gateway(Protocol):
    """Send one message; return the provider's reference; raise ``DeliveryError``."""

    def send(self, *, to: str, subject: str, body: str, reference: str) -> str: ...


class EmailGateway:
    """Email through Django's configured backend (SMTP in production)."""

    def send(self, *, to: str, subject: str, body: str, reference: str) -> str:
        connection = get_connection(timeout=settings.ONTRACK_EMAIL_TIMEOUT)
        message = EmailMessage(
            subject=subject,
            body=body,
            to=[to],
            connection=connection,
            headers={"X-OnTrack-Reference": reference},
        )
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(
                f"The mail server refused the address: {exc}", permanent=True
            ) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"Could not reach the mail server: {exc}") from exc
        return reference


class NotifySmsGateway:
    """Text messages through the GOV.UK Notify API (one template with a ((body)) field)."""

    def __init__(self, *, api_key: str, base_url: str, template_id: str) -> None:
        self.api_key = api_key
        self.base_url = base_url
        self.template_id = template_id

    def send(self, *, to: str, subject: str, body: str, reference: str) -> str:
        from notifications_python_client.errors import APIError
        from notifications_python_client.notifications import NotificationsAPIClient

        client = NotificationsAPIClient(  # type: ignore[no-untyped-call]
            self.api_key, base_url=self.base_url, timeout=10
        )
        try:
            answer = client.send_sms_notification(  # type: ignore[no-untyped-call]
                phone_number=to,
                template_id=self.template_id,
                personalisation={"body": body},
                reference=reference,
            )
        except APIError as exc:
            status = getattr(exc, "status_code", 0) or 0
            # 400 bad number, 403 bad key: another try gives the same answer. 429 and 5xx
            # (and no answer at all) may pass later.
            permanent = status in (400, 403)
            raise DeliveryError(
                f"The text-message service answered {status}: {exc}", permanent=permanent
            ) from exc
        return str(answer.get("id", "")) if isinstance(answer, dict) else ""


class NoGateway:
    """No text-message gateway is configured: every text fails, visibly, for staff to see."""

    def send(self, *, to: str, subject: str, body: str, reference: str) -> str:
        raise DeliveryError(
            "No text-message gateway is configured (set ONTRACK_SMS_GATEWAY).", permanent=True
        )


def gateway_for(channel: str) -> Gateway:
    """Return the gateway for a channel as the settings configure it."""
    if channel == "email":
        return EmailGateway()
    if settings.ONTRACK_SMS_GATEWAY == "notify" and settings.NOTIFY_API_KEY:
        return NotifySmsGateway(
            api_key=settings.NOTIFY_API_KEY,
            base_url=settings.NOTIFY_BASE_URL,
            template_id=settings.NOTIFY_SMS_TEMPLATE_ID,
        )
    return NoGateway()
