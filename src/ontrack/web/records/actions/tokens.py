"""One-time form tokens: a form sent twice (back, then submit again) saves once."""

from __future__ import annotations

import re
import secrets

from django.db import IntegrityError, transaction

from ontrack.web.accounts.models import FormToken, User
from ontrack.web.common.actions import ActionError

_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")


def new_form_token() -> str:
    """Return a fresh token for a form to carry."""
    return secrets.token_urlsafe(24)


def claim_form_token(token: object, *, by: User, result: str = "") -> FormToken:
    """Claim ``token`` inside the caller's transaction, or raise ``ActionError``.

    Call it in the same transaction as the save it guards: if the save fails, the claim
    rolls back with it and the form can be sent again.
    """
    if not isinstance(token, str) or not _SHAPE.fullmatch(token):
        raise ActionError({"form_token": "This form has expired: reload the page and try again."})
    existing = FormToken.objects.filter(token=token).first()
    if existing is not None:
        raise ActionError(
            {
                "form_token": "This form was already sent and saved; nothing was saved again. "
                + (f"What it saved: {existing.result}" if existing.result else "")
            }
        )
    try:
        with transaction.atomic():
            return FormToken.objects.create(token=token, claimed_by=by, result=result)
    except IntegrityError as exc:  # the same form sent twice at once
        raise ActionError(
            {"form_token": "This form was already sent; nothing was saved again."}
        ) from exc


def note_token_result(claimed: FormToken, result: str) -> None:
    """Remember where what the form saved lives, to point a second send to it."""
    FormToken.objects.filter(pk=claimed.pk).update(result=result[:200])
