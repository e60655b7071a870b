"""The demo shows the audit: its sessions carry notes, some with homework and some without,
and a course's audit page reads them."""

from __future__ import annotations

import pytest
from django.test import Client as Browser
from django.urls import reverse

from ontrack.web.accounts.models import Staff, StaffRole
from ontrack.web.canonical.demo import build_demo
from ontrack.web.fidelity.courses import classify
from ontrack.web.records.models import Contact, Referral
from ontrack.web.records.scoping import scopes_disabled

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_sessions_have_notes_with_a_mix_of_homework_and_the_page_reads_them() -> None:
    build_demo(referrals=60, seed=7, therapists=4, waiting=4)
    with scopes_disabled():
        treatment = Contact.objects.filter(session_number__isnull=False)
        noted = [c.notes for c in treatment if c.notes]
        assert len(noted) == treatment.count() > 20
        homework = [classify(n).value("homework_set") for n in noted]
        assert 0.2 < sum(homework) / len(homework) < 0.95
        referral = (
            Referral.objects.filter(contacts__session_number__gte=4)
            .select_related("client")
            .first()
        )
        assert referral is not None
        manager = Staff.objects.select_related("user").get(role=StaffRole.MANAGER).user
    browser = Browser()
    browser.force_login(manager)
    url = reverse("course_audit", args=[referral.client.pk]) + f"?referral={referral.pk}"
    html = browser.get(url).content.decode()
    assert 'data-criterion="homework_set"' in html
    assert '<q class="app-audit__quote">' in html
