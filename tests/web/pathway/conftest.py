"""The pathway's cast: the records cast (``tests.web.conftest``) plus Tess, a PWP who does
triage, a signposting directory, and a client waiting for treatment.

- Tess (triage, PWP): sees everyone waiting; works the intake queue and waiting list;
- Wanda: a client of the service with an open referral, assessed, on the waiting list;
- Alice, Bob, Sue, Mo, Charlie, Oscar, Adam, Cara, Dan as in the records cast.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone
from tests.web import factories as f
from tests.web.conftest import Cast

from ontrack.web.accounts.models import Staff, StaffRole, User
from ontrack.web.common.codes import TherapistRole, Therapy
from ontrack.web.pathway.codes import CircumstanceKind
from ontrack.web.pathway.models import SignpostService, WaitingListEntry
from ontrack.web.records.models import Client, Referral

ROLES = ("anonymous", "alice", "bob", "tess", "charlie", "sue", "mo", "oscar", "adam", "cara")


@dataclass
class Pathway:
    cast: Cast
    tess: User
    tess_staff: Staff
    waiting_client: Client
    waiting_referral: Referral
    entry: WaitingListEntry
    housing_help: SignpostService

    def user(self, role: str) -> User | None:
        if role == "tess":
            return self.tess
        return self.cast.user(role)


@pytest.fixture
def pathway(cast: Cast) -> Pathway:
    today = timezone.localdate()
    tess_user = f.UserFactory(username="tess", first_name="Tess", last_name="Triage")
    tess = f.StaffFactory(
        user=tess_user,
        service=cast.service,
        role=StaffRole.THERAPIST,
        therapist_role=TherapistRole.PWP,
        modalities=[Therapy.GSH_BOOK.value],
        triage=True,
        gender="2",
    )
    client = f.ClientFactory(service=cast.service, given_name="Wanda", family_name="Waiting")
    referral = f.ReferralFactory(
        client=client, referral_date=today - dt.timedelta(days=30), step=None
    )
    entry = WaitingListEntry.unscoped.create(
        referral=referral, step=3, therapy=Therapy.CBT, added_on=today - dt.timedelta(days=20)
    )
    housing = SignpostService.objects.create(
        service=cast.service,
        name="Riverside Housing Advice",
        helps_with=CircumstanceKind.HOUSING,
        how_to_reach="0300 000 0000, weekdays 9 to 5",
    )
    return Pathway(cast, tess_user, tess, client, referral, entry, housing)
