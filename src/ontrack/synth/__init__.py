"""The simulator of talking-therapy services, calibrated to the NHS TT national figures.

``simulate`` returns the canonical tables of ``ontrack.dataset`` plus a ``truth`` table of
ground truth (trajectory class, planted causes of failure, whether the course would have
improved). The same seed always gives the same data. docs/simulator.md describes the
generative story and its calibration.

>>> tables = simulate(referrals=200, seed=42)
>>> sorted(tables)[:4]
['alliance', 'circumstance', 'contact', 'goal_rating']
>>> tables["referral"].num_rows
200
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from ontrack.synth import assemble, matching_truth, params, schedule
from ontrack.synth.course import plan_courses
from ontrack.synth.observe import (
    alliance_rows,
    circumstance_rows,
    goal_rows,
    homework_rows,
    outcome_scores,
)
from ontrack.synth.pathway import plan_pathways
from ontrack.synth.population import make_population, stream
from ontrack.synth.trajectory import latent_at
from ontrack.synth.workforce import make_services, make_workforce

DEFAULT_START = dt.date(2024, 4, 1)
_STAGES = (
    "referrals",
    "workforce",
    "courses",
    "appointments",
    "questionnaires",
    "alliance, goals, homework",
    "tables",
)


def simulate(
    referrals: int,
    seed: int,
    *,
    therapists: int | None = None,
    services: int | None = None,
    start: dt.date = DEFAULT_START,
    progress: bool = False,
) -> dict[str, pa.Table]:
    """Simulate one year of referrals to talking-therapy services.

    ``therapists`` defaults to enough for caseloads near 80% of their limits; ``services``
    to one per 15,000 referrals. Referrals arrive over the year from ``start``; every
    referral is followed to discharge. ``progress`` shows a progress bar on stderr.

    >>> tables = simulate(referrals=300, seed=1, therapists=6, services=1)
    >>> tables["therapist"].num_rows, tables["service"].num_rows
    (6, 1)
    >>> simulate(referrals=300, seed=1)["score"].equals(simulate(referrals=300, seed=1)["score"])
    True
    """
    n_services = _check(referrals, seed, therapists, services)
    with tqdm(total=len(_STAGES), disable=not progress, unit="stage", desc="simulate") as bar:

        def stage(index: int) -> None:
            bar.set_postfix_str(_STAGES[index])
            if index:
                bar.update(1)

        stage(0)
        population = make_population(referrals, seed, n_services)
        service_info = make_services(n_services, seed)
        pathway, engaged = plan_pathways(population, seed, service_info.wait_factor)
        stage(1)
        workforce = make_workforce(population, pathway, service_info, therapists, seed)
        stage(2)
        planted = matching_truth.plant(population, pathway, workforce, seed)
        course = plan_courses(
            population,
            pathway,
            workforce,
            service_info,
            matching_truth.engagement(engaged, planted),
            seed,
            prognosis_shift=planted.shift,
        )
        therapist_part = matching_truth.therapist_part(population, workforce, course.main_therapist)
        course.healthy = matching_truth.settle(course.healthy, planted, therapist_part)
        stage(3)
        events, contacts, end_day = schedule.schedule(population, pathway, workforce, course, seed)
        latent = latent_at(events, course, pathway, stream(seed, "latent"))
        stage(4)
        service_table, service_ids = assemble.service_table(n_services)
        therapist_table, therapist_ids = assemble.therapist_table(
            workforce, service_ids, matching_truth.therapist_columns(planted)
        )
        referral_table, referral_ids = assemble.referral_table(
            start, population, pathway, course, end_day, service_ids, seed
        )
        contact_table, contact_ids = assemble.contact_table(
            start, contacts, referral_ids, therapist_ids
        )
        score = assemble.measure_table(
            "score",
            outcome_scores(events, latent, population, pathway, seed),
            contact_ids,
            referral_ids,
        )
        stage(5)
        alliance = assemble.measure_table(
            "alliance", [alliance_rows(events, course, seed)], contact_ids, referral_ids
        )
        goals = assemble.goal_table(
            goal_rows(events, latent, course, seed), contact_ids, referral_ids
        )
        homework = assemble.homework_table(
            homework_rows(events, course, workforce, seed), contact_ids, referral_ids
        )
        circumstances = assemble.circumstance_table(
            circumstance_rows(events, course, seed), contact_ids, referral_ids
        )
        del events, latent, contacts  # the largest intermediates, before the last tables
        stage(6)
        tables = {
            "service": service_table,
            "therapist": therapist_table,
            "referral": referral_table,
            "contact": contact_table,
            "score": score,
            "alliance": alliance,
            "goal_rating": goals,
            "homework": homework,
            "circumstance": circumstances,
            "truth": assemble.truth_table(
                course,
                referral_ids,
                matching_truth.truth_columns(
                    planted,
                    course.prognosis if course.prognosis is not None else np.zeros(referrals),
                    therapist_part,
                    pathway.treated,
                    population,
                ),
            ),
        }
        bar.update(1)
    return tables


def _check(referrals: int, seed: int, therapists: int | None, services: int | None) -> int:
    """Validate the arguments; return the number of services."""
    for name, value in (("referrals", referrals), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be a whole number, got {value!r}")
    if referrals < 1:
        raise ValueError(f"referrals must be at least 1, got {referrals}")
    if seed < 0:
        raise ValueError(f"seed must be 0 or more, got {seed}")
    n_services = (
        services
        if services is not None
        else max(1, round(referrals / params.REFERRALS_PER_SERVICE))
    )
    if n_services < 1:
        raise ValueError(f"services must be at least 1, got {n_services}")
    if therapists is not None and therapists < 2 * n_services:
        raise ValueError(
            f"therapists must be at least 2 per service (a PWP and a high-intensity "
            f"therapist): {n_services} services need {2 * n_services}, got {therapists}"
        )
    return n_services


__all__ = ["DEFAULT_START", "simulate"]
