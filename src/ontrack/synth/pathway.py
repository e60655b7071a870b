"""What happens to each referral: assessment or not, treatment or not, which steps and
therapies, how many sessions are planned, and how long each wait is.

Dropout is decided later (``course.py``), because it depends on how therapy is going.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ontrack.synth import params
from ontrack.synth.arrays import BoolArray, IntArray
from ontrack.synth.population import Population, choose, stream

LI, HI, STEP_UP, STEP_DOWN, INTRO = range(5)
NOT_TREATED_CODES = tuple(code for code, _ in params.NOT_TREATED_END_CODES)
LI_CODES = tuple(code for code, _ in params.LI_THERAPIES)
HI_CODES = tuple(sorted({c for options in params.HI_THERAPIES.values() for c, _ in options}))
CBT = "304891004"
COUNSELLING = "286711000000107"
APPLIED_RELAXATION = "1127281000000100"
NON_GUIDED_BOOK = "748101000000105"


@dataclass
class Pathway:
    """Per referral: the route through the service, planned before therapy starts."""

    assessed: BoolArray
    contacted: BoolArray  # booked at least one appointment
    treated: BoolArray  # at least one treatment contact
    brief: BoolArray  # a single assessment-and-treatment contact, then discharge
    not_treated_code: IntArray  # index into NOT_TREATED_CODES (-1 when treated)
    route: IntArray  # LI, HI, STEP_UP, STEP_DOWN, INTRO (-1 when not treated)
    unrecorded: BoolArray  # therapy and step not recorded
    combined_assessment: BoolArray  # the assessment is an 03 contact (treatment session 1)
    li_sessions: IntArray  # planned low-intensity sessions (the 03 contact included)
    hi_sessions: IntArray  # planned high-intensity sessions
    li_first: BoolArray  # the low-intensity phase comes first (all but step-down)
    li_therapy: IntArray  # index into LI_CODES
    hi_therapy: IntArray  # index into HI_CODES
    recorded_problem: IntArray  # descriptor recorded at assessment (-1 = not stated)
    wrong_focus: BoolArray
    wrong_therapy: BoolArray
    wrong_pace: BoolArray
    wait_assessment: IntArray  # days from referral to the assessment (or first slot)
    wait_treatment: IntArray  # days from assessment to first treatment (0 for 03)
    wait_step: IntArray  # days between phases (step-up, step-down, intro)

    @property
    def planned(self) -> IntArray:
        """Planned treatment sessions in all."""
        return np.asarray(self.li_sessions + self.hi_sessions, dtype=np.int64)


def engagement(population: Population, rng: np.random.Generator) -> np.ndarray:
    """Log-odds shift of staying engaged: lower in deprived areas and for the young."""
    young = population.age <= 25
    unknown = population.imd == 0
    return np.asarray(
        -params.DROPOUT_DEPRIVATION * (population.deprivation - 0.5)
        - params.DROPOUT_YOUNG * young
        - 0.5 * unknown
        + rng.normal(0.0, 0.3, population.n),
        dtype=np.float64,
    )


def _below_caseness(population: Population) -> np.ndarray:
    """Latent severity below the PHQ-9 and GAD-7 cut-offs (10 of 27, 8 of 21)."""
    return np.asarray(
        (population.depression < 10 / 27) & (population.anxiety < 8 / 21), dtype=np.float64
    )


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _chance(base: float, shift: np.ndarray) -> np.ndarray:
    """Probability from a base rate moved by a log-odds shift."""
    return np.asarray(1.0 / (1.0 + np.exp(-(_logit(base) + shift))), dtype=np.float64)


def plan_pathways(
    population: Population, seed: int, service_wait: np.ndarray
) -> tuple[Pathway, np.ndarray]:
    """Plan each referral's route; return it with each referral's engagement shift."""
    rng = stream(seed, "pathway")
    n = population.n
    engaged = engagement(population, rng)
    assessed = rng.random(n) >= _chance(params.NOT_ASSESSED, -engaged)
    contacted = assessed | (rng.random(n) >= params.NOT_ASSESSED_NO_CONTACT)
    # People below caseness at assessment are mostly given advice or signposted, not treated.
    mild = _below_caseness(population)
    not_treated = _chance(params.ASSESSED_NOT_TREATED, -engaged + params.MILD_NOT_TREATED * mild)
    treated = assessed & (rng.random(n) >= not_treated)
    not_treated_code = np.where(
        assessed & ~treated, choose(rng, tuple(s for _, s in params.NOT_TREATED_END_CODES), n), -1
    )
    brief = treated & (rng.random(n) < params.BRIEF_SHARE)
    course = treated & ~brief
    route = np.where(course, choose(rng, params.PATHWAY_SHARES, n), -1)
    route = np.where(brief, LI, route)
    unrecorded = course & (rng.random(n) < params.UNRECORDED_THERAPY_SHARE)

    li_sessions, hi_sessions = _planned_sessions(rng, population, route, brief)
    li_first = route != STEP_DOWN
    combined = treated & li_first & (route >= 0) & (route != HI)
    combined &= (rng.random(n) < params.ASSESSMENT_AND_TREATMENT) | brief

    recorded, wrong_focus = _recorded_problem(rng, population, assessed, course)
    group = np.where(wrong_focus, 0, population.group)
    li_therapy = choose(rng, tuple(s for _, s in params.LI_THERAPIES), n)
    hi_therapy = _hi_therapy(rng, group)
    # Only where the therapy is recorded, so that the planted cause leaves evidence.
    wrong_therapy = course & ~wrong_focus & ~unrecorded
    wrong_therapy &= rng.random(n) < params.WRONG_THERAPY_RATE
    li_therapy, hi_therapy = _mismatch_therapy(
        population, route, wrong_therapy, li_therapy, hi_therapy
    )
    wrong_pace = course & (rng.random(n) < params.WRONG_PACE_RATE)

    factor = service_wait[population.service]
    wait_assessment = _lognormal_days(rng, params.WAIT_TO_ASSESSMENT, factor)
    to_li = _lognormal_days(rng, params.WAIT_TO_LI, factor)
    to_hi = _lognormal_days(rng, params.WAIT_TO_HI, factor)
    wait_treatment = np.where(route == HI, to_hi, to_li)
    wait_treatment = np.where(combined, 0, wait_treatment)
    wait_treatment = np.where(route == STEP_DOWN, to_hi, wait_treatment)
    long_wait = course & (rng.random(n) < params.LONG_WAIT_SHARE)
    wait_treatment = wait_treatment + long_wait * rng.integers(*params.LONG_WAIT_DAYS, n)
    wait_step = np.where(route == INTRO, to_hi, _lognormal_days(rng, params.WAIT_STEP_UP, factor))
    pathway = Pathway(
        assessed=assessed,
        contacted=contacted,
        treated=treated,
        brief=brief,
        not_treated_code=not_treated_code,
        route=route,
        unrecorded=unrecorded,
        combined_assessment=combined,
        li_sessions=li_sessions,
        hi_sessions=hi_sessions,
        li_first=li_first,
        li_therapy=li_therapy,
        hi_therapy=hi_therapy,
        recorded_problem=recorded,
        wrong_focus=wrong_focus,
        wrong_therapy=wrong_therapy,
        wrong_pace=wrong_pace,
        wait_assessment=wait_assessment,
        wait_treatment=np.asarray(wait_treatment, dtype=np.int64),
        wait_step=np.asarray(wait_step, dtype=np.int64),
    )
    return pathway, engaged


def _lognormal_days(
    rng: np.random.Generator, median_sigma: tuple[float, float], factor: np.ndarray
) -> IntArray:
    median, sigma = median_sigma
    days = median * factor * rng.lognormal(0.0, sigma, len(factor))
    return np.asarray(np.clip(np.round(days), 1, 400), dtype=np.int64)


def _planned_sessions(
    rng: np.random.Generator, population: Population, route: IntArray, brief: BoolArray
) -> tuple[IntArray, IntArray]:
    n = population.n
    low, high = params.LI_SESSIONS
    li = rng.integers(low, high + 1, n)
    hi_low, hi_high = params.HI_SESSIONS
    hi = np.round(rng.triangular(hi_low, params.HI_SESSIONS_MODE, hi_high, n))
    hi = hi + np.where(population.group == 2, 2, 0) + np.where(population.group == 3, 1, 0)
    li_sessions = np.select(
        [route == LI, route == STEP_UP, route == STEP_DOWN, route == INTRO],
        [li, rng.integers(3, 7, n), rng.integers(2, 5, n), 1],
        0,
    )
    hi_sessions = np.select(
        [route == HI, route == STEP_UP, route == STEP_DOWN, route == INTRO],
        [hi, hi - 2, rng.integers(6, 13, n), hi],
        0,
    )
    li_sessions = np.where(brief, 1, li_sessions)
    hi_sessions = np.minimum(hi_sessions, params.MAX_TREATMENT_SESSIONS - li_sessions)
    return np.asarray(li_sessions, dtype=np.int64), np.asarray(hi_sessions, dtype=np.int64)


def _recorded_problem(
    rng: np.random.Generator, population: Population, assessed: BoolArray, course: BoolArray
) -> tuple[IntArray, BoolArray]:
    """Record the descriptor at assessment; a few anxiety problems are recorded as depression.

    A wrong-focus case is an anxiety problem recorded and treated as depression, so the
    anxiety measure stays elevated (DESIGN §1 "wrong focus").
    """
    n = population.n
    anxious = population.group != 0
    share_anxious = max(float(anxious[course].mean()) if course.any() else 0.5, 0.05)
    wrong_focus = course & anxious & (rng.random(n) < params.WRONG_FOCUS_RATE / share_anxious)
    recorded = np.where(assessed & population.stated, population.problem, -1)
    recorded = np.where(wrong_focus, 0, recorded)  # F32
    return np.asarray(recorded, dtype=np.int64), wrong_focus


def _hi_therapy(rng: np.random.Generator, group: IntArray) -> IntArray:
    therapy = np.zeros(len(group), dtype=np.int64)
    for index, name in enumerate(params.PROBLEM_GROUPS):
        members = np.flatnonzero(group == index)
        options = params.HI_THERAPIES[name]
        codes = np.array([HI_CODES.index(c) for c, _ in options])
        picks = choose(rng, tuple(s for _, s in options), len(members))
        therapy[members] = codes[picks]
    return therapy


def _mismatch_therapy(
    population: Population,
    route: IntArray,
    wrong: BoolArray,
    li_therapy: IntArray,
    hi_therapy: IntArray,
) -> tuple[IntArray, IntArray]:
    """Give the wrong-therapy cases a therapy that does not fit their problem.

    Anxiety, trauma and OCD-type problems get counselling for depression (or non-guided
    self-help at step 2); depression gets applied relaxation. ASSUMED examples of a poor fit
    by NICE guidance for these problems.
    """
    depressed = population.group == 0
    hi_wrong = np.where(depressed, HI_CODES.index(APPLIED_RELAXATION), HI_CODES.index(COUNSELLING))
    hi_therapy = np.where(wrong, hi_wrong, hi_therapy)
    li_only = wrong & (route == LI)
    li_therapy = np.where(li_only, LI_CODES.index(NON_GUIDED_BOOK), li_therapy)
    return li_therapy, hi_therapy
