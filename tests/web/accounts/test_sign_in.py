"""Staff sign-in (issue 20, item 1): two factors, lockout, audit, password change and reset by
email through a real SMTP server, idle and absolute session limits."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client as Browser
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests.web.conftest import LOGIN, Cast
from tests.web.portal.conftest import Smtp, smtp_server  # noqa: F401 - a fixture

from ontrack.web.accounts.models import User
from ontrack.web.accounts.signin import SESSION_RENEWED_AT, SESSION_SIGNED_IN_AT
from ontrack.web.audit.models import AuditEvent

PASSWORD = "correct horse battery"


def _sign_in(browser: Browser, username: str, password: str = PASSWORD) -> Any:
    return browser.post(LOGIN, {"username": username, "password": password})


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def _code(device: TOTPDevice) -> str:
    return str(
        TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    ).zfill(device.digits)


def _signed_in_to_caseload(browser: Browser) -> bool:
    return bool(browser.get(reverse("caseload")).status_code == 200)


# -- lockout ------------------------------------------------------------------------------------


def test_fifty_wrong_passwords_then_the_right_one_does_not_sign_in(cast: Cast) -> None:
    browser = Browser()
    for _ in range(50):
        _sign_in(browser, "alice", "wrong password")
    response = _sign_in(browser, "alice")
    assert response.status_code == 429
    assert "Sign-in for this account is paused" in response.content.decode()
    assert not _signed_in_to_caseload(browser)
    assert _events("sign_in") == []
    failed = _events("sign_in_failed")
    assert len(failed) == 51
    assert failed[0].new["reason"] == "wrong username or password"
    assert failed[-1].new["reason"] == "locked out"
    assert failed[0].target_id == str(cast.alice.pk)


def test_lockout_is_per_username_and_ends_after_the_cool_off(cast: Cast, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 5
    browser = Browser()
    for _ in range(5):
        _sign_in(browser, "alice", "wrong password")
    assert _sign_in(browser, "alice").status_code == 429
    # Another account from the same browser is not locked.
    assert _sign_in(Browser(), "bob").status_code == 302
    # After the cool-off (15 minutes) the right password works again, and clears the count.
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    assert _sign_in(browser, "alice").status_code == 302
    assert _signed_in_to_caseload(browser)
    assert not AccessAttempt.objects.filter(username="alice").exists()


def test_sign_ins_and_failures_are_in_the_audit(cast: Cast) -> None:
    _sign_in(Browser(), "nobody-here", "guess")
    browser = Browser()
    _sign_in(browser, "alice")
    browser.post(reverse("logout"))
    (failed,) = _events("sign_in_failed")
    assert failed.new["username"] == "nobody-here"
    assert failed.actor == "system"
    (signed_in,) = _events("sign_in")
    assert (signed_in.actor, signed_in.actor_id) == ("alice", cast.alice.pk)
    assert signed_in.new["address"] == "127.0.0.1"
    (signed_out,) = _events("sign_out")
    assert signed_out.actor == "alice"


# -- two factors --------------------------------------------------------------------------------


@pytest.fixture
def two_factor(settings: Any) -> None:
    settings.ONTRACK_REQUIRE_2FA = True


def test_staff_set_up_an_authenticator_then_sign_in_with_it_or_a_backup_code(
    cast: Cast, two_factor: None
) -> None:
    browser = Browser()
    response = _sign_in(browser, "alice")
    assert response["Location"] == reverse("two_factor_set_up")
    # Password alone reaches nothing else: every page sends them back to set up.
    response = browser.get(reverse("caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_set_up"))
    page = browser.get(reverse("two_factor_set_up")).content.decode()
    assert 'src="data:image/svg+xml' in page
    device = TOTPDevice.objects.get(user=cast.alice, confirmed=False)
    key = re.search(r'<code class="app-key">([A-Z2-7 ]+)</code>', page)
    assert key is not None
    assert key.group(1).replace(" ", "")

    wrong = browser.post(reverse("two_factor_set_up"), {"otp_token": "000000"})
    assert wrong.status_code == 400
    # django-otp throttles a device after a wrong code: 1 s, doubling with each failure.
    refused = browser.post(reverse("two_factor_set_up"), {"otp_token": _code(device)})
    assert refused.status_code == 400
    time.sleep(2.1)
    done = browser.post(reverse("two_factor_set_up"), {"otp_token": _code(device)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert _signed_in_to_caseload(browser)
    assert [e.actor for e in _events("two_factor_set_up")] == ["alice"]

    # Next time: password, then a code. The same TOTP code cannot be used twice.
    again = Browser()
    assert _sign_in(again, "alice")["Location"] == reverse("two_factor")
    assert not _signed_in_to_caseload(again)
    device.refresh_from_db()
    replay = again.post(reverse("two_factor"), {"otp_token": _code(device)})
    assert replay.status_code == 400
    assert again.post(reverse("two_factor"), {"otp_token": codes[0]}).status_code == 302
    assert _signed_in_to_caseload(again)
    # A backup code works once.
    third = Browser()
    _sign_in(third, "alice")
    assert third.post(reverse("two_factor"), {"otp_token": codes[0]}).status_code == 400
    assert not _signed_in_to_caseload(third)
    assert [e.actor for e in _events("sign_in_second_factor")] == ["alice"]
    assert len(_events("sign_in_second_factor_failed")) == 2


def test_a_second_device_cannot_be_added_without_the_first(cast: Cast, two_factor: None) -> None:
    TOTPDevice.objects.create(user=cast.alice, name="phone", confirmed=True)
    browser = Browser()
    _sign_in(browser, "alice")
    response = browser.get(reverse("two_factor_set_up"))
    assert response["Location"] == reverse("two_factor")


@pytest.mark.parametrize("role", ["sue", "mo", "adam"])
def test_every_staff_role_needs_the_second_factor(cast: Cast, two_factor: None, role: str) -> None:
    browser = Browser()
    assert _sign_in(browser, role)["Location"] == reverse("two_factor_set_up")
    assert browser.get("/").status_code == 302
    assert browser.get(reverse("admin:index"))["Location"].startswith(reverse("two_factor_set_up"))


def test_clients_sign_in_with_the_password_alone(cast: Cast, two_factor: None) -> None:
    browser = Browser()
    response = browser.post(LOGIN, {"username": "cara", "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert reverse("two_factor") not in [url for url, _ in response.redirect_chain]


def test_the_demo_sign_in_page_says_the_password_alone_is_enough(cast: Cast, settings: Any) -> None:
    settings.ONTRACK_DEMO, settings.ONTRACK_REQUIRE_2FA = True, False
    page = Browser().get(LOGIN).content.decode()
    assert "This is the demo" in page
    assert "password alone" in page
    response = Browser().post(LOGIN, {"username": "alice", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("caseload")
    settings.ONTRACK_DEMO, settings.ONTRACK_REQUIRE_2FA = False, True
    page = Browser().get(LOGIN).content.decode()
    assert "This is the demo" not in page
    assert "authenticator app" in page


# -- passwords ----------------------------------------------------------------------------------


def test_password_change_is_audited_and_takes_effect(cast: Cast) -> None:
    browser = Browser()
    _sign_in(browser, "alice")
    new = "a much longer passphrase 42"
    response = browser.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response["Location"] == reverse("password_change_done")
    assert _signed_in_to_caseload(browser)  # the session carries on
    assert [e.actor for e in _events("password_changed")] == ["alice"]
    assert _sign_in(Browser(), "alice", new).status_code == 302
    assert _sign_in(Browser(), "alice", PASSWORD).status_code == 200


def test_password_reset_by_email_through_a_real_smtp_server(
    cast: Cast,
    smtp_server: Smtp,  # noqa: F811 - the fixture
    settings: Any,
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    User.objects.filter(pk=cast.alice.pk).update(email="alice@example.nhs.uk")
    browser = Browser()
    response = browser.post(reverse("password_reset"), {"email": "alice@example.nhs.uk"})
    assert response["Location"] == reverse("password_reset_done")
    # An address with no account gets the same answer, and no email.
    browser.post(reverse("password_reset"), {"email": "nobody@example.nhs.uk"})
    (message,) = smtp_server.messages()
    assert "To: alice@example.nhs.uk" in message
    assert "Reset your OnTrack password" in message
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message)
    assert link is not None
    form_url = browser.get(link.group(1))["Location"]
    new = "a much longer passphrase 42"
    done = browser.post(form_url, {"new_password1": new, "new_password2": new})
    assert done["Location"] == reverse("password_reset_complete")
    assert [e.actor for e in _events("password_reset")] == ["alice"]
    assert _sign_in(Browser(), "alice", new).status_code == 302
    # The link works once.
    assert "This link does not work" in browser.get(link.group(1), follow=True).content.decode()


# -- sessions -----------------------------------------------------------------------------------


def test_idle_timeout_is_thirty_minutes_and_renewed_by_requests(cast: Cast, settings: Any) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    browser = Browser()
    _sign_in(browser, "alice")
    from django.contrib.sessions.models import Session

    # A request more than a minute after the last renewal renews the idle timeout.
    session = browser.session
    session[SESSION_RENEWED_AT] = time.time() - 61
    session.save()

    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(
        expire_date=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    )
    assert _signed_in_to_caseload(browser)
    renewed = Session.objects.get(session_key=key).expire_date
    assert renewed > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=29)
    # Idle past the expiry: signed out.
    Session.objects.filter(session_key=key).update(
        expire_date=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    )
    assert not _signed_in_to_caseload(browser)


def test_session_ends_four_hours_after_sign_in_however_active(cast: Cast, settings: Any) -> None:
    assert settings.ONTRACK_SESSION_MAX_AGE == 4 * 60 * 60
    browser = Browser()
    _sign_in(browser, "alice")
    assert _signed_in_to_caseload(browser)
    session = browser.session
    session[SESSION_SIGNED_IN_AT] = time.time() - 4 * 60 * 60 - 1
    session.save()
    response = browser.get(reverse("caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not _signed_in_to_caseload(browser)
    assert [e.new["reason"] for e in _events("session_ended")] == ["maximum session length"]
