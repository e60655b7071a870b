"""The structured checks of one course: each says met, not met, not applicable or not
recorded, why in plain words, and the contacts, dates and values it saw."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from ontrack.fidelity.course import (
    AuditConfig,
    Check,
    Contact,
    Course,
    Evidence,
    Homework,
    Status,
    therapy_rule,
)
from ontrack.measures.nhstt import anxiety_measure_for

MET, NOT_MET = Status.MET, Status.NOT_MET
NOT_APPLICABLE, NOT_RECORDED = Status.NOT_APPLICABLE, Status.NOT_RECORDED
NOT_IN_DATASET = "not recorded in this dataset"


class _View:
    """A course read once: treatment contacts in order and lookups by contact."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.by_id = {c.contact_id: c for c in course.contacts}
        self.treatment = sorted(
            (c for c in course.contacts if c.is_treatment), key=lambda c: (c.date, c.contact_id)
        )
        self.measures: dict[str, dict[str, float]] = {}
        for s in course.scores:
            self.measures.setdefault(s.contact_id, {})[s.measure] = s.total
        self.goal_contacts = {g.contact_id for g in course.goal_ratings}
        self.anxiety = anxiety_measure_for(course.problem_descriptor)

    def note_says(self, contact_id: str, criterion: str) -> str | None:
        """The quoted evidence when the contact's note shows ``criterion``, else None."""
        notes = self.course.notes
        found = None if notes is None else notes.get(contact_id)
        if found is None or not found.value(criterion):
            return None
        return found.evidence(criterion) or ""

    def evidence(self, contact: Contact, value: str, quote: str | None = None) -> Evidence:
        return Evidence(value, contact.contact_id, contact.date, quote)


def check_measures(v: _View, config: AuditConfig) -> Check:
    """PHQ-9, GAD-7 and the paired anxiety measure at every treatment contact."""
    name = "measures_every_contact"
    if not v.treatment:
        return Check(name, NOT_APPLICABLE, "no attended treatment contact")
    wanted = ["PHQ-9", "GAD-7"] + ([v.anxiety] if v.anxiety != "GAD-7" else [])
    missing = []
    for contact in v.treatment:
        absent = [m for m in wanted if m not in v.measures.get(contact.contact_id, {})]
        if absent:
            missing.append(v.evidence(contact, "missing: " + ", ".join(absent)))
    if missing:
        reason = f"{len(missing)} of {len(v.treatment)} treatment contacts lack {', '.join(wanted)}"
        return Check(name, NOT_MET, reason, tuple(missing))
    return Check(name, MET, f"{', '.join(wanted)} at all {len(v.treatment)} treatment contacts")


def check_wsas(v: _View, config: AuditConfig) -> Check:
    """WSAS at the first attended contact and at the last treatment contact of an ended course."""
    name = "wsas_start_end"
    attended = sorted((c for c in v.course.contacts if c.attended), key=lambda c: c.date)
    if not v.treatment or not attended:
        return Check(name, NOT_APPLICABLE, "no attended treatment contact")
    first, last = attended[0], v.treatment[-1]
    seen = [
        v.evidence(c, f"WSAS {v.measures[c.contact_id]['WSAS']:g}")
        for c in (first, last)
        if "WSAS" in v.measures.get(c.contact_id, {})
    ]
    has_start = "WSAS" in v.measures.get(first.contact_id, {})
    if v.course.end_date is None or len(v.treatment) < 2:
        status = MET if has_start else NOT_MET
        return Check(
            name,
            status,
            "WSAS at the start" if has_start else "no WSAS at the start (course not ended)",
            tuple(seen),
        )
    has_end = "WSAS" in v.measures.get(last.contact_id, {})
    if has_start and has_end:
        return Check(name, MET, "WSAS at the first and last contacts", tuple(seen))
    lacking = " and ".join(w for w, ok in (("start", has_start), ("end", has_end)) if not ok)
    return Check(name, NOT_MET, f"no WSAS at the {lacking}", tuple(seen))


def check_goals_agreed(v: _View, config: AuditConfig) -> Check:
    """Goals agreed by session 2: a goal rated (or discussed in the note) by then."""
    name = "goals_agreed"
    if not v.treatment:
        return Check(name, NOT_APPLICABLE, "no attended treatment contact")
    by = config.goals_by_session
    early = [c for c in v.course.contacts if c.attended and (c.session_number or 0) <= by]
    early = [c for c in early if c.is_treatment or c.app_type == "01"]
    for contact in early:
        if contact.contact_id in v.goal_contacts:
            return Check(
                name, MET, f"goals rated by session {by}", (v.evidence(contact, "goal rated"),)
            )
        quote = v.note_says(contact.contact_id, "goals_discussed")
        if quote is not None:
            return Check(
                name,
                MET,
                f"goals discussed by session {by} (note)",
                (v.evidence(contact, "note", quote),),
            )
    if len(v.treatment) < by and not v.goal_contacts:
        return Check(name, NOT_APPLICABLE, f"fewer than {by} treatment sessions")
    return Check(name, NOT_MET, f"no goal agreed by session {by}")


def check_goals_rated(v: _View, config: AuditConfig) -> Check:
    """Agreed goals rated at every treatment session from their agreement on."""
    name = "goals_rated"
    rated = [c for c in v.treatment if c.contact_id in v.goal_contacts]
    if not rated:
        return Check(name, NOT_APPLICABLE, "no goals agreed")
    since = [c for c in v.treatment if c.date >= rated[0].date]
    unrated = [
        v.evidence(c, "goals not rated") for c in since if c.contact_id not in v.goal_contacts
    ]
    if unrated:
        return Check(
            name,
            NOT_MET,
            f"goals not rated at {len(unrated)} of {len(since)} sessions",
            tuple(unrated),
        )
    return Check(name, MET, f"goals rated at all {len(since)} sessions since agreed")


def _homework_expected(v: _View, config: AuditConfig) -> str | None:
    """Why homework checks do not apply to this course, or None when they do."""
    if len(v.treatment) < 2:
        return "fewer than 2 treatment sessions"
    therapies = [c.therapy for c in v.treatment if c.therapy]
    main = max(set(therapies), key=therapies.count) if therapies else None
    rule = therapy_rule(main, v.course.problem_descriptor, config)
    if rule is not None and not rule.homework:
        return f"homework is not part of {rule.name}"
    return None


def check_homework_set(v: _View, config: AuditConfig) -> Check:
    """Homework set at enough of the sessions before the last (default: half)."""
    name = "homework_set"
    why_not = _homework_expected(v, config)
    if why_not:
        return Check(name, NOT_APPLICABLE, why_not)
    sessions = v.treatment[:-1]
    set_at = {h.set_contact_id for h in v.course.homework}
    seen = []
    for contact in sessions:
        quote = v.note_says(contact.contact_id, "homework_set")
        if contact.contact_id in set_at or quote is not None:
            seen.append(v.evidence(contact, "homework set", quote or None))
    share = len(seen) / len(sessions)
    status = MET if share >= config.homework_min_share else NOT_MET
    reason = f"homework set at {len(seen)} of {len(sessions)} sessions before the last"
    return Check(name, status, reason, tuple(seen))


def check_homework_criteria(v: _View, config: AuditConfig) -> Check:
    """Every homework plan met Beck's criteria (all six recorded, or all five in the note)."""
    name = "homework_criteria"
    if _homework_expected(v, config) or not v.course.homework:
        return Check(name, NOT_APPLICABLE, "no homework set")
    short = []
    for h in v.course.homework:
        contact = v.by_id.get(h.set_contact_id)
        if contact is None or h.criteria_met >= 6 or _note_meets_all(v, h.set_contact_id):
            continue
        short.append(v.evidence(contact, f"{h.criteria_met} of 6 criteria recorded"))
    if short:
        return Check(
            name,
            NOT_MET,
            f"{len(short)} of {len(v.course.homework)} plans lack some of Beck's criteria",
            tuple(short),
        )
    return Check(name, MET, f"all {len(v.course.homework)} plans meet Beck's criteria")


def _note_meets_all(v: _View, contact_id: str) -> bool:
    criteria = ("specific", "rationale", "obstacles_and_coping", "monitoring")
    return all(v.note_says(contact_id, c) is not None for c in criteria)


def check_homework_written(v: _View, config: AuditConfig) -> Check:
    """Every homework written down or given as a sheet (from the notes)."""
    name = "homework_written"
    if _homework_expected(v, config) or not v.course.homework:
        return Check(name, NOT_APPLICABLE, "no homework set")
    if v.course.notes is None:
        return Check(name, NOT_RECORDED, f"written sheets are {NOT_IN_DATASET} (no notes)")
    missing: list[Evidence] = []
    seen: list[Evidence] = []
    for h in v.course.homework:
        contact = v.by_id.get(h.set_contact_id)
        if contact is None:
            continue
        quote = v.note_says(h.set_contact_id, "written")
        (seen if quote is not None else missing).append(
            v.evidence(contact, "written" if quote is not None else "no written copy noted", quote)
        )
    status = NOT_MET if missing else MET
    return Check(
        name,
        status,
        f"written copy noted for {len(seen)} of {len(seen) + len(missing)} tasks",
        tuple(missing + seen),
    )


def check_homework_reviewed(v: _View, config: AuditConfig) -> Check:
    """Each homework reviewed at the next treatment session."""
    name = "homework_reviewed"
    if _homework_expected(v, config) or not v.course.homework:
        return Check(name, NOT_APPLICABLE, "no homework set")
    order = {c.contact_id: i for i, c in enumerate(v.treatment)}
    due = [h for h in v.course.homework if order.get(h.set_contact_id, len(order)) + 1 < len(order)]
    if not due:
        return Check(name, NOT_APPLICABLE, "no homework set before a later session")
    late = [_review_evidence(v, h, order) for h in due]
    missed = [e for e in late if e is not None]
    if missed:
        return Check(
            name,
            NOT_MET,
            f"{len(missed)} of {len(due)} tasks not reviewed at the next session",
            tuple(missed),
        )
    return Check(name, MET, f"all {len(due)} tasks reviewed at the next session")


def _review_evidence(v: _View, h: Homework, order: dict[str, int]) -> Evidence | None:
    """None when reviewed at the next session, else the evidence that it was not."""
    following = v.treatment[order[h.set_contact_id] + 1]
    if h.reviewed_contact_id == following.contact_id:
        return None
    if v.note_says(following.contact_id, "previous_homework_reviewed") is not None:
        return None
    return v.evidence(following, f"task {h.homework_id} not reviewed")


def _late(
    opened: dt.datetime, done: dt.datetime | None, days: float, as_of: dt.datetime
) -> bool | None:
    """True if done after the window or not done once it passed; None while still open."""
    limit = opened + dt.timedelta(days=days)
    if done is not None:
        return done > limit
    return True if as_of > limit else None


def check_alerts(v: _View, config: AuditConfig, *, as_of: dt.datetime, acted: bool) -> Check:
    """Alerts acknowledged (or acted on) within the window for their severity."""
    name = "alerts_acted_on" if acted else "alerts_acknowledged"
    if v.course.alerts is None:
        return Check(name, NOT_RECORDED, f"alerts are {NOT_IN_DATASET}")
    windows = config.act_days if acted else config.acknowledge_days
    late, judged = [], 0
    for alert in v.course.alerts:
        done = alert.acted_at if acted else alert.acknowledged_at
        verdict = _late(
            alert.opened_at, done, windows.get(alert.severity, windows["routine"]), as_of
        )
        if verdict is None:
            continue
        judged += 1
        if verdict:
            when = (
                "never"
                if done is None
                else f"after {(done - alert.opened_at).total_seconds() / 86400:.1f} days"
            )
            late.append(
                Evidence(
                    f"{alert.kind} ({alert.severity}) alert {alert.alert_id}: {when}",
                    alert.contact_id,
                    alert.opened_at.date(),
                )
            )
    if not judged:
        return Check(name, NOT_APPLICABLE, "no alert due")
    verb = "acted on" if acted else "acknowledged"
    if late:
        return Check(
            name, NOT_MET, f"{len(late)} of {judged} alerts not {verb} in time", tuple(late)
        )
    return Check(name, MET, f"all {judged} alerts {verb} in time")


def check_risk(v: _View, config: AuditConfig, *, as_of: dt.datetime) -> Check:
    """Every positive risk answer (PHQ-9 item 9) met by a risk alert acted on in time, or a
    note that shows risk was discussed at that contact."""
    name = "risk_responded"
    positive = [
        s
        for s in v.course.scores
        if s.measure == "PHQ-9"
        and s.items is not None
        and len(s.items) == 9
        and (s.items[8] or 0) > 0
    ]
    if not positive:
        return Check(name, NOT_APPLICABLE, "no positive risk answer")
    if v.course.alerts is None and v.course.notes is None:
        return Check(name, NOT_RECORDED, f"alerts and notes are {NOT_IN_DATASET}")
    unanswered = []
    for score in positive:
        contact = v.by_id.get(score.contact_id)
        if contact is None or _risk_answered(v, score.contact_id, config, as_of):
            continue
        unanswered.append(
            v.evidence(contact, f"PHQ-9 item 9 = {score.items[8] if score.items else '?'}")
        )
    if unanswered:
        return Check(
            name,
            NOT_MET,
            f"{len(unanswered)} of {len(positive)} positive risk answers had no recorded response",
            tuple(unanswered),
        )
    return Check(name, MET, f"all {len(positive)} positive risk answers responded to")


def _risk_answered(v: _View, contact_id: str, config: AuditConfig, as_of: dt.datetime) -> bool:
    if v.note_says(contact_id, "risk_discussed") is not None:
        return True
    risk = [a for a in v.course.alerts or () if a.kind == "risk"]
    window = config.act_days.get("urgent", 2.0)
    for alert in risk:
        if alert.contact_id == contact_id:
            late = _late(alert.opened_at, alert.acted_at, window, as_of)
            return late is not True
    # OnTrack keeps one risk alert per client, updated by each new positive answer until a
    # risk review closes it (ADR 0120): an answer given while it was open is answered by
    # that alert's next action or its closing review.
    contact = v.by_id.get(contact_id)
    if contact is None:
        return False
    given = dt.datetime.combine(contact.date, dt.time(), tzinfo=dt.UTC)
    for alert in risk:
        closed = alert.closed_at
        if alert.opened_at.date() <= contact.date and (closed is None or given <= closed):
            acted = alert.acted_at if alert.acted_at and alert.acted_at >= given else None
            late = _late(max(given, alert.opened_at), acted or closed, window, as_of)
            return late is not True
    return False


CheckFunction = Callable[[_View, AuditConfig], Check]
BASIC_CHECKS: Sequence[CheckFunction] = (
    check_measures,
    check_wsas,
    check_goals_agreed,
    check_goals_rated,
    check_homework_set,
    check_homework_criteria,
    check_homework_written,
    check_homework_reviewed,
)
