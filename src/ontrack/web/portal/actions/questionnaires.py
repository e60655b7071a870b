"""What a client does from their own sign-in: send the questionnaires asked before a session.

The answers are checked, scored by ``ontrack.measures`` and kept as an ``OnlineSubmission``
for the therapist to use at the next session (``record_session_with_online`` in the records
app). Clinical safety comes first: a positive answer to a risk item opens an urgent risk
alert at once, even when the rest of the submission is refused (a missing answer elsewhere
must not hide a risk answer).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from ontrack.measures import Measure, MeasureError, get_measure, score
from ontrack.measures.definition import Kind
from ontrack.measures.fhir import response_answers
from ontrack.measures.response import measure_for_response
from ontrack.web.audit.events import record_change, snapshot
from ontrack.web.common.actions import ActionError
from ontrack.web.common.codes import AlertKind, AlertSeverity, AlertStatus
from ontrack.web.records import permissions
from ontrack.web.records.actions.alerts import open_alert
from ontrack.web.records.actions.online import asked_measures
from ontrack.web.records.models import Alert, OnlineSubmission, Referral, SubmissionSource
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


def _in_range(m: Measure, value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value) if m.item_min <= value <= m.item_max else None


def _positive_risk_items(m: Measure, answers: Answers) -> list[int]:
    """Risk items answered at or above threshold, read from whatever answers are usable."""
    if isinstance(answers, str | bytes):
        return []
    values = [_in_range(m, a) for a in list(answers)[: m.n_items]]
    values += [None] * (m.n_items - len(values))
    return [i for i in m.risk_items if (v := values[i - 1]) is not None and v >= m.risk_at_least]


def _risk_alert(referral: Referral, m: Measure, answers: Answers, on: dt.date) -> Alert | None:
    """Open (or reuse today's) urgent risk alert for positive risk answers; None if none.

    Runs in its own transaction so that it stays open whatever happens to the submission.
    A second attempt on the same day (say, after correcting a missing answer) reuses the
    alert it opened rather than raising a second one for the same answers.
    """
    items = _positive_risk_items(m, answers)
    if not items:
        return None
    reasons = [
        f"{m.code} item {n} answered {float(answers[n - 1]):g} in the questionnaire the client "
        f"completed online on {on:%d %b %Y}."
        for n in items
    ]
    reasons.append("Review risk with the client today, whatever the total score.")
    with transaction.atomic():
        today_s = Alert.unscoped.filter(
            referral=referral, kind=AlertKind.RISK, contact__isnull=True
        ).exclude(status=AlertStatus.CLOSED)
        for existing in today_s.order_by("-opened_at"):
            if timezone.localdate(existing.opened_at) == on and existing.reasons == reasons:
                return existing
        return open_alert(
            referral=referral,
            kind=AlertKind.RISK,
            severity=AlertSeverity.URGENT,
            reasons=reasons,
            by=None,
        )


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
    try:
        m: Measure | None = get_measure(measure)
    except MeasureError:
        m = None
    today = timezone.localdate()
    # Clinical safety: before anything else can refuse the submission.
    alert = _risk_alert(referral, m, answers, today) if m is not None else None
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


def submit_fhir_response(
    *, referral: Referral, response: Mapping[str, Any], by: Actor
) -> OnlineSubmission:
    """Store a FHIR QuestionnaireResponse (R4) the client completed elsewhere, as a
    submission like any other: same checks, same risk rule."""
    if not isinstance(response, Mapping):
        raise ActionError({"response": "Send one FHIR QuestionnaireResponse as a JSON object."})
    try:
        m = measure_for_response(response)
        answers = response_answers(m, response)
    except MeasureError as exc:
        raise ActionError({"response": str(exc)}) from exc
    except ValueError as exc:  # the FHIR model's validation error
        first = str(exc).splitlines()[0]
        raise ActionError({"response": f"Not a valid FHIR QuestionnaireResponse: {first}"}) from exc
    return submit_online_questionnaire(
        referral=referral,
        measure=m.code,
        answers=[int(a) if a is not None and float(a).is_integer() else a for a in answers],
        by=by,
        source=SubmissionSource.FHIR,
    )
