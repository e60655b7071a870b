"""The records app's episode rows as the engine reads them: only attended contacts count.

A cancelled or missed appointment is never counted as a session, never shown as the
last session and never the contact a signal is tied to (issue 16, item 5).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.web.conftest import Cast, gad7, phq9

from ontrack.web.records import actions
from ontrack.web.records.models import Contact, Episode
from ontrack.web.records.monitoring import RecordRows, judge

pytestmark = pytest.mark.django_db


def _record(cast: Cast, day: dt.date, attendance: str, phq: int, gad: int, app: str) -> Contact:
    episode = Episode.unscoped.get(pk=cast.episode.pk)
    return actions.record_session(
        episode=episode,
        expected_version=episode.version,
        contact_date=day,
        attendance=attendance,
        app_type=app,
        questionnaires={"PHQ-9": phq9(phq), "GAD-7": gad7(gad)} if attendance in "56" else None,
        by=cast.alice,
    )


def test_a_cancelled_appointment_is_not_a_session_nor_the_signal_point(
    cast: Cast, today: dt.date, toy_models: Path
) -> None:
    days = [today - dt.timedelta(days=7 * (3 - i)) for i in range(4)]
    _record(cast, days[0], "5", 18, 14, "01")
    attended = _record(cast, days[1], "5", 16, 12, "02")
    _record(cast, days[2], "4", 0, 0, "02")  # cancelled by the provider

    rows = RecordRows.load(cast.episode.referral)
    history = rows.history()
    judgement = judge(history)

    assert history.sessions_attended == 1
    assert [c.session_number for c in history.contacts if not c.attended] == [None]
    assert judgement.contact_id == attended.pk
    assert judgement.evaluation is not None
    assert judgement.evaluation.contact_id == str(attended.pk)
    assert len(judgement.reasons) == len(set(judgement.reasons))
