"""Loading canonical tables into the records, and exporting them back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pytest
from tests.web import factories as f
from tests.web.tables import table, tiny_rows, tiny_tables

from ontrack.dataset.schema import TABLES
from ontrack.web.accounts.models import Service, Staff
from ontrack.web.audit.models import AuditEvent, AuditKind
from ontrack.web.canonical.export import ExportError, export_tables
from ontrack.web.canonical.load import LoadError, load_tables
from ontrack.web.common.codes import AlertKind
from ontrack.web.records.models import (
    Alert,
    Client,
    Contact,
    Episode,
    Goal,
    QuestionnaireResponse,
    Referral,
)
from ontrack.web.records.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


def test_load_tables_writes_every_record(db: None) -> None:
    summary = load_tables(tiny_tables())

    assert (summary.services, summary.therapists, summary.clients, summary.referrals) == (
        1,
        2,
        3,
        3,
    )
    assert (summary.contacts, summary.scores, summary.alliance) == (6, 5, 2)
    assert (summary.goals, summary.goal_ratings, summary.homework, summary.alerts) == (2, 3, 2, 2)
    with scopes_disabled():
        assert Client.objects.get(person_id="P1").imd_decile == 2
        assert Referral.objects.get(external_id="R1").end_code == "46"
        assert Staff.objects.get(practitioner_id="T1").user.username == "t1"
        assert not Staff.objects.get(practitioner_id="T1").user.has_usable_password()
        assert Goal.objects.filter(referral__external_id="R1").count() == 2


def test_load_tables_derives_one_episode_per_seen_referral(db: None) -> None:
    load_tables(tiny_tables())
    with scopes_disabled():
        closed = Episode.objects.get(referral__external_id="R1")
        open_ = Episode.objects.get(referral__external_id="R2")
        assert not Episode.objects.filter(referral__external_id="R3").exists()
        assert Contact.objects.get(external_id="C4").episode == closed
    assert (closed.therapist.practitioner_id, closed.status, closed.therapy) == (
        "T1",
        "closed",
        "304891004",
    )
    assert (open_.therapist.practitioner_id, open_.status, open_.step) == ("T2", "open", 2)
    assert open_.referral.step == 2


def test_load_tables_rescores_items_and_keeps_them(db: None) -> None:
    load_tables(tiny_tables())
    with scopes_disabled():
        first = QuestionnaireResponse.objects.get(contact__external_id="C2", measure="PHQ-9")
        prorated = QuestionnaireResponse.objects.get(contact__external_id="C6", measure="PHQ-9")
        total_only = QuestionnaireResponse.objects.get(measure="WSAS")
    assert first.items == [2, 2, 2, 2, 2, 2, 2, 1, 1]
    assert (first.band, first.caseness, first.risk) == ("moderately severe", True, True)
    assert prorated.items[6] is None
    assert prorated.prorated is True
    assert total_only.items is None
    assert total_only.risk is False


def test_load_tables_opens_risk_alert_unless_an_imported_one_covers_it(db: None) -> None:
    summary = load_tables(tiny_tables())
    with scopes_disabled():
        risk = Alert.objects.filter(kind=AlertKind.RISK).order_by("contact__contact_date")
        assert [a.contact.external_id for a in risk] == ["C2", "C6"]
        opened = risk.get(contact__external_id="C6")
    # C2's risk answer is covered by the imported, acted-on alert AL1; C6's is not. It goes
    # through the risk rule: "several days" is a high risk alert (ADR 0120).
    assert summary.risk_alerts_opened == 1
    assert (opened.severity, opened.status, opened.risk_level) == ("urgent", "open", 1)
    assert "PHQ-9 item 9 answered 1 (Several days)" in opened.reasons[0]


def test_load_tables_keeps_one_open_risk_alert_per_client(db: None) -> None:
    rows = tiny_rows()
    c6 = next(r for r in rows["score"] if r["contact_id"] == "C6" and r["measure"] == "PHQ-9")
    later = {**c6, "contact_id": "C7", "items": "2,2,2,2,2,2,2,1,3", "total": 18}
    contact = next(r for r in rows["contact"] if r["contact_id"] == "C6")
    rows["contact"].append(
        {
            **contact,
            "contact_id": "C7",
            "contact_date": contact["contact_date"] + dt.timedelta(7),
            "session_number": contact["session_number"] + 1,
        }
    )
    rows["score"].append(later)
    summary = load_tables({name: table(name, r) for name, r in rows.items()})
    with scopes_disabled():
        alert = Alert.objects.get(kind=AlertKind.RISK, status="open")
    assert summary.risk_alerts_opened == 1
    assert (alert.severity, alert.risk_level, alert.contact.external_id) == ("urgent", 3, "C7")
    assert "answered 3 (Nearly every day)" in alert.reasons[0]
    assert any("answered 1 (Several days)" in r for r in alert.reasons)


def test_load_tables_is_audited_as_one_event(db: None) -> None:
    load_tables(tiny_tables())
    event = AuditEvent.objects.get()
    assert (event.kind, event.action, event.actor) == (AuditKind.LOAD, "load_tables", "system")
    assert event.new["contacts"] == 6


def _sorted(t: pa.Table) -> list[dict[str, Any]]:
    rows = t.to_pylist()
    return sorted(rows, key=lambda r: tuple(str(v) for v in r.values()))


@pytest.mark.parametrize(
    "name",
    ["service", "therapist", "referral", "contact", "score", "alliance", "goal_rating", "homework"],
)
def test_export_tables_round_trips_a_load(db: None, name: str) -> None:
    tables = tiny_tables()
    load_tables(tables)

    exported = export_tables()

    assert exported[name].schema.equals(TABLES[name].arrow_schema)
    assert _sorted(exported[name]) == _sorted(tables[name])


def test_export_tables_includes_imported_and_opened_alerts(db: None) -> None:
    load_tables(tiny_tables())
    alerts = {r["alert_id"]: r for r in export_tables()["alert"].to_pylist()}
    assert alerts["AL1"]["action"] == "risk_assessment"
    assert alerts["AL2"]["action"] == "Phoned the client to talk about the plan"
    opened = [r for r in alerts.values() if r["alert_id"] not in ("AL1", "AL2")]
    assert [(r["kind"], r["contact_id"], r["closed_at"]) for r in opened] == [("risk", "C6", None)]


def test_export_tables_of_one_service_leaves_others_out(cast: Any) -> None:
    load_tables(tiny_tables())
    exported = export_tables(service=Service.objects.get(code="svc1"))
    assert exported["service"].column("service_id").to_pylist() == ["svc1"]
    assert exported["referral"].num_rows == 3
    assert AuditEvent.objects.filter(kind=AuditKind.EXPORT).count() == 1


def test_export_tables_refuses_unknown_age(db: None) -> None:
    f.ReferralFactory(
        client=f.ClientFactory(date_of_birth=None), age_at_referral=None, external_id="RX"
    )
    with pytest.raises(ExportError, match="RX"):
        export_tables()


def _without_column(name: str, column: str) -> dict[str, pa.Table]:
    tables = tiny_tables()
    tables[name] = tables[name].drop_columns([column])
    return tables


def _with(name: str, index: int, **changes: Any) -> dict[str, pa.Table]:
    rows = tiny_rows()
    rows[name][index] = {**rows[name][index], **changes}
    return {n: table(n, r) for n, r in rows.items()}


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        (
            lambda: {k: v for k, v in tiny_tables().items() if k != "contact"},
            "missing table(s): contact",
        ),
        (lambda: _without_column("referral", "age"), "referral, column age: missing column"),
        (lambda: _with("contact", 1, attendance="8"), "'8' is not a code in attendance"),
        (lambda: _with("referral", 0, ethnicity="Q"), "'Q' is not a code in ethnicity"),
        (lambda: _with("contact", 1, contact_id="C1"), "duplicate contact_id 'C1'"),
        (lambda: _with("contact", 1, referral_id="R9"), "'R9' is not a referral_id in referral"),
        (
            lambda: _with("score", 0, contact_id="C5"),
            "referral_id differs from that of its contact",
        ),
        (
            lambda: _with("contact", 2, session_number=5),
            "not an attended or unplanned treatment contact",
        ),
        (lambda: _with("score", 0, items="2,2,2,2,2,2,2,1,7"), "answer 9 is 7"),
        (lambda: _with("score", 0, measure="NOPE"), "NOPE"),
        (lambda: _with("referral", 1, end_code="46"), "both end_date and end_code"),
        (lambda: _with("goal_rating", 0, rating=11), "11 is not between 0 and 10"),
        (
            lambda: _with("homework", 1, outcome="done"),
            "recorded but the homework was never reviewed",
        ),
        (lambda: _with("homework", 0, outcome=None), "both a review contact and an outcome"),
        (lambda: _with("goal_rating", 1, goal_number=1, contact_id="C2"), "rated twice"),
        (lambda: _with("alert", 0, acted_at=None), "closed with no action"),
        (lambda: _with("alert", 1, kind="bored"), "unknown kind"),
    ],
)
def test_load_tables_bad_input_writes_nothing(db: None, tables: Any, message: str) -> None:
    with pytest.raises(LoadError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_tables(tables())
    assert Service.objects.count() == 0
    with scopes_disabled():
        assert Client.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_load_tables_twice_is_refused(db: None) -> None:
    load_tables(tiny_tables())
    with pytest.raises(LoadError, match="already loaded: svc1"):
        load_tables(tiny_tables())
