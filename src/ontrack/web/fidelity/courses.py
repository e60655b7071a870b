"""Read courses of care from the records into ``ontrack.fidelity`` values, and audit them.

A course is a referral. Contacts are keyed by their primary key (as text) so that the
evidence of each check links straight to the contact's page; therapists by their staff
primary key. The records carry every optional table of the audit (alerts, supervision
notes, ending reviews, session notes), so nothing is "not recorded in this dataset" here.
Scope: the referrals are always looked up by the caller through the scoped managers (a
viewer audits only the courses they may see); what belongs to those referrals is then read
with the ``unscoped`` managers, filtered by referral, since repeating the viewer's
condition on each of the seven queries cost a third of the page's time and could only
return the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache

from django.utils import timezone

from ontrack import fidelity
from ontrack.fidelity import CourseAudit, DatasetAudit, NoteClassification
from ontrack.web.pathway.models import EndingReview
from ontrack.web.records.models import (
    Alert,
    Contact,
    GoalRating,
    Homework,
    QuestionnaireResponse,
    Referral,
    SupervisionNote,
)


@lru_cache(maxsize=4096)
def classify(text: str) -> NoteClassification:
    """The note's reading (the same words always read the same; remembered per process)."""
    return fidelity.classify_note(text)


def _items(values: object) -> tuple[int | None, ...] | None:
    if not isinstance(values, list):
        return None
    return tuple(None if v is None else int(v) for v in values)


def courses_for(referrals: Sequence[Referral]) -> list[fidelity.Course]:
    """One ``Course`` per referral, in the order given (seven queries in all)."""
    return read_courses(referrals)[0]


def read_courses(
    referrals: Sequence[Referral],
) -> tuple[list[fidelity.Course], dict[int, Contact]]:
    """The courses of ``referrals`` (seen through the scoped managers), and their contacts
    by primary key (to name and link the evidence)."""
    ids = [r.pk for r in referrals]
    contacts: dict[int, list[fidelity.Contact]] = defaultdict(list)
    notes: dict[int, dict[str, NoteClassification]] = defaultdict(dict)
    rows = {
        c.pk: c
        for c in Contact.unscoped.filter(referral_id__in=ids, entered_in_error_at__isnull=True)
    }
    for c in rows.values():
        key = str(c.pk)
        contacts[c.referral_id].append(
            fidelity.Contact(
                key, c.contact_date, c.app_type, c.attendance,
                None if c.therapist_id is None else str(c.therapist_id),
                c.therapy or None, c.step, c.session_number,
            )
        )  # fmt: skip
        if c.notes.strip():
            notes[c.referral_id][key] = classify(c.notes)
    scores: dict[int, list[fidelity.Score]] = defaultdict(list)
    for q in QuestionnaireResponse.unscoped.filter(
        contact__referral_id__in=ids, contact__entered_in_error_at__isnull=True
    ).values_list("contact__referral_id", "contact_id", "measure", "total", "items"):
        scores[q[0]].append(fidelity.Score(str(q[1]), q[2], q[3], _items(q[4])))
    goals: dict[int, list[fidelity.GoalRating]] = defaultdict(list)
    for g in GoalRating.unscoped.filter(
        goal__referral_id__in=ids, contact__entered_in_error_at__isnull=True
    ).values_list("goal__referral_id", "contact_id", "goal__number", "rating"):
        goals[g[0]].append(fidelity.GoalRating(str(g[1]), g[2], g[3]))
    homework: dict[int, list[fidelity.Homework]] = defaultdict(list)
    for h in Homework.unscoped.filter(
        referral_id__in=ids, set_contact__entered_in_error_at__isnull=True
    ).select_related("reviewed_contact"):
        reviewed = (
            h.reviewed_contact if h.reviewed_contact and not h.reviewed_contact.in_error else None
        )
        homework[h.referral_id].append(
            fidelity.Homework(
                str(h.pk), str(h.set_contact_id),
                None if reviewed is None else str(reviewed.pk),
                h.criteria_met, (h.outcome or None) if reviewed else None,
            )
        )  # fmt: skip
    alerts = _alerts(ids)
    supervisions: dict[int, list[fidelity.Supervision]] = defaultdict(list)
    for referral_id, written_at in SupervisionNote.unscoped.filter(
        episode__referral_id__in=ids
    ).values_list("episode__referral_id", "written_at"):
        supervisions[referral_id].append(fidelity.Supervision(timezone.localdate(written_at)))
    reviewed_endings = set(
        EndingReview.unscoped.filter(referral_id__in=ids).values_list("referral_id", flat=True)
    )
    courses = [
        fidelity.Course(
            referral_id=str(r.pk),
            contacts=tuple(contacts[r.pk]),
            scores=tuple(scores[r.pk]),
            goal_ratings=tuple(goals[r.pk]),
            homework=tuple(homework[r.pk]),
            problem_descriptor=r.problem_descriptor or None,
            imd_decile=r.client.imd_decile,
            end_date=r.end_date,
            end_code=r.end_code or None,
            alerts=tuple(alerts[r.pk]),
            notes=notes[r.pk],
            supervisions=tuple(supervisions[r.pk]),
            ending_reviewed=r.pk in reviewed_endings,
        )
        for r in referrals
    ]
    return courses, rows


def _alerts(ids: list[int]) -> dict[int, list[fidelity.Alert]]:
    found: dict[int, list[fidelity.Alert]] = defaultdict(list)
    for a in Alert.unscoped.filter(referral_id__in=ids).prefetch_related("actions"):
        first = next(iter(a.actions.all()), None)
        found[a.referral_id].append(
            fidelity.Alert(
                str(a.pk), a.kind, a.severity, a.opened_at,
                None if a.contact_id is None else str(a.contact_id),
                a.acknowledged_at, a.acted_at, a.closed_at,
                None if first is None else first.kind,
            )
        )  # fmt: skip
    return found


def audit_referral(
    referral: Referral, *, now: dt.datetime | None = None
) -> tuple[fidelity.Course, CourseAudit, dict[int, Contact]]:
    """One referral's course, its audit as of now (open alerts are judged today), and its
    contacts by primary key."""
    courses, contacts = read_courses([referral])
    return courses[0], fidelity.audit_course(courses[0], as_of=now or timezone.now()), contacts


def audit_referrals(
    referrals: Iterable[Referral], *, now: dt.datetime | None = None
) -> DatasetAudit:
    """Audit many courses at once: rates overall, by therapist and by IMD decile. As with
    ``ontrack audit``, a referral with no attended treatment contact is no course yet."""
    courses = [c for c in courses_for(list(referrals)) if any(x.is_treatment for x in c.contacts)]
    return fidelity.audit_courses(courses, as_of=now or timezone.now())
