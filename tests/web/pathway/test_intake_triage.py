"""Intake and assessment actions: what they write, their audit rows, and bad input
refused with nothing saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from tests.web.conftest import phq9
from tests.web.pathway.conftest import Pathway

from ontrack.pathway import Preference
from ontrack.web.accounts.models import Service
from ontrack.web.audit.models import AuditEvent
from ontrack.web.common.actions import ActionError
from ontrack.web.common.codes import AlertKind, AlertStatus, Therapy
from ontrack.web.pathway import actions
from ontrack.web.pathway.codes import CircumstanceKind, Decision, SelfReferralStatus
from ontrack.web.pathway.models import (
    Circumstance,
    RiskAssessment,
    SelfReferral,
    TherapyPreference,
    TriageDecision,
    WaitingListEntry,
)
from ontrack.web.records.models import (
    Alert,
    AlertAction,
    Client,
    QuestionnaireResponse,
    Referral,
)


def _self_details(**extra: object) -> dict[str, object]:
    details: dict[str, object] = {
        "given_name": "Sally",
        "family_name": "Selfridge",
        "date_of_birth": dt.date(1988, 4, 2),
        "phone": "07700 900123",
        "what_is_happening": "I have felt low for months and cannot sleep.",
        "consent": True,
    }
    details.update(extra)
    return details


def test_submit_self_referral_keeps_it_with_its_audit_row(pathway: Pathway) -> None:
    item = actions.submit_self_referral(service=pathway.cast.service, details=_self_details())
    assert item.status == SelfReferralStatus.NEW
    event = AuditEvent.objects.get(action="submit_self_referral")
    assert (event.actor, event.target_id) == ("system", str(item.pk))


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"date_of_birth": dt.date.today() - dt.timedelta(days=365 * 15)}, "date_of_birth"),
        ({"phone": "", "email": ""}, "phone"),
        ({"consent": False}, "consent"),
        ({"what_is_happening": ""}, "what_is_happening"),
        ({"email": "not an address"}, "email"),
    ],
)
def test_submit_self_referral_bad_input_names_the_field(
    pathway: Pathway, extra: dict[str, object], field: str
) -> None:
    with pytest.raises(ActionError) as caught:
        actions.submit_self_referral(service=pathway.cast.service, details=_self_details(**extra))
    assert field in caught.value.errors
    assert not SelfReferral.objects.exists()


def _client_details(**extra: object) -> dict[str, object]:
    details: dict[str, object] = {
        "given_name": "Nadia",
        "family_name": "New",
        "date_of_birth": dt.date(1979, 8, 30),
        "gender": "2",
        "ethnicity": "A",
        "phone": "07700 900456",
        "contact_preference": "phone",
        "consent_to_treatment": True,
        "gp_practice": "Riverside Medical Centre",
    }
    details.update(extra)
    return details


def test_register_referral_creates_client_and_referral_audited(
    pathway: Pathway, today: dt.date
) -> None:
    referral = actions.register_referral(
        service=pathway.cast.service,
        client_details=_client_details(),
        referral_date=today,
        source="A1",
        problem_descriptor="F32",
        by=pathway.tess,
    )
    assert referral.client.gp_practice == "Riverside Medical Centre"
    assert referral.age_at_referral is not None
    actions_logged = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"register_client", "create_referral"} <= actions_logged


def test_register_referral_warns_of_a_likely_duplicate(pathway: Pathway, today: dt.date) -> None:
    wanda = pathway.waiting_client
    details = _client_details(
        given_name="Wanda", family_name="waiting", date_of_birth=wanda.date_of_birth
    )
    with pytest.raises(ActionError) as caught:
        actions.register_referral(
            service=pathway.cast.service,
            client_details=details,
            referral_date=today,
            source="A1",
            by=pathway.tess,
        )
    assert "Wanda Waiting" in caught.value.errors["not_a_duplicate"]
    assert Client.unscoped.filter(given_name="Wanda").count() == 1
    actions.register_referral(
        service=pathway.cast.service,
        client_details=details,
        referral_date=today,
        source="A1",
        not_a_duplicate=True,
        by=pathway.tess,
    )
    assert Client.unscoped.filter(given_name="Wanda").count() == 2


def test_register_referral_from_self_referral_accepts_it(pathway: Pathway, today: dt.date) -> None:
    item = actions.submit_self_referral(service=pathway.cast.service, details=_self_details())
    referral = actions.register_referral(
        service=pathway.cast.service,
        client_details=_client_details(given_name="Sally", family_name="Selfridge"),
        referral_date=today,
        source="B1",
        self_referral=item,
        expected_version=item.version,
        by=pathway.tess,
    )
    item.refresh_from_db()
    assert (item.status, item.referral_id, item.handled_by_id) == (
        SelfReferralStatus.ACCEPTED,
        referral.pk,
        pathway.tess.pk,
    )


def test_register_referral_refused_to_therapist_without_triage(
    pathway: Pathway, today: dt.date
) -> None:
    with pytest.raises(PermissionDenied):
        actions.register_referral(
            service=pathway.cast.service,
            client_details=_client_details(),
            referral_date=today,
            source="A1",
            by=pathway.cast.bob,
        )


def test_register_referral_in_another_service_refused(pathway: Pathway, today: dt.date) -> None:
    with pytest.raises(PermissionDenied):
        actions.register_referral(
            service=Service.objects.get(code="south"),
            client_details=_client_details(),
            referral_date=today,
            source="A1",
            by=pathway.tess,
        )


def _new_referral(pathway: Pathway, today: dt.date) -> Referral:
    return actions.register_referral(
        service=pathway.cast.service,
        client_details=_client_details(),
        referral_date=today - dt.timedelta(days=10),
        source="B1",
        problem_descriptor="F32",
        by=pathway.tess,
    )


def _triage(today: dt.date, **extra: object) -> actions.Triage:
    values: dict[str, object] = {
        "assessed_on": today - dt.timedelta(days=3),
        "decision": Decision.OFFER_TREATMENT,
        "reason": "Moderate depression; wants to work on getting back to work.",
        "readiness": "ready",
        "risk": actions.RiskFindings("low", "none", asked_directly=True),
        "step": 2,
        "therapy": Therapy.GSH_BOOK,
        "questionnaires": {"PHQ-9": phq9(14), "GAD-7": [1] * 7},
        "totals": {"WSAS": 18},
        "circumstances": [
            actions.CircumstanceFound(CircumstanceKind.HOUSING, "Damp flat; landlord not acting.")
        ],
        "preferences": [Preference("gender", "2", essential=True)],
    }
    values.update(extra)
    return actions.Triage(**values)  # type: ignore[arg-type]


def test_record_triage_offer_puts_the_client_on_the_waiting_list(
    pathway: Pathway, today: dt.date
) -> None:
    referral = _new_referral(pathway, today)
    circumstance = actions.CircumstanceFound(
        CircumstanceKind.HOUSING, "Damp flat", signposted_to=pathway.housing_help.pk
    )
    decision = actions.record_triage(
        referral=referral,
        expected_version=referral.version,
        triage=_triage(today, circumstances=[circumstance]),
        by=pathway.tess,
    )
    contact = decision.assessment.contact
    assert contact is not None
    scores = dict(
        QuestionnaireResponse.unscoped.filter(contact=contact).values_list("measure", "total")
    )
    assert scores == {"PHQ-9": 14, "GAD-7": 7, "WSAS": 18}
    assert WaitingListEntry.unscoped.get(referral=referral, left_on__isnull=True).step == 2
    assert Circumstance.unscoped.get().signposted_to == pathway.housing_help
    assert TherapyPreference.unscoped.get().essential
    assert RiskAssessment.unscoped.get().contact == contact
    assert "Step 2" in decision.advice
    logged = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"record_assessment", "record_triage", "record_risk_assessment"} <= logged
    assert "add_to_waiting_list" in logged


def test_record_triage_risk_answer_opens_urgent_alert_and_needs_a_plan(
    pathway: Pathway, today: dt.date
) -> None:
    referral = _new_referral(pathway, today)
    risky = phq9(14)
    risky[8] = 2
    with pytest.raises(ActionError) as caught:
        actions.record_triage(
            referral=referral,
            expected_version=referral.version,
            triage=_triage(
                today,
                questionnaires={"PHQ-9": risky},
                risk=actions.RiskFindings("moderate", "none"),
            ),
            by=pathway.tess,
        )
    assert {"asked_directly", "safety_plan", "crisis_contacts"} <= set(caught.value.errors)
    assert not TriageDecision.unscoped.exists()
    # Refused, but the risk answer opened the client's risk alert all the same.
    assert Alert.unscoped.get(kind=AlertKind.RISK).status == AlertStatus.OPEN
    risk = actions.RiskFindings(
        "moderate",
        "none",
        asked_directly=True,
        safety_plan="Call sister; remove medication from the house.",
        crisis_contacts="NHS 111 option 2; Samaritans 116 123",
    )
    actions.record_triage(
        referral=referral,
        expected_version=referral.version,
        triage=_triage(today, questionnaires={"PHQ-9": risky}, risk=risk),
        by=pathway.tess,
    )
    alert = Alert.unscoped.get(kind=AlertKind.RISK)
    assert alert.severity == "urgent"
    assert "at the assessment on" in alert.reasons[0]
    # the structured risk assessment is the risk review: recorded on the alert, closing it
    assert alert.status == AlertStatus.CLOSED
    assert AlertAction.unscoped.get(alert=alert).kind == "risk_assessment"
    assert alert.close_note.startswith("Closed by the risk review on")


def test_record_triage_before_the_referral_date_saves_nothing(
    pathway: Pathway, today: dt.date
) -> None:
    referral = _new_referral(pathway, today)
    with pytest.raises(ActionError) as caught:
        actions.record_triage(
            referral=referral,
            expected_version=referral.version,
            triage=_triage(today, assessed_on=today - dt.timedelta(days=40)),
            by=pathway.tess,
        )
    assert "assessed_on" in caught.value.errors
    assert not QuestionnaireResponse.unscoped.exists()
    assert not Circumstance.unscoped.exists()


def test_record_triage_signpost_ends_the_referral_seen_not_taken_on(
    pathway: Pathway, today: dt.date
) -> None:
    referral = _new_referral(pathway, today)
    actions.record_triage(
        referral=referral,
        expected_version=referral.version,
        triage=_triage(today, decision=Decision.SIGNPOST, step=None),
        by=pathway.tess,
    )
    referral.refresh_from_db()
    assert (referral.end_code, referral.end_date) == ("11", today - dt.timedelta(days=3))
    assert not WaitingListEntry.unscoped.filter(referral=referral).exists()


def test_record_triage_offer_without_step_is_refused(pathway: Pathway, today: dt.date) -> None:
    referral = _new_referral(pathway, today)
    with pytest.raises(ActionError) as caught:
        actions.record_triage(
            referral=referral,
            expected_version=referral.version,
            triage=_triage(today, step=None),
            by=pathway.tess,
        )
    assert "step" in caught.value.errors


def test_record_check_in_risk_answer_opens_urgent_alert(pathway: Pathway, today: dt.date) -> None:
    risky = phq9(10)
    risky[8] = 2
    item = actions.record_check_in(
        referral=pathway.waiting_referral,
        checked_on=today,
        questionnaires={"PHQ-9": risky},
        by=pathway.tess,
    )
    assert item.scores["PHQ-9"]["risk"] is True
    alert = Alert.unscoped.get(kind=AlertKind.RISK)
    assert (alert.severity, alert.contact) == ("urgent", None)
    assert "waiting-well check-in" in alert.reasons[0]
    assert AuditEvent.objects.filter(action="record_check_in").count() == 1
