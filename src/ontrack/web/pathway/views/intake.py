"""Intake: the public self-referral form, the intake queue, checking a self-referral, and
the staff intake form (``/referrals/new/``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ontrack.web.accounts.http import AuthenticatedHttpRequest
from ontrack.web.accounts.models import Service
from ontrack.web.audit.events import record_list_view, record_view
from ontrack.web.common.codes import SourceOfReferral
from ontrack.web.common.forms import apply_action_errors
from ontrack.web.pathway import actions, ratelimit
from ontrack.web.pathway.codes import SelfReferralStatus
from ontrack.web.pathway.forms import ClientReferralForm, DeclineForm, SelfReferralForm, yes_no
from ontrack.web.pathway.models.intake import DEFAULT_CRISIS_TEXT, IntakeSettings, SelfReferral
from ontrack.web.pathway.views._common import require_triage, service_of
from ontrack.web.records.actions import ActionError
from ontrack.web.records.models import Assessment, Referral
from ontrack.web.records.scoping import today


def _public_service(request: HttpRequest) -> Service:
    """The service a public form is for: ``?service=CODE``, or the only one there is."""
    code = request.GET.get("service") or request.POST.get("service") or ""
    services = Service.objects.all()
    if code:
        return get_object_or_404(services, code=code)
    only = list(services[:2])
    if len(only) != 1:
        raise Http404("Choose a service: add ?service=CODE to the address.")
    return only[0]


def _crisis_text(service: Service) -> str:
    settings = IntakeSettings.objects.filter(service=service).first()
    return settings.crisis_text if settings is not None else DEFAULT_CRISIS_TEXT


@require_http_methods(["GET", "POST"])
def self_referral(request: HttpRequest) -> HttpResponse:
    """The public self-referral form: no account; rate-limited; the crisis text first."""
    service = _public_service(request)
    status = 200
    form = SelfReferralForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not ratelimit.allow(request, "self_referral"):
            return render(
                request,
                "pathway/self_referral_limited.html",
                {"service": service, "crisis_text": _crisis_text(service)},
                status=429,
            )
        if form.is_valid():
            try:
                actions.submit_self_referral(service=service, details=form.details())
            except ActionError as error:
                apply_action_errors(form, error)
            else:
                return HttpResponseRedirect(
                    reverse("self_referral_done") + f"?service={service.code}"
                )
        status = 400
    return render(
        request,
        "pathway/self_referral.html",
        {"form": form, "service": service, "crisis_text": _crisis_text(service)},
        status=status,
    )


@require_GET
def self_referral_done(request: HttpRequest) -> HttpResponse:
    service = _public_service(request)
    return render(
        request,
        "pathway/self_referral_done.html",
        {"service": service, "crisis_text": _crisis_text(service)},
    )


@require_GET
@login_required
def intake_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Self-referrals to check, and referrals not yet assessed (oldest first)."""
    service_id = service_of(require_triage(request, "The intake queue"))
    self_referrals = SelfReferral.objects.filter(
        service_id=service_id, status=SelfReferralStatus.NEW
    ).order_by("submitted_at")
    assessed = Assessment.unscoped.filter(referral=OuterRef("pk"))
    unassessed = (
        Referral.objects.filter(end_date__isnull=True, client__service_id=service_id)
        .exclude(Exists(assessed))
        .select_related("client")
        .order_by("referral_date", "pk")[:200]
    )
    record_list_view(
        by=request.user,
        page="intake_queue",
        path=request.get_full_path(),
        client_ids=[referral.client_id for referral in unassessed],
    )
    return render(
        request,
        "pathway/intake_queue.html",
        {"self_referrals": self_referrals, "unassessed": unassessed, "today": today()},
    )


def _prefill(item: SelfReferral) -> dict[str, object]:
    return {
        "given_name": item.given_name,
        "family_name": item.family_name,
        "date_of_birth": item.date_of_birth,
        "phone": item.phone,
        "email": item.email,
        "address": item.address,
        "postcode": item.postcode,
        "contact_preference": item.contact_preference,
        "gp_practice": item.gp_practice,
        "referral_date": item.submitted_at.date(),
        "source": SourceOfReferral.SELF,
    }


def _register(
    request: AuthenticatedHttpRequest,
    form: ClientReferralForm,
    service: Service,
    item: SelfReferral | None,
) -> Referral | None:
    data = form.cleaned_data
    try:
        return actions.register_referral(
            service=service,
            client_details=form.client_details(),
            referral_date=data.get("referral_date"),  # type: ignore[arg-type]
            source=data.get("source") or "",
            problem_descriptor=data.get("problem_descriptor") or "",
            employed=yes_no(data.get("employed") or ""),
            not_a_duplicate=bool(data.get("not_a_duplicate")),
            self_referral=item,
            expected_version=item.version if item is not None else None,
            by=request.user,
        )
    except ActionError as error:
        apply_action_errors(form, error)
        return None


@require_http_methods(["GET", "POST"])
@login_required
def new_referral(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The staff intake: register a client and their referral."""
    service = Service.objects.get(pk=service_of(require_triage(request, "Registering referrals")))
    form = ClientReferralForm(
        request.POST if request.method == "POST" else None, initial={"referral_date": today()}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid() and (referral := _register(request, form, service, None)):
            messages.success(request, f"{referral.client.full_name} is registered.")
            return HttpResponseRedirect(reverse("referral_detail", args=[referral.pk]))
        status = 400
    return render(
        request,
        "pathway/new_referral.html",
        {"form": form, "duplicate_asked": "not_a_duplicate" in form.errors},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def self_referral_check(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    """Check a self-referral: register it (with the duplicate check), or decline it."""
    service_id = service_of(require_triage(request, "Checking self-referrals"))
    item = get_object_or_404(SelfReferral, pk=item_id, service_id=service_id)
    record_view(by=request.user, page="self_referral_check", target=item, client_id=None)
    form = ClientReferralForm(initial=_prefill(item))
    decline = DeclineForm(initial={"version": item.version})
    status = 200
    if request.method == "POST" and item.status != SelfReferralStatus.NEW:
        raise PermissionDenied("This self-referral was already dealt with.")
    if request.method == "POST" and request.POST.get("decline"):
        decline = DeclineForm(request.POST)
        if decline.is_valid():
            try:
                actions.decline_self_referral(
                    self_referral=item,
                    expected_version=decline.cleaned_data["version"],
                    note=decline.cleaned_data.get("note") or "",
                    by=request.user,
                )
            except ActionError as error:
                apply_action_errors(decline, error)
            else:
                messages.success(request, "Marked as not taken forward.")
                return HttpResponseRedirect(reverse("intake_queue"))
        status = 400
    elif request.method == "POST":
        form = ClientReferralForm(request.POST)
        if form.is_valid() and (referral := _register(request, form, item.service, item)):
            messages.success(request, f"{referral.client.full_name} is registered.")
            return HttpResponseRedirect(reverse("referral_detail", args=[referral.pk]))
        status = 400
    return render(
        request,
        "pathway/self_referral_check.html",
        {
            "item": item,
            "form": form,
            "decline": decline,
            "duplicates": actions.likely_duplicates(
                item.service_id,
                given_name=item.given_name,
                family_name=item.family_name,
                date_of_birth=item.date_of_birth,
                phone=item.phone,
                email=item.email,
            ),
            "duplicate_asked": "not_a_duplicate" in form.errors,
        },
        status=status,
    )
