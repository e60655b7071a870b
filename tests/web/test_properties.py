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
    positive = phq9[8] in (1, 2, 3)
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
        # Nothing of the session is saved; only the risk rule may have written.
        assert Contact.unscoped.count() == before["contacts"]
        assert QuestionnaireResponse.unscoped.count() == before["scores"]
        if not positive:
            assert Alert.unscoped.count() == before["alerts"]
            assert AuditEvent.objects.count() == before["audit"]
            return
        contact = None
    else:
        assert Contact.unscoped.count() == before["contacts"] + 1
        saved = QuestionnaireResponse.unscoped.get(contact=contact)
        assert saved.items == phq9
    # A positive risk answer is always on the client's one open risk alert, graded.
    open_risk = list(
        Alert.unscoped.filter(referral__client=cast.client, kind="risk").exclude(status="closed")
    )
    assert len(open_risk) <= 1
    if positive:
        [alert] = open_risk
        said = f"PHQ-9 item 9 answered {phq9[8]} "
        assert any(said in reason for reason in alert.reasons)
        assert (alert.risk_level or 0) >= (phq9[8] or 0)
        assert alert.severity == ("urgent" if (alert.risk_level or 0) >= 1 else "high")
