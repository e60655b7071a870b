"""Clients, referrals, assessments, episodes and their signals."""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from ontrack.web.accounts.models import Service
from ontrack.web.api.auth import auth_for
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
    AssessmentIn,
    AssessmentOut,
    ClientDetails,
    ClientIn,
    ClientOut,
    EpisodeOut,
    ReferralIn,
    ReferralOut,
    SignalOut,
)
from ontrack.web.records import actions, permissions
from ontrack.web.records.models import Assessment, Client, Episode, Referral

clients = Router(tags=["clients"], auth=auth_for("clients"))
referrals = Router(tags=["referrals"], auth=auth_for("referrals"))
assessments = Router(tags=["assessments"], auth=auth_for("assessments"))
episodes = Router(tags=["episodes"], auth=auth_for("episodes"))
signals = Router(tags=["signals"], auth=auth_for("signals"))


# -- clients ------------------------------------------------------------------------------------


@clients.get("", response=responses(page_of(ClientOut)), summary="List clients you may see")
def list_clients(
    request: HttpRequest, page: Query[PageParams], dates: Query[DateRange]
) -> dict[str, Any]:
    """Clients in your scope, by family name; ``since``/``until`` filter on registration."""
    queryset = Client.objects.order_by("family_name", "given_name", "pk")
    if dates.since is not None:
        queryset = queryset.filter(created_at__date__gte=dates.since)
    if dates.until is not None:
        queryset = queryset.filter(created_at__date__lte=dates.until)
    return paginate(request, queryset, page)


@clients.get("/{client_id}", response=responses(ClientOut), summary="Read one client")
def read_client(request: HttpRequest, client_id: Id, response: HttpResponse) -> Client:
    """One client; the ``ETag`` is the version to send back in ``If-Match`` when changing."""
    client = get_visible(request, Client.objects.all(), client_id)
    set_etag(response, client)
    return client


@clients.post("", response=responses(ClientOut, 201, write=True), summary="Register a client")
def register_client(request: HttpRequest, body: ClientIn, response: HttpResponse) -> Status[Any]:
    viewer = permissions.actor(request.user)
    permissions.require(viewer.service_id is not None, "register clients")
    service = Service.objects.get(pk=viewer.service_id or 0)
    details = body.given()
    client = actions.register_client(
        service=service,
        given_name=details.pop("given_name"),
        family_name=details.pop("family_name"),
        by=request.user,  # type: ignore[arg-type]
        **details,
    )
    set_etag(response, client)
    return Status(201, client)


@clients.patch(
    "/{client_id}",
    response=responses(ClientOut, write=True),
    summary="Change a client",
    openapi_extra=IF_MATCH,
)
def update_client(
    request: HttpRequest, client_id: Id, body: ClientDetails, response: HttpResponse
) -> Client:
    """Change the details given (``If-Match`` required; a stale version gets 409)."""
    client = get_visible(request, Client.objects.all(), client_id)
    updated = actions.update_client(
        client=client,
        expected_version=expected_version(request, client),
        changes=body.given(),
        by=request.user,  # type: ignore[arg-type]
    )
    set_etag(response, updated)
    return updated


# -- referrals ----------------------------------------------------------------------------------


@referrals.get("", response=responses(page_of(ReferralOut)), summary="List referrals")
def list_referrals(
    request: HttpRequest,
    page: Query[PageParams],
    dates: Query[DateRange],
    status: Literal["open", "ended"] | None = None,
    client_id: Id | None = None,
) -> dict[str, Any]:
    """Referrals in your scope; dates filter on the referral date."""
    queryset = in_range(Referral.objects.order_by("-referral_date", "pk"), "referral_date", dates)
    if status is not None:
        queryset = queryset.filter(end_date__isnull=status == "open")
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    return paginate(request, queryset, page)


@referrals.get("/{referral_id}", response=responses(ReferralOut), summary="Read one referral")
def read_referral(request: HttpRequest, referral_id: Id, response: HttpResponse) -> Referral:
    referral = get_visible(request, Referral.objects.all(), referral_id)
    set_etag(response, referral)
    return referral


@referrals.post("", response=responses(ReferralOut, 201, write=True), summary="Add a referral")
def create_referral(request: HttpRequest, body: ReferralIn, response: HttpResponse) -> Status[Any]:
    client = get_visible(request, Client.objects.all(), body.client_id)
    referral = actions.create_referral(
        client=client,
        referral_date=body.referral_date,
        source=body.source,
        problem_descriptor=body.problem_descriptor,
        employed=body.employed,
        by=request.user,  # type: ignore[arg-type]
    )
    set_etag(response, referral)
    return Status(201, referral)


# -- assessments --------------------------------------------------------------------------------


@assessments.get("", response=responses(page_of(AssessmentOut)), summary="List assessments")
def list_assessments(
    request: HttpRequest,
    page: Query[PageParams],
    dates: Query[DateRange],
    referral_id: Id | None = None,
) -> dict[str, Any]:
    queryset = in_range(Assessment.objects.order_by("assessed_on", "pk"), "assessed_on", dates)
    if referral_id is not None:
        queryset = queryset.filter(referral_id=referral_id)
    return paginate(request, queryset, page)


@referrals.post(
    "/{referral_id}/assessments",
    response=responses(AssessmentOut, 201, write=True),
    summary="Record a referral's assessment",
    openapi_extra=IF_MATCH,
    auth=auth_for("assessments"),
)
def record_assessment(request: HttpRequest, referral_id: Id, body: AssessmentIn) -> Status[Any]:
    """Record the assessment (``If-Match``: the referral's version)."""
    referral = get_visible(request, Referral.objects.select_related("client"), referral_id)
    assessment = actions.record_assessment(
        referral=referral,
        expected_version=expected_version(request, referral),
        by=request.user,  # type: ignore[arg-type]
        **body.model_dump(),
    )
    return Status(201, assessment)


# -- episodes and signals ----------------------------------------------------------------------


def _episodes() -> QuerySet[Episode]:
    return Episode.objects.select_related("referral")


@episodes.get("", response=responses(page_of(EpisodeOut)), summary="List episodes of care")
def list_episodes(
    request: HttpRequest,
    page: Query[PageParams],
    dates: Query[DateRange],
    status: Literal["open", "closed"] | None = None,
    signal: str | None = None,
    therapist_id: Id | None = None,
) -> dict[str, Any]:
    """Episodes in your scope; dates filter on the start date."""
    queryset = in_range(_episodes().order_by("started_on", "pk"), "started_on", dates)
    if status is not None:
        queryset = queryset.filter(status=status)
    if signal is not None:
        queryset = queryset.filter(signal=signal)
    if therapist_id is not None:
        queryset = queryset.filter(therapist_id=therapist_id)
    return paginate(request, queryset, page)


@episodes.get("/{episode_id}", response=responses(EpisodeOut), summary="Read one episode")
def read_episode(request: HttpRequest, episode_id: Id, response: HttpResponse) -> Episode:
    """One episode; its ``ETag`` is what recording a session sends in ``If-Match``."""
    episode = get_visible(request, _episodes(), episode_id)
    set_etag(response, episode)
    return episode


def signal_of(episode: Episode) -> dict[str, Any]:
    return {
        "episode_id": episode.pk,
        "signal": episode.signal,
        "reasons": [str(r) for r in episode.signal_reasons or []],
        "judged_at": episode.signal_at,
        "after_contact_id": episode.signal_contact_id,
    }


@signals.get("", response=responses(page_of(SignalOut)), summary="List progress signals")
def list_signals(
    request: HttpRequest, page: Query[PageParams], signal: str | None = None
) -> dict[str, Any]:
    """The latest early-warning signal of each open episode in your scope."""
    queryset = Episode.objects.filter(status="open").order_by("pk")
    if signal is not None:
        queryset = queryset.filter(signal=signal)
    found = paginate(request, queryset, page)
    found["items"] = [signal_of(e) for e in found["items"]]
    return found


@episodes.get(
    "/{episode_id}/signal",
    response=responses(SignalOut),
    summary="Read an episode's signal",
    auth=auth_for("signals"),
)
def read_signal(request: HttpRequest, episode_id: Id) -> dict[str, Any]:
    """The episode's signal after its latest evaluation, with its reasons in plain words."""
    return signal_of(get_visible(request, Episode.objects.all(), episode_id))
