"""Bad input, issue 13: a session after the ending is refused, naming the field, and
nothing is saved — whether it is recorded after the referral ended or a correction moves
a session past the end date."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.web.conftest import phq9
from tests.web.pathway.conftest import Pathway

from ontrack.web.audit.models import AuditEvent, AuditKind
from ontrack.web.records import actions as records
from ontrack.web.records.actions import ActionError
from ontrack.web.records.models import Contact, Episode, Referral

pytestmark = pytest.mark.django_db


def _session(pathway: Pathway, day: dt.date) -> Contact:
    episode = Episode.unscoped.get(pk=pathway.cast.episode.pk)
    return records.record_session(
        episode=episode,
        expected_version=episode.version,
        contact_date=day,
        attendance="5",
        questionnaires={"PHQ-9": phq9(12)},
        by=pathway.cast.alice,
    )


def _end(pathway: Pathway, on: dt.date) -> None:
    Referral.unscoped.filter(pk=pathway.cast.referral.pk).update(end_date=on, end_code="12")


def test_session_after_the_referral_ended_is_refused(pathway: Pathway, today: dt.date) -> None:
    _session(pathway, today - dt.timedelta(days=14))
    _end(pathway, today - dt.timedelta(days=7))
    changes = AuditEvent.objects.filter(kind=AuditKind.CHANGE).count()

    with pytest.raises(ActionError) as caught:
        _session(pathway, today - dt.timedelta(days=1))

    assert "sessions can no longer be recorded" in caught.value.errors["__all__"]
    assert Contact.unscoped.filter(referral=pathway.cast.referral).count() == 1
    assert AuditEvent.objects.filter(kind=AuditKind.CHANGE).count() == changes


def test_correction_past_the_end_date_is_refused(pathway: Pathway, today: dt.date) -> None:
    contact = _session(pathway, today - dt.timedelta(days=14))
    _end(pathway, today - dt.timedelta(days=7))
    contact.refresh_from_db()

    with pytest.raises(ActionError) as caught:
        records.correct_session(
            contact=contact,
            expected_version=contact.version,
            reason="Typed the wrong week.",
            changes={"contact_date": today - dt.timedelta(days=2)},
            by=pathway.cast.alice,
        )

    assert "after the referral ended" in caught.value.errors["contact_date"]
    contact.refresh_from_db()
    assert contact.contact_date == today - dt.timedelta(days=14)
