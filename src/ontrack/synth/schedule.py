"""Appointments and their dates: attended events, the misses around them, and discharge.

An *event* is an attended contact that yields scores (assessment, treatment session,
follow-up). Missed appointments (DNA, cancellations, late not seen) are booked before an
event and push it and everything after it back; a client who drops out leaves one or two
unattended appointments after their last session.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ontrack.synth import params
from ontrack.synth.arrays import BoolArray, IntArray, expand, group_cumsum, group_last
from ontrack.synth.course import (
    CAUSES,
    DETERIORATOR,
    NON_RESPONDER,
    SUDDEN_LOSS,
    Course,
)
from ontrack.synth.pathway import HI, HI_CODES, LI, LI_CODES, STEP_DOWN, Pathway
from ontrack.synth.population import Population, choose, stream
from ontrack.synth.workforce import Workforce

ASSESSMENT, SESSION, FOLLOW_UP, MISSED, TRAILING = range(5)
MISS_CODES = tuple(code for code, _ in params.MISS_KINDS)
_OVERLOADED = 1 << CAUSES.index("overloaded_therapist")


@dataclass
class Events:
    """One row per attended contact that carries scores."""

    referral: IntArray
    kind: IntArray  # ASSESSMENT, SESSION or FOLLOW_UP
    session: IntArray  # treatment session number (0 for a plain assessment or a follow-up)
    exposure: IntArray  # treatment sessions attended before this one
    step: IntArray  # 2 or 3 for treatment contacts, 0 otherwise
    therapist: IntArray
    day: IntArray
    contact: IntArray  # row of this event in the contact table


@dataclass
class Contacts:
    """One row per contact (attended or not), in referral and date order."""

    referral: IntArray
    day: IntArray
    kind: IntArray  # ASSESSMENT, SESSION, FOLLOW_UP for attended; MISSED, TRAILING otherwise
    app_type: IntArray  # index into APP_TYPES
    attendance: IntArray  # index into ATTENDANCE
    therapist: IntArray  # -1 = not recorded
    therapy: IntArray  # index into THERAPY_CODES; -1 = none
    step: IntArray  # 0 = none
    session: IntArray  # 0 = not an attended treatment contact
    mechanism: IntArray
    planned: BoolArray


APP_TYPES = ("01", "02", "03", "05", "06")
THERAPY_CODES = LI_CODES + HI_CODES
ATTENDANCE = ("2", "3", "4", "5", "6", "7")


def schedule(
    population: Population, pathway: Pathway, workforce: Workforce, course: Course, seed: int
) -> tuple[Events, Contacts, IntArray]:
    """Lay out every referral's contacts in time; return events, contacts and end days."""
    rng = stream(seed, "schedule")
    events = _events(rng, population, pathway, workforce, course)
    contacts, events = _contacts(rng, population, pathway, course, events)
    end_day = _end_days(rng, population, contacts)
    return events, contacts, end_day


def _phase_step(pathway: Pathway, referral: IntArray, session: IntArray) -> IntArray:
    """Step (2 or 3) of treatment session ``session`` of ``referral``."""
    route = pathway.route[referral]
    li = pathway.li_sessions[referral]
    hi = pathway.hi_sessions[referral]
    in_li = np.where(route == STEP_DOWN, session > hi, session <= li)
    step = np.where(route == HI, 3, np.where(route == LI, 2, np.where(in_li, 2, 3)))
    return np.asarray(np.where(session >= 1, step, 0), dtype=np.int64)


def _events(
    rng: np.random.Generator,
    population: Population,
    pathway: Pathway,
    workforce: Workforce,
    course: Course,
) -> Events:
    n = population.n
    combined = pathway.combined_assessment
    assessed = pathway.assessed.astype(np.int64)
    sessions = np.where(pathway.treated, course.attended, 0)
    separate = sessions - (combined & pathway.treated)
    completed = pathway.treated & ~course.dropped_out & ~pathway.brief
    follow_up = (completed & (rng.random(n) < params.FOLLOW_UP_SHARE)).astype(np.int64)
    referral, position = expand(assessed + separate + follow_up)
    is_assessment = position == 0
    is_follow_up = position == (assessed + separate)[referral]
    kind = np.where(is_assessment, ASSESSMENT, np.where(is_follow_up, FOLLOW_UP, SESSION))
    session = np.where(combined[referral], position + 1, position)
    session = np.where(is_follow_up, 0, session)
    exposure = np.where(is_follow_up, sessions[referral], np.maximum(session - 1, 0))
    step = _phase_step(pathway, referral, session)
    therapist = np.select(
        [kind == ASSESSMENT, step == 2, step == 3],
        [
            workforce.assessor[referral],
            workforce.li_therapist[referral],
            workforce.hi_therapist[referral],
        ],
        course.main_therapist[referral],
    )
    therapist = np.where(
        (kind == ASSESSMENT) & combined[referral], workforce.li_therapist[referral], therapist
    )
    day = _event_days(rng, population, pathway, referral, kind, session, step)
    return Events(
        referral=referral,
        kind=np.asarray(kind, dtype=np.int64),
        session=np.asarray(np.where(kind == FOLLOW_UP, 0, session), dtype=np.int64),
        exposure=np.asarray(exposure, dtype=np.int64),
        step=step,
        therapist=np.asarray(therapist, dtype=np.int64),
        day=day,
        contact=np.zeros(len(referral), dtype=np.int64),
    )


def _event_days(
    rng: np.random.Generator,
    population: Population,
    pathway: Pathway,
    referral: IntArray,
    kind: IntArray,
    session: IntArray,
    step: IntArray,
) -> IntArray:
    """Planned day of each event (misses are added later): the gap from the previous one."""
    m = len(referral)
    weekly = np.where(step == 3, rng.random(m) < 0.85, rng.random(m) < 0.65)
    interval = np.where(weekly, 7, 14) + rng.integers(-1, 2, m)
    slow = pathway.wrong_pace[referral]
    interval = np.where(slow & (kind == SESSION), rng.integers(21, 36, m), interval)
    previous_step = np.concatenate(([0], step[:-1]))
    new_referral = np.concatenate(([True], referral[1:] != referral[:-1]))
    phase_change = (kind == SESSION) & (previous_step != step) & ~new_referral
    phase_change &= previous_step > 0
    first_session = (kind == SESSION) & (session == 1)
    gap = np.select(
        [
            kind == ASSESSMENT,
            first_session,
            phase_change,
            kind == FOLLOW_UP,
        ],
        [
            population.day[referral] + pathway.wait_assessment[referral],
            pathway.wait_treatment[referral],
            pathway.wait_step[referral],
            rng.integers(28, 85, m),
        ],
        interval,
    )
    # A change of step (step-up, step-down, or high intensity after an intro contact)
    # waits for the new therapist.
    return group_cumsum(gap, referral)


def _miss_probability(
    population: Population,
    course: Course,
    pathway: Pathway,
    referral: IntArray,
    exposure: IntArray | None = None,
) -> np.ndarray:
    """Chance that an appointment before an event is missed: deprivation, youth, overload,
    pace, and (given the event's ``exposure``) the client's circumstances and course."""
    young = population.age[referral] <= 25
    logit = (
        np.log(params.MISS_RATE / (1 - params.MISS_RATE))
        + params.MISS_DEPRIVATION * (population.deprivation[referral] - 0.5)
        + params.MISS_YOUNG * young
        + 0.4 * ((course.causes[referral] & _OVERLOADED) > 0)
        + 0.3 * pathway.wrong_pace[referral]
    )
    if exposure is not None:
        logit = logit + _circumstance_logit(course, referral, exposure)
    return np.asarray(1.0 / (1.0 + np.exp(-logit)), dtype=np.float64)


def _circumstance_logit(course: Course, referral: IntArray, exposure: IntArray) -> np.ndarray:
    """More misses while a social stressor is active, once a course has relapsed, and
    in a course that has stalled or is going wrong (from its fourth session)."""
    stress_at = course.stressor_at[referral]
    stressed = (stress_at >= 0) & (exposure >= np.maximum(stress_at - 1, 0))
    stalled = np.isin(course.klass[referral], (NON_RESPONDER, DETERIORATOR, SUDDEN_LOSS))
    stalled &= exposure >= 3
    out = params.MISS_STRESSOR * stressed + params.MISS_STALLED * stalled
    if course.shapes is not None:
        at = course.shapes.relapse_at[referral]
        out = out + params.MISS_RELAPSE * ((at >= 0) & (exposure >= at))
    return np.asarray(out, dtype=np.float64)


def _miss_kinds(
    rng: np.random.Generator, count: int, overloaded: BoolArray, stressed: BoolArray
) -> IntArray:
    """AttendOrDNACode of each missed appointment; overload means provider cancellations,
    a social stressor more cancellations by the client."""
    base = np.array([s for _, s in params.MISS_KINDS])
    kind = choose(rng, tuple(base), count)
    provider = MISS_CODES.index("4")
    patient = MISS_CODES.index("2")
    kind = np.where(overloaded & (rng.random(count) < 0.35), provider, kind)
    kind = np.where(stressed & (rng.random(count) < 0.35), patient, kind)
    return np.asarray(kind, dtype=np.int64)


def _contacts(
    rng: np.random.Generator,
    population: Population,
    pathway: Pathway,
    course: Course,
    events: Events,
) -> tuple[Contacts, Events]:
    m = len(events.referral)
    q = _miss_probability(population, course, pathway, events.referral, events.exposure)
    misses = np.minimum(rng.geometric(1 - q) - 1, 3)
    misses = np.where(events.kind == FOLLOW_UP, 0, misses)
    delay = rng.integers(params.MISSED_REBOOK_DAYS[0], params.MISSED_REBOOK_DAYS[1] + 1, m)
    events.day = events.day + group_cumsum(misses * delay, events.referral)

    # Missed appointments before each event.
    owner, position = expand(misses + 1)
    attended_slot = position == misses[owner]
    slot_day = events.day[owner] - (misses[owner] - position) * delay[owner]

    trailing_ref, trailing_day, trailing_therapist, trailing_step = _trailing(
        rng, population, pathway, course, events
    )
    t = len(trailing_ref)
    referral = np.concatenate((events.referral[owner], trailing_ref))
    day = np.concatenate((slot_day, trailing_day))
    order = _merge_order(events.referral[owner], trailing_ref, population.n)

    event_kind = events.kind[owner]
    kind = np.concatenate((np.where(attended_slot, event_kind, MISSED), np.full(t, TRAILING)))
    step = np.concatenate((events.step[owner], trailing_step))
    therapist = np.concatenate((events.therapist[owner], trailing_therapist))
    session = np.concatenate((np.where(attended_slot, events.session[owner], 0), np.zeros(t)))
    combined = pathway.combined_assessment[referral]
    app = np.select(
        [
            np.concatenate((event_kind, np.full(t, SESSION))) == ASSESSMENT,
            np.concatenate((event_kind, np.full(t, SESSION))) == FOLLOW_UP,
        ],
        [np.where(combined, APP_TYPES.index("03"), APP_TYPES.index("01")), APP_TYPES.index("06")],
        APP_TYPES.index("02"),
    )
    review = (session > 0) & (session % 6 == 0) & (rng.random(len(session)) < params.REVIEW_SHARE)
    app = np.where(review, APP_TYPES.index("05"), app)
    attended = np.isin(kind, (ASSESSMENT, SESSION, FOLLOW_UP))
    stressed = course.stressor_at[referral] >= 0
    overloaded = (course.causes[referral] & _OVERLOADED) > 0
    miss_code = _miss_kinds(rng, len(referral), overloaded, stressed)
    miss_attendance = np.array([ATTENDANCE.index(c) for c in MISS_CODES])[miss_code]
    trailing_attendance = np.where(
        rng.random(len(referral)) < 0.8, ATTENDANCE.index("3"), ATTENDANCE.index("2")
    )
    late = rng.random(len(referral)) < params.LATE_SEEN_SHARE
    attendance = np.where(
        attended,
        np.where(late, ATTENDANCE.index("6"), ATTENDANCE.index("5")),
        np.where(kind == TRAILING, trailing_attendance, miss_attendance),
    )
    treatment_contact = np.isin(app, [APP_TYPES.index(a) for a in ("02", "03", "05")])
    therapy = _therapy(pathway, referral, step)
    unrecorded = pathway.unrecorded[referral]
    therapy = np.where(attended & treatment_contact & ~unrecorded, therapy, -1)
    step_recorded = np.where(unrecorded | ~treatment_contact, 0, step)
    mechanism = _mechanisms(rng, population.n, referral)
    planned = ~(attended & (kind == SESSION) & (rng.random(len(referral)) < params.UNPLANNED_SHARE))

    contacts = Contacts(
        referral=referral[order],
        day=day[order].astype(np.int64),
        kind=kind[order],
        app_type=app[order],
        attendance=attendance[order],
        therapist=therapist[order],
        therapy=therapy[order],
        step=step_recorded[order],
        session=np.where(attended & treatment_contact, session, 0)[order].astype(np.int64),
        mechanism=mechanism[order],
        planned=planned[order],
    )
    # Where each event landed in the sorted contact table.
    position_of = np.empty(len(order), dtype=np.int64)
    position_of[order] = np.arange(len(order))
    events.contact = position_of[np.flatnonzero(attended_slot)]
    return contacts, events


def _merge_order(slot_referral: IntArray, trailing_referral: IntArray, n: int) -> IntArray:
    """Order that puts each referral's event slots (already in date order) and then its
    trailing slots together, referral by referral, without sorting.

    >>> _merge_order(np.array([0, 0, 2]), np.array([0, 1]), 3).tolist()
    [0, 1, 3, 4, 2]
    """
    slots = np.bincount(slot_referral, minlength=n)
    trailing = np.bincount(trailing_referral, minlength=n)
    start = np.cumsum(slots + trailing) - (slots + trailing)
    within_slots = np.arange(len(slot_referral)) - (np.cumsum(slots) - slots)[slot_referral]
    within_trailing = (
        np.arange(len(trailing_referral)) - (np.cumsum(trailing) - trailing)[trailing_referral]
    )
    destination = np.concatenate(
        (
            start[slot_referral] + within_slots,
            start[trailing_referral] + slots[trailing_referral] + within_trailing,
        )
    )
    order = np.empty(len(destination), dtype=np.int64)
    order[destination] = np.arange(len(destination))
    return order


def _trailing(
    rng: np.random.Generator,
    population: Population,
    pathway: Pathway,
    course: Course,
    events: Events,
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Unattended appointments after a dropout's last session, and those never assessed."""
    n = population.n
    last = group_last(events.referral, n)
    dropped = course.dropped_out & (last >= 0)
    never = pathway.contacted & ~pathway.assessed
    count = np.where(dropped | never, 1 + (rng.random(n) < 0.4), 0)
    referral, position = expand(count)
    never_seen = never[referral]
    last_event = last[referral]

    def at_last(values: IntArray, default: int) -> IntArray:
        """The value at each referral's last event (``default`` when it has none)."""
        padded = np.append(values, default)
        return np.asarray(padded[np.where(last_event >= 0, last_event, -1)], dtype=np.int64)

    base = np.where(
        never_seen,
        population.day[referral] + pathway.wait_assessment[referral],
        at_last(events.day, 0),
    )
    step = np.where(never_seen, 0, at_last(events.step, 0))
    gap = rng.integers(7, 15, len(referral))
    offset = np.where(never_seen, position * 10, (position + 1) * gap)
    therapist = np.where(never_seen, -1, at_last(events.therapist, -1))
    return referral, np.asarray(base + offset, dtype=np.int64), therapist, step


def _therapy(pathway: Pathway, referral: IntArray, step: IntArray) -> IntArray:
    """Therapy of a treatment contact as an index into THERAPY_CODES (LI codes, then HI)."""
    return np.asarray(
        np.where(
            step == 2,
            pathway.li_therapy[referral],
            len(LI_CODES) + pathway.hi_therapy[referral],
        ),
        dtype=np.int64,
    )


def _mechanisms(rng: np.random.Generator, n: int, referral: IntArray) -> IntArray:
    """Each client has a usual way of meeting; one contact in five is different."""
    shares = tuple(s for _, s in params.MECHANISMS)
    usual = choose(rng, shares, n)[referral]
    other = choose(rng, shares, len(referral))
    return np.asarray(np.where(rng.random(len(referral)) < 0.2, other, usual), dtype=np.int64)


def _end_days(rng: np.random.Generator, population: Population, contacts: Contacts) -> IntArray:
    """Discharge: a little after the last contact, or 1-3 months after a referral never seen."""
    n = population.n
    last = group_last(contacts.referral, n)
    padded = np.append(contacts.day, 0)  # a referral with no contact points at the pad
    last_day = np.where(last >= 0, padded[last], population.day)
    wait = np.where(last >= 0, rng.integers(0, 15, n), rng.integers(30, 91, n))
    return np.asarray(last_day + wait, dtype=np.int64)
