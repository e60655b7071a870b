"""Intake: the public self-referral, and registering a client and referral (staff).

Before a new client is created, people already on the books who look like the same person
are named, and creating another needs a tick to say they are not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ontrack.web.accounts.models import Service, User
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import ActionError, check_text, claim_version
from ontrack.web.common.codes import ContactPreference, SourceOfReferral
from ontrack.web.pathway.codes import SelfReferralStatus
from ontrack.web.pathway.models import SelfReferral
from ontrack.web.pathway.permissions import can_triage
from ontrack.web.records import actions as records
from ontrack.web.records import permissions
from ontrack.web.records.models import Client, Referral

MIN_AGE = 16  # NHS Talking Therapies is for adults (16 and over)
_SELF_FIELDS = ("given_name", "family_name", "date_of_birth", "phone", "email", "postcode")


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _check_self_referral(details: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name, limit in (("given_name", 100), ("family_name", 100)):
        clean[name] = check_text(errors, name, details.get(name, ""), limit=limit)
        if name not in errors and not clean[name]:
            errors[name] = f"Enter your {name.replace('_', ' ')}."
    born = details.get("date_of_birth")
    today = timezone.localdate()
    if not isinstance(born, dt.date) or born > today or born.year < 1900:
        errors["date_of_birth"] = "Enter your date of birth, for example 17 5 1990."
    elif _age(born, today) < MIN_AGE:
        errors["date_of_birth"] = (
            f"This service is for people aged {MIN_AGE} and over. Your GP or school can "
            "tell you about help for younger people."
        )
    clean["date_of_birth"] = born
    for name, limit in (("phone", 32), ("postcode", 10), ("gp_practice", 200), ("address", 500)):
        clean[name] = check_text(errors, name, details.get(name, ""), limit=limit)
    clean["email"] = check_text(errors, "email", details.get("email", ""), limit=254)
    if clean["email"]:
        try:
            validate_email(clean["email"])
        except ValidationError:
            errors["email"] = "Enter an email address like name@example.org."
    if not clean["phone"] and not clean["email"] and "email" not in errors:
        errors["phone"] = "Give a telephone number or an email address so we can reach you."
    preference = details.get("contact_preference") or ""
    if preference and preference not in ContactPreference.values:
        errors["contact_preference"] = "Choose how you would like us to contact you."
    clean["contact_preference"] = preference
    clean["ok_to_leave_message"] = bool(details.get("ok_to_leave_message"))
    clean["what_is_happening"] = check_text(
        errors, "what_is_happening", details.get("what_is_happening", ""), limit=5000
    )
    if "what_is_happening" not in errors and not clean["what_is_happening"]:
        errors["what_is_happening"] = "Tell us a little about what is happening for you."
    if details.get("consent") is not True:
        errors["consent"] = "Tick to agree that we may keep these details to contact you."
    clean["consent"] = True
    if errors:
        raise ActionError(errors)
    return clean


@transaction.atomic
def submit_self_referral(*, service: Service, details: Mapping[str, Any]) -> SelfReferral:
    """Keep a self-referral from the public form for staff to check (no account needed)."""
    clean = _check_self_referral(details)
    item = SelfReferral.objects.create(service=service, **clean)
    record_change(
        by=None,
        action="submit_self_referral",
        target=item,
        client_id=None,
        new=snapshot(item, ("service", "submitted_at")),
    )
    return item


def likely_duplicates(
    service_id: int,
    *,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date | None,
    phone: str = "",
    email: str = "",
) -> list[Client]:
    """Clients of the service who may be the same person: the same date of birth with the
    same family or given name, or the same phone number or email address."""
    condition = Q(pk__in=[])
    if date_of_birth is not None:
        condition |= Q(date_of_birth=date_of_birth) & (
            Q(family_name__iexact=family_name.strip()) | Q(given_name__iexact=given_name.strip())
        )
    if phone.strip():
        condition |= Q(phone=phone.strip())
    if email.strip():
        condition |= Q(email__iexact=email.strip())
    return list(Client.unscoped.filter(condition, service_id=service_id).order_by("pk")[:5])


def _refuse_duplicate(found: list[Client]) -> None:
    names = "; ".join(
        f"{c.full_name}"
        + (f", born {c.date_of_birth:%d %b %Y}" if c.date_of_birth else "")
        + f" (client {c.pk})"
        for c in found
    )
    raise ActionError(
        {
            "not_a_duplicate": f"This may be someone already registered: {names}. Open "
            "their record and add the referral there, or tick to confirm this is "
            "a different person."
        }
    )


@transaction.atomic
def register_referral(
    *,
    service: Service,
    client_details: Mapping[str, Any],
    referral_date: dt.date,
    source: str,
    problem_descriptor: str = "",
    employed: bool | None = None,
    not_a_duplicate: bool = False,
    self_referral: SelfReferral | None = None,
    expected_version: int | None = None,
    by: User,
) -> Referral:
    """Register a new client and their referral (from the staff form or a self-referral).

    Refuses, naming them, when a client of the service looks like the same person, unless
    ``not_a_duplicate`` says the registrar checked. Nothing is saved on any error.
    """
    viewer = permissions.actor(by)
    permissions.require(can_triage(viewer, service.pk), "register referrals here")
    details = dict(client_details)
    found = likely_duplicates(
        service.pk,
        given_name=str(details.get("given_name", "")),
        family_name=str(details.get("family_name", "")),
        date_of_birth=details.get("date_of_birth"),
        phone=str(details.get("phone", "")),
        email=str(details.get("email", "")),
    )
    if found and not not_a_duplicate:
        _refuse_duplicate(found)
    if self_referral is not None:
        _accept(self_referral, expected_version, by)
    given = details.pop("given_name", "")
    family = details.pop("family_name", "")
    client = records.register_client(
        service=service, given_name=given, family_name=family, by=by, **details
    )
    referral = records.create_referral(
        client=client,
        referral_date=referral_date,
        source=source,
        problem_descriptor=problem_descriptor,
        employed=employed,
        by=by,
    )
    if self_referral is not None:
        SelfReferral.objects.filter(pk=self_referral.pk).update(referral=referral)
    return referral


def _accept(item: SelfReferral, expected_version: int | None, by: User) -> None:
    if item.status != SelfReferralStatus.NEW:
        raise ActionError("This self-referral was already dealt with.")
    claim_version(item, expected_version if expected_version is not None else item.version)
    item.status = SelfReferralStatus.ACCEPTED
    item.handled_by = by
    item.handled_at = timezone.now()
    item.save(update_fields=["status", "handled_by", "handled_at", "version"])
    record_change(
        by=by,
        action="accept_self_referral",
        target=item,
        client_id=None,
        old={"status": SelfReferralStatus.NEW},
        new={"status": item.status},
    )


@transaction.atomic
def decline_self_referral(
    *, self_referral: SelfReferral, expected_version: int, note: str, by: User
) -> SelfReferral:
    """Record that a self-referral is not taken forward (say, sent twice), with why."""
    viewer = permissions.actor(by)
    permissions.require(can_triage(viewer, self_referral.service_id), "handle self-referrals")
    errors: dict[str, str] = {}
    text = check_text(errors, "note", note, limit=2000)
    if "note" not in errors and not text:
        errors["note"] = "Say why it is not taken forward."
    if self_referral.status != SelfReferralStatus.NEW:
        errors["__all__"] = "This self-referral was already dealt with."
    if errors:
        raise ActionError(errors)
    claim_version(self_referral, expected_version)
    self_referral.status = SelfReferralStatus.DECLINED
    self_referral.handled_by = by
    self_referral.handled_at = timezone.now()
    self_referral.handled_note = text
    self_referral.save(
        update_fields=["status", "handled_by", "handled_at", "handled_note", "version"]
    )
    record_change(
        by=by,
        action="decline_self_referral",
        target=self_referral,
        client_id=None,
        old={"status": SelfReferralStatus.NEW},
        new={"status": self_referral.status, "note": text},
    )
    return self_referral


SELF_REFERRAL_SOURCE = SourceOfReferral.SELF
