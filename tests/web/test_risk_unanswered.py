"""An unanswered risk item is asked about (a high alert); a risk answer is graded."""

from __future__ import annotations

import pytest
from django.utils import timezone
from tests.web import factories as f
from tests.web.conftest import Cast

from ontrack.web.records import actions
from ontrack.web.records.models import Alert

pytestmark = pytest.mark.django_db


def _record(cast: Cast, phq9: list[int | None]) -> list[Alert]:
    episode = f.EpisodeFactory(
        referral=f.ReferralFactory(client=cast.client, end_date=None), therapist=cast.alice_staff
    )
    contact = actions.record_session(
        episode=episode,
        expected_version=episode.version,
        contact_date=timezone.localdate(),
        attendance="5",
        questionnaires={"PHQ-9": phq9},
        by=cast.alice,
    )
    return list(Alert.unscoped.filter(contact=contact, kind="risk"))


def test_unanswered_item_9_opens_a_high_alert_to_ask_about_it(cast: Cast) -> None:
    alerts = _record(cast, [1, 1, 1, 1, 1, 1, 1, 1, None])
    assert [a.severity for a in alerts] == ["high"]
    assert "left unanswered" in alerts[0].reasons[0]


def test_a_risk_answer_alerts_however_the_rest_is_answered(cast: Cast) -> None:
    alerts = _record(cast, [None, 0, 0, 0, 0, 0, 0, 0, 1])
    assert [a.severity for a in alerts] == ["urgent"]  # "several days" (ADR 0150)
    alerts = _record(cast, [None, 0, 0, 0, 0, 0, 0, 0, 3])
    assert [a.severity for a in alerts] == ["urgent"]  # the same alert, now urgent


def test_a_person_cannot_open_a_risk_alert_below_urgent(cast: Cast) -> None:
    referral = f.ReferralFactory(client=cast.client, end_date=None)
    f.EpisodeFactory(referral=referral, therapist=cast.alice_staff)
    alert = actions.open_alert(
        referral=referral,
        kind="risk",
        severity="routine",
        reasons=["Said they had thought of ending their life."],
        by=cast.alice,
        risk_item_unanswered=True,
    )
    assert alert.severity == "urgent"
