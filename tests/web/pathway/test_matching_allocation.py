"""The allocation page with the matching as suggester: report cards rank the therapists,
reasons are said in words, and choosing someone else needs a reason, which is recorded."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.web import factories as f
from tests.web.pathway.conftest import Pathway

from ontrack.web.audit.models import AuditEvent
from ontrack.web.common.actions import ActionError
from ontrack.web.pathway import actions
from ontrack.web.pathway.actions.allocation import first_choice
from ontrack.web.pathway.models import WaitingListEntry


@pytest.fixture
def carded(pathway: Pathway, tmp_path, monkeypatch) -> Pathway:
    """A second CBT therapist, Zed, whose report card is effective with depression."""
    zed_user = f.UserFactory(username="zed", first_name="Zed", last_name="Zhang")
    zed = f.StaffFactory(user=zed_user, service=pathway.cast.service, practitioner_id="TZED")
    alice = pathway.cast.alice_staff
    cards = {
        "cards": [
            {"therapist_id": "TZED", "domain": "depression", "effect": 0.3,
             "effect_points": 2.1, "cases": 44, "label": "effective"},
            {"therapist_id": alice.practitioner_id, "domain": "depression", "effect": -0.1,
             "effect_points": -0.7, "cases": 30, "label": "neutral"},
        ]
    }  # fmt: skip
    path = tmp_path / "cards.json"
    path.write_text(json.dumps(cards))
    monkeypatch.setenv("ONTRACK_REPORT_CARDS", str(path))
    referral = pathway.waiting_referral
    referral.problem_descriptor = "F32"
    referral.save()
    pathway.zed = zed  # type: ignore[attr-defined]
    return pathway


def test_the_effective_therapist_is_suggested_first_with_reasons(carded: Pathway) -> None:
    suggestions = actions.suggestions_for(carded.entry)
    first = suggestions[0]
    assert first.name.startswith("Zed")
    assert any("effective with depression" in r for r in first.reasons)
    assert "report cards" in first.extra["ranked_by"]


def test_choosing_someone_else_needs_a_reason_that_is_recorded(carded: Pathway) -> None:
    entry = WaitingListEntry.unscoped.get(pk=carded.entry.pk)
    alice = carded.cast.alice_staff
    with pytest.raises(ActionError) as caught:
        actions.allocate(entry=entry, expected_version=entry.version, therapist=alice,
                         started_on=timezone.localdate(), by=carded.tess)  # fmt: skip
    assert "choice_reason" in caught.value.errors
    actions.allocate(
        entry=entry,
        expected_version=entry.version,
        therapist=alice,
        started_on=timezone.localdate(),
        choice_reason="Client already knows Alice from a group.",
        by=carded.tess,
    )
    event = AuditEvent.objects.get(action="allocate")
    assert event.new["choice_reason"] == "Client already knows Alice from a group."


def test_the_page_shows_the_ranking_and_its_basis(carded: Pathway, client) -> None:
    client.force_login(carded.tess)
    page = client.get(reverse("allocate", args=[carded.waiting_referral.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "measured effectiveness" in html
    assert "effective with depression" in html
    assert html.index("Zed") < html.index("Alice")


def test_without_cards_the_plain_rule_ranks_and_no_reason_is_asked(pathway: Pathway) -> None:
    assert "benefit" not in actions.suggestions_for(pathway.entry)[0].extra
    assert first_choice(pathway.entry) is None
