"""Sign-in events in OnTrack's audit: who signed in, failed, gave a second factor, signed out.

Sign-ins and sign-outs are written by the sign-in and sign-out views (so a test's or a
command's ``force_login`` writes nothing); failures by Django's ``user_login_failed``
signal, which every password check that fails sends. All go through the audit app's own
``record_change`` (the one way into the audit); each event's target is the account
concerned. A failed sign-in for a username that does not exist targets no stored account:
the name tried is kept (cut to 150 characters), so a guessing run shows in the audit as
well as in the lockout counts.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest

from ontrack.web.audit.events import record_change


def _address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def signed_in(request: HttpRequest, user: Any) -> None:
    record_change(
        by=user,
        action="sign_in",
        target=user,
        client_id=None,
        new={"address": _address(request), "factor": "password"},
    )


def _failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    user_model = get_user_model()
    tried = str(credentials.get("username") or "")[:150]
    account = user_model.objects.filter(username=tried).first()
    locked = bool(getattr(request, "axes_locked_out", False))
    record_change(
        by=None,
        action="sign_in_failed",
        target=account if account is not None else user_model(username=tried),
        client_id=None,
        new={
            "username": tried,
            "address": _address(request),
            "reason": "locked out" if locked else "wrong username or password",
        },
    )


def signed_out(request: HttpRequest) -> None:
    user = request.user
    if user.is_authenticated:
        record_change(
            by=user,
            action="sign_out",
            target=user,
            client_id=None,
            new={"address": _address(request)},
        )


def connect() -> None:
    """Listen for Django's failed sign-in signal (called once, from the app's ``ready``)."""
    user_login_failed.connect(_failed, dispatch_uid="ontrack-audit-sign-in-failed")


def second_factor(request: HttpRequest, device: Any) -> None:
    record_change(
        by=request.user,
        action="sign_in_second_factor",
        target=request.user,  # type: ignore[arg-type]
        client_id=None,
        new={"address": _address(request), "device": type(device).__name__},
    )


def second_factor_failed(request: HttpRequest) -> None:
    record_change(
        by=request.user,
        action="sign_in_second_factor_failed",
        target=request.user,  # type: ignore[arg-type]
        client_id=None,
        new={"address": _address(request)},
    )


def second_factor_set_up(request: HttpRequest, device: Any) -> None:
    record_change(
        by=request.user,
        action="two_factor_set_up",
        target=request.user,  # type: ignore[arg-type]
        client_id=None,
        new={"address": _address(request), "device": type(device).__name__},
    )


def password_changed(request: HttpRequest, user: Any, *, how: str) -> None:
    record_change(
        by=user,
        action=f"password_{how}",
        target=user,
        client_id=None,
        new={"address": _address(request)},
    )


def session_ended(request: HttpRequest, *, reason: str) -> None:
    record_change(
        by=request.user,
        action="session_ended",
        target=request.user,  # type: ignore[arg-type]
        client_id=None,
        new={"address": _address(request), "reason": reason},
    )
