"""Deployment checks (`manage.py check --deploy`) for OnTrack's own security settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def two_factor_required(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Staff must give two factors anywhere but the demo (docs/adr/0101)."""
    if settings.ONTRACK_REQUIRE_2FA or settings.ONTRACK_DEMO:
        return []
    return [
        Warning(
            "ONTRACK_REQUIRE_2FA is off: staff sign in with a password alone.",
            hint="Unset ONTRACK_REQUIRE_2FA (it defaults to on) outside the demo.",
            id="ontrack.W001",
        )
    ]


@register(Tags.security, deploy=True)
def session_limits(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """The idle timeout and the absolute session limit stay short (docs/adr/0101)."""
    problems: list[CheckMessage] = []
    if settings.SESSION_COOKIE_AGE > 60 * 60:
        problems.append(
            Warning(
                f"SESSION_COOKIE_AGE is {settings.SESSION_COOKIE_AGE} s: an idle session "
                "stays open for more than an hour.",
                hint="Keep the idle timeout at 30 minutes or less (the default is 1800).",
                id="ontrack.W002",
            )
        )
    if settings.ONTRACK_SESSION_MAX_AGE > 12 * 60 * 60:
        problems.append(
            Warning(
                "ONTRACK_SESSION_MAX_AGE is more than 12 hours.",
                hint="The default is 4 hours from sign-in.",
                id="ontrack.W003",
            )
        )
    return problems
