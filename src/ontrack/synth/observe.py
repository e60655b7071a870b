"""What is observed at each contact: questionnaire answers and totals, alliance ratings,
goal ratings, homework and recorded circumstances.

Answers come item by item from the latent severity with measurement error, and totals are
scored from them exactly as ``ontrack.measures.score`` would, so every row passes the
dataset's consistency check.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ontrack.dataset.measure_checks import bulk_total
from ontrack.measures import Measure, get_measure
from ontrack.synth import params
from ontrack.synth.arrays import (
    MISSING_ANSWER,
    BoolArray,
    FloatArray,
    IntArray,
    UInt8Array,
    answer_strings,
    expand,
)
from ontrack.synth.course import CIRCUMSTANCE_KINDS, Course
from ontrack.synth.pathway import Pathway
from ontrack.synth.population import Population, choose, stream
from ontrack.synth.schedule import ASSESSMENT, FOLLOW_UP, SESSION, Events
from ontrack.synth.trajectory import Latent
from ontrack.synth.workforce import Workforce

ALLIANCE_MEASURE = "OSR"
_BATCH = 1_000_000  # rows of answers drawn at a time, to bound memory


@dataclass
class Rows:
    """Rows of a measure table before identifiers are attached."""

    contact: IntArray  # index into the contact table
    referral: IntArray
    measure: str
    total: FloatArray
    items: pa.StringArray


def item_weights(measure: Measure) -> FloatArray:
    """Relative weight of each item (mean 1): published-shaped where known, else gentle
    variation so that items differ in how often they are endorsed."""
    known = params.ITEM_WEIGHTS.get(measure.code)
    if known is not None:
        weights = np.asarray(known, dtype=np.float64)
    else:
        weights = 1 + 0.2 * np.cos(2.1 * np.arange(measure.n_items))
    return np.asarray(weights / weights.mean(), dtype=np.float64)


def draw_answers(rng: np.random.Generator, measure: Measure, share: FloatArray) -> UInt8Array:
    """Answer every item for latent positions ``share`` on the measure's scale (0 = every
    answer at its lowest, 1 = at its highest), with measurement error per item.

    >>> answers = draw_answers(np.random.default_rng(0), get_measure("GAD-7"), np.array([0.0, 1.0]))
    >>> answers.shape, int(answers[0].sum()) <= 3, int(answers[1].sum()) >= 17
    ((2, 7), True, True)
    """
    low, high = measure.item_min, measure.item_max
    weights = item_weights(measure).astype(np.float32)
    noise = params.ITEM_NOISE.get(measure.code, 0.6)
    expected = low + share.astype(np.float32)[:, None] * (high - low) * weights[None, :]
    deviates = rng.standard_normal(expected.shape, dtype=np.float32)
    answers = np.clip(np.rint(expected + noise * deviates), low, high).astype(np.uint8)
    risk = params.RISK_ITEM.get(measure.code)
    if risk is not None:
        column = risk.item - 1
        answers[:, column] = _risk_answers(
            expected[:, column] - low, deviates[:, column], risk, low, high
        )
    return answers


def _risk_answers(
    expected: npt.NDArray[np.float32],
    deviates: npt.NDArray[np.float32],
    shape: params.RiskItemShape,
    low: float,
    high: float,
) -> UInt8Array:
    """A risk item's answers from its expected value and its own normal deviates: positive
    past a threshold that falls as the expected value rises, a level more per step past it
    (``params.RISK_ITEM``)."""
    threshold = (0.5 - expected) / shape.spread
    level = (deviates >= threshold).astype(np.int16)
    for step in shape.steps:
        level += deviates >= threshold + step
    answers: UInt8Array = np.clip(low + level, low, high).astype(np.uint8)
    return answers


def _score_rows(
    rng: np.random.Generator,
    measure: Measure,
    share: FloatArray,
    contact: IntArray,
    referral: IntArray,
    blank: BoolArray | None = None,
    missing_rate: float = 0.0,
) -> Rows:
    """Answers, totals and item strings for one measure at many contacts."""
    totals: list[FloatArray] = []
    strings: list[pa.StringArray] = []
    for start in range(0, len(share), _BATCH):
        part = slice(start, start + _BATCH)
        answers = draw_answers(rng, measure, share[part])
        if blank is not None:
            answers[blank[part], 0] = MISSING_ANSWER  # an optional first item left blank
        if missing_rate > 0:
            skip = np.flatnonzero(rng.random(len(answers)) < missing_rate)
            answers[skip, rng.integers(0, measure.n_items, len(skip))] = MISSING_ANSWER
        values = answers.astype(np.float64)
        values[answers == MISSING_ANSWER] = np.nan
        totals.append(bulk_total(measure, values))
        strings.append(answer_strings(answers))
    total = np.concatenate(totals) if totals else np.zeros(0)
    items = pa.concat_arrays(strings) if strings else pa.array([], pa.string())
    return Rows(contact, referral, measure.code, total, items)


def outcome_scores(
    events: Events,
    latent: Latent,
    population: Population,
    pathway: Pathway,
    seed: int,
) -> Iterator[Rows]:
    """PHQ-9, GAD-7, the ADSM the descriptor calls for, and WSAS at attended events."""
    rng = stream(seed, "scores")
    m = len(events.referral)
    r = events.referral
    assessment = events.kind == ASSESSMENT
    follow_up = events.kind == FOLLOW_UP
    completion = np.where(assessment, params.COMPLETION["assessment"], params.COMPLETION["session"])
    completed = rng.random(m) < completion
    # Most people fill in both core questionnaires or neither.
    both = completed & (rng.random(m) < 0.99)
    phq = get_measure("PHQ-9")
    gad = get_measure("GAD-7")
    take = np.flatnonzero(completed)
    yield _score_rows(
        rng, phq, latent.depression[take], events.contact[take], r[take], missing_rate=0.003
    )
    take = np.flatnonzero(both)
    yield _score_rows(
        rng, gad, latent.anxiety[take], events.contact[take], r[take], missing_rate=0.003
    )
    recorded = pathway.recorded_problem[r]
    adsm_code = np.array(population.adsm)[np.maximum(recorded, 0)]
    adsm_code = np.where(recorded >= 0, adsm_code, "GAD-7")
    adsm_done = ~follow_up & (rng.random(m) < np.where(assessment, 0.92, params.COMPLETION["adsm"]))
    for code in sorted(set(adsm_code.tolist()) - {"GAD-7"}):
        take = np.flatnonzero((adsm_code == code) & adsm_done)
        yield _score_rows(rng, get_measure(code), latent.adsm[take], events.contact[take], r[take])
    wsas_done = ~follow_up & (rng.random(m) < np.where(assessment, 0.95, params.COMPLETION["wsas"]))
    take = np.flatnonzero(wsas_done)
    not_working = ~population.employed[r[take]]
    yield _score_rows(
        rng,
        get_measure("WSAS"),
        latent.wsas[take],
        events.contact[take],
        r[take],
        blank=not_working,
    )


def is_treatment(events: Events) -> BoolArray:
    """Attended treatment contacts (sessions, and assessments that are also session 1)."""
    return np.asarray((events.session >= 1) & (events.kind != FOLLOW_UP), dtype=bool)


def alliance_rows(events: Events, course: Course, seed: int) -> Rows:
    """The OnTrack Session Rating after every attended treatment contact.

    The level grows a little over sessions; a rupture shows as a drop at its session,
    back to the prior level next time when repaired, staying low when not.
    """
    rng = stream(seed, "alliance")
    treatment = is_treatment(events) & (
        rng.random(len(events.referral)) < params.ALLIANCE_COMPLETION
    )
    take = np.flatnonzero(treatment)
    r = events.referral[take]
    session = events.session[take]
    level = course.alliance[r] + np.minimum(
        params.ALLIANCE_GROWTH * (session - 1), params.ALLIANCE_GROWTH_MAX
    )
    at = course.rupture_at[r]
    drop = course.rupture_drop[r]
    ruptured = (at >= 0) & (session == at)
    after = (at >= 0) & (session > at)
    level = np.where(ruptured, level - drop, level)
    level = np.where(after & course.repaired[r], level + 1.0, level)
    level = np.where(after & ~course.repaired[r], level - 0.7 * drop, level)
    measure = get_measure(ALLIANCE_MEASURE)
    share = np.clip((level - measure.min) / (measure.max - measure.min), 0, 1)
    return _score_rows(rng, measure, share, events.contact[take], r)


@dataclass
class GoalRows:
    contact: IntArray
    referral: IntArray
    goal: IntArray
    rating: IntArray


def goal_rows(events: Events, latent: Latent, course: Course, seed: int) -> GoalRows:
    """Ratings (0-10) of each agreed goal at each treatment session from agreement on."""
    rng = stream(seed, "goals")
    r_all = events.referral
    rated = is_treatment(events) & (course.goals[r_all] > 0)
    rated &= events.session >= course.goals_from[r_all]
    take = np.flatnonzero(rated)
    owner, goal = expand(course.goals[r_all[take]])
    event = take[owner]
    r = r_all[event]
    start = course.dep_start[r] + course.anx_start[r]
    now = latent.depression[event] + latent.anxiety[event]
    improvement = np.clip(1 - now / np.maximum(start, 1e-3), -0.6, 1.0)
    n_ref = len(course.goals)
    first_rating = rng.integers(0, 4, (n_ref, 3))[r, goal]
    speed = rng.uniform(0.8, 1.3, (n_ref, 3))[r, goal]
    rating = first_rating + (10 - first_rating) * improvement * speed
    rating = rating + rng.normal(0.0, 0.9, len(r))
    return GoalRows(
        contact=events.contact[event],
        referral=r,
        goal=goal + 1,
        rating=np.clip(np.rint(rating), 0, 10).astype(np.int64),
    )


@dataclass
class HomeworkRows:
    referral: IntArray
    set_contact: IntArray
    reviewed_contact: IntArray  # -1 = never reviewed
    criteria: IntArray
    outcome: IntArray  # 0 done, 1 partly, 2 not done, -1 not reviewed


HOMEWORK_OUTCOMES = ("done", "partly", "not_done")


def homework_rows(events: Events, course: Course, workforce: Workforce, seed: int) -> HomeworkRows:
    """Tasks set at treatment sessions and reviewed at the next one."""
    rng = stream(seed, "homework")
    m = len(events.referral)
    treatment = is_treatment(events)
    r = events.referral
    set_here = treatment & (rng.random(m) < course.homework_rate[r])
    take = np.flatnonzero(set_here)
    following = np.minimum(take + 1, m - 1)
    has_next = (following > take) & (r[following] == r[take]) & treatment[following]
    reviewed = has_next & (rng.random(len(take)) < params.HOMEWORK_REVIEWED)
    adherence = course.adherence[r[take]]
    roll = rng.random(len(take))
    done = roll < 0.85 * adherence
    partly = ~done & (roll < 0.85 * adherence + 0.5 * (1 - 0.85 * adherence))
    outcome = np.where(done, 0, np.where(partly, 1, 2))
    therapist = events.therapist[take]
    quality = np.where(therapist >= 0, workforce.homework_quality[np.maximum(therapist, 0)], 0.5)
    return HomeworkRows(
        referral=r[take],
        set_contact=events.contact[take],
        reviewed_contact=np.where(reviewed, events.contact[following], -1),
        criteria=rng.binomial(6, quality).astype(np.int64),
        outcome=np.where(reviewed, outcome, -1).astype(np.int64),
    )


@dataclass
class CircumstanceRows:
    referral: IntArray
    contact: IntArray
    kind: IntArray  # index into CIRCUMSTANCE_KINDS


def circumstance_rows(events: Events, course: Course, seed: int) -> CircumstanceRows:
    """Stressors recorded at the contact where they surfaced, plus unrelated background
    circumstances recorded at some assessments."""
    rng = stream(seed, "circumstances")
    r = events.referral
    at = course.stressor_at[r]
    surfaced = (at >= 0) & np.where(at == 0, events.kind == ASSESSMENT, events.session == at)
    surfaced &= events.kind != FOLLOW_UP
    recorded = surfaced & (rng.random(len(r)) < params.CIRCUMSTANCE_RECORDED)
    background = (events.kind == ASSESSMENT) & (
        rng.random(len(r)) < params.BACKGROUND_CIRCUMSTANCES
    )
    background &= ~recorded
    kind = np.where(
        recorded,
        course.circumstance[r],
        choose(rng, tuple([1.0] * len(CIRCUMSTANCE_KINDS)), len(r)),
    )
    take = np.flatnonzero(recorded | background)
    return CircumstanceRows(referral=r[take], contact=events.contact[take], kind=kind[take])


__all__ = [
    "HOMEWORK_OUTCOMES",
    "SESSION",
    "CircumstanceRows",
    "GoalRows",
    "HomeworkRows",
    "Rows",
    "alliance_rows",
    "circumstance_rows",
    "draw_answers",
    "goal_rows",
    "homework_rows",
    "outcome_scores",
]
