"""The signed-in client's own pages under ``/my/``: home, progress, goals, homework, the
next appointment, rating a session, the ending review and the experience questions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from ontrack.measures import get_measure
from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.audit.events import record_view
from ontrack.web.common.actions import ActionError
from ontrack.web.portal.actions.requests import (
    REQUEST_DONE,
    open_request_for,
    request_appointment_change,
    stop_messages,
)
from ontrack.web.portal.actions.reviews import save_ending_review, save_experience_answers
from ontrack.web.portal.experience import questions_for
from ontrack.web.portal.forms import (
    AppointmentForm,
    ChoicesForm,
    EndingReviewForm,
    HomeworkReportForm,
    RatingForm,
)
from ontrack.web.portal.models import EndingReview, ExperienceAnswers
from ontrack.web.portal.progress import alliance_progress, measure_progress
from ontrack.web.portal.views._client import (
    Me,
    me,
    reviewed_referral,
    show_action_errors,
    summary_of,
)
from ontrack.web.records.actions import next_booked, rate_session, report_homework
from ontrack.web.records.actions.client_side import RATING_WINDOW_DAYS
from ontrack.web.records.actions.online import asked_measures, pending_submissions
from ontrack.web.records.models import (
    AllianceResponse,
    Concern,
    Contact,
    Goal,
    Homework,
)


def rating_due(who: Me) -> Contact | None:
    """The client's most recent attended session not yet rated, if still in the window."""
    if who.referral is None:
        return None
    since = timezone.localdate() - dt.timedelta(days=RATING_WINDOW_DAYS)
    latest = (
        Contact.objects.filter(
            referral=who.referral, attendance__in=["5", "6"], contact_date__gte=since
        )
        .order_by("-contact_date", "-pk")
        .first()
    )
    if latest is None or AllianceResponse.objects.filter(contact=latest).exists():
        return None
    return latest


@require_GET
@login_required
def my_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The client's home: what is waiting for them, and every way to be heard."""
    who = me(request)
    record_view(by=request.user, page="my_home", target=who.client, client_id=who.client.pk)
    to_do = 0
    if who.referral is not None:
        waiting = pending_submissions(who.referral)
        asked = asked_measures(who.referral, who.online)
        to_do = sum(1 for a in asked if a.online and a.measure.code not in waiting)
    open_concerns = Concern.objects.filter(client=who.client, closed_at__isnull=True).count()
    return render(
        request,
        "portal/my_home.html",
        {
            "me": who,
            "to_do": to_do,
            "rating_due": rating_due(who),
            "open_concerns": open_concerns,
            "ended": who.referral is None,
            "next_appointment": next_booked(who.referral) if who.referral else None,
        },
    )


@require_GET
@login_required
def my_progress(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Progress in plain words, with a chart of the client's own scores."""
    who = me(request)
    record_view(by=request.user, page="my_progress", target=who.client, client_id=who.client.pk)
    measures = measure_progress(who.referral) if who.referral else []
    alliance_chart = None
    ratings: list[tuple[dt.date, float]] = []
    if who.referral is not None and who.online.show_alliance:
        alliance_chart, ratings = alliance_progress(who.referral)
    return render(
        request,
        "portal/my_progress.html",
        {"me": who, "measures": measures, "alliance_chart": alliance_chart, "ratings": ratings},
    )


@require_GET
@login_required
def my_goals(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The goals agreed with the therapist and how the client rated each one."""
    who = me(request)
    goals: list[Goal] = []
    if who.referral is not None:
        goals = list(
            Goal.objects.filter(referral=who.referral).prefetch_related("ratings__contact")
        )
    record_view(by=request.user, page="my_goals", target=who.client, client_id=who.client.pk)
    return render(request, "portal/my_goals.html", {"me": who, "goals": goals})


@require_GET
@login_required
def my_homework(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The client's homework sheets, with what they said about each."""
    who = me(request)
    items: list[Homework] = []
    if who.referral is not None:
        items = list(Homework.objects.filter(referral=who.referral).select_related("set_contact"))
    record_view(by=request.user, page="my_homework", target=who.client, client_id=who.client.pk)
    return render(request, "portal/my_homework.html", {"me": who, "items": items})


@require_http_methods(["GET", "POST"])
@login_required
def my_homework_report(request: AuthenticatedHttpRequest, homework_id: int) -> HttpResponse:
    """Say how a task went: done, partly or not done, and what got in the way."""
    who = me(request)
    item = get_object_or_404(Homework.objects, pk=homework_id, referral__client=who.client)
    form = HomeworkReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            report_homework(
                homework=item,
                outcome=form.cleaned_data["outcome"],
                obstacles=form.cleaned_data["obstacles"],
                by=request.user,
            )
        except ActionError as error:
            show_action_errors(form, error)
        else:
            messages.success(request, "Thank you: your therapist will see this before you meet.")
            return HttpResponseRedirect(reverse("my_homework"))
    status = 400 if form.errors else 200
    context = {"me": who, "item": item, "form": form, "summary": summary_of(form)}
    return render(request, "portal/my_homework_report.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def my_appointment(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The next booked appointment (the pathway's, as the staff week shows it), with a way
    to cancel it at once or ask for another time."""
    who = me(request)
    booked = next_booked(who.referral) if who.referral is not None else None
    asked = open_request_for(booked) if booked is not None else None
    form = AppointmentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and booked is None:
        form.is_valid()
        form.add_error(None, "There is no booked appointment to change.")
    elif booked is not None and request.method == "POST" and form.is_valid():
        try:
            done = request_appointment_change(
                appointment=booked,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ActionError as error:
            show_action_errors(form, error)
        else:
            messages.success(request, REQUEST_DONE[done.kind])
            return HttpResponseRedirect(reverse("my_appointment"))
    status = 400 if form.errors else 200
    context = {
        "me": who,
        "form": form,
        "booked": booked,
        "asked": asked,
        "summary": summary_of(form),
    }
    return render(request, "portal/my_appointment.html", context, status=status)


def take_rating(request: Any, *, contact: Contact, code: str, by: Any) -> tuple[bool, RatingForm]:
    """Show or take the session rating with the service's alliance measure; return whether
    it was saved, and the form (with the action's messages when it was not)."""
    form = RatingForm(request.POST if request.method == "POST" else None, measure=get_measure(code))
    if request.method != "POST":
        return False, form
    form.is_valid()
    try:
        rate_session(contact=contact, measure=code, answers=form.answers(), by=by)
    except ActionError as error:
        form.add_action_errors(error)
        return False, form
    return True, form


def who_sees_ratings(show_alliance: bool) -> str:
    """What the client is told about who sees their rating."""
    own = (
        "You can see your own ratings on your progress page."
        if show_alliance
        else (
            "Your therapist has chosen to go through ratings with you rather than show them here."
        )
    )
    return (
        "Your therapist will see your rating before your next session, and so may their "
        "clinical supervisor, to help make the sessions work for you. It does not change "
        f"your care without a conversation with you. {own}"
    )


@require_http_methods(["GET", "POST"])
@login_required
def my_rate_session(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    """Rate a session with the service's alliance measure (OSR by default)."""
    who = me(request)
    contact = get_object_or_404(
        Contact.objects.select_related("referral", "episode"),
        pk=contact_id,
        referral__client=who.client,
    )
    m = get_measure(who.settings.alliance_measure)
    saved, form = take_rating(request, contact=contact, code=m.code, by=request.user)
    if saved:
        messages.success(request, "Thank you for rating your session.")
        return HttpResponseRedirect(reverse("my_home"))
    context = {
        "me": who,
        "contact": contact,
        "measure": m,
        "form": form,
        "who_sees": who_sees_ratings(who.online.show_alliance),
        "summary": summary_of(form),
    }
    return render(request, "portal/rate_session.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def my_ending_review(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The client's part of the ending review: what helped, what did not, what next."""
    who = me(request)
    referral = reviewed_referral(who)
    if referral is None:
        raise Http404("There is no course of treatment to review.")
    done = EndingReview.objects.filter(referral=referral).first()
    form = EndingReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            save_ending_review(referral=referral, by=request.user, **form.cleaned_data)
        except ActionError as error:
            show_action_errors(form, error)
        else:
            messages.success(request, "Thank you: your therapist will read this with you.")
            return HttpResponseRedirect(reverse("my_home"))
    context = {"me": who, "form": form, "done": done, "summary": summary_of(form)}
    return render(
        request, "portal/my_ending_review.html", context, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
@login_required
def my_experience(request: AuthenticatedHttpRequest, stage: str) -> HttpResponse:
    """The NHS Talking Therapies patient experience questions, at assessment or the end."""
    who = me(request)
    if stage not in ("assessment", "end"):
        raise Http404("There are no questions to answer here.")
    referral = reviewed_referral(who, stage)
    questions = [(q.code, q.text, list(q.answers)) for q in questions_for(stage)]
    form = ChoicesForm(request.POST if request.method == "POST" else None, questions=questions)
    done = ExperienceAnswers.objects.filter(referral=referral, stage=stage).exists()
    if request.method == "POST" and referral is None:
        form.is_valid()
        form.add_error(None, "There is no assessment on record yet to answer questions about.")
    elif request.method == "POST" and referral is not None:
        form.is_valid()
        try:
            save_experience_answers(
                referral=referral,
                stage=stage,
                answers={code: request.POST.get(code, "") for code, _, _ in questions},
                by=request.user,
            )
        except ActionError as error:
            show_action_errors(form, error)
        else:
            messages.success(request, "Thank you for answering.")
            return HttpResponseRedirect(reverse("my_home"))
    context = {
        "me": who,
        "form": form,
        "stage": stage,
        "done": done,
        "available": referral is not None,
        "summary": summary_of(form),
    }
    return render(request, "portal/my_experience.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def my_messages(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Stop reminders and invitations by email, text or both."""
    who = me(request)
    if request.method == "POST":
        channel = request.POST.get("channel", "")
        if channel not in ("email", "sms", "all"):
            messages.error(request, "Choose email, text messages or both.")
            return HttpResponseRedirect(reverse("my_messages"))
        stop_messages(
            client=who.client,
            channel=None if channel == "all" else channel,
            by=request.user,
            how="their pages",
        )
        messages.success(request, "Done: we will not send you those reminders any more.")
        return HttpResponseRedirect(reverse("my_messages"))
    return render(request, "portal/my_messages.html", {"me": who})
