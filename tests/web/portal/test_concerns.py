"""Concerns, complaints and asking for another therapist: raised without blame, routed to
therapist or manager, escalated along the service's route with its timescales."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from tests.web.conftest import Cast, browser_as

from ontrack.web.accounts.models import Staff
from ontrack.web.notify.models import Message
from ontrack.web.portal.config import add_working_days, working_days_between
from ontrack.web.portal.models import PortalSettings
from ontrack.web.records import actions
from ontrack.web.records.models import Concern, ConcernStep


def test_concern_with_no_text_says_so_and_saves_nothing(cast: Cast) -> None:
    response = browser_as(cast, "cara").post(
        reverse("new_concern"), {"kind": "concern", "addressed_to": "therapist", "summary": "  "}
    )
    assert response.status_code == 400
    assert "Say what the concern is about." in response.content.decode()
    assert Concern.unscoped.count() == 0


def test_concern_to_the_manager_is_hidden_from_the_therapist(cast: Cast) -> None:
    Staff.objects.filter(user=cast.mo).update()
    cast.mo.email = "mo@example.org"
    cast.mo.save()
    browser_as(cast, "cara").post(
        reverse("new_concern"),
        {"kind": "complaint", "addressed_to": "manager", "summary": "My therapist is late."},
    )
    concern = Concern.unscoped.get()
    assert (concern.kind, concern.addressed_to, concern.route) == ("complaint", "manager", "nhs")
    assert (
        "My therapist is late."
        not in browser_as(cast, "alice").get(reverse("concerns_inbox")).content.decode()
    )
    assert (
        browser_as(cast, "alice").get(reverse("concern_detail", args=[concern.pk])).status_code
        == 404
    )
    assert "Cara Client" in browser_as(cast, "mo").get(reverse("concerns_inbox")).content.decode()
    notice = Message.unscoped.get(purpose="staff_concern_notice")
    assert notice.to == "mo@example.org"
    assert "late" not in notice.body  # where to look, not what was written


def test_client_escalates_a_complaint_along_the_nhs_route(cast: Cast) -> None:
    browser = browser_as(cast, "cara")
    browser.post(
        reverse("new_concern"),
        {"kind": "complaint", "addressed_to": "therapist", "summary": "Cancelled twice."},
    )
    concern = Concern.unscoped.get()
    page = browser.get(reverse("my_concern", args=[concern.pk])).content.decode()
    assert "the service manager" in page  # the next step is named

    bad = browser.post(
        reverse("my_concern", args=[concern.pk]), {"do": "escalate", "version": "1", "note": ""}
    )
    assert bad.status_code == 400
    assert Concern.unscoped.get().stage == "raised"

    for note in ("No answer.", "Still not resolved.", "Unhappy with the reply."):
        concern.refresh_from_db()
        browser.post(
            reverse("my_concern", args=[concern.pk]),
            {"do": "escalate", "version": str(concern.version), "note": note},
        )
    concern.refresh_from_db()
    assert concern.stage == "ombudsman"
    assert list(ConcernStep.unscoped.values_list("stage", flat=True)) == [
        "raised",
        "local_resolution",
        "formal_complaint",
        "ombudsman",
    ]
    assert "last step" in browser.get(reverse("my_concern", args=[concern.pk])).content.decode()


def test_private_practice_route_ends_at_the_professional_body(cast: Cast) -> None:
    PortalSettings.objects.create(
        service=cast.service, complaint_route="private", professional_body="BACP"
    )
    browser = browser_as(cast, "cara")
    browser.post(
        reverse("new_concern"),
        {"kind": "complaint", "addressed_to": "therapist", "summary": "Not listened to."},
    )
    concern = Concern.unscoped.get()
    page = browser.get(reverse("my_concern", args=[concern.pk])).content.decode()
    assert "British Association for Counselling and Psychotherapy" in page
    actions.escalate_concern(concern=concern, expected_version=1, note="x", by=cast.cara)
    concern.refresh_from_db()
    assert concern.stage == "professional_body"
    with pytest.raises(actions.ActionError, match="last step"):
        actions.escalate_concern(concern=concern, expected_version=2, note="x", by=cast.cara)


def test_another_client_cannot_escalate(cast: Cast) -> None:
    concern = actions.raise_concern(client=cast.client, kind="complaint", summary="x", by=cast.cara)
    with pytest.raises(PermissionDenied):
        actions.escalate_concern(concern=concern, expected_version=1, note="x", by=cast.dan)


def test_ask_for_another_therapist_tells_the_wait_and_reaches_the_manager(cast: Cast) -> None:
    browser = browser_as(cast, "cara")
    page = browser.get(reverse("another_therapist")).content.decode()
    assert "not a sign of failure" in page
    assert "wait" in page
    browser.post(reverse("another_therapist"), {"addressed_to": "manager", "summary": ""})
    concern = Concern.unscoped.get()
    assert concern.kind == "change_therapist"
    assert (
        "Request for another therapist"
        in browser_as(cast, "mo").get(reverse("concerns_inbox")).content.decode()
    )


def test_manager_acknowledges_and_records_the_outcome(cast: Cast) -> None:
    concern = actions.raise_concern(client=cast.client, kind="complaint", summary="x", by=cast.cara)
    mo = browser_as(cast, "mo")
    url = reverse("concern_update", args=[concern.pk])
    mo.post(url, {"do": "acknowledge", "version": "1"})
    mo.post(url, {"do": "resolve", "version": "2", "note": "Apologised; new times agreed."})
    concern.refresh_from_db()
    assert concern.acknowledged_at is not None
    assert (concern.stage, concern.outcome) == ("resolved", "Apologised; new times agreed.")
    inbox = mo.get(reverse("concerns_inbox")).content.decode()
    assert "0 open, 1 closed" in inbox
    assert "Median" in inbox


def test_overdue_acknowledgement_is_flagged(cast: Cast) -> None:
    concern = actions.raise_concern(client=cast.client, kind="complaint", summary="x", by=cast.cara)
    Concern.unscoped.filter(pk=concern.pk).update(raised_at=timezone.now() - dt.timedelta(days=10))
    inbox = browser_as(cast, "mo").get(reverse("concerns_inbox")).content.decode()
    assert "Acknowledge: overdue" in inbox


def test_working_days_skip_weekends() -> None:
    friday = dt.date(2026, 12, 4)
    assert add_working_days(friday, 3) == dt.date(2026, 12, 9)
    assert working_days_between(friday, dt.date(2026, 12, 9)) == 3
    assert working_days_between(friday, friday) == 0


def test_export_concerns_has_counts_and_times_and_no_text(cast: Cast, tmp_path: Any) -> None:
    import csv

    from django.core.management import call_command

    concern = actions.raise_concern(
        client=cast.client, kind="complaint", summary="Private words", by=cast.cara
    )
    actions.acknowledge_concern(concern=concern, expected_version=1, by=cast.mo)
    out = tmp_path / "concerns.csv"
    call_command("export_concerns", "--service", "north", "--out", str(out))
    with out.open() as handle:
        (row,) = list(csv.DictReader(handle))
    assert (row["kind"], row["route"], row["stage"]) == ("complaint", "nhs", "raised")
    assert row["person_id"] == cast.client.person_id
    assert float(row["days_to_acknowledge"]) >= 0
    assert row["closed_at"] == ""
    assert "Private words" not in out.read_text()


def test_export_concerns_unknown_service_is_one_clear_line(cast: Cast) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No service has the code 'nowhere'"):
        call_command("export_concerns", "--service", "nowhere")
