"""The assessment's decision shows the matching's stratified step and therapy advice beside
the stepped-care rule, with its reasons in words; it only ever adds care."""

from __future__ import annotations

import pytest
from django.test import Client as Browser
from django.utils import timezone
from tests.web.pathway.conftest import Pathway

from ontrack.web.pathway.models import TriageDecision, WaitingListEntry
from ontrack.web.records.models import Referral

# PHQ-9 19 and GAD-7 14 (below the severe bands, so stepped care starts at step 2), WSAS 35,
# employment unknown: among the poorest prognoses in the shipped default's history.
POOR = {"phq9": "333333100", "gad7": "2222222", "wsas_total": "35"}
MILD = {"phq9": "221111110", "gad7": "1111111", "wsas_total": "8"}


def _post(pathway: Pathway, scores: dict[str, str]) -> dict[str, str]:
    return {
        "version": str(Referral.unscoped.get(pk=pathway.waiting_referral.pk).version),
        "assessed_on": timezone.localdate().isoformat(),
        "attendance": "5",
        "cons_mechanism": "01",
        "problem_descriptor": "F32",
        "risk_to_self": "low",
        "risk_to_others": "none",
        "asked_directly": "on",
        "readiness": "ready",
        "decision": "offer",
        "step": "2",
        "therapy": "748051000000105",
        "reason": "Depression; starting with guided self-help.",
        **scores,
    }


def _assess(pathway: Pathway, scores: dict[str, str]) -> str:
    WaitingListEntry.unscoped.filter(pk=pathway.entry.pk).delete()
    browser = Browser()
    browser.force_login(pathway.tess)
    url = f"/referrals/{pathway.waiting_referral.pk}/"
    response = browser.post(url + "assess/", _post(pathway, scores))
    assert response.status_code == 302, response.content.decode()[:2000]
    page = browser.get(url)
    assert page.status_code == 200
    return page.content.decode()


@pytest.fixture(autouse=True)
def _shipped_default(monkeypatch) -> None:
    monkeypatch.delenv("ONTRACK_ADVICE", raising=False)


def test_a_poor_prognosis_is_advised_a_high_start_beside_the_stepped_care_rule(
    pathway: Pathway,
) -> None:
    html = _assess(pathway, POOR)
    assert "Stepped-care advice" in html
    assert "Stratified and therapy advice" in html
    assert "Step 3 (adds care to stepped care)" in html
    assert "stratified care" in html
    assert "simulated data" in html  # the shipped default says what it was fitted on
    decision = TriageDecision.unscoped.get(referral=pathway.waiting_referral)
    assert decision.advice.startswith("Step 2")
    assert decision.matching_advice.startswith("Step 3")
    # The decision is the clinician's: the advice did not change what was offered.
    assert decision.step == 2


def test_a_good_prognosis_keeps_stepped_care(pathway: Pathway) -> None:
    html = _assess(pathway, MILD)
    decision = TriageDecision.unscoped.get(referral=pathway.waiting_referral)
    assert decision.matching_advice.startswith("Step 2\n")
    assert "agrees with stepped care" in html


def test_severity_keeps_step_3_whatever_the_prediction(pathway: Pathway) -> None:
    severe = {"phq9": "333333330", "gad7": "3333333", "wsas_total": "5"}
    _assess(pathway, severe)
    decision = TriageDecision.unscoped.get(referral=pathway.waiting_referral)
    assert decision.advice.startswith("Step 3")
    assert decision.matching_advice.startswith("Step 3")
    assert "never starts anyone lower" in decision.matching_advice


def test_an_unreadable_advice_file_saves_the_decision_without_advice(
    pathway: Pathway, tmp_path, monkeypatch
) -> None:
    broken = tmp_path / "advice.json"
    broken.write_text("not json")
    monkeypatch.setenv("ONTRACK_ADVICE", str(broken))
    html = _assess(pathway, POOR)
    assert "Stratified and therapy advice" not in html
    assert TriageDecision.unscoped.get(referral=pathway.waiting_referral).matching_advice == ""
