"""The client's one risk alert on every input path: malformed input never loses a risk
answer and never makes a server error; the alert's life (open, update, review closes,
reopen) with its audit rows. The rule itself: tests/web/test_risk_rule.py."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import examples
from tests.web.conftest import Cast, browser_as, session_post

from ontrack.cli import main
from ontrack.measures.fhir import response_for
from ontrack.web.audit.models import AuditEvent
from ontrack.web.common.actions import ActionError
from ontrack.web.common.codes import AlertKind, AlertStatus
from ontrack.web.pathway import actions as pathway
from ontrack.web.portal import actions as portal
from ontrack.web.records import actions
from ontrack.web.records.models import Alert, AlertAction, Contact

pytestmark = pytest.mark.django_db
_SETTINGS = settings(
    max_examples=examples(30),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _risk_alerts(cast: Cast) -> list[Alert]:
    return list(
        Alert.unscoped.filter(referral__client=cast.client, kind=AlertKind.RISK).order_by("pk")
    )


def _open_alert(cast: Cast) -> Alert:
    [alert] = [a for a in _risk_alerts(cast) if a.status != AlertStatus.CLOSED]
    return alert


def _holds(cast: Cast, answer: int) -> bool:
    """Is "PHQ-9 item 9 answered <answer>" on the client's one open risk alert?"""
    said = f"PHQ-9 item 9 answered {answer} "
    return any(said in reason for reason in _open_alert(cast).reasons)


def _phq9_text(item1: str, item9: int = 2) -> str:
    response = response_for("PHQ-9", [1] * 8 + [item9])
    text = json.dumps(response)
    first = json.dumps(response["item"][0]["answer"][0])
    return text.replace(first, item1, 1)


# -- shared strategies (the FHIR endpoint's tests are in tests/web/api/test_fhir_create.py) --


_junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
_answer = st.one_of(
    st.integers(0, 3).map(lambda v: [{"valueInteger": v}]),
    _junk.map(lambda j: [{"valueInteger": j}]),
    _junk.map(lambda j: [{"valueDecimal": j}]),
    _junk,
)


# -- the online questionnaire (the client's own form) ---------------------------------------------


@_SETTINGS
@given(item9=st.integers(0, 3), first=_junk)
def test_online_questionnaire_any_answers_alert_on_a_risk_answer(
    cast: Cast, item9: int, first: Any
) -> None:
    answers = [first, 0, 0, 0, 0, 0, 0, 0, item9]
    refused: ActionError | None = None
    try:
        portal.submit_online_questionnaire(
            referral=cast.referral, measure="PHQ-9", answers=answers, by=cast.cara
        )
    except ActionError as error:
        refused = error
    assert refused is None or refused.errors
    if item9:
        assert _holds(cast, item9)


@_SETTINGS
@given(item9=st.integers(0, 3), item1=st.text(max_size=6))
def test_online_questionnaire_page_is_200_302_or_400_and_alerts(
    cast: Cast, item9: int, item1: str
) -> None:
    data = {f"item_{n}": "0" for n in range(2, 9)} | {"item_1": item1, "item_9": str(item9)}
    response = browser_as(cast, "cara").post(reverse("complete_questionnaire", args=["phq9"]), data)
    assert response.status_code in (302, 400)
    if item9:
        assert _holds(cast, item9)


# -- the session form --------------------------------------------------------------------------


@_SETTINGS
@given(
    item9=st.integers(0, 3),
    quick=st.text(alphabet="0123456789 -x", max_size=12),
    contact_date=st.sampled_from(["", "2026-13-01", "not a date", None]),
)
def test_session_form_any_input_is_302_or_400_and_a_risk_answer_alerts(
    cast: Cast, item9: int, quick: str, contact_date: str | None
) -> None:
    today = timezone.localdate()
    extra: dict[str, Any] = {"phq9_9": str(item9), "phq9_quick": quick}
    if contact_date is not None:
        extra["contact_date"] = contact_date
    data = session_post(cast, today, **extra)
    response = browser_as(cast, "alice").post(
        reverse("record_session", args=[cast.client.pk, cast.episode.pk]), data
    )
    assert response.status_code in (302, 400)
    quick_9 = quick.replace(" ", "")[8:9] if len(quick.replace(" ", "")) == 9 else ""
    if item9 and not quick_9:
        assert _holds(cast, item9)


# -- the command line ---------------------------------------------------------------------------


@settings(max_examples=examples(40), deadline=None)
@given(item9=st.integers(1, 3), first=_junk)
def test_cli_score_response_is_exit_0_or_2_and_says_the_risk(
    tmp_path_factory: pytest.TempPathFactory, item9: int, first: Any
) -> None:
    resource = response_for("PHQ-9", [1] * 8 + [item9])
    resource["item"][0]["answer"] = [{"valueInteger": first}]
    path: Path = tmp_path_factory.mktemp("qr") / "qr.json"
    path.write_text(json.dumps(resource))
    status = main(["score", "PHQ-9", "--response", str(path)])
    assert status in (0, 2)


# -- the alert's life, with its audit rows -------------------------------------------------------


def _session(cast: Cast, day: dt.date, item9: int, **kw: Any) -> Contact:
    episode = cast.episode
    episode.refresh_from_db()
    return actions.record_session(
        episode=episode,
        expected_version=episode.version,
        contact_date=day,
        attendance="5",
        questionnaires={"PHQ-9": [1] * 8 + [item9]},
        same_day_confirmed=True,
        by=cast.alice,
        **kw,
    )


def _review(cast: Cast, day: dt.date, **kw: Any) -> Any:
    findings = {
        "risk_to_self": "low",
        "risk_to_others": "none",
        "asked_directly": True,
        "safety_plan": "Call her sister; keep medication locked away.",
        "crisis_contacts": "NHS 111 option 2; Samaritans 116 123.",
        **kw,
    }
    return pathway.record_risk_assessment(
        referral=cast.referral,
        assessed_on=day,
        risk=pathway.RiskFindings(**findings),
        by=cast.alice,
    )


def _audit(alert: Alert) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_id=str(alert.pk), target_type__endswith="alert")
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_alert_life_open_update_review_closes_then_reopen(cast: Cast) -> None:
    today = timezone.localdate()
    # Session 1: "several days" opens an urgent alert at level 1 (ADR 0150).
    _session(cast, today - dt.timedelta(days=14), 1)
    first = _open_alert(cast)
    assert (first.severity, first.risk_level) == ("urgent", 1)
    # The client answers "nearly every day" online: the same alert, now urgent.
    portal.submit_online_questionnaire(
        referral=cast.referral, measure="PHQ-9", answers=[1] * 8 + [3], by=cast.cara
    )
    first.refresh_from_db()
    assert (first.severity, first.risk_level, first.status) == ("urgent", 3, "open")
    assert "Nearly every day" in first.reasons[0]
    assert any("answered 1 (Several days)" in r for r in first.reasons)
    # Session 2: "several days" again; still one alert, still urgent (no review yet).
    _session(cast, today - dt.timedelta(days=7), 1)
    assert len(_risk_alerts(cast)) == 1
    first.refresh_from_db()
    assert first.severity == "urgent"
    # Nothing but a risk review closes it.
    with pytest.raises(ActionError, match="risk review"):
        actions.close_alert(alert=first, expected_version=first.version, by=cast.alice)
    with pytest.raises(ActionError) as caught:
        _review(cast, today, asked_directly=False, crisis_contacts="")
    assert {"asked_directly", "crisis_contacts"} <= set(caught.value.errors)
    _review(cast, today)
    first.refresh_from_db()
    assert first.status == AlertStatus.CLOSED
    assert first.closed_by_id == cast.alice.pk
    assert AlertAction.unscoped.get(alert=first).kind == "risk_assessment"
    assert _audit(first) == [
        "open_alert",
        "update_risk_alert",
        "update_risk_alert",
        "record_alert_action",
        "close_alert",
    ]
    # A new positive answer after the review opens a new alert that follows the old one.
    _session(cast, today, 2)
    second = _open_alert(cast)
    assert second.pk != first.pk
    assert second.follows_id == first.pk
    assert (second.severity, second.risk_level) == ("urgent", 2)
    assert any(f"Follows risk alert {first.external_id}" in r for r in second.reasons)
    opened = AuditEvent.objects.get(action="open_alert", target_id=str(second.pk))
    assert opened.new["follows"] == first.pk


def test_review_finding_high_risk_keeps_the_alert_open_and_urgent(cast: Cast) -> None:
    today = timezone.localdate()
    _session(cast, today - dt.timedelta(days=1), 1)
    _review(cast, today, risk_to_self="high")
    alert = _open_alert(cast)
    assert (alert.severity, alert.risk_level, alert.status) == ("urgent", 3, "open")
    assert "found high risk" in alert.reasons[0]
    # A later review finding the risk lower closes it.
    _review(cast, today, risk_to_self="moderate")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED


def test_review_finding_high_risk_with_no_alert_opens_an_urgent_one(cast: Cast) -> None:
    _review(cast, timezone.localdate(), risk_to_others="high")
    alert = _open_alert(cast)
    assert (alert.severity, alert.risk_level) == ("urgent", 3)


def test_two_sessions_with_risk_never_make_two_open_alerts(cast: Cast) -> None:
    today = timezone.localdate()
    _session(cast, today - dt.timedelta(days=7), 2)
    _session(cast, today, 3)
    [alert] = _risk_alerts(cast)
    assert (alert.severity, alert.risk_level) == ("urgent", 3)
    assert alert.contact_id == Contact.unscoped.latest("contact_date").pk


def test_nothing_suppresses_it_a_person_raising_one_updates_the_same_alert(cast: Cast) -> None:
    _session(cast, timezone.localdate(), 1)
    raised = actions.open_alert(
        referral=cast.referral,
        kind="risk",
        severity="routine",
        reasons=["Said on the phone they had thought of ending their life."],
        by=cast.alice,
    )
    [alert] = _risk_alerts(cast)
    assert raised.pk == alert.pk
    assert (alert.severity, alert.risk_level) == ("urgent", 3)


# -- the risk review page, from the alert --------------------------------------------------------


def test_alert_page_offers_the_risk_review_which_closes_it(cast: Cast) -> None:
    _session(cast, timezone.localdate(), 2)
    alert = _open_alert(cast)
    browser = browser_as(cast, "alice")
    page = browser.get(reverse("alert_detail", args=[alert.pk])).content.decode()
    assert reverse("risk_review", args=[alert.pk]) in page
    assert "Close the alert" not in page
    url = reverse("risk_review", args=[alert.pk])
    assert browser.get(url).status_code == 200
    refused = browser.post(url, {"risk_to_self": "low", "risk_to_others": "none"})
    assert refused.status_code == 400
    assert "Write the safety plan" in refused.content.decode()
    assert _open_alert(cast).pk == alert.pk
    done = browser.post(
        url,
        {
            "risk_to_self": "low",
            "risk_to_others": "none",
            "asked_directly": "on",
            "safety_plan": "Call her sister.",
            "crisis_contacts": "NHS 111 option 2.",
        },
        follow=True,
    )
    assert "Risk review recorded: the risk alert is closed." in done.content.decode()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED


@pytest.mark.parametrize(("role", "status"), [("bob", 404), ("cara", 403), ("mo", 200)])
def test_risk_review_page_is_for_those_who_may_act_on_the_alert(
    cast: Cast, role: str, status: int
) -> None:
    _session(cast, timezone.localdate(), 2)
    alert = _open_alert(cast)
    response = browser_as(cast, role).get(reverse("risk_review", args=[alert.pk]))
    assert response.status_code == status


# -- the canonical import -----------------------------------------------------------------------


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    item9=st.integers(0, 3),
    first=st.sampled_from(["2", "-", "9", "x", "1.5", "", "1e400", "nan"]),
    code=st.sampled_from(["PHQ-9", "PHQ9", "phq-9", "XYZ"]),
)
def test_import_is_all_or_nothing_and_a_risk_answer_is_never_lost(
    db: None, item9: int, first: str, code: str
) -> None:
    from tests.web.tables import table, tiny_rows

    from ontrack.web.canonical.load import LoadError, load_tables

    rows = tiny_rows()
    c6 = next(r for r in rows["score"] if r["contact_id"] == "C6" and r["measure"] == "PHQ-9")
    c6["measure"] = code
    c6["items"] = ",".join([first, *["1"] * 7, str(item9)])
    with transaction.atomic():  # each example starts from an empty database
        refused: LoadError | None = None
        try:
            load_tables({name: table(name, r) for name, r in rows.items()})
        except LoadError as error:
            refused = error
        if refused is not None:
            # Nothing was loaded, so there is no client to alert about: the refusal says it.
            assert not Alert.unscoped.exists()
            if item9 and code != "XYZ":
                assert "RISK: " in str(refused)
                assert f"item 9 answered {item9}" in str(refused)
        elif item9:
            alert = Alert.unscoped.get(contact__external_id="C6", kind=AlertKind.RISK)
            assert f"item 9 answered {item9}" in alert.reasons[0]
            assert alert.severity == ("urgent" if item9 >= 1 else "high")
        transaction.set_rollback(True)
