"""What a client does from their own sign-in: send the questionnaires asked before a session.

The answers are checked, scored by ``ontrack.measures`` and kept as an ``OnlineSubmission``
for the therapist to use at the next session (``record_session_with_online`` in the records
app). Clinical safety comes first: a positive answer to a risk item opens an urgent risk
alert at once, even when the rest of the submission is refused (a missing answer elsewhere
must not hide a risk answer).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ontrack.measures import Measure, MeasureError, get_measure, score
from ontrack.measures.definition import Kind
from ontrack.measures.fhir import response_answers
from ontrack.measures.response import (
    ResponseError,
    load_response,
    measure_for_response,
    read_response,
)
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import ActionError
from ontrack.web.records import permissions
from ontrack.web.records.actions.online import asked_measures
from ontrack.web.records.actions.risk import (
    findings_from_answers,
    findings_from_grades,
    raise_risk_alert,
)
from ontrack.web.records.models import (
    Alert,
    Client,
    OnlineSubmission,
    Referral,
    SubmissionSource,
)
from ontrack.web.records.permissions import Actor, ClientLink, user_of

Answers = Sequence[Any]

_FIELDS = (
    "referral",
    "measure",
    "items",
    "total",
    "band",
    "caseness",
    "risk",
    "source",
    "via_link",
)


def _where(source: str, on: dt.date) -> str:
    """Where a risk answer was given, in words (the same words for the same answers, so an
    answer sent twice is one finding)."""
    if source == SubmissionSource.FHIR:
        return f"in a questionnaire response the client sent on {on:%d %b %Y}"
    return f"in the questionnaire the client completed online on {on:%d %b %Y}"


def _risk_alert(
    referral: Referral, code: str, answers: Answers, source: str, on: dt.date
) -> Alert | None:
    """Open or update the client's risk alert for positive risk answers; None if none.

    Runs in its own transaction (``raise_risk_alert``) so that it stays whatever happens to
    the submission. The same answers sent again the same day are the same finding.
    """
    findings = findings_from_answers(code, answers, _where(source, on))
    return raise_risk_alert(referral=referral, findings=findings)


def _check_submission(
    errors: dict[str, str], referral: Referral, code: str, answers: Answers, source: str
) -> tuple[Measure | None, Any]:
    try:
        m = get_measure(code)
    except MeasureError:
        errors["measure"] = f"{code!r} is not a questionnaire OnTrack knows."
        return None, None
    asked = {a.measure.code: a for a in asked_measures(referral)}
    if m.code not in asked:
        errors["measure"] = f"{m.code} is not one of the questionnaires your therapist asked for."
        return m, None
    if source == SubmissionSource.FORM and not m.has_text:
        errors["measure"] = (
            f"The wording of the {m.code} may not be shown here (its licence does not allow "
            "it): your therapist will ask it at your session."
        )
        return m, None
    if m.kind is not Kind.OUTCOME:
        errors["measure"] = f"{m.code} is not an outcome questionnaire."
        return m, None
    if not isinstance(answers, Sequence) or isinstance(answers, str | bytes):
        errors["answers"] = "Answer each question."
        return m, None
    missing = [n for n, a in enumerate(answers, 1) if a is None]
    if len(answers) == m.n_items and missing:
        for n in missing:
            errors[f"item:{n}"] = f"Answer question {n}."
        return m, None
    try:
        return m, score(m, list(answers))
    except MeasureError as exc:
        errors["answers"] = str(exc)
        return m, None


def submit_online_questionnaire(
    *,
    referral: Referral,
    measure: str,
    answers: Answers,
    by: Actor,
    source: str = SubmissionSource.FORM,
) -> OnlineSubmission:
    """Store one questionnaire the client completed online for ``referral``.

    Only the client themselves may submit, for an open referral, one of the questionnaires
    asked of them (``asked_measures``), with every question answered in range. A positive
    risk answer opens an urgent risk alert first, in its own transaction, so it is raised
    even when the rest is refused (``ActionError``, nothing else saved).
    """
    viewer = permissions.actor(by)
    permissions.require(
        permissions.is_the_client(viewer, referral.client_id),
        "complete questionnaires for this client",
    )
    # Clinical safety: before anything else can refuse the submission.
    alert = _risk_alert(referral, measure, answers, source, timezone.localdate())
    return _store(referral, measure, answers, by, source, alert)


@transaction.atomic
def _store(
    referral: Referral,
    code: str,
    answers: Answers,
    by: Actor,
    source: str,
    alert: Alert | None,
) -> OnlineSubmission:
    errors: dict[str, str] = {}
    if not referral.is_open:
        errors["__all__"] = "This referral has ended; questionnaires are no longer needed."
    if source not in SubmissionSource.values:
        errors["source"] = f"{source!r} is not a known source of answers."
    m, result = _check_submission(errors, referral, code, answers, source)
    if errors or m is None or result is None:
        raise ActionError(errors or {"answers": "Answer each question."})
    item = OnlineSubmission.unscoped.create(
        referral=referral,
        measure=m.code,
        items=list(answers),
        total=result.total,
        band=result.band or "",
        caseness=result.caseness,
        risk=result.risk,
        source=source,
        submitted_at=timezone.now(),
        submitted_by=user_of(by),
        via_link=isinstance(by, ClientLink),
        alert=alert if result.risk else None,
    )
    record_change(
        by=by,
        action="submit_online_questionnaire",
        target=item,
        client_id=referral.client_id,
        new=snapshot(item, (*_FIELDS, "alert")),
    )
    return item


def submit_fhir_response(*, referral: Referral, response: Any, by: Actor) -> OnlineSubmission:
    """Store a FHIR QuestionnaireResponse (R4, already parsed) the client completed
    elsewhere, as a submission like any other: same checks, same risk rule.

    A response that cannot be read raises ``ActionError`` naming the first problem, after
    the risk answers that could be read from it have opened or updated the risk alert.
    """
    viewer = permissions.actor(by)
    permissions.require(
        permissions.is_the_client(viewer, referral.client_id),
        "complete questionnaires for this client",
    )
    if not isinstance(response, Mapping):
        raise ActionError({"response": "Send one FHIR QuestionnaireResponse as a JSON object."})
    try:
        m = measure_for_response(response)
        answers = response_answers(m, response)
    except ResponseError as exc:
        _risk_from_error(referral, exc)
        raise ActionError({"response": str(exc)}) from None
    except MeasureError as exc:
        raise ActionError({"response": str(exc)}) from None
    except (ValueError, TypeError) as exc:  # the FHIR model's own validation
        _risk_from_document(referral, response)
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ActionError(
            {"response": f"Not a valid FHIR QuestionnaireResponse: {first}"}
        ) from None
    return submit_online_questionnaire(
        referral=referral,
        measure=m.code,
        answers=[int(a) if a is not None and float(a).is_integer() else a for a in answers],
        by=by,
        source=SubmissionSource.FHIR,
    )


def receive_fhir_response(
    *, client: Client, referral: Referral | None, body: bytes | str, by: Actor
) -> OnlineSubmission:
    """Read a FHIR QuestionnaireResponse document as sent (bytes of JSON) and store it.

    The one entry for every FHIR endpoint (``POST /fhir/QuestionnaireResponse``): anything
    malformed (not UTF-8, not JSON, nested too deeply, a 400-digit number, a null or
    wrongly typed answer, too large) raises ``ActionError`` with one clear message, never
    another exception; and whatever risk answers could be read from it open or update the
    client's risk alert first, even when the client has no sessions booked (the alert goes
    on their latest referral).
    """
    viewer = permissions.actor(by)
    permissions.require(
        permissions.is_the_client(viewer, client.pk), "complete questionnaires for this client"
    )
    try:
        document = load_response(body)
    except ResponseError as exc:
        _risk_from_error(referral or latest_referral_of(client.pk), exc)
        raise ActionError({"response": str(exc)}) from None
    if referral is None:
        alert_on = latest_referral_of(client.pk)
        if alert_on is not None:
            _risk_from_document(alert_on, document)
        raise ActionError(
            {"__all__": "You have no sessions booked to complete questionnaires for."}
        )
    try:
        return submit_fhir_response(referral=referral, response=document, by=by)
    except (ActionError, PermissionDenied):
        raise
    except (ValueError, TypeError, RecursionError, KeyError, IndexError) as exc:
        # Belt and braces: a reader bug must not lose the risk answer or show a server error.
        _risk_from_document(referral, document)
        raise ActionError(
            {"response": f"Not a valid FHIR QuestionnaireResponse ({type(exc).__name__})."}
        ) from None


def latest_referral_of(client_id: int) -> Referral | None:
    """The client's most recent referral, open or not (where a risk alert goes when no
    sessions are booked)."""
    return Referral.unscoped.filter(client_id=client_id).order_by("-referral_date", "-pk").first()


def _risk_from_error(referral: Referral | None, error: ResponseError) -> Alert | None:
    if referral is None or not error.risk:
        return None
    where = _where(SubmissionSource.FHIR, timezone.localdate())
    return raise_risk_alert(referral=referral, findings=findings_from_grades(error.risk, where))


def _risk_from_document(referral: Referral, document: Mapping[str, Any]) -> Alert | None:
    try:
        reading = read_response(document, raise_on_problems=False)
    except (MeasureError, ValueError, TypeError):
        return None
    where = _where(SubmissionSource.FHIR, timezone.localdate())
    return raise_risk_alert(referral=referral, findings=findings_from_grades(reading.risk, where))
