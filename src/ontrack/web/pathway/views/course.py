"""Change of course, ending with its review, the discharge letter, follow-ups, and
correcting a recorded session or marking it entered in error."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ontrack.measures.nhstt import anxiety_measure_for
from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.accounts.models import Staff
from ontrack.web.common.codes import EndCode
from ontrack.web.pathway import actions
from ontrack.web.pathway.forms import (
    ChangeCourseForm,
    CorrectForm,
    EndForm,
    EnteredInErrorForm,
    FollowUpForm,
    typed_questionnaires,
)
from ontrack.web.pathway.letters import LetterText, letter_pdf
from ontrack.web.pathway.models import EndingReview
from ontrack.web.pathway.views._common import form_page, referral_for, save_form
from ontrack.web.pathway.views.waiting import _editable, _therapist_choices
from ontrack.web.records import actions as records
from ontrack.web.records import permissions
from ontrack.web.records.actions.corrections import corrected_where
from ontrack.web.records.actions.followups import follow_up_where
from ontrack.web.records.models import Contact, Episode, QuestionnaireResponse, Referral
from ontrack.web.records.scoping import today
from ontrack.web.records.views._common import viewer_of

_QUICK = {"questionnaire:PHQ-9": "phq9", "questionnaire:GAD-7": "gad7"}


@require_http_methods(["GET", "POST"])
@login_required
def change_course(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """Step up or down, change the therapy, move therapist, or back to the waiting list."""
    referral = _editable(request, referral_id, "change_course")
    episode = get_object_or_404(
        Episode.objects.select_related("referral__client", "therapist__user"),
        referral=referral,
        status="open",
    )
    form = ChangeCourseForm(
        request.POST if request.method == "POST" else None,
        therapists=[
            t
            for t in _therapist_choices(referral.client.service_id)
            if t[0] != episode.therapist_id
        ],
        initial={"version": episode.version, "changed_on": today()},
    )
    if request.method == "POST":
        saved = save_form(
            request,
            form,
            lambda data: actions.change_course(
                episode=episode,
                expected_version=data["version"],
                kind=data.get("kind") or "",
                reason=data.get("reason") or "",
                changed_on=data.get("changed_on"),  # type: ignore[arg-type]
                step=int(data["step"]) if data.get("step") else None,
                therapy=data.get("therapy") or "",
                therapist=Staff.objects.get(pk=data["therapist"])
                if data.get("therapist")
                else None,
                by=request.user,
            ),
            done=reverse("referral_detail", args=[referral.pk]),
            success="The change of course is recorded.",
        )
        if saved is not None:
            return saved
    return form_page(
        request,
        referral,
        form,
        title="Change the course",
        intro=f"Now: {episode.get_therapy_display() or 'therapy'} at step "
        f"{episode.step or '?'} with {episode.therapist}. The current episode closes and "
        "stays in the history.",
        button="Record the change",
    )


@require_http_methods(["GET", "POST"])
@login_required
def end(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """End the referral with its end code and the ending review."""
    referral = _editable(request, referral_id, "end_referral")
    if not referral.is_open:
        raise Http404("This referral has already ended.")
    facts = actions.ending_facts(referral)
    form = EndForm(
        request.POST if request.method == "POST" else None,
        initial={"version": referral.version, "end_date": today()},
    )
    if request.method == "POST":
        saved = save_form(
            request,
            form,
            lambda data: actions.end_course(
                referral=referral,
                expected_version=data["version"],
                end_date=data.get("end_date"),  # type: ignore[arg-type]
                end_code=data.get("end_code") or "",
                review=actions.Review(
                    what_helped=data.get("what_helped") or "",
                    what_did_not=data.get("what_did_not") or "",
                    what_next=data.get("what_next") or "",
                    whose_choice=data.get("whose_choice") or "",
                    considered=data.get("considered") or "",
                ),
                by=request.user,
            ),
            done=reverse("referral_detail", args=[referral.pk]),
            success="The referral has ended. The letters are ready.",
        )
        if saved is not None:
            return saved
    return render(
        request,
        "pathway/end.html",
        {
            "referral": referral,
            "client": referral.client,
            "form": form,
            "facts": facts,
            "ask_first": facts.at_caseness and not facts.reliably_improved,
        },
        status=400 if request.method == "POST" else 200,
    )


def _letter_text(referral: Referral, review: EndingReview, to: str) -> LetterText:
    episode = Episode.objects.filter(referral=referral).select_related("therapist__user").last()
    firsts: list[tuple[str, float, float]] = []
    for code in ("PHQ-9", anxiety_measure_for(referral.problem_descriptor or None)):
        totals = list(
            QuestionnaireResponse.objects.filter(
                contact__referral=referral,
                measure=code,
                contact__entered_in_error_at__isnull=True,
            )
            .order_by("contact__contact_date", "contact_id")
            .values_list("total", flat=True)
        )
        if len(totals) > 1:
            firsts.append((code, totals[0], totals[-1]))
    client = referral.client
    assert referral.end_date is not None
    reason = EndCode(referral.end_code).label
    return LetterText(
        to=to,
        client=client.full_name,
        born=client.date_of_birth,
        gp_practice=client.gp_practice or "the practice",
        service=client.service.name,
        therapist=episode.therapist.display_name if episode else "the service",
        referral_date=referral.referral_date,
        end_date=referral.end_date,
        end_reason=reason.lower() if to == "client" else f"end code {referral.end_code}: {reason}",
        sessions=Contact.objects.filter(referral=referral, session_number__isnull=False).count(),
        scores=tuple(firsts),
        what_helped=review.what_helped,
        what_did_not=review.what_did_not,
        what_next=review.what_next,
    )


@require_GET
@login_required
def letter(request: AuthenticatedHttpRequest, referral_id: int, to: str) -> HttpResponse:
    """The discharge letter as a PDF, for the client (``client``) or the GP (``gp``)."""
    referral = referral_for(request, referral_id, f"discharge_letter_{to}")
    review = EndingReview.objects.filter(referral=referral).first()
    if referral.is_open or review is None or to not in ("client", "gp"):
        raise Http404("There is no discharge letter: the referral has not ended here.")
    response = HttpResponse(letter_pdf(_letter_text(referral, review, to)), "application/pdf")
    response["Content-Disposition"] = f'inline; filename="discharge-{to}-{referral.pk}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
def follow_up(request: AuthenticatedHttpRequest, referral_id: int) -> HttpResponse:
    """Record a follow-up contact after discharge."""
    referral = _editable(request, referral_id, "follow_up")
    form = FollowUpForm(
        request.POST if request.method == "POST" else None, initial={"contact_date": today()}
    )
    if request.method == "POST":
        saved = save_form(
            request,
            form,
            lambda data: records.record_follow_up(
                referral=referral,
                contact_date=data.get("contact_date"),  # type: ignore[arg-type]
                attendance=data.get("attendance") or "",
                cons_mechanism=data.get("cons_mechanism") or "",
                questionnaires={
                    code: a
                    for code, a in (("PHQ-9", data.get("phq9")), ("GAD-7", data.get("gad7")))
                    if a
                },
                notes=data.get("notes") or "",
                by=request.user,
            ),
            done=reverse("referral_detail", args=[referral.pk]),
            once=True,
            success="Follow-up recorded.",
            mapping=_QUICK,
        )
        if saved is not None:
            return saved
        if not form.is_valid():
            # Not saved, but a risk answer typed on it reaches the client's risk alert.
            records.alert_risk_answers(
                referral=referral,
                questionnaires=typed_questionnaires(request.POST),
                where=follow_up_where(form.cleaned_data.get("contact_date")),
                by=request.user,
            )
    return form_page(
        request,
        referral,
        form,
        title="Record a follow-up",
        button="Save the follow-up",
        once=True,
    )


def _correction(form: CorrectForm, contact: Contact) -> dict[str, Any]:
    data = form.cleaned_data
    changes: dict[str, Any] = {}
    for name in ("contact_date", "attendance", "cons_mechanism", "notes"):
        value = data.get(name)
        if name == "notes":
            value = value or ""
        if value != getattr(contact, name):
            changes[name] = value
    answers = {c: a for c, a in (("PHQ-9", data.get("phq9")), ("GAD-7", data.get("gad7"))) if a}
    if answers:
        changes["questionnaires"] = answers
    return changes


def _correct_initial(contact: Contact) -> dict[str, Any]:
    """The correction form filled with what was recorded."""
    scores = {q.measure: q for q in QuestionnaireResponse.objects.filter(contact=contact)}
    return {
        "version": contact.version,
        "contact_date": contact.contact_date,
        "attendance": contact.attendance,
        "cons_mechanism": contact.cons_mechanism,
        "notes": contact.notes,
        "phq9": "".join(f"{a:g}" for a in scores["PHQ-9"].items or []) if "PHQ-9" in scores else "",
        "gad7": "".join(f"{a:g}" for a in scores["GAD-7"].items or []) if "GAD-7" in scores else "",
    }


@require_http_methods(["GET", "POST"])
@login_required
def correct(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    """Correct a recorded contact, or mark it entered in error, with the reason."""
    contact = get_object_or_404(
        Contact.objects.select_related("referral__client", "episode"), pk=contact_id
    )
    referral = referral_for(request, contact.referral_id, "correct_contact")
    if not permissions.can_correct_contact(viewer_of(request), contact):
        raise PermissionDenied("Only the contact's therapist, their supervisor or a manager may.")
    form = CorrectForm(initial=_correct_initial(contact))
    void = EnteredInErrorForm(initial={"version": contact.version})
    done = reverse("referral_detail", args=[referral.pk])
    if request.method == "POST" and request.POST.get("in_error"):
        void = EnteredInErrorForm(request.POST)
        saved = save_form(
            request,
            void,
            lambda data: records.mark_entered_in_error(
                contact=contact,
                expected_version=data["version"],
                reason=data.get("error_reason") or "",
                by=request.user,
            ),
            done=done,
            success="Marked as entered in error.",
            mapping={"reason": "error_reason"},
        )
    elif request.method == "POST":
        form = CorrectForm(request.POST)
        saved = save_form(
            request,
            form,
            lambda data: records.correct_session(
                contact=contact,
                expected_version=data["version"],
                reason=data.get("reason") or "",
                changes=_correction(form, contact),
                by=request.user,
            ),
            done=done,
            success="The session is corrected; the reason is kept.",
            mapping=_QUICK,
        )
        if saved is None and not form.is_valid():
            # Not saved, but a risk answer typed on it reaches the client's risk alert.
            records.alert_risk_answers(
                referral=referral,
                questionnaires=typed_questionnaires(request.POST),
                where=corrected_where(contact.contact_date),
                by=request.user,
            )
    else:
        saved = None
    if saved is not None:
        return saved
    return render(
        request,
        "pathway/correct.html",
        {
            "contact": contact,
            "referral": referral,
            "client": referral.client,
            "form": form,
            "void": void,
        },
        status=400 if request.method == "POST" else 200,
    )
