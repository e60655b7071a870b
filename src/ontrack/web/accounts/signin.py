"""Staff sign-in: password, then a second factor; lockout; session limits (docs/adr/0101-0102).

The first step is Django's own sign-in at ``/accounts/sign-in/`` (fields ``username`` and
``password``), guarded by django-axes. A member of staff who must use two factors
(``ONTRACK_REQUIRE_2FA``; every staff role, not clients) is then signed in but not
*verified*: ``TwoFactorRequiredMiddleware`` lets them reach only the two-factor pages
and sign-out until they give a code from their authenticator app (TOTP) or a one-time
backup code, or, the first time, set up the app. The demo turns the requirement off for
its fictional accounts and says so on its sign-in page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import django_otp
from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ontrack.web.accounts import audit
from ontrack.web.accounts.forms import SignInForm, TokenForm

SESSION_SIGNED_IN_AT = "ontrack_signed_in_at"
SESSION_RENEWED_AT = "ontrack_renewed_at"
RENEW_EVERY_SECONDS = 60
# Reachable by a member of staff who has given their password but not yet a second factor.
_OPEN_TO_UNVERIFIED = ("two_factor", "two_factor_set_up", "logout")


class LockoutBackend(AxesStandaloneBackend):  # type: ignore[misc]
    """django-axes' lockout check, for sign-ins that come with a request.

    Every sign-in over the web comes with one; code that authenticates without a request
    (the test client's ``login``, a management command) is not a guess from outside, so
    it is let through to the password check rather than failing with an exception.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is not None:
            super().authenticate(request, username=username, password=password, **kwargs)


def locked_out(
    request: HttpRequest, response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """The page a locked-out sign-in gets (django-axes' ``AXES_LOCKOUT_CALLABLE``)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "failures": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


def needs_two_factor(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether ``user`` must give a second factor: every member of staff, when required."""
    if not settings.ONTRACK_REQUIRE_2FA or not user.is_authenticated:
        return False
    if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        return True
    from ontrack.web.accounts.models import Staff

    return Staff.objects.filter(user_id=user.pk).exists()


def _is_verified(request: HttpRequest) -> bool:
    check = getattr(request.user, "is_verified", None)
    return bool(check()) if callable(check) else False


class TwoFactorRequiredMiddleware:
    """Keep a member of staff without a verified second factor on the two-factor pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A request with an API token is not a browser session (ontrack.web.api.auth).
        if getattr(request, "api_token", None) is None and self._must_verify(request):
            name = "two_factor" if _has_device(request.user) else "two_factor_set_up"
            target = reverse(name)
            if request.path != target:
                return HttpResponseRedirect(f"{target}?next={_here(request)}")
        return self.get_response(request)

    @staticmethod
    def _must_verify(request: HttpRequest) -> bool:
        match = getattr(request, "resolver_match", None)
        from django.urls import Resolver404, resolve

        try:
            match = match or resolve(request.path_info)
        except Resolver404:
            match = None
        if match is not None and match.url_name in _OPEN_TO_UNVERIFIED:
            return False
        return needs_two_factor(request.user) and not _is_verified(request)


def _here(request: HttpRequest) -> str:
    return quote(request.get_full_path() if request.method == "GET" else "/", safe="/")


class SessionLimitMiddleware:
    """The idle timeout, renewed as the person works, and the absolute session limit.

    Django ends a session ``SESSION_COOKIE_AGE`` seconds after it was last saved; this
    saves it again (renewing that) at most once a minute while requests come, so the idle
    timeout rolls without a database write on every request. Whatever the activity, the
    session ends ``ONTRACK_SESSION_MAX_AGE`` seconds after signing in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        # A request with an API token has no session to limit: stamping one would make a
        # new session row (and cookie) on every token request.
        if getattr(request, "api_token", None) is not None:
            session = None
        if session is not None and request.user.is_authenticated:
            now = time.time()
            started = float(session.setdefault(SESSION_SIGNED_IN_AT, now))
            if now - started > settings.ONTRACK_SESSION_MAX_AGE:
                hours = settings.ONTRACK_SESSION_MAX_AGE / 3600
                audit.session_ended(request, reason="maximum session length")
                logout(request)
                messages.info(
                    request, f"You were signed out {hours:g} hours after signing in. Sign in again."
                )
                return HttpResponseRedirect(f"{reverse('login')}?next={_here(request)}")
            if now - float(session.get(SESSION_RENEWED_AT, started)) > RENEW_EVERY_SECONDS:
                session[SESSION_RENEWED_AT] = now  # saved at the end: the expiry moves on
        return self.get_response(request)


def _stamp_sign_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """Start the session's clocks when anyone signs in (any way, so tests too)."""
    session = getattr(request, "session", None)
    if session is not None:
        now = time.time()
        session[SESSION_SIGNED_IN_AT] = now
        session[SESSION_RENEWED_AT] = now


user_logged_in.connect(_stamp_sign_in, dispatch_uid="ontrack-session-clocks")


def _has_device(user: Any) -> bool:
    return bool(TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists())


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


class SignInView(auth_views.LoginView):
    """The password step, with a note on the demo's sign-in page."""

    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit.signed_in(self.request, form.get_user())
        return response

    def get_success_url(self) -> str:
        url = super().get_success_url()
        user = self.request.user
        if needs_two_factor(user) and not _is_verified(self.request):
            step = "two_factor" if _has_device(user) else "two_factor_set_up"
            default = reverse(settings.LOGIN_REDIRECT_URL)
            return reverse(step) + ("" if url == default else f"?next={quote(url, safe='/')}")
        return url

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["demo"] = settings.ONTRACK_DEMO and not settings.ONTRACK_REQUIRE_2FA
        context["two_factor"] = settings.ONTRACK_REQUIRE_2FA
        return context


class SignOutView(auth_views.LogoutView):
    """Django's sign-out (POST only), in the audit."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        audit.signed_out(request)
        return super().post(request, *args, **kwargs)


def two_factor(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the authenticator app, or a backup code."""
    if not request.user.is_authenticated:
        return HttpResponseRedirect(reverse("login"))
    if not _has_device(request.user):
        return HttpResponseRedirect(reverse("two_factor_set_up"))
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = _matching_device(request.user, form.cleaned_data["otp_token"])
        if device is not None:
            django_otp.login(request, device)
            request.session.cycle_key()
            audit.second_factor(request, device)
            return HttpResponseRedirect(_next(request))
        audit.second_factor_failed(request)
        form.add_error("otp_token", "That code is not right, or has been used. Try again.")
    status = 400 if form.errors else 200
    return render(
        request,
        "accounts/two_factor.html",
        {"form": form, "next": _next(request)},
        status=status,
    )


def _matching_device(user: Any, token: str) -> Any:
    """The device that accepts ``token``: the app for six digits, else the backup codes.

    Each is tried only with its own kind of code, so a mistyped app code does not also
    count against (and throttle) the backup codes.
    """
    kind: type[TOTPDevice] | type[StaticDevice] = (
        TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    )
    with transaction.atomic():
        for device in kind.objects.select_for_update().filter(user_id=user.pk, confirmed=True):
            if device.verify_token(token):
                return device
    return None


def _backup_codes(user: Any) -> list[str]:
    """Replace ``user``'s backup codes with a new set; return them (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="backup codes")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.ONTRACK_BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def two_factor_set_up(request: HttpRequest) -> HttpResponse:
    """First sign-in: add an authenticator app (QR code or key), confirm it with a code,
    then see the backup codes once."""
    if not request.user.is_authenticated:
        return HttpResponseRedirect(reverse("login"))
    if _has_device(request.user) and not _is_verified(request):
        # Replacing a device needs the current one first; a lost phone is reset by an admin.
        return HttpResponseRedirect(reverse("two_factor"))
    device = TOTPDevice.objects.filter(user_id=request.user.pk, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name="authenticator app", confirmed=False
        )
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"]):
            with transaction.atomic():
                TOTPDevice.objects.filter(user_id=request.user.pk).exclude(pk=device.pk).delete()
                device.confirmed = True
                device.save()
                codes = _backup_codes(request.user)
                audit.second_factor_set_up(request, device)
            django_otp.login(request, device)
            request.session.cycle_key()
            return render(
                request, "accounts/backup_codes.html", {"codes": codes, "next": _next(request)}
            )
        form.add_error(
            "otp_token", "That code is not right. Check the time on your phone and try again."
        )
    return render(
        request,
        "accounts/two_factor_set_up.html",
        {
            "form": form,
            "next": _next(request),
            "qr": _qr_data_uri(device.config_url),
            "key": _spaced(device),
        },
        status=400 if form.errors else 200,
    )


def _qr_data_uri(url: str) -> str:
    import segno

    return str(segno.make(url, error="m").svg_data_uri(scale=5, border=2))


def _spaced(device: TOTPDevice) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
