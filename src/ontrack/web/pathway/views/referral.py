"""The referral page (``/referrals/<id>/``: its stage, next step and everything recorded)
and the assessment (``/referrals/<id>/assess/``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.common.codes import EpisodeStatus, SignalStatus
from ontrack.web.common.forms import apply_action_errors
from ontrack.web.pathway import actions
from ontrack.web.pathway.actions.assessment import assessment_where
from ontrack.web.pathway.forms import TriageForm, typed_questionnaires
from ontrack.web.pathway.models import (
    Circumstance,
    ContactAttempt,
    CourseChange,
    EndingReview,
    RiskAssessment,
    SignpostService,
    TherapyPreference,
    TriageDecision,
    WaitingCheckIn,
    WaitingListEntry,
)
from ontrack.web.pathway.stages import Standing, standing
from ontrack.web.pathway.views._common import referral_for
from ontrack.web.records import permissions
from ontrack.web.records.actions import ActionError
from ontrack.web.records.actions.online import adsm_for
from ontrack.web.records.actions.risk import alert_risk_answers
from ontrack.web.records.models import Appointment, Assessment, Contact, Episode, Referral
from ontrack.web.records.scoping import today
from ontrack.web.records.views._common import viewer_of


def _records(referral: Referral) -> dict[str, Any]:
    """Everything the referral page shows, one query each."""
    return {
        "assessments": list(
            Assessment.objects.filter(referral=referral).select_related("assessor__user")
        ),
        "triage": list(TriageDecision.objects.filter(referral=referral)),
        "risks": list(RiskAssessment.objects.filter(referral=referral).order_by("-assessed_on")),
        "circumstances": list(
            Circumstance.objects.filter(referral=referral).select_related("signposted_to")
        ),
        "preferences": list(TherapyPreference.objects.filter(referral=referral)),
        "waiting": list(WaitingListEntry.objects.filter(referral=referral)),
        "episodes": list(
            Episode.objects.filter(referral=referral).select_related("therapist__user")
        ),
        "contacts": list(
            Contact.objects.filter(referral=referral)
            .select_related("therapist__user")
            .prefetch_related(Prefetch("questionnaires"))
        ),
        "appointments": list(
            Appointment.objects.filter(referral=referral).select_related("staff__user")
        ),
        "changes": list(CourseChange.objects.filter(referral=referral)),
        "attempts": list(ContactAttempt.objects.filter(referral=referral)),
        "check_ins": list(WaitingCheckIn.objects.filter(referral=referral)),
        "ending": EndingReview.objects.filter(referral=referral).first(),
    }


def referral_standing(referral: Referral, found: dict[str, Any]) -> Standing:
    open_episode = next((e for e in found["episodes"] if e.status == EpisodeStatus.OPEN), None)
    treatment = [c.contact_date for c in found["contacts"] if c.session_number is not None]
    return standing(
        referral_date=referral.referral_date,
        ended_on=referral.end_date,
        assessed_on=min((a.assessed_on for a in found["assessments"]), default=None),
        waiting=any(w.left_on is None for w in found["waiting"]),
        in_treatment=open_episode is not None,
        step=open_episode.step if open_episode else referral.step,
        treatment_dates=sorted(treatment),
        recovered=open_episode is not None and open_episode.signal == SignalStatus.RECOVERED,
        today=today(),
    )


@require_GET
@login_required
def referral_detail(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """One referral: its stage and next step, the clocks, and what has been recorded."""
    referral = referral_for(request, referral_id, "referral_detail")
    viewer = viewer_of(request)
    found = _records(referral)
    can_edit = permissions.can_edit_client(viewer, referral.client)
    return render(
        request,
        "pathway/referral.html",
        {
            "referral": referral,
            "client": referral.client,
            "standing": referral_standing(referral, found),
            "can_edit": can_edit,
            "open_entry": next((w for w in found["waiting"] if w.left_on is None), None),
            "open_episode": next((e for e in found["episodes"] if e.is_open), None),
            "booked": [a for a in found["appointments"] if a.is_booked],
            **found,
        },
    )


def _triage_from(form: TriageForm) -> actions.Triage:
    data = form.cleaned_data
    return actions.Triage(
        assessed_on=data.get("assessed_on"),  # type: ignore[arg-type]
        decision=data.get("decision") or "",
        reason=data.get("reason") or "",
        readiness=data.get("readiness") or "",
        readiness_note=data.get("readiness_note") or "",
        risk=actions.RiskFindings(
            risk_to_self=data.get("risk_to_self") or "",
            risk_to_others=data.get("risk_to_others") or "",
            asked_directly=bool(data.get("asked_directly")),
            risk_to_self_detail=data.get("risk_to_self_detail") or "",
            risk_to_others_detail=data.get("risk_to_others_detail") or "",
            protective_factors=data.get("protective_factors") or "",
            safety_plan=data.get("safety_plan") or "",
            crisis_contacts=data.get("crisis_contacts") or "",
        ),
        attendance=data.get("attendance") or "",
        cons_mechanism=data.get("cons_mechanism") or "",
        problem_descriptor=data.get("problem_descriptor") or "",
        step=int(data["step"]) if data.get("step") else None,
        therapy=data.get("therapy") or "",
        questionnaires=form.questionnaires(),
        totals=form.totals(),
        circumstances=[
            actions.CircumstanceFound(
                kind,
                data.get(f"circ_{kind}_detail") or "",
                int(data[f"circ_{kind}_signpost"]) if data.get(f"circ_{kind}_signpost") else None,
            )
            for kind in form.circumstance_kinds()
        ],
        preferences=form.preferences(),
    )


# Each action input shown on a form field of another name.
_TRIAGE_FIELDS = {"questionnaire:PHQ-9": "phq9", "questionnaire:GAD-7": "gad7"}


@require_http_methods(["GET", "POST"])
@login_required
def assess(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """The assessment and triage of a referral, all on one page; nothing saved on error."""
    referral = referral_for(request, referral_id, "assess")
    viewer = viewer_of(request)
    if not (viewer.staff is not None and permissions.can_edit_client(viewer, referral.client)):
        raise PermissionDenied("You may not assess this client.")
    directory = SignpostService.objects.filter(service_id=referral.client.service_id, active=True)
    adsm = adsm_for(referral)
    form = TriageForm(
        request.POST if request.method == "POST" else None,
        directory=directory,
        adsm=adsm,
        initial={
            "version": referral.version,
            "assessed_on": today(),
            "problem_descriptor": referral.problem_descriptor,
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                decision = actions.record_triage(
                    referral=referral,
                    expected_version=form.cleaned_data["version"],
                    triage=_triage_from(form),
                    by=request.user,
                )
            except ActionError as error:
                mapping = {
                    **_TRIAGE_FIELDS,
                    **({f"questionnaire:{adsm}": "adsm_total"} if adsm else {}),
                }
                mapping.update({"questionnaire:WSAS": "wsas_total"})
                mapping.update(form.error_fields())
                apply_action_errors(form, error, mapping)
            else:
                messages.success(
                    request, f"Assessment recorded: {decision.get_decision_display()}."
                )
                return HttpResponseRedirect(reverse("referral_detail", args=[referral.pk]))
        else:
            # Not saved, but a risk answer typed on it reaches the client's risk alert.
            alert_risk_answers(
                referral=referral,
                questionnaires=typed_questionnaires(request.POST),
                where=assessment_where(form.cleaned_data.get("assessed_on")),
                by=request.user,
            )
        status = 400
    return render(
        request,
        "pathway/assess.html",
        {"referral": referral, "client": referral.client, "form": form, "adsm": adsm},
        status=status,
    )
