"""Assessment and triage: one action records the assessment contact with its measures,
the risk assessment and safety plan, circumstances and signposting, preferences,
readiness and the decision; then the client waits for treatment, or the referral ends.

The questionnaires are scored and the risk rule applied by the records actions
(``score_questionnaires``, ``open_risk_alerts``, ``risk_first``): there is one copy of that
rule. A recorded risk assessment is the client's risk review (``review_risk_alert``): it
closes their open risk alert, or keeps it open and urgent when it finds high risk.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction

from ontrack.measures.nhstt import anxiety_measure_for
from ontrack.pathway import Preference, stepped_care_advice
from ontrack.web.accounts.models import Staff, User
from ontrack.web.audit.events import record_change
from ontrack.web.common.actions import ActionError, check_choice, check_text
from ontrack.web.common.codes import (
    Attendance,
    ConsMechanism,
    Gender,
    Step,
    Therapy,
)
from ontrack.web.pathway.actions.waiting import add_to_waiting_list
from ontrack.web.pathway.codes import (
    DECISION_END_CODE,
    DECISION_OUTCOME,
    CircumstanceKind,
    Decision,
    PreferenceKind,
    Readiness,
    RiskLevel,
)
from ontrack.web.pathway.models import (
    Circumstance,
    RiskAssessment,
    SignpostService,
    TherapyPreference,
    TriageDecision,
)
from ontrack.web.records import actions as records
from ontrack.web.records import permissions
from ontrack.web.records.actions.sessions import (
    Answers,
    Scored,
    check_totals,
    open_risk_alerts,
    score_questionnaires,
    store_questionnaires,
)
from ontrack.web.records.models import Contact, Referral
from ontrack.web.records.risk_rule import Review

_SERIOUS = (RiskLevel.MODERATE, RiskLevel.HIGH)


@dataclass(frozen=True)
class RiskFindings:
    """A structured risk assessment: risk to self and others, what protects, the plan."""

    risk_to_self: str
    risk_to_others: str
    asked_directly: bool = False
    risk_to_self_detail: str = ""
    risk_to_others_detail: str = ""
    protective_factors: str = ""
    safety_plan: str = ""
    crisis_contacts: str = ""


@dataclass(frozen=True)
class CircumstanceFound:
    """A circumstance found at assessment and, if any, where the client was signposted."""

    kind: str
    detail: str = ""
    signposted_to: int | None = None


def check_risk(errors: dict[str, str], risk: RiskFindings, *, risk_answer: bool) -> RiskFindings:
    """Check a risk assessment; a risk answer or a moderate or high risk needs a plan."""
    for name in ("risk_to_self", "risk_to_others"):
        check_choice(errors, name, getattr(risk, name), RiskLevel, "risk level")
    texts = {
        name: check_text(errors, name, getattr(risk, name), limit=5000)
        for name in (
            "risk_to_self_detail",
            "risk_to_others_detail",
            "protective_factors",
            "safety_plan",
            "crisis_contacts",
        )
    }
    serious = risk.risk_to_self in _SERIOUS or risk.risk_to_others in _SERIOUS
    if risk_answer and not risk.asked_directly:
        errors["asked_directly"] = (
            "A risk question was answered positively: ask about suicidal thoughts and intent "
            "directly, then tick to say you did."
        )
    if (serious or risk_answer) and not texts["safety_plan"]:
        errors["safety_plan"] = "Write the safety plan agreed with the client."
    if (serious or risk_answer) and not texts["crisis_contacts"]:
        errors["crisis_contacts"] = "Write who the client can contact in a crisis."
    return RiskFindings(risk.risk_to_self, risk.risk_to_others, bool(risk.asked_directly), **texts)


def _check_circumstances(
    errors: dict[str, str], referral: Referral, found: Sequence[CircumstanceFound]
) -> None:
    seen: set[str] = set()
    directory = {
        s.pk: s
        for s in SignpostService.objects.filter(service_id=referral.client.service_id, active=True)
    }
    for item in found:
        name = f"circumstance:{item.kind}"
        if item.kind not in CircumstanceKind.values:
            errors[name] = f"{item.kind!r} is not a circumstance OnTrack knows."
            continue
        if item.kind in seen:
            errors[name] = "Record each circumstance once."
        seen.add(item.kind)
        check_text(errors, name, item.detail, limit=2000)
        if item.signposted_to is not None and item.signposted_to not in directory:
            errors[name] = "Choose a service from this service's signposting directory."


def check_preferences(errors: dict[str, str], preferences: Sequence[Preference]) -> None:
    """Check each preference is known, stated, once, and its value is of the right kind."""
    seen: set[str] = set()
    for p in preferences:
        name = f"preference:{p.kind}"
        if p.kind not in PreferenceKind.values:
            errors[name] = f"{p.kind!r} is not a kind of preference OnTrack knows."
            continue
        value = p.value.strip() if isinstance(p.value, str) else ""
        if p.kind in seen:
            errors[name] = "Record each preference once."
        elif not value or len(value) > 200:
            errors[name] = "Say what the client would like (under 200 characters)."
        elif p.kind == PreferenceKind.GENDER and value not in Gender.values:
            errors[name] = "Choose a gender."
        elif p.kind == PreferenceKind.MODALITY and value not in Therapy.values:
            errors[name] = "Choose a kind of therapy."
        elif p.kind == PreferenceKind.FORMAT and value not in ConsMechanism.values:
            errors[name] = "Choose face to face, telephone, video or text."
        elif p.kind == PreferenceKind.AGE and not re.fullmatch(r"\d{1,3}\s*-\s*\d{1,3}", value):
            errors[name] = "Give an age range such as 40-60."
        seen.add(p.kind)


def _check_decision(
    errors: dict[str, str], decision: str, step: int | None, therapy: str, reason: str
) -> str:
    check_choice(errors, "decision", decision, Decision, "decision")
    if decision == Decision.OFFER_TREATMENT and step not in Step.values:
        errors["step"] = "Choose the step of care to offer (2 or 3)."
    check_choice(errors, "therapy", therapy, Therapy, "therapy", required=False)
    text = check_text(errors, "reason", reason, limit=5000)
    if "reason" not in errors and not text:
        errors["reason"] = "Say why: the decision is kept with its reason."
    return text


@dataclass(frozen=True)
class Triage:
    """Everything decided at an assessment, as given to ``record_triage``."""

    assessed_on: dt.date
    decision: str
    reason: str
    readiness: str
    risk: RiskFindings
    attendance: str = Attendance.ATTENDED_ON_TIME
    cons_mechanism: str = ConsMechanism.FACE_TO_FACE
    problem_descriptor: str = ""
    step: int | None = None
    therapy: str = ""
    readiness_note: str = ""
    questionnaires: Mapping[str, Answers] | None = None
    totals: Mapping[str, float] | None = None
    circumstances: Sequence[CircumstanceFound] = ()
    preferences: Sequence[Preference] = ()


def validate_triage(referral: Referral, triage: Triage) -> tuple[list[Scored], list[Any], str]:
    """Check an assessment's pathway inputs; return the scored questionnaires, the
    totals and the reason, or raise ``ActionError`` naming every bad input."""
    errors: dict[str, str] = {}
    answers = triage.questionnaires or {}
    scored = score_questionnaires(errors, answers)
    totalled = check_totals(errors, triage.totals or {}, answers)
    if triage.attendance not in (Attendance.ATTENDED_ON_TIME, Attendance.ARRIVED_LATE_SEEN):
        errors["attendance"] = (
            "A decision is made at an assessment the client attended; record a missed "
            "assessment from the appointment instead."
        )
    check_risk(errors, triage.risk, risk_answer=any(s.result.risk for s in scored))
    _check_circumstances(errors, referral, triage.circumstances)
    check_preferences(errors, triage.preferences)
    reason = _check_decision(errors, triage.decision, triage.step, triage.therapy, triage.reason)
    check_choice(errors, "readiness", triage.readiness, Readiness, "readiness")
    check_text(errors, "readiness_note", triage.readiness_note, limit=2000)
    if errors:
        raise ActionError(errors)
    return scored, totalled, reason


def advice_for(referral: Referral, problem: str, scored: Sequence[Scored]) -> str:
    """The stepped-care advice for these scores, in words."""
    totals = {s.code: s.result.total for s in scored}
    advice = stepped_care_advice(
        problem or referral.problem_descriptor or None,
        phq9=totals.get("PHQ-9"),
        gad7=totals.get("GAD-7"),
    )
    return f"Step {advice.step}: {advice.reason}."


def matching_advice_for(
    referral: Referral,
    problem: str,
    scored: Sequence[Scored],
    totalled: Sequence[tuple[Any, float]] = (),
    on: dt.date | None = None,
) -> str:
    """The stratified step and personalised therapy advice (``ontrack.matching``) for these
    scores, in words, beside the stepped-care rule's; "" when no advice file can be read.
    It never starts anyone lower than the stepped-care rule (it takes the larger step)."""
    # Deferred: the advice needs numpy and pandas, which the pathway's pages otherwise don't.
    from ontrack.matching.stored import AssessmentInputs, advice_at_assessment, load_advisor

    advisor = load_advisor()
    if advisor is None:
        return ""
    totals: dict[str, float] = {s.code: float(s.result.total) for s in scored}
    totals.update({str(m.code): float(t) for m, t in totalled})
    descriptor = problem or referral.problem_descriptor or None
    stepped = stepped_care_advice(descriptor, phq9=totals.get("PHQ-9"), gad7=totals.get("GAD-7"))
    client = referral.client
    age = referral.age_at_referral
    if age is None:
        age = client.age_on(on or referral.referral_date)
    earlier = Referral.unscoped.filter(
        client_id=referral.client_id, referral_date__lt=referral.referral_date
    ).count()
    inputs = AssessmentInputs(
        problem_descriptor=descriptor,
        phq9=totals.get("PHQ-9"),
        gad7=totals.get("GAD-7"),
        wsas=totals.get("WSAS"),
        adsm=totals.get(anxiety_measure_for(descriptor)),
        age=age,
        employed=referral.employed,
        earlier_referrals=earlier,
    )
    delivered: set[str] = set()
    for modalities in Staff.objects.filter(
        service_id=client.service_id, user__is_active=True
    ).values_list("modalities", flat=True):
        delivered.update(str(m) for m in modalities or [])
    therapies = {"cbt": Therapy.CBT, "counselling": Therapy.COUNSELLING_FOR_DEPRESSION}
    offered = [name for name, code in therapies.items() if code in delivered]
    advice = advice_at_assessment(advisor, inputs, stepped_care_step=stepped.step, offered=offered)
    return advice.in_words()


def record_triage(
    *, referral: Referral, expected_version: int, triage: Triage, by: User
) -> TriageDecision:
    """Record the assessment and its decision; all or nothing (but a positive risk answer
    opens or updates the client's risk alert even when the assessment is refused)."""
    return records.risk_first(
        lambda: _record_triage(
            referral=referral, expected_version=expected_version, triage=triage, by=by
        ),
        referral=referral,
        questionnaires=triage.questionnaires,
        where=assessment_where(triage.assessed_on),
        by=by,
    )


def assessment_where(assessed_on: object) -> str:
    """Where an assessment's answers were given, in words (one answer, one finding)."""
    on = assessed_on if isinstance(assessed_on, dt.date) else dt.date.today()
    return f"at the assessment on {on:%d %b %Y}"


@transaction.atomic
def _record_triage(
    *, referral: Referral, expected_version: int, triage: Triage, by: User
) -> TriageDecision:
    scored, totalled, reason = validate_triage(referral, triage)
    assessment = records.record_assessment(
        referral=referral,
        expected_version=expected_version,
        assessed_on=triage.assessed_on,
        outcome=DECISION_OUTCOME[Decision(triage.decision)],
        problem_descriptor=triage.problem_descriptor,
        recommended_step=triage.step,
        attendance=triage.attendance,
        cons_mechanism=triage.cons_mechanism,
        risk_summary=_risk_summary(triage.risk),
        notes=reason,
        by=by,
    )
    contact = assessment.contact
    assert contact is not None  # record_assessment always writes its contact
    store_questionnaires(contact, scored, totalled)
    open_risk_alerts(
        referral=referral,
        contact=contact,
        scored=scored,
        where=assessment_where(contact.contact_date),
    )
    _write_risk(referral, contact, triage.assessed_on, triage.risk, by)
    _write_findings(referral, contact, triage, by)
    decision = TriageDecision.unscoped.create(
        referral=referral,
        assessment=assessment,
        decision=triage.decision,
        step=triage.step if triage.decision == Decision.OFFER_TREATMENT else None,
        therapy=triage.therapy,
        reason=reason,
        readiness=triage.readiness,
        readiness_note=triage.readiness_note.strip(),
        advice=advice_for(referral, triage.problem_descriptor, scored),
        matching_advice=matching_advice_for(
            referral, triage.problem_descriptor, scored, totalled, triage.assessed_on
        ),
        decided_by=by,
    )
    record_change(
        by=by,
        action="record_triage",
        target=decision,
        client_id=referral.client_id,
        new={
            "assessment": assessment.pk,
            "decision": decision.decision,
            "step": decision.step,
            "therapy": decision.therapy,
            "reason": reason,
            "readiness": decision.readiness,
            "questionnaires": {s.code: s.result.total for s in scored},
            "circumstances": [asdict(c) for c in triage.circumstances],
            "preferences": [asdict(p) for p in triage.preferences],
        },
    )
    _next_step(referral, decision, triage, by)
    return decision


def _next_step(referral: Referral, decision: TriageDecision, triage: Triage, by: User) -> None:
    """Offered treatment: onto the waiting list. Otherwise the referral ends, seen but not
    taken on, with the end code the decision calls for."""
    if decision.decision == Decision.OFFER_TREATMENT:
        assert decision.step is not None
        add_to_waiting_list(
            referral=referral,
            step=decision.step,
            therapy=decision.therapy,
            added_on=triage.assessed_on,
            reason=f"Offered at assessment ({decision.get_readiness_display().lower()})",
            by=by,
        )
        return
    records.end_referral(
        referral=referral,
        expected_version=referral.version,
        end_date=triage.assessed_on,
        end_code=DECISION_END_CODE[Decision(decision.decision)],
        by=by,
    )


def _risk_summary(risk: RiskFindings) -> str:
    return (
        f"Risk to self: {RiskLevel(risk.risk_to_self).label}; "
        f"risk to others: {RiskLevel(risk.risk_to_others).label}."
    )


def _write_risk(
    referral: Referral, contact: Contact | None, on: dt.date, risk: RiskFindings, by: User
) -> RiskAssessment:
    item = RiskAssessment.unscoped.create(
        referral=referral, contact=contact, assessed_on=on, recorded_by=by, **asdict(risk)
    )
    record_change(
        by=by,
        action="record_risk_assessment",
        target=item,
        client_id=referral.client_id,
        new={**asdict(risk), "assessed_on": on, "contact": contact.pk if contact else None},
    )
    _act_on_risk_alerts(item, by)
    return item


def _act_on_risk_alerts(item: RiskAssessment, by: User) -> None:
    """A recorded risk assessment is the client's risk review: it closes their open risk
    alert, or keeps it open and urgent when it found high risk (``review_risk_alert``)."""
    high = RiskLevel.HIGH in (item.risk_to_self, item.risk_to_others)
    records.review_risk_alert(
        referral=item.referral,
        review=Review(
            on=item.assessed_on,
            asked_directly=item.asked_directly,
            safety_plan=bool(item.safety_plan.strip()),
            crisis_contacts=bool(item.crisis_contacts.strip()),
            high_risk=high,
            summary=(
                f"risk to self {item.get_risk_to_self_display().lower()}, to others "
                f"{item.get_risk_to_others_display().lower()}; asked directly: "
                f"{'yes' if item.asked_directly else 'no'}; safety plan "
                f"{'agreed' if item.safety_plan.strip() else 'not recorded'}; crisis contacts "
                f"{'given' if item.crisis_contacts.strip() else 'not recorded'}."
            ),
        ),
        by=by,
    )


def _write_findings(referral: Referral, contact: Contact, triage: Triage, by: User) -> None:
    Circumstance.unscoped.bulk_create(
        Circumstance(
            referral=referral,
            contact=contact,
            kind=c.kind,
            detail=c.detail.strip(),
            signposted_to_id=c.signposted_to,
            recorded_by=by,
        )
        for c in triage.circumstances
    )
    TherapyPreference.unscoped.filter(referral=referral).delete()
    TherapyPreference.unscoped.bulk_create(
        TherapyPreference(
            referral=referral, kind=p.kind, value=p.value.strip(), essential=p.essential
        )
        for p in triage.preferences
    )


@transaction.atomic
def record_risk_assessment(
    *, referral: Referral, assessed_on: dt.date, risk: RiskFindings, by: User
) -> RiskAssessment:
    """Record a risk review at any time (a risk alert's review, a check-in, a session)."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_manage_alerts(viewer, referral.client), "review risk for this client"
    )
    errors: dict[str, str] = {}
    # With a risk alert open this is its review: asked directly, safety plan, crisis contacts.
    alert_open = records.open_risk_alert_of(referral.client_id) is not None
    checked = check_risk(errors, risk, risk_answer=alert_open)
    if not isinstance(assessed_on, dt.date) or assessed_on < referral.referral_date:
        errors["assessed_on"] = "Enter the date of the review (on or after the referral)."
    if errors:
        raise ActionError(errors)
    return _write_risk(referral, None, assessed_on, checked, by)
