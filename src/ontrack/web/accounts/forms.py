"""The sign-in, second-factor and password forms, with accessible error wiring."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)

from ontrack.web.common.forms import AccessibleFormMixin


class SignInForm(AccessibleFormMixin, AuthenticationForm):
    """Django's sign-in form with errors tied to their fields."""

    error_messages = {  # noqa: RUF012 - overrides Django's class attribute
        "invalid_login": ("Enter a correct username and password. Both are case-sensitive."),
        "inactive": "This account is not active. Ask your service administrator.",
    }


class TokenForm(AccessibleFormMixin, forms.Form):
    """A six-digit code from the authenticator app, or a backup code."""

    otp_token = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code your authenticator app shows now, or one of your backup codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off"}
        ),
    )

    def clean_otp_token(self) -> str:
        return "".join(str(self.cleaned_data["otp_token"]).split())


class ChangePasswordForm(AccessibleFormMixin, PasswordChangeForm):
    """Django's password change, styled."""


class ResetPasswordForm(AccessibleFormMixin, PasswordResetForm):
    """Django's password reset request (by email), styled."""


class NewPasswordForm(AccessibleFormMixin, SetPasswordForm):  # type: ignore[type-arg]
    """Django's new-password form behind a reset link, styled."""
