"""Register a client and change their details, preferences and consent."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from ontrack.web.accounts.models import Service, User
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import ActionError, claim_version
from ontrack.web.common.codes import ContactPreference, Ethnicity, Gender, ImdDecile
from ontrack.web.records import permissions
from ontrack.web.records.models import Client
from ontrack.web.records.models.clients import CLIENT_EDITABLE_FIELDS

_TEXT_LIMITS = {
    "given_name": 100,
    "family_name": 100,
    "first_language": 64,
    "phone": 32,
    "email": 254,
    "address": 500,
    "postcode": 10,
    "preferred_language": 64,
    "therapist_preferences": 2000,
    "gp_practice": 200,
}
_CHOICES: dict[str, tuple[Any, bool]] = {
    "gender": (Gender, True),
    "ethnicity": (Ethnicity, True),
    "contact_preference": (ContactPreference, False),
    "preferred_therapist_gender": (Gender, False),
}
_FLAGS = (
    "consent_to_treatment",
    "consent_to_sms",
    "consent_to_email",
    "consent_to_research",
    "needs_interpreter",
)


def _clean_details(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check each given detail; raise ``ActionError`` naming every bad one."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    unknown = sorted(set(values) - set(CLIENT_EDITABLE_FIELDS))
    if unknown:
        errors["__all__"] = f"Unknown client detail(s): {', '.join(unknown)}."
    for name, value in values.items():
        if name in _TEXT_LIMITS:
            if not isinstance(value, str):
                errors[name] = "Enter text."
                continue
            value = value.strip()
            if len(value) > _TEXT_LIMITS[name]:
                errors[name] = f"Keep this under {_TEXT_LIMITS[name]} characters."
                continue
            if name in ("given_name", "family_name") and not value:
                errors[name] = "Enter the client's " + name.replace("_", " ") + "."
                continue
            if name == "email" and value:
                try:
                    validate_email(value)
                except ValidationError:
                    errors[name] = "Enter an email address like name@example.org."
                    continue
            clean[name] = value
        elif name in _CHOICES:
            enum, required = _CHOICES[name]
            if value in ("", None) and not required:
                clean[name] = ""
            elif value not in enum.values:
                errors[name] = f"{value!r} is not a known code for {name.replace('_', ' ')}."
            else:
                clean[name] = value
        elif name == "imd_decile":
            if value is None:
                clean[name] = None
            elif isinstance(value, bool) or value not in ImdDecile.values:
                errors[name] = "The deprivation decile is a whole number from 1 to 10."
            else:
                clean[name] = value
        elif name == "date_of_birth":
            if value is None:
                clean[name] = None
            elif not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                errors[name] = "Enter a date of birth."
            elif value > dt.date.today() or value.year < 1900:
                errors[name] = "The date of birth must be in the past (after 1900)."
            else:
                clean[name] = value
        elif name in _FLAGS:
            if not isinstance(value, bool):
                errors[name] = "Answer yes or no."
            else:
                clean[name] = value
    if errors:
        raise ActionError(errors)
    return clean


@transaction.atomic
def register_client(
    *, service: Service, given_name: str, family_name: str, by: User, **details: Any
) -> Client:
    """Register a new client of ``service`` with their details."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.can_register_clients(viewer, service.pk), "register clients of this service"
    )
    clean = _clean_details({"given_name": given_name, "family_name": family_name, **details})
    client = Client.unscoped.create(service=service, person_id=uuid.uuid4().hex, **clean)
    record_change(
        by=by,
        action="register_client",
        target=client,
        client_id=client.pk,
        new=snapshot(client, ("service", "person_id", *clean)),
    )
    return client


@transaction.atomic
def update_client(
    *, client: Client, expected_version: int, changes: Mapping[str, Any], by: User
) -> Client:
    """Change some of a client's details; refuse if someone else changed them first."""
    viewer = permissions.actor(by)
    permissions.require(permissions.can_edit_client(viewer, client), "edit this client")
    clean = _clean_details(changes)
    claim_version(client, expected_version)
    changed = {k: v for k, v in clean.items() if getattr(client, k) != v}
    old = snapshot(client, changed)
    for name, value in changed.items():
        setattr(client, name, value)
    client.save(update_fields=[*changed, "version"])
    record_change(
        by=by,
        action="update_client",
        target=client,
        client_id=client.pk,
        old=old,
        new=snapshot(client, changed),
    )
    return client
