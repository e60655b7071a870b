"""Property tests: item strings round-trip, and a session is all-or-nothing with risk flagged."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.web import factories as f
from tests.web.conftest import Cast

from ontrack.web.audit.models import AuditEvent
from ontrack.web.canonical._items import format_items, parse_items
from ontrack.web.records import actions
from ontrack.web.records.models import Alert, Contact, QuestionnaireResponse

answers = st.one_of(st.none(), st.integers(min_value=0, max_value=10))


@given(st.lists(answers, min_size=1, max_size=40))
def test_items_round_trip_through_the_canonical_string(values: list[int | None]) -> None:
    assert parse_items(format_items(values)) == values


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    phq9=st.lists(
        st.one_of(st.none(), st.integers(min_value=-1, max_value=4)), min_size=9, max_size=9
    ),
    attendance=st.sampled_from(["2", "3", "5", "6"]),
)
def test_record_session_is_all_or_nothing_and_never_loses_a_risk_answer(
    cast: Cast, phq9: list[int | None], attendance: str
) -> None:
    episode = f.EpisodeFactory(
        referral=f.ReferralFactory(client=cast.client, end_date=None), therapist=cast.alice_staff
    )
    before: dict[str, Any] = {
        "contacts": Contact.unscoped.count(),
        "scores": QuestionnaireResponse.unscoped.count(),
        "alerts": Alert.unscoped.count(),
        "audit": AuditEvent.objects.count(),
    }
    try:
        contact = actions.record_session(
            episode=episode,
            expected_version=episode.version,
            contact_date=timezone.localdate(),
            attendance=attendance,
            questionnaires={"PHQ-9": phq9},
            by=cast.alice,
        )
    except actions.ActionError:
        assert Contact.unscoped.count() == before["contacts"]
        assert QuestionnaireResponse.unscoped.count() == before["scores"]
        assert Alert.unscoped.count() == before["alerts"]
        assert AuditEvent.objects.count() == before["audit"]
        return
    assert Contact.unscoped.count() == before["contacts"] + 1
    saved = QuestionnaireResponse.unscoped.get(contact=contact)
    assert saved.items == phq9
    risk_alerts = Alert.unscoped.filter(contact=contact, kind="risk", severity="urgent")
    assert risk_alerts.exists() == ((phq9[8] or 0) >= 1)
