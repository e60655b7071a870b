"""The course of therapy: planted causes, trajectory class, dropout, and latent severity.

Each treated referral gets a *base* course (what therapy would do without any planted cause)
and a *realised* course after the planted causes act on it. The base course decides
``would_improve``; the realised course generates what is observed. Latent severity is a
share of each measure's range (0 = none, 1 = the maximum), so the same course drives the
PHQ-9, the anxiety measure and the WSAS.

Scores at a session describe the state *before* that session (questionnaires are completed
first), so the session's "exposure" is the number of treatment sessions already attended.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ontrack.measures import get_measure
from ontrack.synth import params
from ontrack.synth.arrays import BoolArray, FloatArray, IntArray
from ontrack.synth.pathway import (
    APPLIED_RELAXATION,
    COUNSELLING,
    HI_CODES,
    LI_CODES,
    NON_GUIDED_BOOK,
    STEP_DOWN,
    STEP_UP,
    Pathway,
)
from ontrack.synth.population import Population, choose, stream
from ontrack.synth.workforce import Services, Workforce

CLASSES = ("steady", "early", "sudden_gain", "sudden_loss", "slow", "non_responder",
           "deteriorator")  # fmt: skip
STEADY, EARLY, SUDDEN_GAIN, SUDDEN_LOSS, SLOW, NON_RESPONDER, DETERIORATOR = range(7)
RESPONDERS = (STEADY, EARLY, SUDDEN_GAIN)
CAUSES = ("rupture", "social_stressor", "overloaded_therapist", "poor_match", "wrong_focus",
          "wrong_therapy", "no_goals", "no_homework", "wrong_pace")  # fmt: skip
CIRCUMSTANCE_KINDS = ("housing", "debt", "employment", "bereavement", "relationship", "safety",
                      "caring", "health")  # fmt: skip
CIRCUMSTANCE_SHARES = (0.2, 0.2, 0.15, 0.12, 0.15, 0.06, 0.06, 0.06)
_HOMEWORK_THERAPIES = frozenset({"304891004", "1127281000000100"})


@dataclass
class Course:
    """Per referral (meaningful where treated)."""

    base_class: IntArray
    klass: IntArray  # realised class
    causes: IntArray  # bit i set = CAUSES[i] planted
    primary: IntArray  # index into CAUSES, -1 = none
    onset: IntArray  # treatment session at which the primary cause began, -1 = none
    would_improve: BoolArray
    change_dep: FloatArray  # realised fraction of intake severity removed by a full course
    change_anx: FloatArray
    change_adsm: FloatArray
    base_change: FloatArray
    shape_start: IntArray  # exposure at which the shaped change begins (step-up plateau)
    sudden_at: IntArray  # exposure of a sudden gain or loss, -1 = none
    loss_jump: FloatArray  # rise at a sudden loss (share of range)
    stressor_at: IntArray  # treatment session of a social stressor's onset, -1 = none
    stressor_jump: FloatArray
    rupture_at: IntArray  # session of a rupture, -1 = none
    repaired: BoolArray
    attended: IntArray  # treatment sessions attended (after dropout)
    dropped_out: BoolArray
    goals: IntArray  # number of goals agreed (0 = none)
    goals_from: IntArray  # session at which goals were agreed
    adherence: FloatArray
    homework_rate: FloatArray  # probability homework is set at a session
    alliance: FloatArray  # OSR level before any rupture
    rupture_drop: FloatArray
    dep_start: FloatArray  # latent severity at assessment
    anx_start: FloatArray
    adsm_start: FloatArray
    wsas_start: FloatArray
    healthy: FloatArray  # z-score of the level a full recovery settles at (HEALTHY_LEVEL)
    circumstance: IntArray  # index into CIRCUMSTANCE_KINDS for a stressor, -1 = none
    main_therapist: IntArray
    shapes: Shapes | None = None
    prognosis: FloatArray | None = None  # log-odds of a good course (matching_truth reads it)


@dataclass
class Shapes:
    """Course shapes beyond the trajectory class (docs/simulator.md "Course shapes").

    Exposures count treatment sessions attended before a session, as everywhere here:
    a shape starting at exposure e shows in the scores of session e + 1 onwards.
    """

    spike_at: IntArray  # exposure at which exposure work raises symptoms, -1 = none
    spike_size: FloatArray  # peak rise, share of the anxiety measure's range
    relapse_at: IntArray  # exposure from which a responder's gains reverse, -1 = none
    relapse_depth: FloatArray  # share of the progress so far that is lost
    volatility: FloatArray  # multiplier of the session-to-session fluctuation (1 = usual)

    def realised(self, attended: IntArray) -> tuple[BoolArray, BoolArray, BoolArray]:
        """Return which shapes left a trace in the scores: (spike, relapse, volatile)."""
        spike = (self.spike_at >= 0) & (self.spike_at < attended)
        relapse = (self.relapse_at >= 0) & (self.relapse_at < attended)
        volatile = (self.volatility > 1.0) & (attended >= 2)
        return spike, relapse, volatile


SHAPES = ("exposure_spike", "relapse", "high_variability")


def course_shape(course: Course) -> tuple[list[str], list[str]]:
    """Return each referral's course shape and its ';'-separated shape features.

    The shape is the most telling feature (relapse, then a rise during exposure work,
    then high variability) where the course has one, else the trajectory class.
    """
    labels = [CLASSES[k] for k in course.klass.tolist()]
    if course.shapes is None:
        return labels, [""] * len(labels)
    flags = course.shapes.realised(course.attended)
    features = [
        ";".join(name for name, on in zip(SHAPES, row, strict=True) if on)
        for row in zip(*(f.tolist() for f in flags), strict=True)
    ]
    spike, relapse, volatile = flags
    shape = np.select(
        [relapse, spike, volatile],
        ["relapse", "exposure_spike", "high_variability"],
        np.array(labels, dtype=object),
    )
    return [str(v) for v in shape.tolist()], features


def plan_courses(
    population: Population,
    pathway: Pathway,
    workforce: Workforce,
    services: Services,
    engaged: np.ndarray,
    seed: int,
    prognosis_shift: FloatArray | None = None,
) -> Course:
    """Draw every treated referral's course, causes and dropout."""
    rng = stream(seed, "course")
    n = population.n
    treated = pathway.treated
    course_case = treated & ~pathway.brief
    planned = pathway.planned
    main = np.where(workforce.hi_therapist >= 0, workforce.hi_therapist, workforce.li_therapist)
    pressure = np.where(workforce.hi_therapist >= 0, workforce.hi_pressure, workforce.li_pressure)

    client = rng.standard_normal(n)
    prognosis = _prognosis(population, workforce, services, main, client)
    if prognosis_shift is not None:  # the client x modality response (matching_truth)
        prognosis = prognosis + prognosis_shift
    base_class = _base_class(rng, prognosis)
    base_change = _class_change(rng, base_class)
    strain = 1 - params.CHANGE_DEPRIVATION * (population.deprivation - 0.5)
    base_change = np.where(base_change > 0, base_change * strain, base_change)

    dep_start, anx_start, adsm_start, wsas_start = _starting_severity(rng, population, pathway)

    # Planted causes.
    causes = np.zeros(n, dtype=np.int64)
    effect = np.ones(n)

    def plant(name: str, where: np.ndarray) -> None:
        nonlocal causes, effect
        bit = 1 << CAUSES.index(name)
        causes = np.where(where, causes | bit, causes)
        effect = np.where(where, effect * params.CAUSE_EFFECT[name], effect)

    has_main = main >= 0
    poor_match = course_case & _poor_match(population, workforce, main)
    plant("poor_match", poor_match)
    plant("overloaded_therapist", course_case & (pressure > params.OVERLOAD_PRESSURE))
    plant("wrong_focus", pathway.wrong_focus)
    plant("wrong_therapy", pathway.wrong_therapy & mismatched_therapy(population, pathway))
    plant("wrong_pace", pathway.wrong_pace)

    goal_practice = np.where(has_main, workforce.goal_practice[np.maximum(main, 0)], 0.0)
    agreed = course_case & (rng.random(n) < goal_practice)
    plant("no_goals", course_case & ~agreed)
    goals = np.where(agreed, choose(rng, (0.25, 0.45, 0.30), n) + 1, 0)
    goals_from = np.where(rng.random(n) < 0.6, 1, 2)

    adherence = np.clip(
        rng.beta(*params.HOMEWORK_ADHERENCE, n) - 0.1 * (population.deprivation - 0.5), 0, 1
    )
    homework_rate = _homework_rate(pathway)
    homework_based = homework_rate >= 0.8
    plant("no_homework", course_case & homework_based & (adherence < params.LOW_ADHERENCE))

    stressor_at, stressor_jump = _stressors(rng, population, planned, course_case)
    plant("social_stressor", stressor_at >= 0)
    rupture_at, repaired, rupture_drop = _ruptures(rng, workforce, main, planned, poor_match)
    # A rupture's effect depends on when it happens; it is applied to the course shape.
    causes = np.where((rupture_at >= 0) & ~repaired, causes | 1, causes)

    change_dep, change_anx, change_adsm, klass, sudden_at, loss_jump = _realise(
        rng, base_class, base_change, effect, causes, pathway, planned, rupture_at, stressor_at
    )
    attended, dropped = _dropout(
        rng, pathway, planned, engaged, klass, rupture_at, repaired, stressor_at
    )
    causes, rupture_at, stressor_at, klass = _drop_unrealised(
        causes, rupture_at, stressor_at, klass, base_class, attended, pathway
    )

    primary, onset = _primary(causes, rupture_at, stressor_at)
    would_improve = _would_improve(
        population, pathway, base_class, base_change, dep_start, anx_start, adsm_start
    )
    circumstance = np.where(stressor_at >= 0, choose(rng, CIRCUMSTANCE_SHARES, n), -1)
    alliance = np.clip(
        rng.normal(*params.ALLIANCE_START, n)
        + 1.2 * client
        + params.ALLIANCE_POOR_MATCH * poor_match,
        8.0,
        40.0,
    )
    untreated = ~treated
    shapes = _shapes(seed, population, pathway, base_class, klass, planned, treated)
    return Course(
        base_class=base_class,
        klass=np.where(untreated, base_class, klass),
        causes=np.where(treated, causes, 0),
        primary=np.where(treated, primary, -1),
        onset=np.where(treated, onset, -1),
        would_improve=would_improve,
        change_dep=change_dep,
        change_anx=change_anx,
        change_adsm=change_adsm,
        base_change=base_change,
        shape_start=np.where(pathway.route == STEP_UP, pathway.li_sessions, 0),
        sudden_at=sudden_at,
        loss_jump=loss_jump,
        stressor_at=np.where(treated, stressor_at, -1),
        stressor_jump=stressor_jump,
        rupture_at=np.where(treated, rupture_at, -1),
        repaired=repaired,
        attended=np.where(treated, attended, 0),
        dropped_out=dropped & treated,
        goals=goals,
        goals_from=goals_from,
        adherence=adherence,
        homework_rate=homework_rate,
        alliance=alliance,
        rupture_drop=rupture_drop,
        dep_start=dep_start,
        anx_start=anx_start,
        adsm_start=adsm_start,
        wsas_start=wsas_start,
        healthy=rng.standard_normal(n),
        circumstance=circumstance,
        main_therapist=main,
        shapes=shapes,
        prognosis=prognosis,
    )


def _shapes(
    seed: int,
    population: Population,
    pathway: Pathway,
    base_class: IntArray,
    klass: IntArray,
    planned: IntArray,
    treated: BoolArray,
) -> Shapes:
    """Draw the course shapes from their own random stream (the rest stays as it was)."""
    rng = stream(seed, "shape")
    n = population.n
    course_case = treated & ~pathway.brief
    # Worse before better: exposure work in high-intensity CBT for an anxiety problem.
    hi_code = np.array(HI_CODES)[pathway.hi_therapy]
    anxious = population.group != 0
    exposure = course_case & anxious & (pathway.hi_sessions >= 3)
    exposure &= np.isin(hi_code, params.EXPOSURE_THERAPIES)
    hi_start = np.where(pathway.route == STEP_DOWN, 0, pathway.li_sessions)
    hi_start = np.where(pathway.hi_sessions > 0, hi_start, 0)
    low, high = params.EXPOSURE_SPIKE_START
    begins = hi_start + rng.integers(low, high + 1, n) - 1
    spiking = exposure & (rng.random(n) < params.EXPOSURE_SPIKE_RATE) & (begins < planned - 1)
    spike_at = np.where(spiking, begins, -1)
    spike_size = rng.uniform(*params.EXPOSURE_SPIKE_SIZE, n)
    # Relapse after improvement: a responding course of six or more sessions reverses.
    responding = np.isin(klass, RESPONDERS) & np.isin(base_class, RESPONDERS)
    eligible = course_case & responding & (planned >= 6)
    onset = np.floor(rng.uniform(*params.RELAPSE_AT, n) * planned).astype(np.int64)
    relapsing = eligible & (rng.random(n) < params.RELAPSE_RATE) & (onset >= 2)
    relapse_at = np.where(relapsing, onset, -1)
    depth = rng.uniform(*params.RELAPSE_DEPTH, n)
    volatile = rng.random(n) < params.VOLATILE_SHARE
    volatility = np.where(volatile, params.VOLATILE_FACTOR, 1.0)
    return Shapes(
        spike_at=np.asarray(spike_at, dtype=np.int64),
        spike_size=np.where(spiking, spike_size, 0.0),
        relapse_at=np.asarray(relapse_at, dtype=np.int64),
        relapse_depth=np.where(relapsing, depth, 0.0),
        volatility=np.asarray(volatility, dtype=np.float64),
    )


def mismatched_therapy(population: Population, pathway: Pathway) -> BoolArray:
    """Whether the therapy delivered is the poor fit ``pathway`` plants for wrong therapy."""
    hi_code = np.array(HI_CODES)[pathway.hi_therapy]
    depressed = population.group == 0
    wrong_hi = np.where(depressed, hi_code == APPLIED_RELAXATION, hi_code == COUNSELLING)
    li_code = np.array(LI_CODES)[pathway.li_therapy]
    wrong_li = (pathway.hi_sessions == 0) & (li_code == NON_GUIDED_BOOK)
    return np.asarray(((pathway.hi_sessions > 0) & wrong_hi) | wrong_li, dtype=bool)


def _poor_match(population: Population, workforce: Workforce, main: IntArray) -> BoolArray:
    """The main therapist is weak for the client's problem group, or not the gender asked for."""
    has_main = main >= 0
    strength = np.zeros(population.n)
    strength[has_main] = workforce.strength[main[has_main], population.group[has_main]]
    therapist_gender = np.where(has_main, workforce.gender[np.maximum(main, 0)], -1)
    mismatch = (population.preference >= 0) & (population.preference != therapist_gender)
    return np.asarray((strength < params.WEAK_FOR_PROBLEM) | mismatch, dtype=bool)


def _drop_unrealised(
    causes: IntArray,
    rupture_at: IntArray,
    stressor_at: IntArray,
    klass: IntArray,
    base_class: IntArray,
    attended: IntArray,
    pathway: Pathway,
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Remove planted causes that never took effect, so each listed cause left evidence.

    A rupture or stressor after the client's last session did not happen; a course that never
    got going (one session) carries no cause; a wrong high-intensity therapy counts only
    once a high-intensity session took place.
    """
    late_rupture = (rupture_at >= 0) & (rupture_at > attended)
    rupture_at = np.where(late_rupture, -1, rupture_at)
    causes = np.where(late_rupture, causes & ~1, causes)
    late_stressor = (stressor_at >= 1) & (stressor_at > attended)
    stressor_at = np.where(late_stressor, -1, stressor_at)
    causes = np.where(late_stressor, causes & ~2, causes)
    klass = np.where(late_stressor & (klass == SUDDEN_LOSS), base_class, klass)
    causes = np.where(attended >= 2, causes, 0)
    hi_reached = (pathway.li_first & (attended > pathway.li_sessions)) | ~pathway.li_first
    hi_reached |= pathway.hi_sessions == 0
    wrong_bit = 1 << CAUSES.index("wrong_therapy")
    causes = np.where(hi_reached, causes, causes & ~wrong_bit)
    return causes, rupture_at, stressor_at, klass


def _prognosis(
    population: Population,
    workforce: Workforce,
    services: Services,
    main: IntArray,
    client: FloatArray,
) -> FloatArray:
    """Log-odds of a good course: client, deprivation, problem, severity, therapist, service."""
    problem_shift = np.array([p[5] for p in params.PROBLEMS])[population.problem]
    severity = (population.depression + population.anxiety) / 2 - 0.58
    has = main >= 0
    therapist = np.zeros(population.n)
    therapist[has] = (
        workforce.effect[main[has]] + workforce.strength[main[has], population.group[has]]
    )
    return np.asarray(
        client
        + problem_shift
        + params.PROGNOSIS_DEPRIVATION * (population.deprivation - 0.5)
        + params.PROGNOSIS_UNKNOWN_IMD * (population.imd == 0)
        + params.PROGNOSIS_SEVERITY * severity
        + therapist
        + services.effect[population.service],
        dtype=np.float64,
    )


def _base_class(rng: np.random.Generator, prognosis: FloatArray) -> IntArray:
    latent = prognosis + rng.logistic(0.0, 1.0, len(prognosis))
    low, middle, high = params.CLASS_THRESHOLDS
    responder_kind = choose(rng, tuple(s for _, s in params.RESPONDER_SPLIT), len(prognosis))
    responder = np.array([CLASSES.index(name) for name, _ in params.RESPONDER_SPLIT])[
        responder_kind
    ]
    klass = np.select(
        [latent < low, latent < middle, latent < high],
        [DETERIORATOR, NON_RESPONDER, SLOW],
        responder,
    )
    unexplained_loss = rng.random(len(prognosis)) < params.BASE_SUDDEN_LOSS
    return np.asarray(np.where(unexplained_loss, SUDDEN_LOSS, klass), dtype=np.int64)


def _class_change(rng: np.random.Generator, klass: IntArray) -> FloatArray:
    mean = np.array([params.CLASS_CHANGE[c][0] for c in CLASSES])[klass]
    sd = np.array([params.CLASS_CHANGE[c][1] for c in CLASSES])[klass]
    return np.asarray(np.clip(rng.normal(mean, sd), -0.9, 0.97), dtype=np.float64)


def _starting_severity(
    rng: np.random.Generator, population: Population, pathway: Pathway
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Latent severity at assessment: a little change while waiting; wrong focus is anxious."""
    n = population.n
    waited = rng.normal(*params.PRE_TREATMENT_CHANGE, n)
    dep = population.depression * (1 - waited)
    anx = population.anxiety * (1 - waited)
    adsm = population.specific * (1 - waited)
    # A wrong-focus case is one where the anxiety measure is the elevated one.
    anx = np.where(pathway.wrong_focus, np.maximum(anx, np.minimum(dep + 0.15, 0.95)), anx)
    anx = np.where(pathway.wrong_focus, np.maximum(anx, 0.55), anx)
    dep = np.where(pathway.wrong_focus, np.minimum(dep, anx - 0.12), dep)
    wsas = 0.46 + 0.55 * (dep - 0.55) + 0.3 * (anx - 0.6) + rng.normal(0.0, 0.12, n)
    clip = (0.0, 1.0)
    return (
        np.clip(dep, *clip),
        np.clip(anx, *clip),
        np.clip(adsm, *clip),
        np.clip(wsas, 0.02, 1.0),
    )


def _homework_rate(pathway: Pathway) -> FloatArray:
    """How often homework is set: by the main therapy (low intensity counts as one)."""
    hi_code = np.array(HI_CODES)[pathway.hi_therapy]
    main_code = np.where(pathway.hi_sessions > 0, hi_code, "li")
    rate = np.full(len(main_code), 0.5)
    for code, value in params.HOMEWORK_SET.items():
        rate = np.where(main_code == code, value, rate)
    rate = np.where(np.isin(main_code, list(_HOMEWORK_THERAPIES)), np.maximum(rate, 0.8), rate)
    return np.asarray(rate, dtype=np.float64)


def _stressors(
    rng: np.random.Generator, population: Population, planned: IntArray, course_case: BoolArray
) -> tuple[IntArray, FloatArray]:
    n = population.n
    rate = params.STRESSOR_RATE + params.STRESSOR_DEPRIVATION * (population.deprivation - 0.5)
    has = course_case & (rng.random(n) < rate)
    # One in five is there before treatment starts (onset 0); the rest arrive during it.
    before = rng.random(n) < 0.2
    during = 2 + (rng.random(n) * np.maximum(planned - 2, 1)).astype(np.int64)
    at = np.where(has, np.where(before, 0, during), -1)
    jump = rng.uniform(*params.STRESSOR_JUMP, n)
    return np.asarray(at, dtype=np.int64), jump


def _ruptures(
    rng: np.random.Generator,
    workforce: Workforce,
    main: IntArray,
    planned: IntArray,
    poor_match: BoolArray,
) -> tuple[IntArray, BoolArray, FloatArray]:
    n = len(main)
    rate = params.RUPTURE_RATE * np.where(poor_match, 1.5, 1.0)
    possible = (main >= 0) & (planned >= 3)
    has = possible & (rng.random(n) < rate)
    latest = np.minimum(planned, 8)
    at = 2 + (rng.random(n) * np.maximum(latest - 1, 1)).astype(np.int64)
    repair = np.where(main >= 0, workforce.repair[np.maximum(main, 0)], 0.5)
    repaired = rng.random(n) < repair
    drop = rng.uniform(*params.RUPTURE_DROP, n)
    return np.asarray(np.where(has, at, -1), dtype=np.int64), has & repaired, drop


def _realise(
    rng: np.random.Generator,
    base_class: IntArray,
    base_change: FloatArray,
    effect: FloatArray,
    causes: IntArray,
    pathway: Pathway,
    planned: IntArray,
    rupture_at: IntArray,
    stressor_at: IntArray,
) -> tuple[FloatArray, FloatArray, FloatArray, IntArray, IntArray, FloatArray]:
    """Apply the planted causes to the base course; return changes, class and sudden events."""
    n = len(base_class)
    responder = np.isin(base_class, RESPONDERS)
    positive = base_change > 0
    change = np.where(positive, base_change * effect, base_change)
    klass = base_class.copy()
    klass = np.where(responder & (effect < 0.7), SLOW, klass)
    klass = np.where((responder | (base_class == SLOW)) & (effect < 0.35), NON_RESPONDER, klass)
    unrepaired = (causes & 1).astype(bool) & (rupture_at >= 0)
    klass = np.where(unrepaired & responder & (rupture_at <= 3), NON_RESPONDER, klass)
    klass = np.where(unrepaired & responder & (rupture_at > 3), SLOW, klass)
    # A stressor arriving during treatment is a sudden loss; one already there at the
    # start blunts the whole course (its effect is in ``effect``).
    stressor = stressor_at >= 1
    klass = np.where(stressor & (klass != DETERIORATOR), SUDDEN_LOSS, klass)
    # Changes of depression and anxiety go together, with some discordance.
    change_dep = change + rng.normal(0.0, 0.05, n) * positive
    change_anx = change + rng.normal(0.0, 0.05, n) * positive
    wrong_focus = pathway.wrong_focus
    change_anx = np.where(wrong_focus, rng.normal(0.0, 0.06, n), change_anx)
    change_dep = np.where(wrong_focus, change_dep * 0.8, change_dep)
    change_adsm = change_anx * rng.uniform(0.8, 1.2, n)
    # Sudden gains and losses happen at a session inside the planned course.
    span = np.maximum(planned - 1, 1)
    sudden_at = np.where(
        np.isin(klass, (SUDDEN_GAIN, SUDDEN_LOSS)),
        1 + (rng.random(n) * span).astype(np.int64),
        -1,
    )
    loss_jump = np.where((klass == SUDDEN_LOSS) & ~stressor, rng.uniform(0.12, 0.25, n), 0.0)
    clip = (-0.9, 0.97)
    return (
        np.clip(change_dep, *clip),
        np.clip(change_anx, *clip),
        np.clip(change_adsm, *clip),
        np.asarray(klass, dtype=np.int64),
        np.asarray(sudden_at, dtype=np.int64),
        loss_jump,
    )


def _dropout(
    rng: np.random.Generator,
    pathway: Pathway,
    planned: IntArray,
    engaged: np.ndarray,
    klass: IntArray,
    rupture_at: IntArray,
    repaired: BoolArray,
    stressor_at: IntArray,
) -> tuple[IntArray, BoolArray]:
    """Sessions attended: a hazard of stopping after each session, highest after the first."""
    n = len(planned)
    width = params.MAX_TREATMENT_SESSIONS
    session = np.arange(1, width + 1)[None, :]
    base = np.where(session == 1, params.DROPOUT_AFTER_FIRST, params.DROPOUT_LATER)
    logit = np.log(base / (1 - base)) - engaged[:, None]
    unrepaired = (rupture_at >= 0) & ~repaired
    logit = logit + params.DROPOUT_RUPTURE * (
        unrepaired[:, None] & (session >= rupture_at[:, None])
    )
    logit = logit + params.DROPOUT_STRESSOR * (
        (stressor_at[:, None] >= 0) & (session >= stressor_at[:, None])
    )
    stalled = np.isin(klass, (NON_RESPONDER, DETERIORATOR, SLOW))
    logit = logit + params.DROPOUT_NO_CHANGE * (stalled[:, None] & (session >= 4))
    hazard = 1.0 / (1.0 + np.exp(-logit))
    stop = rng.random((n, width)) < hazard
    stop &= session < planned[:, None]  # the last planned session ends the course anyway
    first_stop = np.where(stop.any(axis=1), stop.argmax(axis=1) + 1, width + 1)
    attended = np.minimum(first_stop, planned)
    dropped = attended < planned
    return np.asarray(np.where(pathway.treated, attended, 0), dtype=np.int64), dropped


def _primary(
    causes: IntArray, rupture_at: IntArray, stressor_at: IntArray
) -> tuple[IntArray, IntArray]:
    """The planted cause with the strongest effect, and the session it began."""
    strength = np.array([params.CAUSE_EFFECT[c] for c in CAUSES])
    order = np.argsort(strength, kind="stable")
    primary = np.full(len(causes), -1, dtype=np.int64)
    for index in order[::-1]:
        primary = np.where((causes >> index) & 1, index, primary)
    onset_by_cause = {
        "rupture": rupture_at,
        "social_stressor": stressor_at,
        "no_homework": np.full(len(causes), 2),
    }
    onset = np.where(primary >= 0, 1, -1)
    for name, at in onset_by_cause.items():
        onset = np.where(primary == CAUSES.index(name), at, onset)
    return primary, np.asarray(onset, dtype=np.int64)


def _would_improve(
    population: Population,
    pathway: Pathway,
    base_class: IntArray,
    base_change: FloatArray,
    dep_start: FloatArray,
    anx_start: FloatArray,
    adsm_start: FloatArray,
) -> BoolArray:
    """Whether the base course, run in full, reliably improves on either NHS TT measure."""
    phq = get_measure("PHQ-9")
    dep_healthy = params.HEALTHY_LEVEL["depression"][0]
    dep_points = base_change * np.maximum(dep_start - dep_healthy, 0) * (phq.max - phq.min)
    improves = dep_points >= (phq.reliable_change or 6.0)
    anxiety_code = np.array(population.adsm)[np.maximum(pathway.recorded_problem, 0)]
    anxiety_code = np.where(pathway.recorded_problem >= 0, anxiety_code, "GAD-7")
    for code in np.unique(anxiety_code):
        measure = get_measure(str(code))
        members = anxiety_code == code
        start = anx_start if code == "GAD-7" else adsm_start
        healthy = params.HEALTHY_LEVEL["anxiety" if code == "GAD-7" else "adsm"][0]
        points = base_change * np.maximum(start - healthy, 0) * (measure.max - measure.min)
        improves |= members & (points >= (measure.reliable_change or 0.0))
    return np.asarray(improves & (base_change > 0) & (base_class != DETERIORATOR), dtype=bool)
