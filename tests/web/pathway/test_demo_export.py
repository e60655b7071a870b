"""The demo holds people at every stage, and the export carries what the pathway records
(circumstances, end codes; the simulated ones read in by the loader) and leaves out contacts entered in error."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.web import factories as f
from tests.web.pathway.conftest import Pathway

from ontrack.dataset.checks import check_tables
from ontrack.web.canonical.demo import build_demo
from ontrack.web.canonical.export import export_tables
from ontrack.web.pathway.models import Circumstance, SelfReferral, WaitingListEntry
from ontrack.web.pathway.stages import Stage
from ontrack.web.pathway.views.referral import _records, referral_standing
from ontrack.web.records import actions as records
from ontrack.web.records.models import Referral
from ontrack.web.records.scoping import scopes_disabled


@pytest.mark.django_db
def test_demo_holds_people_at_every_stage() -> None:
    demo = build_demo(referrals=120, seed=11, therapists=6, waiting=12)
    assert demo.pathway is not None
    assert demo.pathway.waiting == 12
    with scopes_disabled():
        stages = {
            referral_standing(r, _records(r)).stage
            for r in Referral.objects.select_related("client")
        }
        assert WaitingListEntry.objects.filter(left_on__isnull=True).count() == 12
        assert SelfReferral.objects.count() == demo.pathway.self_referrals
        assert Circumstance.objects.filter(signposted_to__isnull=False).exists()
    assert {Stage.NEW, Stage.WAITING, Stage.IN_TREATMENT, Stage.ENDED} <= stages
    assert Stage.ENDING in stages
    exported = export_tables()
    assert check_tables(exported) == []
    with scopes_disabled():
        # every fourth waiting person, recorded at assessment; the rest came with the
        # simulated year through the loader
        assert Circumstance.objects.filter(recorded_by__isnull=False).count() == 3
        loaded = Circumstance.objects.filter(recorded_by__isnull=True).count()
    assert loaded > 0
    assert exported["circumstance"].num_rows == 3 + loaded


def test_export_leaves_out_contacts_entered_in_error(pathway: Pathway) -> None:
    cast = pathway.cast
    contact = f.ContactFactory(
        referral=cast.referral, episode=cast.episode, therapist=cast.alice_staff, session_number=1
    )
    f.QuestionnaireResponseFactory(contact=contact)
    kept = f.ContactFactory(
        referral=cast.referral,
        episode=cast.episode,
        therapist=cast.alice_staff,
        session_number=2,
        contact_date=contact.contact_date + dt.timedelta(days=7),
    )
    records.mark_entered_in_error(
        contact=contact, expected_version=contact.version, reason="Wrong client.", by=cast.alice
    )
    exported = export_tables()
    ids = set(exported["contact"].column("contact_id").to_pylist())
    assert contact.external_id not in ids
    assert kept.external_id in ids
    assert exported["score"].num_rows == 0
