"""Record a session, then show what it changed: the signal and any alert opened or closed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ontrack.measures import Measure, MeasureError, get_measure
from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.common.codes import AlertKind, AlertStatus, GoalStatus
from ontrack.web.records import actions
from ontrack.web.records.actions.online import SESSION_MEASURES, adsm_for, pending_submissions
from ontrack.web.records.actions.risk import open_risk_alert_of, risk_alert_message
from ontrack.web.records.actions.tokens import note_token_result
from ontrack.web.records.forms.sessions import AdsmChoiceForm, SessionForm, adsm_choices
from ontrack.web.records.models import (
    Alert,
    Contact,
    Episode,
    Goal,
    Homework,
    OnlineSubmission,
)
from ontrack.web.records.views._common import episode_for, staff_client_for

# The alliance measure every session form asks (its wording ships under CC BY 4.0; see its
# provenance on the form). The questionnaires are PHQ-9, GAD-7 and the chosen ADSM.
ALLIANCE_MEASURE = "OSR"
_ADSM_CODES = frozenset(code for code, _ in adsm_choices() if code)


def chosen_adsm(request: AuthenticatedHttpRequest, episode: Episode) -> str:
    """Return the ADSM the form asks: the one chosen on the page, else the descriptor's."""
    asked = request.POST.get("adsm") if request.method == "POST" else request.GET.get("adsm")
    if asked is not None and (asked == "" or asked in _ADSM_CODES):
        return asked
    return adsm_for(episode.referral) or ""


def session_form(
    episode: Episode,
    data: Any = None,
    *,
    adsm: str | None = None,
    online: Mapping[str, OnlineSubmission] | None = None,
) -> SessionForm:
    referral = episode.referral
    if adsm is None:
        adsm = adsm_for(referral) or ""
    codes = [*SESSION_MEASURES, *([adsm] if adsm else [])]
    return SessionForm(
        data,
        episode=episode,
        questionnaires=[get_measure(code) for code in codes],
        alliance=get_measure(ALLIANCE_MEASURE),
        goals=Goal.objects.filter(referral=referral, status=GoalStatus.ACTIVE),
        homework_due=Homework.objects.filter(referral=referral, reviewed_contact__isnull=True),
        online=online,
        adsm=adsm,
    )


def _save(
    request: AuthenticatedHttpRequest, form: SessionForm, episode: Episode
) -> HttpResponse | None:
    """Save a valid session form once (its one-time token is claimed in the same
    transaction); None when the action refused it (its messages are on the form)."""
    client_id = episode.referral.client_id
    try:
        with transaction.atomic():
            claimed = actions.claim_form_token(form.cleaned_data.get("form_token"), by=request.user)
            contact = actions.record_session_with_online(
                episode=episode, by=request.user, **form.action_arguments()
            )
            note_token_result(claimed, reverse("contact_detail", args=[client_id, contact.pk]))
    except actions.ActionError as error:
        form.add_action_errors(error)
        return None
    if contact.questionnaires.filter(risk=True).exists() and (
        alert := open_risk_alert_of(client_id)
    ):
        messages.warning(request, risk_alert_message(alert))
    url = reverse("contact_detail", args=[client_id, contact.pk])
    return HttpResponseRedirect(url + "?saved=1")


def _alert_risk(request: AuthenticatedHttpRequest, form: SessionForm, episode: Episode) -> None:
    """Nothing was saved, but every positive risk answer on the form opens or updates the
    client's risk alert all the same (its own transaction, after the refused one)."""
    cleaned = getattr(form, "cleaned_data", {})
    actions.alert_risk_answers(
        referral=episode.referral,
        questionnaires=form.raw_questionnaires(),
        where=actions.session_where(cleaned.get("contact_date")),
        by=request.user,
    )


@require_http_methods(["GET", "POST"])
@login_required
def record_session(
    request: AuthenticatedHttpRequest, client_id: int, episode_id: int
) -> HttpResponse:
    """Record one session of an episode; on any error show every message and save nothing."""
    client = staff_client_for(request, client_id, "record_session")
    episode = episode_for(request, client, episode_id)
    adsm = chosen_adsm(request, episode)
    # Answers the client completed online since the last session pre-fill the form.
    online = pending_submissions(episode.referral)
    if request.method == "POST" and request.POST.get("change_adsm"):
        # "Use this measure": show the form again with the other ADSM, keeping everything
        # typed so far; nothing is checked or saved yet.
        form = session_form(episode, request.POST, adsm=adsm, online=online)
        form.show_unchecked()
        status = 200
    elif request.method == "POST":
        form = session_form(episode, request.POST, adsm=adsm, online=online)
        if form.is_valid() and (saved := _save(request, form, episode)) is not None:
            return saved
        _alert_risk(request, form, episode)
        status = 400
    else:
        form = session_form(episode, adsm=adsm, online=online)
        form.initial["form_token"] = actions.new_form_token()
        status = 200
    sessions = Contact.objects.filter(
        referral=episode.referral, session_number__isnull=False
    ).count()
    return render(
        request,
        "records/record_session.html",
        {
            "client": client,
            "episode": episode,
            "form": form,
            "sessions_so_far": sessions,
            "adsm_form": AdsmChoiceForm(initial={"adsm": adsm}),
            "same_day_asked": "same_day_confirmed" in form.errors
            or bool(form.data.get("same_day_confirmed")),
            "adsm_default": adsm_for(episode.referral),
            "waiting_elsewhere": [
                s for code, s in online.items() if code not in {g.measure.code for g in form.groups}
            ],
        },
        status=status,
    )


@dataclass(frozen=True)
class ItemAnswer:
    number: int
    text: str
    answer: str


def _items(measure: Measure | None, answers: list[Any] | None) -> tuple[ItemAnswer, ...]:
    if measure is None or not answers:
        return ()
    labels = measure.answer_labels
    out = []
    for item, value in zip(measure.items, answers, strict=False):
        if value is None:
            shown = "Not answered"
        else:
            index = int(value) - measure.item_min
            label = labels[index] if 0 <= index < len(labels) else ""
            shown = f"{value:g} ({label})" if label else f"{value:g}"
        out.append(ItemAnswer(item.number, item.text or f"Item {item.number}", shown))
    return tuple(out)


def _answers(contact: Contact) -> list[dict[str, Any]]:
    out = []
    responses: list[Any] = [*contact.questionnaires.all(), *contact.alliance_ratings.all()]
    for q in responses:
        try:
            measure = get_measure(q.measure)
        except MeasureError:
            measure = None
        out.append(
            {
                "response": q,
                "name": measure.name if measure else q.measure,
                "items": _items(measure, q.items),
            }
        )
    return out


@require_GET
@login_required
def contact_detail(
    request: AuthenticatedHttpRequest, client_id: int, contact_id: int
) -> HttpResponse:
    """Show one contact: answers, goals, homework, notes, and what it did to the signal."""
    client = staff_client_for(request, client_id, "contact_detail")
    contact = get_object_or_404(
        Contact.objects.select_related(
            "referral", "episode__therapist__user", "recorded_by"
        ).prefetch_related(
            "questionnaires",
            "alliance_ratings",
            "goal_ratings__goal",
            "homework_set",
            "homework_reviewed",
        ),
        pk=contact_id,
        referral__client=client,
    )
    episode = contact.episode
    # Alerts this contact opened or updated, and those the engine closed when it was saved.
    changed = list(
        Alert.objects.filter(referral=contact.referral)
        .filter(
            Q(contact=contact)
            | Q(
                status=AlertStatus.CLOSED,
                closed_by__isnull=True,
                closed_at__gte=contact.recorded_at,
            )
        )
        .order_by("opened_at")
    )
    urgency = {"urgent": 0, "high": 1, "routine": 2}
    changed.sort(key=lambda a: (a.kind != AlertKind.RISK, urgency.get(a.severity, 3)))
    return render(
        request,
        "records/contact_detail.html",
        {
            "client": client,
            "contact": contact,
            "episode": episode,
            "answers": _answers(contact),
            "opened": [a for a in changed if not a.is_closed],
            "closed": [a for a in changed if a.is_closed],
            "saved": request.GET.get("saved") == "1",
            "is_signal_contact": episode is not None and episode.signal_contact_id == contact.pk,
            "staff_view": True,
        },
    )
