"""Services and therapists: who works where, their effects, and who sees whom.

Therapists differ in general effectiveness, in strength per problem group, in how well they
repair ruptures, in goal and homework practice, and in how many cases they are given; the
caseload each carries is computed from the planned episodes, treating the year as a steady
state (episodes that run past the year's end load its beginning), so that pressure does not
depend on where in the year a referral falls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ontrack.synth import params
from ontrack.synth.arrays import FloatArray, IntArray
from ontrack.synth.pathway import HI_CODES, LI_CODES, Pathway
from ontrack.synth.population import Population, stream

ROLES = ("pwp", "hi", "counsellor")
PWP_QUALIFICATION = "10"
CBT_QUALIFICATION = "11"
COUNSELLING_QUALIFICATION = "12"
QUALIFICATIONS = ("10", "11", "12", "13", "14", "15", "16", "17")
HI_QUALIFICATION = np.array(
    [QUALIFICATIONS.index(params.THERAPY_QUALIFICATION[c]) for c in HI_CODES]
)
WEEKS = 52
_DAYS_PER_SESSION = {"li": 10.0, "hi": 8.0}  # planned spacing incl. rebooked misses (ASSUMED)


@dataclass
class Services:
    """Per service: how long its waits run and its small effect on outcomes."""

    n: int
    wait_factor: FloatArray
    effect: FloatArray


def make_services(n: int, seed: int) -> Services:
    """Draw ``n`` services."""
    rng = stream(seed, "services")
    return Services(
        n=n,
        wait_factor=np.exp(rng.normal(0.0, params.SERVICE_WAIT_SD, n)),
        effect=rng.normal(0.0, 0.1, n),
    )


@dataclass
class Workforce:
    """Per therapist, plus who sees each referral and how loaded they are."""

    n: int
    service: IntArray
    role: IntArray  # index into ROLES
    qualification: IntArray  # index into QUALIFICATIONS
    gender: IntArray  # index into params.GENDER_CODES
    limit: IntArray
    weight: FloatArray
    effect: FloatArray
    strength: FloatArray  # therapists × problem groups
    repair: FloatArray  # probability of repairing a rupture
    goal_practice: FloatArray  # probability of agreeing goals with a client
    homework_quality: FloatArray  # share of Beck's criteria a plan usually meets
    # Per referral (-1 where none):
    assessor: IntArray
    li_therapist: IntArray
    hi_therapist: IntArray
    li_pressure: FloatArray  # open cases / limit of the LI therapist when the phase starts
    hi_pressure: FloatArray


def make_workforce(
    population: Population,
    pathway: Pathway,
    services: Services,
    therapists: int | None,
    seed: int,
) -> Workforce:
    """Size the workforce (unless ``therapists`` is given), draw it and allocate referrals."""
    rng = stream(seed, "workforce")
    demand = _demand(population, pathway, services.n)
    counts = _counts(demand, therapists)
    staff = _draw_staff(rng, counts)
    _fallback_to_cbt(population, pathway, services.n, staff["service"], staff["qualification"])
    assessor, li, hi = _allocate(rng, population, pathway, staff)
    limit = staff["limit"]
    li_start, li_days, hi_start, hi_days = _planned_phases(population, pathway)
    load = _caseload(staff["service"].size, li, li_start, li_days, hi, hi_start, hi_days)
    li_pressure = _pressure(load, limit, li, li_start)
    hi_pressure = _pressure(load, limit, hi, hi_start)
    n = staff["service"].size
    return Workforce(
        n=n,
        service=staff["service"],
        role=staff["role"],
        qualification=staff["qualification"],
        gender=np.where(rng.random(n) < params.THERAPIST_FEMALE_SHARE, 1, 0),
        limit=limit,
        weight=staff["weight"],
        effect=rng.normal(0.0, params.THERAPIST_EFFECT_SD, n),
        strength=rng.normal(0.0, params.PROBLEM_STRENGTH_SD, (n, len(params.PROBLEM_GROUPS))),
        repair=rng.beta(*params.REPAIR_SKILL, n),
        goal_practice=rng.beta(*params.GOAL_PRACTICE, n),
        homework_quality=rng.beta(*params.HOMEWORK_QUALITY, n),
        assessor=assessor,
        li_therapist=li,
        hi_therapist=hi,
        li_pressure=li_pressure,
        hi_pressure=hi_pressure,
    )


def _planned_phases(
    population: Population, pathway: Pathway
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Planned start day and length in days of each referral's LI and HI phases."""
    first = population.day + pathway.wait_assessment + pathway.wait_treatment
    li_days = np.round(pathway.li_sessions * _DAYS_PER_SESSION["li"]).astype(np.int64)
    hi_days = np.round(pathway.hi_sessions * _DAYS_PER_SESSION["hi"]).astype(np.int64)
    li_start = np.where(pathway.li_first, first, first + hi_days + pathway.wait_step)
    hi_start = np.where(pathway.li_first, first + li_days + pathway.wait_step, first)
    return li_start, li_days, hi_start, hi_days


def _demand(population: Population, pathway: Pathway, n_services: int) -> FloatArray:
    """Average open cases per service and qualification over the year (planned episodes)."""
    _, li_days, _, hi_days = _planned_phases(population, pathway)
    demand = np.zeros((n_services, len(QUALIFICATIONS)))
    treated = pathway.treated
    np.add.at(demand[:, 0], population.service[treated], li_days[treated] / params.YEAR_DAYS)
    hi_case = treated & (pathway.hi_sessions > 0)
    np.add.at(
        demand,
        (population.service[hi_case], HI_QUALIFICATION[pathway.hi_therapy[hi_case]]),
        hi_days[hi_case] / params.YEAR_DAYS,
    )
    return demand


def _mean_limit(qualification: int) -> float:
    role = _role_of(qualification)
    low, high = params.CASELOAD_LIMITS[ROLES[role]]
    return (low + high) / 2


def _role_of(qualification: int) -> int:
    code = QUALIFICATIONS[qualification]
    if code == PWP_QUALIFICATION:
        return 0
    return 2 if code == COUNSELLING_QUALIFICATION else 1


def _counts(demand: FloatArray, therapists: int | None) -> IntArray:
    """Therapists per service and qualification: enough for the target utilisation."""
    capacity = np.array([_mean_limit(q) for q in range(len(QUALIFICATIONS))])
    needed = demand / (params.TARGET_UTILISATION * capacity)
    if therapists is not None:
        needed = needed * therapists / max(needed.sum(), 1e-9)
    counts = np.floor(needed).astype(np.int64)
    # Every service has at least one PWP and one CBT therapist.
    core = [0, QUALIFICATIONS.index(CBT_QUALIFICATION)]
    counts[:, core] = np.maximum(counts[:, core], 1)
    target = therapists if therapists is not None else round(float(needed.sum()))
    target = max(target, int(counts.sum()))
    remainder = (needed - np.floor(needed)).ravel()
    extra = target - int(counts.sum())
    if extra > 0:
        order = np.argsort(-remainder, kind="stable")[:extra]
        np.add.at(counts.reshape(-1), order, 1)
    return counts


def _draw_staff(rng: np.random.Generator, counts: IntArray) -> dict[str, np.ndarray]:
    service, qualification = np.nonzero(counts)
    repeats = counts[service, qualification]
    service = np.repeat(service, repeats).astype(np.int64)
    qualification = np.repeat(qualification, repeats).astype(np.int64)
    role = np.array([_role_of(int(q)) for q in range(len(QUALIFICATIONS))])[qualification]
    low = np.array([params.CASELOAD_LIMITS[r][0] for r in ROLES])[role]
    high = np.array([params.CASELOAD_LIMITS[r][1] for r in ROLES])[role]
    limit = rng.integers(low, high + 1).astype(np.int64)
    # Cases are allocated in proportion to capacity, unevenly (some are given more).
    weight = limit * np.exp(rng.normal(0.0, params.ALLOCATION_SD, len(service)))
    return {
        "service": service,
        "qualification": qualification,
        "role": role,
        "limit": limit,
        "weight": weight,
    }


def _fallback_to_cbt(
    population: Population,
    pathway: Pathway,
    n_services: int,
    service: IntArray,
    qualification: IntArray,
) -> None:
    """Where no one in a service can deliver a therapy, CBT is delivered instead."""
    available = np.zeros((n_services, len(QUALIFICATIONS)), bool)
    available[service, qualification] = True
    needed = HI_QUALIFICATION[pathway.hi_therapy]
    missing = ~available[population.service, needed]
    pathway.hi_therapy[missing] = HI_CODES.index("304891004")


def _allocate(
    rng: np.random.Generator,
    population: Population,
    pathway: Pathway,
    staff: dict[str, np.ndarray],
) -> tuple[IntArray, IntArray, IntArray]:
    n = population.n
    li_case = pathway.treated & (pathway.li_sessions > 0)
    hi_case = pathway.treated & (pathway.hi_sessions > 0)
    pwp = QUALIFICATIONS.index(PWP_QUALIFICATION)
    assessor = _pick(rng, population.service, np.full(n, pwp), pathway.assessed, staff)
    li = _pick(rng, population.service, np.full(n, pwp), li_case, staff)
    # Half of low-intensity clients keep the PWP who assessed them (ASSUMED).
    keep = li_case & (rng.random(n) < 0.5)
    li = np.where(keep, assessor, li)
    hi_qualification = HI_QUALIFICATION[pathway.hi_therapy]
    hi = _pick(rng, population.service, hi_qualification, hi_case, staff)
    return assessor, li, hi


def _pick(
    rng: np.random.Generator,
    service: IntArray,
    qualification: IntArray,
    wanted: np.ndarray,
    staff: dict[str, np.ndarray],
) -> IntArray:
    """Choose a therapist of the right service and qualification, by allocation weight."""
    chosen = np.full(len(service), -1, dtype=np.int64)
    n_qual = len(QUALIFICATIONS)
    cell = service * n_qual + qualification
    staff_cell = staff["service"] * n_qual + staff["qualification"]
    order = np.argsort(staff_cell, kind="stable")
    bounds = np.searchsorted(staff_cell[order], np.arange(cell.max(initial=0) + 2))
    rows = np.flatnonzero(wanted)
    for value in np.unique(cell[rows]):
        members = rows[cell[rows] == value]
        pool = order[bounds[value] : bounds[value + 1]]
        weight = staff["weight"][pool]
        chosen[members] = pool[rng.choice(len(pool), size=len(members), p=weight / weight.sum())]
    return chosen


def _caseload(
    n_therapists: int,
    li: IntArray,
    li_start: IntArray,
    li_days: IntArray,
    hi: IntArray,
    hi_start: IntArray,
    hi_days: IntArray,
) -> IntArray:
    """Open cases per therapist per week of a steady-state year (therapists × WEEKS)."""
    span = 4 * WEEKS
    diff = np.zeros(n_therapists * span + 1, dtype=np.int64)
    for therapist, start, days in ((li, li_start, li_days), (hi, hi_start, hi_days)):
        valid = therapist >= 0
        first_week = np.minimum(start[valid] // 7, span - 1)
        last_week = np.minimum((start[valid] + days[valid]) // 7, span - 1)
        np.add.at(diff, therapist[valid] * span + first_week, 1)
        np.add.at(diff, therapist[valid] * span + last_week, -1)
    load = np.cumsum(diff[:-1].reshape(n_therapists, span), axis=1)
    return np.asarray(load.reshape(n_therapists, 4, WEEKS).sum(axis=1), dtype=np.int64)


def _pressure(load: IntArray, limit: IntArray, therapist: IntArray, start: IntArray) -> FloatArray:
    """Open cases / limit two weeks into the phase; 0 where there is no such phase."""
    week = (start // 7 + 2) % WEEKS
    valid = therapist >= 0
    pressure = np.zeros(len(therapist))
    pressure[valid] = load[therapist[valid], week[valid]] / limit[therapist[valid]]
    return pressure


__all__ = ["LI_CODES", "ROLES", "Services", "Workforce", "make_services", "make_workforce"]
