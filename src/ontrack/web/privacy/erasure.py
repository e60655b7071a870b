"""Erasure of a client's record, by request or when the service's retention period ends.

What goes: every row ``subject.collect`` finds (the client, their sign-in account, their
referrals, sessions, scores, notes, messages ... whatever points at them), and the files of
their session recordings. What stays, as the law and the audit need: the audit trail's
events, with the client's number but their old and new values blanked (the chain still
verifies, as it covers them through a keyed digest), and one audit event for the erasure
itself, naming who erased, why and how many rows of each kind went.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q

from ontrack.web.audit import chain
from ontrack.web.audit.events import Actor, record_change
from ontrack.web.common.actions import ActionError
from ontrack.web.privacy.models import DEFAULT_KEEP_YEARS, RetentionPolicy
from ontrack.web.privacy.subject import collect
from ontrack.web.records.models import Client, Referral
from ontrack.web.records.scoping import scopes_disabled

ERASED_JSON = '{"erased": true}'


@dataclass(frozen=True)
class Erasure:
    client_id: int
    removed: dict[str, int]
    audit_events_blanked: int


def erase_client(*, client: Client, by: Actor, reason: str) -> Erasure:
    """Erase ``client``'s record; refuse (ActionError, nothing changed) while care is open."""
    reason = " ".join(reason.split())
    if not reason:
        raise ActionError({"reason": "Say why this record is erased."})
    with scopes_disabled():
        if Referral.objects.filter(client_id=client.pk, end_date__isnull=True).exists():
            raise ActionError(
                "This client has a referral that is still open: end it before erasing."
            )
    chain.seal_pending()  # only sealed events can be blanked
    client_id = client.pk
    recordings: list[str] = []
    try:
        with transaction.atomic(), scopes_disabled():
            holding = collect(client)
            for model, pks in holding.rows.items():
                if model._meta.label_lower == "portal.sessionrecording":
                    recordings += list(
                        model._base_manager.filter(pk__in=pks).values_list("file_name", flat=True)
                    )
            removed = holding.counts()
            # Rows are removed without Django's cascade rules (many links PROTECT the
            # record's parts from piecemeal deletion); the database's foreign keys, checked
            # at commit, refuse the whole erasure if anything outside the set still points in.
            for model, pks in holding.rows.items():
                model._base_manager.filter(pk__in=pks)._raw_delete(using="default")
            blanked = _blank_audit(client_id)
            record_change(
                by=by,
                action=chain.ERASURE_ACTION,
                target=client,
                client_id=client_id,
                new={"reason": reason, "removed": removed, "audit_events_blanked": blanked},
            )
    except IntegrityError as exc:
        raise ActionError(f"The record could not be erased: {exc}") from exc
    if recordings:
        from ontrack.web.portal import recordings as store

        for name in recordings:
            store.remove(name)
    return Erasure(client_id=client_id, removed=removed, audit_events_blanked=blanked)


def _blank_audit(client_id: int) -> int:
    cast = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE audit_auditevent SET old = {cast}, new = {cast} "
            "WHERE client_id = %s AND seq IS NOT NULL",
            [ERASED_JSON, ERASED_JSON, client_id],
        )
        return int(max(cursor.rowcount, 0))


def keep_years(service_id: int) -> int:
    policy = RetentionPolicy.objects.filter(service_id=service_id).first()
    return policy.keep_years if policy is not None else DEFAULT_KEEP_YEARS


def due_for_erasure(service_id: int, today: dt.date) -> list[Client]:
    """Clients of a service whose every referral ended more than the policy's years ago.

    A client with an open referral, or with no referral at all, is never due.
    """
    years = keep_years(service_id)
    try:
        cutoff = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - years, day=28)
    with scopes_disabled():
        return list(
            Client.objects.filter(service_id=service_id)
            .annotate(last_end=Max("referrals__end_date"))
            .exclude(Q(referrals__end_date__isnull=True))
            .filter(last_end__lt=cutoff)
            .order_by("pk")
        )
