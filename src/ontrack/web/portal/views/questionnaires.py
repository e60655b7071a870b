"""The client's own pages: the questionnaires to complete online before the next session.

Only a signed-in client uses them, and only for themselves (the scoped managers and the
action both say so). Staff see what arrived on the session form, pre-filled.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.audit.events import record_view
from ontrack.web.common.actions import ActionError
from ontrack.web.common.forms import measure_key
from ontrack.web.portal import actions
from ontrack.web.portal.config import portal_settings
from ontrack.web.portal.forms import OnlineQuestionnaireForm
from ontrack.web.portal.views._client import summary_of
from ontrack.web.records.actions.online import (
    AskedMeasure,
    asked_measures,
    current_referral_of,
    pending_submissions,
)
from ontrack.web.records.models import Client, OnlineSettings, Referral
from ontrack.web.records.scoping import ViewerKind, viewer_for

RISK_MESSAGE = (
    "Thank you. One of your answers tells us you may be at risk, so your therapist's team "
    "has been alerted and will contact you to talk about it. "
)


def _client_and_referral(request: AuthenticatedHttpRequest) -> tuple[Client, Referral | None]:
    """Return the signed-in client and the referral their sessions are for; refuse others."""
    viewer = viewer_for(request.user)
    if viewer.kind != ViewerKind.CLIENT or viewer.client_id is None:
        raise PermissionDenied("These pages are for clients completing their own questionnaires.")
    client = get_object_or_404(
        Client.objects.select_related("online_settings"), pk=viewer.client_id
    )
    referral = current_referral_of(client.pk)
    return client, referral


def _asked_of(client: Client, referral: Referral) -> list[AskedMeasure]:
    try:
        settings = client.online_settings
    except ObjectDoesNotExist:  # none saved: the defaults, without asking the database again
        settings = OnlineSettings(client=client, version=0)
    return asked_measures(referral, settings)


def _asked(client: Client, referral: Referral, key: str) -> AskedMeasure:
    for asked in _asked_of(client, referral):
        if measure_key(asked.measure.code) == key:
            return asked
    raise Http404("That questionnaire is not one your therapist asked for.")


@require_GET
@login_required
def my_questionnaires(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the questionnaires to complete before the next session, and what is done."""
    client, referral = _client_and_referral(request)
    rows: list[dict[str, Any]] = []
    if referral is not None:
        record_view(by=request.user, page="my_questionnaires", target=client, client_id=client.pk)
        waiting = pending_submissions(referral)
        rows = [
            {
                "asked": asked,
                "key": measure_key(asked.measure.code),
                "done": waiting.get(asked.measure.code),
            }
            for asked in _asked_of(client, referral)
        ]
    return render(
        request,
        "portal/my_questionnaires.html",
        {"client": client, "referral": referral, "rows": rows},
    )


@require_http_methods(["GET", "POST"])
@login_required
def complete_questionnaire(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    """One questionnaire, every question on one page; nothing is saved unless all is well
    (except an urgent risk alert, which a positive risk answer always opens)."""
    client, referral = _client_and_referral(request)
    if referral is None:
        raise Http404("You have no sessions booked to complete questionnaires for.")
    asked = _asked(client, referral, key)
    if not asked.online:
        raise Http404(f"The {asked.measure.code} cannot be completed online.")
    record_view(by=request.user, page="complete_questionnaire", target=client, client_id=client.pk)
    if request.method == "POST":
        form = OnlineQuestionnaireForm(request.POST, measure=asked.measure)
        valid = form.is_valid()
        try:
            submission = actions.submit_online_questionnaire(
                referral=referral,
                measure=asked.measure.code,
                answers=form.answers(),
                by=request.user,
            )
        except ActionError as error:
            if valid:
                form.add_action_errors(error)
        else:
            if submission.risk:
                crisis = portal_settings(client.service_id).crisis_text
                messages.warning(request, RISK_MESSAGE + crisis)
            else:
                messages.success(
                    request,
                    f"Thank you: your {asked.measure.code} answers are ready for your "
                    "therapist to go through with you at your next session.",
                )
            return HttpResponseRedirect(reverse("my_questionnaires"))
        status = 400
    else:
        form = OnlineQuestionnaireForm(measure=asked.measure)
        status = 200
    return render(
        request,
        "portal/complete_questionnaire.html",
        {"client": client, "asked": asked, "form": form, "summary": summary_of(form)},
        status=status,
    )
