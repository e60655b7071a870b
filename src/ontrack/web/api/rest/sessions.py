"""Contacts (recording a session), questionnaire responses and appointments."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Status

from ontrack.web.accounts.models import Staff
from ontrack.web.api.auth import auth_for
from ontrack.web.api.rest.care import episodes, signal_of
from ontrack.web.api.rest.common import (
    IF_MATCH,
    DateRange,
    Id,
    PageParams,
    expected_version,
    get_visible,
    in_range,
    page_of,
    paginate,
    responses,
    set_etag,
)
from ontrack.web.api.rest.schemas import (
    AppointmentIn,
    AppointmentOut,
    AppointmentOutcomeIn,
    ContactOut,
    QuestionnaireOut,
    SessionIn,
    SessionOut,
)
from ontrack.web.common.codes import AlertKind
from ontrack.web.records import actions
from ontrack.web.records.models import (
    Alert,
    Appointment,
    Contact,
    Episode,
    QuestionnaireResponse,
    Referral,
)

contacts = Router(tags=["contacts"], auth=auth_for("contacts"))
questionnaires = Router(tags=["questionnaire responses"], auth=auth_for("questionnaires"))
appointments = Router(tags=["appointments"], auth=auth_for("appointments"))


@contacts.get("", response=responses(page_of(ContactOut)), summary="List contacts")
def list_contacts(
    request: HttpRequest,
    page: Query[PageParams],
    dates: Query[DateRange],
    referral_id: Id | None = None,
    episode_id: Id | None = None,
    attendance: str | None = None,
) -> dict[str, Any]:
    """Contacts (sessions, assessments, missed appointments) in your scope, by date."""
    queryset = in_range(Contact.objects.order_by("contact_date", "pk"), "contact_date", dates)
    if referral_id is not None:
        queryset = queryset.filter(referral_id=referral_id)
    if episode_id is not None:
        queryset = queryset.filter(episode_id=episode_id)
    if attendance is not None:
        queryset = queryset.filter(attendance=attendance)
    return paginate(request, queryset, page)


@contacts.get("/{contact_id}", response=responses(ContactOut), summary="Read one contact")
def read_contact(request: HttpRequest, contact_id: Id, response: HttpResponse) -> Contact:
    contact = get_visible(request, Contact.objects.all(), contact_id)
    set_etag(response, contact)
    return contact


@episodes.post(
    "/{episode_id}/sessions",
    response=responses(SessionOut, 201, write=True),
    summary="Record a session",
    openapi_extra=IF_MATCH,
    auth=auth_for("contacts"),
)
def record_session(
    request: HttpRequest, episode_id: Id, body: SessionIn, response: HttpResponse
) -> Status[Any]:
    """Record one session of an episode, exactly as the session form does.

    Send the episode's ETag in ``If-Match``: if someone recorded a session after you read
    it, you get 409 and nothing is saved. Questionnaires are scored; a positive risk answer
    opens an urgent risk alert (its id is in ``risk_alert_ids``); the episode's signal is
    evaluated in the same transaction and returned.
    """
    episode = get_visible(
        request, Episode.objects.select_related("referral__client", "therapist"), episode_id
    )
    contact = actions.record_session(
        episode=episode,
        expected_version=expected_version(request, episode),
        contact_date=body.contact_date,
        attendance=body.attendance,
        app_type=body.app_type,
        cons_mechanism=body.cons_mechanism,
        therapy=body.therapy,
        questionnaires=body.questionnaires,
        alliance=body.alliance,
        goal_ratings={g.goal_id: g.rating for g in body.goal_ratings},
        homework_reviews={
            h.homework_id: actions.HomeworkReview(h.outcome, h.progress_summary)
            for h in body.homework_reviews
        },
        new_homework=(
            actions.HomeworkPlan(**body.new_homework.model_dump())
            if body.new_homework is not None
            else None
        ),
        notes=body.notes,
        next_session_on=body.next_session_on,
        by=request.user,  # type: ignore[arg-type]
    )
    episode = Episode.objects.get(pk=episode.pk)
    response["ETag"] = f'"{episode.version}"'  # the episode's new version
    risk = Alert.objects.filter(contact=contact, kind=AlertKind.RISK).values_list("pk", flat=True)
    return Status(
        201, {"contact": contact, "signal": signal_of(episode), "risk_alert_ids": list(risk)}
    )


@questionnaires.get(
    "", response=responses(page_of(QuestionnaireOut)), summary="List questionnaire responses"
)
def list_questionnaires(
    request: HttpRequest,
    page: Query[PageParams],
    dates: Query[DateRange],
    measure: str | None = None,
    client_id: Id | None = None,
    risk: bool | None = None,
) -> dict[str, Any]:
    """Scored questionnaires in your scope; dates filter on the contact's date."""
    queryset = in_range(
        QuestionnaireResponse.objects.select_related("contact__referral").order_by(
            "contact__contact_date", "pk"
        ),
        "contact__contact_date",
        dates,
    )
    if measure is not None:
        queryset = queryset.filter(measure=measure)
    if client_id is not None:
        queryset = queryset.filter(contact__referral__client_id=client_id)
    if risk is not None:
        queryset = queryset.filter(risk=risk)
    return paginate(request, queryset, page)


@questionnaires.get(
    "/{response_id}", response=responses(QuestionnaireOut), summary="Read one response"
)
def read_questionnaire(request: HttpRequest, response_id: Id) -> QuestionnaireResponse:
    return get_visible(
        request, QuestionnaireResponse.objects.select_related("contact__referral"), response_id
    )


@appointments.get("", response=responses(page_of(AppointmentOut)), summary="List appointments")
def list_appointments(
    request: HttpRequest,
    page: Query[PageParams],
    dates: Query[DateRange],
    status: str | None = None,
    staff_id: Id | None = None,
    referral_id: Id | None = None,
) -> dict[str, Any]:
    """Appointments in your scope; dates filter on the day it starts (service time)."""
    queryset = Appointment.objects.order_by("starts_at", "pk")
    if dates.since is not None:
        queryset = queryset.filter(starts_at__date__gte=dates.since)
    if dates.until is not None:
        queryset = queryset.filter(starts_at__date__lte=dates.until)
    if status is not None:
        queryset = queryset.filter(status=status)
    if staff_id is not None:
        queryset = queryset.filter(staff_id=staff_id)
    if referral_id is not None:
        queryset = queryset.filter(referral_id=referral_id)
    return paginate(request, queryset, page)


@appointments.get(
    "/{appointment_id}", response=responses(AppointmentOut), summary="Read one appointment"
)
def read_appointment(
    request: HttpRequest, appointment_id: Id, response: HttpResponse
) -> Appointment:
    appointment = get_visible(request, Appointment.objects.all(), appointment_id)
    set_etag(response, appointment)
    return appointment


@appointments.post(
    "", response=responses(AppointmentOut, 201, write=True), summary="Book an appointment"
)
def book_appointment(
    request: HttpRequest, body: AppointmentIn, response: HttpResponse
) -> Status[Any]:
    referral = get_visible(request, Referral.objects.select_related("client"), body.referral_id)
    staff = get_visible(
        request, Staff.objects.filter(service_id=referral.client.service_id), body.staff_id
    )
    starts_at = body.starts_at
    if timezone.is_naive(starts_at):  # a time without an offset is the service's local time
        starts_at = timezone.make_aware(starts_at)
    appointment = actions.book_appointment(
        referral=referral,
        staff=staff,
        starts_at=starts_at,
        minutes=body.minutes,
        app_type=body.app_type,
        cons_mechanism=body.cons_mechanism,
        by=request.user,  # type: ignore[arg-type]
    )
    set_etag(response, appointment)
    return Status(201, appointment)


@appointments.post(
    "/{appointment_id}/outcome",
    response=responses(ContactOut, 201, write=True),
    summary="Record a cancelled or missed appointment",
    openapi_extra=IF_MATCH,
)
def record_outcome(
    request: HttpRequest, appointment_id: Id, body: AppointmentOutcomeIn
) -> Status[Any]:
    """Cancelled (by the client or the service), did not attend, or late and not seen."""
    appointment = get_visible(
        request, Appointment.objects.select_related("referral__client"), appointment_id
    )
    contact = actions.record_appointment_outcome(
        appointment=appointment,
        expected_version=expected_version(request, appointment),
        outcome=body.outcome,
        reason=body.reason,
        by=request.user,  # type: ignore[arg-type]
    )
    return Status(201, contact)
