"""Questionnaires a client completed online, as the session form uses them.

What is asked before each session (``asked_measures``), the answers still waiting for a
session (``pending_submissions``), and ``record_session_with_online``: saving the session
attaches each submission it used to the contact, once (a conditional update, so two saves
cannot both use it), and the score is stored once, as the contact's questionnaire. The
client sends the answers from the portal (``ontrack.web.portal.actions``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from ontrack.measures import Measure, get_measure
from ontrack.measures.nhstt import anxiety_measure_for
from ontrack.web.accounts.models import User
from ontrack.web.audit.events import record_change
from ontrack.web.common.actions import ActionError
from ontrack.web.common.codes import EpisodeStatus, OnlineFrequency
from ontrack.web.records.actions.risk import risk_first, session_where
from ontrack.web.records.actions.sessions import record_session
from ontrack.web.records.models import (
    Contact,
    OnlineSettings,
    OnlineSubmission,
    QuestionnaireResponse,
    Referral,
)

# Asked at every session, whatever the problem descriptor (NHS TT: PHQ-9 for everyone,
# GAD-7 as the default anxiety measure and the fallback when the ADSM is missing).
SESSION_MEASURES = ("PHQ-9", "GAD-7")

Answers = Sequence[Any]


@dataclass(frozen=True)
class AskedMeasure:
    """A questionnaire the client is asked to complete before each session."""

    measure: Measure
    why: str

    @property
    def online(self) -> bool:
        """Whether the client can complete it online: only if its wording may be shown."""
        return self.measure.has_text


def adsm_for(referral: Referral) -> str | None:
    """Return the anxiety-disorder-specific measure the referral's descriptor calls for,
    or None when GAD-7 is the anxiety measure (reference/measures.md §2.3)."""
    code = anxiety_measure_for(referral.problem_descriptor or None)
    return None if code in SESSION_MEASURES else code


def online_settings_of(client_id: int) -> OnlineSettings:
    """Return what the therapist decided for the client, or the defaults (not saved)."""
    found = OnlineSettings.unscoped.filter(client_id=client_id).first()
    return found if found is not None else OnlineSettings(client_id=client_id, version=0)


def asked_measures(
    referral: Referral, settings: OnlineSettings | None = None
) -> list[AskedMeasure]:
    """Return the questionnaires asked of this referral's client before each session.

    The therapist's choice for the client (``OnlineSettings``) wins; without one it is
    PHQ-9, GAD-7 and the ADSM the problem descriptor calls for. "Not online" asks nothing.
    """
    settings = settings if settings is not None else online_settings_of(referral.client_id)
    if settings.frequency == OnlineFrequency.NEVER:
        return []
    if settings.measures:
        return [
            AskedMeasure(get_measure(code), "chosen by your therapist")
            for code in settings.measures
        ]
    asked = [
        AskedMeasure(get_measure("PHQ-9"), "asked at every session"),
        AskedMeasure(get_measure("GAD-7"), "asked at every session"),
    ]
    adsm = adsm_for(referral)
    if adsm is not None:
        label = referral.get_problem_descriptor_display()
        asked.append(AskedMeasure(get_measure(adsm), f"the measure for {label.lower()}"))
    return asked


def current_referral_of(client_id: int) -> Referral | None:
    """Return the client's open referral with an open episode (the one sessions are for)."""
    return (
        Referral.unscoped.filter(
            client_id=client_id, end_date__isnull=True, episodes__status=EpisodeStatus.OPEN
        )
        .order_by("-referral_date", "-pk")
        .first()
    )


def pending_submissions(referral: Referral) -> dict[str, OnlineSubmission]:
    """Return each measure's newest submission if no session has used it yet.

    Only the newest counts: answers sent again replace the earlier ones, and once a session
    has used a measure's newest answers nothing older can pre-fill a later session.
    """
    newest: dict[str, OnlineSubmission] = {}
    for item in OnlineSubmission.unscoped.filter(referral=referral).order_by(
        "-submitted_at", "-pk"
    ):
        newest.setdefault(item.measure, item)
    return {code: item for code, item in newest.items() if not item.is_used}


# -- using the answers at the session ---------------------------------------------------------


def _attach(contact: Contact, submission_ids: Mapping[str, int], by: User) -> None:
    """Mark each submission as used by ``contact``; raise if one is not usable."""
    recorded = {q.measure: q for q in QuestionnaireResponse.unscoped.filter(contact=contact)}
    errors: dict[str, str] = {}
    now = timezone.now()
    for code, pk in submission_ids.items():
        key = f"questionnaire:{code}"
        if code not in recorded:
            continue  # the therapist cleared the answers: the submission keeps waiting
        item = OnlineSubmission.unscoped.filter(
            pk=pk, referral_id=contact.referral_id, measure=code
        ).first()
        if item is None:
            errors[key] = f"Those online {code} answers belong to another client or measure."
            continue
        claimed = OnlineSubmission.unscoped.filter(pk=pk, used_contact__isnull=True).update(
            used_contact=contact, used_at=now
        )
        if claimed != 1:
            errors[key] = (
                f"Those online {code} answers were already recorded at another session. "
                "Reload the page to see what is still waiting."
            )
            continue
        record_change(
            by=by,
            action="use_online_questionnaire",
            target=item,
            client_id=contact.referral.client_id,
            old={"used_contact": None},
            new={
                "used_contact": contact.pk,
                "answers_changed": recorded[code].items != item.items,
            },
        )
    if errors:
        raise ActionError(errors)


def record_session_with_online(
    *,
    online: Mapping[str, int] | None = None,
    by: User,
    **arguments: Any,
) -> Contact:
    """Record a session (``record_session``) and attach the online answers it used.

    ``online`` maps a measure code to the submission whose answers pre-filled it. All in one
    transaction: if a submission was already used, nothing is saved (but a positive risk
    answer still opens or updates the risk alert, as ``record_session`` says).
    """
    return risk_first(
        lambda: _record_with_online(online=online, by=by, **arguments),
        referral=arguments["episode"].referral,
        questionnaires=arguments.get("questionnaires"),
        where=session_where(arguments.get("contact_date")),
        by=by,
    )


@transaction.atomic
def _record_with_online(*, online: Mapping[str, int] | None, by: User, **arguments: Any) -> Contact:
    contact = record_session(by=by, **arguments)
    if online:
        _attach(contact, online, by)
    return contact
