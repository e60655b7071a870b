"""Signed, single-purpose, expiring links that need no account (docs/adr/0111).

A link's token is 128 random bits signed with the site's key (``django.core.signing``):
a tampered token is refused before the database is asked. Only a SHA-256 hash of the
token is stored, with its purpose, client and expiry, so a copy of the database opens
nothing. A link opens only its own purpose's pages, until it expires or its purpose is
done (then it is used, and says so). Failed openings are counted per address (hashed)
and an address with too many in ten minutes must wait.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from ontrack.web.portal.models import AccessLink, LinkAttempt
from ontrack.web.records.models import Appointment, Client, Contact, Episode, Referral
from ontrack.web.records.permissions import ClientLink

_SALT = "ontrack.portal.link"
RATE_WINDOW = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class LinkError(Exception):
    """Why a link cannot be opened, in words for the person holding it."""

    kind: str  # tampered, unknown, expired, used, revoked, wrong_purpose, too_many
    message: str


_MESSAGES = {
    "tampered": "This link is not complete or has been changed. Check that you copied all "
    "of it, or use the link in your most recent message.",
    "unknown": "This link is not one we sent. Use the link in your most recent message.",
    "expired": "This link has expired. Your therapist's team can send you a new one, or you "
    "can sign in to your own pages if you have an account.",
    "used": "This link has already been used, so it cannot be used again. Nothing has been "
    "changed. Your most recent message may have a newer link.",
    "revoked": "This link has been cancelled. Use the link in your most recent message.",
    "wrong_purpose": "This link is for something else.",
    "too_many": "Too many links that did not work were opened from this connection. Wait "
    "ten minutes and try again.",
}


def problem(kind: str) -> LinkError:
    return LinkError(kind, _MESSAGES[kind])


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_link(
    *,
    client: Client,
    purpose: str,
    valid_for: dt.timedelta,
    referral: Referral | None = None,
    contact: Contact | None = None,
    episode: Episode | None = None,
    appointment: Appointment | None = None,
    channel: str = "",
) -> tuple[AccessLink, str]:
    """Create a link; return it and its token (the only time the token exists in full)."""
    token = signing.Signer(salt=_SALT).sign(secrets.token_urlsafe(16))
    now = timezone.now()
    link = AccessLink.unscoped.create(
        client=client,
        referral=referral,
        contact=contact,
        episode=episode,
        appointment=appointment,
        purpose=purpose,
        channel=channel,
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + valid_for,
    )
    return link, token


def link_url(token: str) -> str:
    """The full address of a link, as it goes into a message."""
    return f"{settings.ONTRACK_PUBLIC_URL}/l/{token}/"


def _address_hash(request: HttpRequest) -> str:
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()


def _too_many(request: HttpRequest) -> bool:
    since = timezone.now() - RATE_WINDOW
    count = LinkAttempt.objects.filter(address_hash=_address_hash(request), at__gte=since)
    return count.count() >= settings.ONTRACK_LINK_FAILURES_ALLOWED


def _refuse(request: HttpRequest, kind: str) -> LinkError:
    LinkAttempt.objects.create(address_hash=_address_hash(request), at=timezone.now(), problem=kind)
    return problem(kind)


def open_link(request: HttpRequest, token: str, purpose: str | None = None) -> AccessLink:
    """Return the link ``token`` names if it may be used now; raise ``LinkError``."""
    if _too_many(request):
        raise problem("too_many")
    try:
        signing.Signer(salt=_SALT).unsign(token)
    except signing.BadSignature:
        raise _refuse(request, "tampered") from None
    link = (
        AccessLink.unscoped.select_related("client", "referral", "contact", "episode")
        .filter(token_hash=_hash(token))
        .first()
    )
    if link is None:
        raise _refuse(request, "unknown")
    if link.revoked_at is not None:
        raise _refuse(request, "revoked")
    if link.used_at is not None:
        raise _refuse(request, "used")
    if link.expires_at <= timezone.now():
        raise _refuse(request, "expired")
    if purpose is not None and link.purpose != purpose:
        raise _refuse(request, "wrong_purpose")
    AccessLink.unscoped.filter(pk=link.pk).update(
        opened_count=link.opened_count + 1, last_opened_at=timezone.now()
    )
    return link


def actor_of(link: AccessLink) -> ClientLink:
    """The client, as the records actions know someone acting through a link."""
    return ClientLink(client_id=link.client_id, link_id=link.pk)


@transaction.atomic
def use_up(link: AccessLink) -> bool:
    """Mark the link used now that its purpose is done; False if it already was."""
    done = AccessLink.unscoped.filter(pk=link.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    return done == 1


def forget_old_attempts(now: dt.datetime | None = None) -> int:
    """Delete failed-opening records older than the rate window (the planner calls it)."""
    cutoff = (now or timezone.now()) - RATE_WINDOW
    deleted, _ = LinkAttempt.objects.filter(at__lt=cutoff).delete()
    return deleted
