"""Ending: the end code that fits what happened, nobody discharged silently, a pause
before ending too soon, and the ending review.

The end code is checked against the contacts (``ontrack.pathway.end_code_problem``); a
client who stopped coming is discharged only after attempts to reach them
(``silent_discharge_problem``); ending while still at caseness without reliable
improvement first asks whose choice it is and whether stepping up or another approach
would serve better. Follow-up contacts may still be recorded after the ending.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ontrack.measures import reliable_change
from ontrack.measures.nhstt import anxiety_measure_for
from ontrack.pathway import TAKEN_ON, early_ending_questions, end_code_problem
from ontrack.pathway import silent_discharge_problem as silent_problem
from ontrack.web.accounts.models import User
from ontrack.web.audit.events import record_change
from ontrack.web.common.actions import ActionError, check_choice, check_text
from ontrack.web.common.codes import ATTENDED, Attendance
from ontrack.web.pathway.actions.waiting import leave_waiting_list
from ontrack.web.pathway.codes import ClientsChoice, Considered, LeftWaitingList
from ontrack.web.pathway.models import ContactAttempt, EndingReview
from ontrack.web.records import actions as records
from ontrack.web.records import permissions
from ontrack.web.records.models import (
    Appointment,
    AppointmentStatus,
    Contact,
    QuestionnaireResponse,
    Referral,
)

_MISSED = (Attendance.DID_NOT_ATTEND, Attendance.ARRIVED_LATE_NOT_SEEN)


@dataclass(frozen=True)
class EndingFacts:
    """What the records say, as the ending rules need it."""

    attended_contacts: int
    treatment_sessions: int
    missed_since_last_seen: int
    attempts_since_missed: int
    opt_in_deadline: dt.date | None
    at_caseness: bool
    reliably_improved: bool
    future_appointments: int


def _scores(referral: Referral, code: str) -> list[QuestionnaireResponse]:
    return list(
        QuestionnaireResponse.unscoped.filter(
            contact__referral=referral, measure=code, contact__entered_in_error_at__isnull=True
        ).order_by("contact__contact_date", "contact_id")
    )


def _outcome(referral: Referral) -> tuple[bool, bool]:
    """(still at caseness on the latest scores, reliably improved since the first)."""
    at_caseness, improved = False, False
    for code in ("PHQ-9", anxiety_measure_for(referral.problem_descriptor or None)):
        scores = _scores(referral, code)
        if not scores:
            continue
        at_caseness = at_caseness or bool(scores[-1].caseness)
        if len(scores) > 1:
            change = reliable_change(code, scores[0].total, scores[-1].total)
            improved = improved or change.reliable == "improvement"
    return at_caseness, improved


def ending_facts(referral: Referral) -> EndingFacts:
    """Read what the ending rules need from the records."""
    contacts = list(
        Contact.unscoped.filter(referral=referral, entered_in_error_at__isnull=True).order_by(
            "contact_date", "pk"
        )
    )
    seen = [c for c in contacts if c.attendance in ATTENDED]
    last_seen = seen[-1].contact_date if seen else referral.referral_date
    missed = [c for c in contacts if c.attendance in _MISSED and c.contact_date >= last_seen]
    first_missed = missed[0].contact_date if missed else None
    attempts = (
        list(ContactAttempt.unscoped.filter(referral=referral, attempted_on__gte=first_missed))
        if first_missed is not None
        else []
    )
    deadlines = [a.opt_in_by for a in attempts if a.opt_in_by is not None]
    at_caseness, improved = _outcome(referral)
    return EndingFacts(
        attended_contacts=len(seen),
        treatment_sessions=sum(1 for c in contacts if c.session_number is not None),
        missed_since_last_seen=len(missed),
        attempts_since_missed=len(attempts),
        opt_in_deadline=max(deadlines) if deadlines else None,
        at_caseness=at_caseness,
        reliably_improved=improved,
        future_appointments=Appointment.unscoped.filter(
            referral=referral, status=AppointmentStatus.BOOKED, starts_at__gte=timezone.now()
        ).count(),
    )


def ending_needs_questions(facts: EndingFacts, end_code: str) -> bool:
    """Whether ending with ``end_code`` must first ask about choice and alternatives."""
    return end_code in TAKEN_ON - {"49"} and early_ending_questions(
        at_caseness=facts.at_caseness, reliably_improved=facts.reliably_improved
    )


@dataclass(frozen=True)
class Review:
    """The ending review with the client (the client's own part comes from their pages)."""

    what_helped: str = ""
    what_did_not: str = ""
    what_next: str = ""
    whose_choice: str = ""
    considered: str = ""


def validate_ending(
    referral: Referral, end_code: str, review: Review, facts: EndingFacts
) -> dict[str, str]:
    """Every reason the ending cannot be recorded as given (empty when it can)."""
    errors: dict[str, str] = {}
    if not referral.is_open:
        errors["__all__"] = "This referral has already ended."
    problem = end_code_problem(
        end_code,
        attended_contacts=facts.attended_contacts,
        treatment_sessions=facts.treatment_sessions,
    )
    if problem:
        errors["end_code"] = problem
    today = timezone.localdate()
    silent = silent_problem(
        end_code,
        missed_since_last_seen=facts.missed_since_last_seen,
        attempts_since_missed=facts.attempts_since_missed,
        opt_in_deadline=facts.opt_in_deadline,
        today=today,
    )
    if silent:
        errors["end_code"] = silent
    if facts.future_appointments:
        errors["__all__"] = (
            f"{facts.future_appointments} appointment(s) are still booked: cancel them first, "
            "so the client is not expected at a session that will not happen."
        )
    for name in ("what_helped", "what_did_not", "what_next"):
        check_text(errors, name, getattr(review, name), limit=5000)
    if ending_needs_questions(facts, end_code):
        check_choice(errors, "whose_choice", review.whose_choice, ClientsChoice, "whose choice")
        check_choice(errors, "considered", review.considered, Considered, "answer")
        if "whose_choice" in errors:
            errors["whose_choice"] = (
                "The client is still at caseness without reliable improvement: say whose "
                "choice it is to end now."
            )
        if "considered" in errors:
            errors["considered"] = (
                "Before ending now, say whether stepping up or another approach would "
                "serve the client better."
            )
    return errors


@transaction.atomic
def end_course(
    *,
    referral: Referral,
    expected_version: int,
    end_date: dt.date,
    end_code: str,
    review: Review,
    by: User,
) -> EndingReview:
    """End the referral with its end code and record the ending review; all or nothing."""
    viewer = permissions.actor(by)
    permissions.require(permissions.can_edit_client(viewer, referral.client), "end this course")
    errors = validate_ending(referral, end_code, review, ending_facts(referral))
    if errors:
        raise ActionError(errors)
    records.end_referral(
        referral=referral,
        expected_version=expected_version,
        end_date=end_date,
        end_code=end_code,
        by=by,
    )
    leave_waiting_list(referral, end_date, LeftWaitingList.ENDED, by)
    item = EndingReview.unscoped.create(
        referral=referral,
        what_helped=review.what_helped.strip(),
        what_did_not=review.what_did_not.strip(),
        what_next=review.what_next.strip(),
        whose_choice=review.whose_choice,
        considered=review.considered,
        recorded_by=by,
    )
    record_change(
        by=by,
        action="record_ending_review",
        target=item,
        client_id=referral.client_id,
        new={
            "end_code": end_code,
            "what_helped": item.what_helped,
            "what_did_not": item.what_did_not,
            "what_next": item.what_next,
            "whose_choice": item.whose_choice,
            "considered": item.considered,
        },
    )
    return item
