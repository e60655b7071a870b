"""The pages a link opens (``/l/<token>/``): only that link's purpose, no account.

Every request checks the token again. A problem (tampered, unknown, expired, used,
cancelled, too many tries) gives a page that says so in plain words, with status 400, 404,
410 or 429, and changes nothing. Anything that changes a record is a POST (a mail
scanner that follows links must not cancel an appointment); the link is used up in the
same transaction as the change, so two taps cannot both count.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ontrack.measures import get_measure
from ontrack.web.audit.events import record_view
from ontrack.web.common.actions import ActionError
from ontrack.web.common.forms import measure_key
from ontrack.web.portal import links
from ontrack.web.portal.actions.questionnaires import submit_online_questionnaire
from ontrack.web.portal.actions.requests import (
    REQUEST_DONE,
    request_appointment_change,
    stop_messages,
)
from ontrack.web.portal.config import portal_settings
from ontrack.web.portal.forms import AppointmentForm, OnlineQuestionnaireForm
from ontrack.web.portal.models import AccessLink, LinkPurpose
from ontrack.web.portal.views._client import summary_of
from ontrack.web.portal.views.client import take_rating, who_sees_ratings
from ontrack.web.records.actions import next_booked
from ontrack.web.records.actions.online import (
    asked_measures,
    online_settings_of,
    pending_submissions,
)
from ontrack.web.records.models import Appointment, AppointmentStatus
from ontrack.web.records.scoping import scopes_disabled

_STATUS = {
    "tampered": 400,
    "unknown": 404,
    "wrong_purpose": 404,
    "expired": 410,
    "used": 410,
    "revoked": 410,
    "too_many": 429,
}


def _problem_page(request: Any, problem: links.LinkError) -> HttpResponse:
    return render(
        request,
        "portal/link_problem.html",
        {"problem": problem},
        status=_STATUS.get(problem.kind, 400),
    )


@require_http_methods(["GET", "POST"])
def link_page(request: Any, token: str) -> HttpResponse:
    """Open a link: the page of its purpose."""
    with scopes_disabled():
        try:
            link = links.open_link(request, token)
        except links.LinkError as problem:
            return _problem_page(request, problem)
        record_view(
            by=links.actor_of(link),
            page=f"link:{link.purpose}",
            target=link,
            client_id=link.client_id,
        )
        handler = {
            LinkPurpose.QUESTIONNAIRES: _questionnaires,
            LinkPurpose.RATE_SESSION: _rate,
            LinkPurpose.APPOINTMENT: _appointment,
            LinkPurpose.STOP_MESSAGES: _stop,
        }[LinkPurpose(link.purpose)]
        return handler(request, link, token)


def _crisis(link: AccessLink) -> str:
    return portal_settings(link.client.service_id).crisis_text


def _questionnaires(request: Any, link: AccessLink, token: str) -> HttpResponse:
    referral = link.referral
    if referral is None or not referral.is_open:
        return _problem_page(request, links.problem("expired"))
    waiting = pending_submissions(referral)
    since = link.created_at
    rows = [
        {
            "asked": a,
            "key": measure_key(a.measure.code),
            "done": w if (w := waiting.get(a.measure.code)) and w.submitted_at >= since else None,
        }
        for a in asked_measures(referral, online_settings_of(referral.client_id))
        if a.online
    ]
    if rows and all(r["done"] for r in rows):
        links.use_up(link)
        return render(request, "portal/link_done.html", {"link": link, "what": "questionnaires"})
    return render(
        request, "portal/link_questionnaires.html", {"rows": rows, "token": token, "link": link}
    )


@require_http_methods(["GET", "POST"])
def link_questionnaire(request: Any, token: str, key: str) -> HttpResponse:
    """One questionnaire inside a questionnaires link."""
    with scopes_disabled():
        try:
            link = links.open_link(request, token, LinkPurpose.QUESTIONNAIRES)
        except links.LinkError as problem:
            return _problem_page(request, problem)
        referral = link.referral
        asked = next(
            (
                a
                for a in asked_measures(referral, online_settings_of(link.client_id))
                if measure_key(a.measure.code) == key and a.online
            )
            if referral is not None
            else iter(()),
            None,
        )
        if asked is None or referral is None:
            raise Http404("That questionnaire is not one your therapist asked for.")
        form = OnlineQuestionnaireForm(
            request.POST if request.method == "POST" else None, measure=asked.measure
        )
        if request.method == "POST":
            valid = form.is_valid()
            try:
                submission = submit_online_questionnaire(
                    referral=referral,
                    measure=asked.measure.code,
                    answers=form.answers(),
                    by=links.actor_of(link),
                )
            except ActionError as error:
                if valid:
                    form.add_action_errors(error)
            else:
                if submission.risk:
                    messages.warning(
                        request,
                        "Thank you. One of your answers tells us you may be at risk, so your "
                        "therapist's team has been alerted and will contact you. " + _crisis(link),
                    )
                return HttpResponseRedirect(reverse("link_page", args=[token]))
        context = {
            "asked": asked,
            "form": form,
            "summary": summary_of(form),
            "token": token,
            "crisis": _crisis(link),
        }
        return render(
            request,
            "portal/link_questionnaire.html",
            context,
            status=400 if form.errors else 200,
        )


def _rate(request: Any, link: AccessLink, token: str) -> HttpResponse:
    contact = link.contact
    if contact is None:
        raise Http404("This link is not for a session.")
    m = get_measure(portal_settings(link.client.service_id).alliance_measure)
    with transaction.atomic():
        if request.method == "POST" and not links.use_up(link):
            return _problem_page(request, links.problem("used"))
        saved, form = take_rating(request, contact=contact, code=m.code, by=links.actor_of(link))
        if request.method == "POST" and not saved:
            transaction.set_rollback(True)  # the link stays unused: nothing was saved
    if saved:
        return render(request, "portal/link_done.html", {"link": link, "what": "rating"})
    show = online_settings_of(link.client_id).show_alliance
    context = {
        "contact": contact,
        "measure": m,
        "form": form,
        "summary": summary_of(form),
        "who_sees": who_sees_ratings(show),
        "token": token,
    }
    return render(request, "portal/link_rate.html", context, status=400 if form.errors else 200)


def _linked_appointment(link: AccessLink) -> Appointment | None:
    """The appointment a reminder's link is for (older links: the episode's next one)."""
    if link.appointment_id is not None:
        return Appointment.unscoped.select_related("staff__user", "referral").get(
            pk=link.appointment_id
        )
    if link.episode is None:
        return None
    return next_booked(link.episode.referral, episode_id=link.episode_id)


def _appointment(request: Any, link: AccessLink, token: str) -> HttpResponse:
    appointment = _linked_appointment(link)
    if appointment is None:
        raise Http404("This link is not for an appointment.")
    form = AppointmentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                if not links.use_up(link):
                    raise links.problem("used")
                done = request_appointment_change(
                    appointment=appointment,
                    kind=form.cleaned_data["kind"],
                    reason=form.cleaned_data["reason"],
                    by=links.actor_of(link),
                )
        except links.LinkError as problem:
            return _problem_page(request, problem)
        except ActionError as error:
            for key, message in error.errors.items():
                form.add_error(key if key in form.fields else None, message)
        else:
            context = {"link": link, "what": "appointment", "said": REQUEST_DONE[done.kind]}
            return render(request, "portal/link_done.html", context)
    context = {
        "appointment": appointment,
        "still_booked": appointment.status == AppointmentStatus.BOOKED,
        "form": form,
        "summary": summary_of(form),
        "token": token,
    }
    return render(
        request, "portal/link_appointment.html", context, status=400 if form.errors else 200
    )


def _stop(request: Any, link: AccessLink, token: str) -> HttpResponse:
    if request.method == "POST":
        with transaction.atomic():
            if not links.use_up(link):
                return _problem_page(request, links.problem("used"))
            stop_messages(client=link.client, channel=None, by=links.actor_of(link), how="link")
        return render(request, "portal/link_done.html", {"link": link, "what": "stopped"})
    return render(request, "portal/link_stop.html", {"token": token})
