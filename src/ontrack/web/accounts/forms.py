"""The sign-in form, with accessible error wiring."""

from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm

from ontrack.web.common.forms import AccessibleFormMixin


class SignInForm(AccessibleFormMixin, AuthenticationForm):
    """Django's sign-in form with errors tied to their fields."""

    error_messages = {  # noqa: RUF012 - overrides Django's class attribute
        "invalid_login": ("Enter a correct username and password. Both are case-sensitive."),
        "inactive": "This account is not active. Ask your service administrator.",
    }
