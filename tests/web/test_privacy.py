"""Data protection: audit review, subject access export, erasure and retention."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tests.web import factories as f
from tests.web.conftest import Cast, browser_as

from ontrack.web.audit import chain
from ontrack.web.audit.events import record_change, record_view
from ontrack.web.audit.models import AuditEvent
from ontrack.web.common.actions import ActionError
from ontrack.web.privacy.erasure import due_for_erasure, erase_client
from ontrack.web.privacy.models import RetentionPolicy
from ontrack.web.privacy.subject import collect, subject_access
from ontrack.web.records.models import Client, Referral
from ontrack.web.records.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


def _close_referrals(client: Client, ended: dt.date | None = None) -> None:
    with scopes_disabled():
        ended = ended or dt.date.today()
        Referral.objects.filter(client=client).update(
            referral_date=min(ended, dt.date.today() - dt.timedelta(days=120)),
            end_date=ended,
            end_code="46",
        )


def test_audit_review_shows_who_saw_the_client_in_a_list_and_in_the_record(cast: Cast) -> None:
    assert browser_as(cast, "alice").get("/caseload/").status_code == 200
    record_view(by=cast.sue, page="client_record", target=cast.client, client_id=cast.client.pk)
    response = browser_as(cast, "mo").get(f"/clients/{cast.client.pk}/access/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    page = response.content.decode()
    assert "Saw in a list" in page
    assert "caseload" in page
    assert "sue" in page
    assert "client_record" in page
    # ... and the review itself is an audited view.
    assert AuditEvent.objects.filter(actor="mo", action="client_audit").exists()


@pytest.mark.parametrize(("role", "status"), [("alice", 403), ("sue", 403), ("oscar", 404)])
def test_only_the_clients_service_manager_reviews_and_exports(
    cast: Cast, role: str, status: int
) -> None:
    browser = browser_as(cast, role)
    for url in ("access/", "subject-access.json", "subject-access.pdf", "erase/"):
        assert browser.get(f"/clients/{cast.client.pk}/{url}").status_code == status


def test_subject_access_json_holds_every_record_and_the_access_log(cast: Cast) -> None:
    record_change(
        by=cast.alice,
        action="update_client",
        target=cast.client,
        client_id=cast.client.pk,
        new={"phone": "07700 900123"},
    )
    response = browser_as(cast, "mo").get(f"/clients/{cast.client.pk}/subject-access.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["name"] == "Cara Client"
    assert data["counts"]["records.client"] == 1
    assert data["counts"]["records.referral"] == 1
    assert data["counts"]["records.episode"] == 1
    assert data["records"]["records.client"][0]["given_name"] == "Cara"
    # The client's sign-in account comes too, without its password hash.
    account = data["records"]["accounts.user"][0]
    assert account["username"] == "cara"
    assert "password" not in account
    assert any(e["who"] == "alice" and e["what"] == "update_client" for e in data["access"])
    assert AuditEvent.objects.filter(action="subject_access_json", actor="mo").count() == 1


def test_subject_access_pdf_is_a_pdf(cast: Cast) -> None:
    response = browser_as(cast, "mo").get(f"/clients/{cast.client.pk}/subject-access.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="subject_access_pdf").count() == 1


def test_collect_finds_only_this_clients_rows(cast: Cast) -> None:
    holding = collect(cast.client)
    referrals = {m._meta.label_lower: pks for m, pks in holding.rows.items()}["records.referral"]
    assert referrals == {cast.referral.pk}
    with scopes_disabled():
        other = Referral.objects.get(client=cast.other_client)
    assert other.pk not in referrals


def test_erasure_is_refused_while_a_referral_is_open(cast: Cast) -> None:
    with pytest.raises(ActionError, match="still open"):
        erase_client(client=cast.client, by=cast.mo, reason="asked")
    response = browser_as(cast, "mo").post(
        f"/clients/{cast.client.pk}/erase/", {"reason": "asked", "confirm": str(cast.client.pk)}
    )
    assert response.status_code == 400
    with scopes_disabled():
        assert Client.objects.filter(pk=cast.client.pk).exists()


def test_erasure_needs_a_reason_and_the_record_number(cast: Cast) -> None:
    _close_referrals(cast.client)
    browser = browser_as(cast, "mo")
    url = f"/clients/{cast.client.pk}/erase/"
    assert browser.post(url, {"reason": "asked", "confirm": "nope"}).status_code == 400
    assert browser.post(url, {"reason": " ", "confirm": str(cast.client.pk)}).status_code == 400
    with scopes_disabled():
        assert Client.objects.filter(pk=cast.client.pk).exists()


def test_erasure_removes_the_record_keeps_the_audit_blanked_and_verifiable(cast: Cast) -> None:
    record_change(
        by=cast.alice,
        action="update_client",
        target=cast.client,
        client_id=cast.client.pk,
        old={"phone": ""},
        new={"phone": "07700 900123"},
    )
    _close_referrals(cast.client)
    client_id, user_id = cast.client.pk, cast.cara.pk
    response = browser_as(cast, "mo").post(
        f"/clients/{client_id}/erase/",
        {"reason": "registered in error", "confirm": str(client_id)},
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert not Client.objects.filter(pk=client_id).exists()
        assert not Referral.objects.filter(client_id=client_id).exists()
        assert Client.objects.filter(pk=cast.other_client.pk).exists()
    assert not type(cast.cara).objects.filter(pk=user_id).exists()
    kept = AuditEvent.objects.filter(client_id=client_id, action="update_client").get()
    assert kept.old == kept.new == {"erased": True}
    assert kept.actor == "alice"
    erasure = AuditEvent.objects.get(action=chain.ERASURE_ACTION)
    assert erasure.actor == "mo"
    assert erasure.new["reason"] == "registered in error"
    assert erasure.new["removed"]["records.client"] == 1
    chain.seal_pending()
    verdict = chain.verify()
    assert verdict.intact, verdict.broken
    assert verdict.erased >= 1


def test_retention_policy_decides_who_is_due(cast: Cast) -> None:
    today = dt.date(2026, 12, 1)
    _close_referrals(cast.client, dt.date(2016, 1, 1))
    assert due_for_erasure(cast.service.pk, today) == []  # 20 years by default
    RetentionPolicy.objects.create(service=cast.service, keep_years=8)
    assert [c.pk for c in due_for_erasure(cast.service.pk, today)] == [cast.client.pk]
    # A second, open referral keeps the record.
    f.ReferralFactory(client=cast.client)
    assert due_for_erasure(cast.service.pk, today) == []


def test_subject_access_of_a_client_with_unicode_and_no_font(cast: Cast, settings) -> None:
    from ontrack.web.privacy.pdf import subject_access_pdf

    with scopes_disabled():
        Client.objects.filter(pk=cast.client.pk).update(given_name="Zoë 🌱", address="Ł 1")
        client = Client.objects.get(pk=cast.client.pk)
    data = subject_access(client)
    assert subject_access_pdf(data).startswith(b"%PDF")


def test_purge_command_lists_then_erases_what_is_due(cast: Cast, capsys) -> None:
    from ontrack.cli import main

    _close_referrals(cast.client, dt.date(2000, 1, 1))
    assert main(["purge", "--dry-run"]) == 0
    assert "North Talking Therapies: 1 records past 20 years" in capsys.readouterr().out
    with scopes_disabled():
        assert Client.objects.filter(pk=cast.client.pk).exists()
    assert main(["purge"]) == 0
    assert "erased 1 records" in capsys.readouterr().out
    with scopes_disabled():
        assert not Client.objects.filter(pk=cast.client.pk).exists()
    erasure = AuditEvent.objects.get(action=chain.ERASURE_ACTION)
    assert erasure.actor == "system"
    assert erasure.new["reason"] == "retention period of 20 years passed"


def test_the_administrator_sets_only_their_own_services_retention(cast: Cast) -> None:
    from django.urls import reverse

    from ontrack.web.accounts.admin import grant_service_administration

    RetentionPolicy.objects.create(service=cast.service, keep_years=25)
    RetentionPolicy.objects.create(service=cast.other_service, keep_years=30)
    grant_service_administration(cast.adam)
    page = browser_as(cast, "adam").get(reverse("admin:privacy_retentionpolicy_changelist"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "keep 25 years" in text or ">25<" in text
    assert cast.other_service.name not in text
