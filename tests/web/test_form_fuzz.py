"""Every form and POST endpoint fuzzed (issue 20): no server error, no half-saved record.

Every URL in the configuration (the Django admin's and the JSON API's aside: the API has its
own schemathesis fuzz, ``tests/web/api/test_fuzz.py``) is opened by each member of the cast
in turn; the first who gets a page with a POST form to that URL, or, for a URL that takes
POST without a page, the first whose POST is not refused for who they are, is the one who may
use it. As that person each form gets its own values back, then each field in turn missing,
empty, huge, a NUL, a negative, an overflow, an impossible date, a list, foreign digits, and
a few whole-form variants (nothing, every field huge, a body that is not UTF-8, unknown
fields), then Hypothesis' own dictionaries of its fields and junk names.

For every request: no 5xx (and no exception). A request refused (4xx, or the form shown
again with its errors) changed no row of any table and wrote no change event to the audit;
one accepted that changed rows wrote at least one change event, naming each changed table's
model (or its parent's: a session's scores are the session's). Changes are seen by SQLite
triggers on every table (temporary, this connection only), so an UPDATE that leaves the
count alone is seen too. Each request runs in a savepoint rolled back after it, so every
variant meets the same records. The counts are printed for docs/security.md;
``ONTRACK_FUZZ_URLS=<regex>`` fuzzes only the URLs it matches (to run it in shards).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.db import connection, transaction
from django.test import Client as Browser
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import examples
from tests.web import factories as f
from tests.web.api.conftest import Records, make_token
from tests.web.api.conftest import records as records  # a fixture
from tests.web.conftest import Cast

from ontrack.web.accounts.models import StaffRole
from ontrack.web.api.models import ApiToken
from ontrack.web.audit.models import AuditEvent, AuditKind
from ontrack.web.common.codes import TherapistRole, Therapy
from ontrack.web.notify.models import Message
from ontrack.web.pathway.models import SelfReferral, WaitingListEntry
from ontrack.web.portal.actions.requests import raise_client_concern
from ontrack.web.portal.links import issue_link
from ontrack.web.portal.models import AppointmentRequest, LinkPurpose
from ontrack.web.records.scoping import scopes_disabled

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz, pytest.mark.slow]

# Who tries each URL, in this order: the one who holds the record first.
ROLES = ("alice", "tess", "sue", "mo", "adam", "cara", "anonymous")
# Tables a refused request may still write: the security logs and the session.
LOGS = {
    "audit_auditevent",
    "audit_auditchainhead",
    "django_session",
    "axes_accessattempt",
    "axes_accessfailurelog",
    "axes_accesslog",
    "portal_linkattempt",
}
# Columns that count uses and failures (a record of the attempt, not a change of state):
# a link's opening, a token's last use, an authenticator's throttling of wrong codes.
COUNTERS = {
    "portal_accesslink": {"opened_count", "last_opened_at"},
    "api_apitoken": {"last_used_at"},
    "otp_totp_totpdevice": {"throttling_failure_count", "throttling_failure_timestamp"},
    "otp_static_staticdevice": {"throttling_failure_count", "throttling_failure_timestamp"},
}
UNCONFIRMED = "otp_totp_totpdevice"
# Audit events that record a refusal (a failed sign-in), not a change of state.
SECURITY_LOG_ACTIONS = {"sign_in_failed", "sign_in_second_factor_failed"}
# What a refused form still writes on purpose: a risk answer typed on it opens or updates
# the client's risk alert on every input path (STYLE.md), with its own audit event.
RISK_ALERT_TABLES = {"records_alert"}
RISK_ALERT_ACTIONS = {"open_alert", "update_risk_alert"}
ERROR_MARKS = ("nhsuk-error-summary", "nhsuk-error-message", "nhsuk-form-group--error")
HUGE = "x" * 100_000
# One field at a time: (what, value); None drops the field.
FIELD_VARIANTS: tuple[tuple[str, Any], ...] = (
    ("missing", None),
    ("empty", ""),
    ("huge", HUGE),
    ("nul", "a\x00b"),
    ("negative", "-1"),
    ("overflow", "9" * 40),
    ("impossible date", "2026-02-30"),
    ("not a number", "NaN"),
    ("list", ["1", "2"]),
    ("foreign digits", "١٢"),
    ("markup", "<script>x</script>"),
)
# The kinds also tried in every field at once (each kind meets each field alone as well).
EVERY_FIELD_AT_ONCE = {"missing", "empty", "huge", "nul", "overflow", "impossible date", "list"}


# -- the records every URL needs ----------------------------------------------------------------


@dataclass
class World:
    cast: Cast
    users: dict[str, Any]
    kwargs: dict[str, Any]
    by_name: dict[str, dict[str, Any]] = field(default_factory=dict)


@pytest.fixture
def world(cast: Cast, records: Records, settings: Any) -> World:
    settings.ONTRACK_API_FAILURES_ALLOWED = 1_000_000
    today = timezone.localdate()
    tess = f.StaffFactory(
        user=f.UserFactory(username="tess", first_name="Tess", last_name="Triage"),
        service=cast.service,
        role=StaffRole.THERAPIST,
        therapist_role=TherapistRole.PWP,
        modalities=[Therapy.GSH_BOOK.value],
        triage=True,
    )
    waiting = f.ReferralFactory(
        client=f.ClientFactory(service=cast.service, given_name="Wanda"),
        referral_date=today - dt.timedelta(days=30),
        step=None,
    )
    with scopes_disabled():
        WaitingListEntry.unscoped.create(
            referral=waiting, step=3, therapy=Therapy.CBT, added_on=today - dt.timedelta(days=20)
        )
        item = SelfReferral.objects.create(
            service=cast.service,
            given_name="Sam",
            family_name="Self",
            date_of_birth=dt.date(1990, 1, 1),
            consent=True,
        )
        concern = raise_client_concern(
            client=cast.client,
            referral=cast.referral,
            kind="concern",
            summary="The waiting room is noisy.",
            addressed_to="manager",
            by=cast.cara,
        )
        message = Message.unscoped.create(
            client=cast.client,
            channel="sms",
            to="07700900000",
            purpose="questionnaire_invitation",
            body="Your questionnaires are ready.",
            status="failed",
            created_at=timezone.now(),
            failed_at=timezone.now(),
        )
        request = AppointmentRequest.unscoped.create(
            referral=cast.referral,
            episode=cast.episode,
            session_on=today + dt.timedelta(days=3),
            kind="cancel",
            reason="Unwell",
            requested_at=timezone.now(),
        )
        _link, link = issue_link(
            client=cast.client,
            purpose=LinkPurpose.QUESTIONNAIRES,
            valid_for=dt.timedelta(days=4),
            referral=cast.referral,
        )
    make_token(cast.mo, acting_as=cast.alice)
    users = {role: cast.user(role) for role in ROLES if role != "tess"} | {"tess": tess.user}
    kwargs = {
        "client_id": cast.client.pk,
        "episode_id": cast.episode.pk,
        "referral_id": cast.referral.pk,
        "goal_id": records.cara["goals"],
        "homework_id": records.cara["homework"],
        "alert_id": records.cara["alerts"],
        "contact_id": records.cara["contacts"],
        "appointment_id": records.cara["appointments"],
        "concern_id": concern.pk,
        "message_id": message.pk,
        "request_id": request.pk,
        "item_id": item.pk,
        "token_id": ApiToken.objects.get().pk,
        "recording_id": 1,  # none made: the URL is tried and refused
        "staff_id": cast.alice_staff.pk,
        "key": "phq9",
        "stage": "pre",
        "slug": "phq9",
        "token": link,
        "to": "gp",
        "questionnaire_id": "phq9",
        "response_id": "1",
        "observation_id": "1",
        "patient_id": cast.client.person_id,
        "uidb64": urlsafe_base64_encode(force_bytes(cast.alice.pk)),
    }
    by_name = {
        **{
            name: {"referral_id": waiting.pk}
            for name in ("allocate", "check_in", "contact_attempt")
        },
        "password_reset_confirm": {
            "uidb64": kwargs["uidb64"],
            "token": default_token_generator.make_token(cast.alice),
        },
    }
    return World(cast, users, kwargs, by_name)


# -- finding the URLs and their forms -----------------------------------------------------------


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, str, list[str]]]:
    """(name, route, argument names) of every URL but the admin's and the JSON API's."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(("admin/", "api/")) and route != "api/tokens/":
                continue
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            if route.startswith("api/") and not route.startswith("api/tokens"):
                continue
            yield entry.name or route, route, re.findall(r"<(?:\w+:)?(\w+)>", route)


def _url(world: World, name: str, route: str, args: list[str]) -> str:
    values = world.kwargs | world.by_name.get(name, {})
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


@dataclass
class Form:
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> values sent as-is
    choices: dict[str, list[str]] = field(default_factory=dict)


class _FormParser(HTMLParser):
    """The POST forms of a page that post back to ``url`` (not the header's sign-out)."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = a.get("action", "")
            if a.get("method", "").lower() == "post" and action in ("", self.url):
                self.form = Form()
                self.forms.append(self.form)
            return
        if self.form is None or (tag != "option" and not a.get("name")):
            return
        name = a.get("name", "")
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "file", "image"):
                if kind == "submit" and name:
                    self.form.fields.setdefault(name, [a.get("value", "")])
                return
            if kind in ("checkbox", "radio"):
                self.form.choices.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    self.form.fields.setdefault(name, []).append(a.get("value", "on"))
                return
            self.form.fields[name] = [a.get("value", "")]
        elif tag == "select":
            self.select = name
            self.form.choices.setdefault(name, [])
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            self.form.choices[self.select].append(value)
            if "selected" in a:
                self.form.fields[self.select] = [value]
        elif tag == "textarea":
            self.textarea = name
            self.form.fields[name] = [""]

    def handle_data(self, data: str) -> None:
        if self.form is not None and self.textarea is not None:
            self.form.fields[self.textarea] = [self.form.fields[self.textarea][0] + data]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def _forms(html: str, url: str) -> list[Form]:
    parser = _FormParser(url)
    parser.feed(html)
    return parser.forms


def _baseline(form: Form) -> dict[str, Any]:
    """The form as the page gave it, with the first choice where none was made."""
    data: dict[str, Any] = {k: v if len(v) > 1 else v[0] for k, v in form.fields.items()}
    for name, options in form.choices.items():
        usable = [o for o in options if o]
        if name not in data and usable:
            data[name] = usable[0]
    return data


# -- watching the database ----------------------------------------------------------------------


def _watch_every_table() -> list[str]:
    """Temporary triggers that note each row written, by table (this connection only)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        tables = [t for (t,) in cursor.fetchall() if t not in LOGS]
        cursor.execute("CREATE TEMP TABLE fuzz_written (name TEXT)")
        for table in tables:
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            watched = [c for c in columns if c not in COUNTERS.get(table, ())]
            # An UPDATE counts when it changes a watched value (a save of the whole row that
            # moves only a counter does not).
            changed = " OR ".join(f'OLD."{c}" IS NOT NEW."{c}"' for c in watched)
            # The set-up page keeps an unconfirmed authenticator (the key its QR code shows)
            # until a code confirms it: not yet a second factor.
            inserted = "NEW.confirmed" if table == UNCONFIRMED else ""
            for op, when in (("INSERT", inserted), ("UPDATE", changed), ("DELETE", "")):
                cursor.execute(
                    f'CREATE TEMP TRIGGER "fuzz_{op}_{table}" AFTER {op} ON "{table}"'
                    f"{' WHEN ' + when if when else ''}"
                    f" BEGIN INSERT INTO fuzz_written VALUES ('{table}'); END"
                )
    return tables


def _signed_in_again(browser: Browser) -> None:
    """Give the browser back the session it started with: a request that signed it out
    ended that session, and the rollback brought the session's row back."""
    browser.cookies = copy.deepcopy(browser.first_cookies)  # type: ignore[attr-defined]


def _written() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT name FROM fuzz_written")
        return {name for (name,) in cursor.fetchall()}


def _table_models() -> dict[str, set[str]]:
    """Each table's model label and its neighbours' (foreign keys either way): a session's
    event covers its scores, and the episode's counters it moved on."""
    found: dict[str, set[str]] = {}
    for model in apps.get_models(include_auto_created=True):
        found.setdefault(model._meta.db_table, set()).add(model._meta.label_lower)
        for fk in model._meta.fields:
            if fk.is_relation and fk.related_model is not None:
                other = fk.related_model._meta
                found[model._meta.db_table].add(other.label_lower)
                found.setdefault(other.db_table, {other.label_lower}).add(model._meta.label_lower)
    # The one-time token a form carries is claimed with the save its event records.
    found["accounts_formtoken"] = {"*"}
    return found


@dataclass
class Tally:
    requests: int = 0
    refused: int = 0
    accepted_changing: int = 0
    accepted_unchanged: int = 0
    server_errors: list[str] = field(default_factory=list)
    half_saved: list[str] = field(default_factory=list)
    unaudited: list[str] = field(default_factory=list)
    by_status: Counter[int] = field(default_factory=Counter)


def _refused(response: Any) -> bool:
    if 400 <= response.status_code < 500:
        return True
    if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
        page = response.content.decode(errors="replace")
        return any(mark in page for mark in ERROR_MARKS)
    return False


def _post(
    browser: Browser,
    url: str,
    data: dict[str, Any] | bytes,
    what: str,
    tally: Tally,
    models: dict[str, set[str]],
) -> None:
    """One POST in a savepoint rolled back after it; its outcome checked and counted."""
    _signed_in_again(browser)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM fuzz_written")
    sid = transaction.savepoint()
    try:
        last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        try:
            if isinstance(data, bytes):
                response = browser.generic(
                    "POST", url, data, content_type="application/x-www-form-urlencoded"
                )
            else:
                response = browser.post(url, data)
        except Exception as error:  # the test client re-raises a view's exception
            tally.requests += 1
            tally.server_errors.append(f"{url} {what}: {type(error).__name__}: {error}"[:300])
            return
        tally.requests += 1
        tally.by_status[response.status_code] += 1
        if response.status_code >= 500:
            tally.server_errors.append(f"{url} {what}: {response.status_code}")
            return
        written = _written()
        changes = [
            e
            for e in AuditEvent.objects.filter(pk__gt=last, kind=AuditKind.CHANGE)
            if e.action not in SECURITY_LOG_ACTIONS
        ]
        if _refused(response):
            tally.refused += 1
            if written <= RISK_ALERT_TABLES and {e.action for e in changes} <= RISK_ALERT_ACTIONS:
                if bool(written) != bool(changes):  # the risk alert, and its event, or neither
                    tally.unaudited.append(f"{url} {what}: risk alert {written} {changes}")
            elif written or changes:
                tally.half_saved.append(
                    f"{url} {what}: refused ({response.status_code}) but wrote "
                    f"{sorted(written)} and events {[e.action for e in changes]}"
                )
        elif written:
            tally.accepted_changing += 1
            audited = {e.target_type for e in changes}
            missing = sorted(t for t in written if not (models.get(t, {t}) & (audited | {"*"})))
            if not changes or missing:
                tally.unaudited.append(
                    f"{url} {what}: {response.status_code} wrote {sorted(written)}, "
                    f"audit names {sorted(audited)}"
                )
        else:
            tally.accepted_unchanged += 1
    finally:
        transaction.savepoint_rollback(sid)


def _variants(form: Form, turn: int) -> Iterator[tuple[str, dict[str, Any] | bytes]]:
    """The form as shown; every field at once with each bad value; each field alone with
    one bad value (taking turns, so every kind meets every field over the run); whole-form
    oddities."""
    base = _baseline(form)
    names = sorted({*form.fields, *form.choices})
    yield "as shown", base
    for what, value in FIELD_VARIANTS:
        if what in EVERY_FIELD_AT_ONCE:
            yield f"every field {what}", {} if value is None else dict.fromkeys(names, value)
    for n, name in enumerate(names):
        what, value = FIELD_VARIANTS[(turn + n) % len(FIELD_VARIANTS)]
        data = dict(base)
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
        yield f"{name} {what}", data
    yield "unknown fields", {**base, "id": "1", "pk": "2", "client": "3", "service": "4"}
    yield "not UTF-8", b"%FF%FE=%C0%80&" + "&".join(f"{k}=%FF" for k in names).encode()


def _junk(names: list[str]) -> Callable[[Callable[[dict[str, Any]], None]], None]:
    """Hypothesis: dictionaries of the form's own names (and junk) to text or lists."""
    keys = st.sampled_from(names) | st.text(max_size=8) if names else st.text(max_size=8)
    values = st.text(max_size=300) | st.lists(st.text(max_size=20), max_size=3)

    def run(check: Callable[[dict[str, Any]], None]) -> None:
        @settings(
            max_examples=examples(3),
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(st.dictionaries(keys, values, max_size=8))
        def fuzz(data: dict[str, Any]) -> None:
            check({k.replace("\x00", ""): v for k, v in data.items()})

        fuzz()

    return run


def _refused_for_who(response: Any) -> bool:
    return response.status_code in (403, 404, 405) or (
        response.status_code == 302 and "/accounts/sign-in/" in response["Location"]
    )


def _post_empty(browser: Browser, url: str) -> Any:
    _signed_in_again(browser)
    sid = transaction.savepoint()
    try:
        return browser.post(url, {})
    except Exception:
        return None  # a way in: the fuzzing reports the error
    finally:
        transaction.savepoint_rollback(sid)


def _user_of(url: str, browsers: dict[str, Browser]) -> tuple[str, list[Form] | None]:
    """Who may use ``url``, and its forms ([] for a URL that takes POST with no page; None
    for a URL nobody may post to, or that takes no POST)."""
    shown = ""
    for role in ROLES:
        _signed_in_again(browsers[role])
        response = browsers[role].get(url)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            forms = _forms(response.content.decode(), url)
            if forms:
                return role, forms
            shown = shown or role
    if shown:  # a page with no form to itself: does it take POST at all?
        response = _post_empty(browsers[shown], url)
        return (shown, []) if response is None or not _refused_for_who(response) else ("", None)
    for role in ROLES:
        response = _post_empty(browsers[role], url)
        if response is None or not _refused_for_who(response):
            return role, []
    return "", None


def test_every_form_and_post_endpoint_fuzzed(world: World, capsys: Any) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("watches writes with SQLite triggers")
    models = _table_models()
    browsers = {}
    for role, user in world.users.items():
        browsers[role] = Browser()
        if user is not None:
            browsers[role].force_login(user)
        browsers[role].first_cookies = copy.deepcopy(browsers[role].cookies)  # type: ignore[attr-defined]
    _watch_every_table()
    tally = Tally()
    routes = list(_routes(get_resolver().url_patterns))
    fuzzed: list[str] = []
    nobody: list[str] = []
    only = re.compile(os.environ.get("ONTRACK_FUZZ_URLS", ""))
    for name, route, args in routes:
        url = _url(world, name, route, args)
        if not only.search(url):
            continue
        role, forms = _user_of(url, browsers)
        if forms is None:
            nobody.append(url)
            continue
        fuzzed.append(f"{url} as {role or 'nobody'}")
        browser = browsers[role]
        for form in forms or [Form()]:
            for what, data in _variants(form, len(fuzzed)):
                _post(browser, url, data, what, tally, models)
            names = sorted({*form.fields, *form.choices})
            _junk(names)(
                lambda data, b=browser, u=url: _post(b, u, data, "hypothesis", tally, models)
            )
    with capsys.disabled():
        print(
            f"\nform fuzz: {len(routes)} URLs, {len(fuzzed)} take POST from someone, "
            f"{len(nobody)} from nobody (or GET only); {tally.requests} requests: "
            f"{len(tally.server_errors)} server errors, {tally.refused} refused "
            f"({len(tally.half_saved)} half-saved), {tally.accepted_changing} accepted with "
            f"changes ({len(tally.unaudited)} unaudited), {tally.accepted_unchanged} changed "
            f"nothing; statuses {dict(sorted(tally.by_status.items()))}"
        )
        print("fuzzed: " + ", ".join(fuzzed))
        print("no POST (or not for anyone): " + ", ".join(nobody))
        for problem in tally.server_errors + tally.half_saved + tally.unaudited:
            print("PROBLEM " + problem)
    assert tally.server_errors == []
    assert tally.half_saved == []
    assert tally.unaudited == []
    if not os.environ.get("ONTRACK_FUZZ_URLS"):  # the whole configuration, not a shard
        assert len(fuzzed) >= 30
