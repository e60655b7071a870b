"""Who is referred: dates, services, demographics, deprivation, problem and severity."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from ontrack.measures import nhstt
from ontrack.synth import params
from ontrack.synth.arrays import BoolArray, Float32Array, IntArray


def stream(seed: int, name: str) -> np.random.Generator:
    """Return the random stream for one stage, so stages stay independent of each other."""
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(name.encode())]))


def choose(rng: np.random.Generator, shares: tuple[float, ...], size: int) -> IntArray:
    """Draw category indices with the given (normalised) shares."""
    p = np.asarray(shares, dtype=np.float64)
    return np.asarray(rng.choice(len(p), size=size, p=p / p.sum()), dtype=np.int64)


@dataclass
class Population:
    """One entry per referral, in referral-date order."""

    n: int
    day: IntArray  # referral date, days after the start date
    service: IntArray
    person: IntArray
    age: IntArray
    gender: IntArray  # index into params.GENDER_CODES
    ethnicity: IntArray
    imd: IntArray  # 1 most deprived .. 10 least deprived; 0 = not known
    deprivation: Float32Array  # 0 least .. 1 most deprived (not known: 0.6)
    source: IntArray
    employed: BoolArray
    preference: IntArray  # index into params.GENDER_CODES; -1 = no preference
    problem: IntArray  # index into params.PROBLEMS: the true presenting problem
    group: IntArray  # index into params.PROBLEM_GROUPS
    stated: BoolArray  # descriptor recorded at assessment (else "not stated")
    adsm: list[str]  # ADSM code per problem index ("GAD-7" when none)
    depression: Float32Array  # latent severity at referral, share of the PHQ-9 range
    anxiety: Float32Array  # share of the GAD-7 range
    specific: Float32Array  # share of the problem's ADSM range
    mild: BoolArray


def make_population(n: int, seed: int, services: int) -> Population:
    """Draw ``n`` referrals spread over one year and ``services`` services."""
    rng = stream(seed, "population")
    day = np.sort(_referral_days(rng, n))
    imd = _imd(rng, n)
    deprivation = np.where(imd == 0, 0.6, (10 - imd) / 9.0).astype(np.float32)
    service = _service_for(rng, deprivation, services)
    age = _age(rng, n)
    gender = choose(rng, params.GENDER_SHARES, n)
    ethnicity = choose(rng, params.ETHNICITY_SHARES, n)
    source = choose(rng, params.SOURCE_SHARES, n)
    employed_p = np.clip(
        params.EMPLOYED_SHARE + params.EMPLOYED_DEPRIVATION * (deprivation - 0.5), 0, 1
    )
    employed = rng.random(n) < np.where(age >= 65, 0.15, employed_p)
    preference = np.where(
        rng.random(n) < params.PREFERENCE_SHARE, choose(rng, (0.25, 0.75), n), -1
    ).astype(np.int64)
    shares = tuple(p[1] for p in params.PROBLEMS)
    problem = choose(rng, shares, n)
    groups = np.array([params.PROBLEM_GROUPS.index(p[2]) for p in params.PROBLEMS])
    stated = rng.random(n) >= params.NOT_STATED_SHARE
    depression, anxiety, specific, mild = _severity(rng, problem, deprivation)
    person = _persons(rng, n)
    # A person referred twice keeps their demographics.
    age, gender, ethnicity, imd = (a[person] for a in (age, gender, ethnicity, imd))
    deprivation = deprivation[person]
    return Population(
        n=n,
        day=day,
        service=service,
        person=person,
        age=age,
        gender=gender,
        ethnicity=ethnicity,
        imd=imd,
        deprivation=deprivation,
        source=source,
        employed=employed,
        preference=preference,
        problem=problem,
        group=groups[problem],
        stated=stated,
        adsm=[nhstt.anxiety_measure_for(p[0]) for p in params.PROBLEMS],
        depression=depression,
        anxiety=anxiety,
        specific=specific,
        mild=mild,
    )


def _referral_days(rng: np.random.Generator, n: int) -> IntArray:
    # Fewer referrals at weekends and over the Christmas fortnight (ASSUMED shape).
    days = np.arange(params.YEAR_DAYS)
    weight = np.where(days % 7 >= 5, 0.45, 1.0)
    weight = weight * np.where((days >= 265) & (days <= 280), 0.6, 1.0)
    return np.asarray(rng.choice(params.YEAR_DAYS, size=n, p=weight / weight.sum()), dtype=np.int64)


def _imd(rng: np.random.Generator, n: int) -> IntArray:
    counts = (*params.IMD_REFERRALS, params.IMD_UNKNOWN_REFERRALS)
    index = choose(rng, tuple(float(c) for c in counts), n)
    return np.where(index == 10, 0, index + 1).astype(np.int64)


def _service_for(rng: np.random.Generator, deprivation: Float32Array, services: int) -> IntArray:
    """Services differ in how deprived their areas are; decile first keeps the national mix."""
    if services == 1:
        return np.zeros(len(deprivation), dtype=np.int64)
    size = rng.lognormal(0.0, 0.3, services)
    tilt = rng.normal(0.0, 1.0, services)
    service = np.empty(len(deprivation), dtype=np.int64)
    for level in np.unique(deprivation):
        members = np.flatnonzero(deprivation == level)
        weight = size * np.exp(0.8 * tilt * (float(level) - 0.5))
        service[members] = rng.choice(services, size=len(members), p=weight / weight.sum())
    return service


def _age(rng: np.random.Generator, n: int) -> IntArray:
    band = choose(rng, params.AGE_SHARES, n)
    low = np.array([b[0] for b in params.AGE_BANDS])[band]
    high = np.array([b[1] for b in params.AGE_BANDS])[band]
    return np.asarray(rng.integers(low, high + 1), dtype=np.int64)


def _persons(rng: np.random.Generator, n: int) -> IntArray:
    """Return the person behind each referral: a few re-referrals of an earlier person."""
    person = np.arange(n, dtype=np.int64)
    repeat = np.flatnonzero(rng.random(n) < params.REPEAT_PERSON_SHARE)
    repeat = repeat[repeat > 0]
    earlier = (rng.random(len(repeat)) * repeat).astype(np.int64)
    person[repeat] = person[earlier]
    return person


def _severity(
    rng: np.random.Generator, problem: IntArray, deprivation: Float32Array
) -> tuple[Float32Array, Float32Array, Float32Array, BoolArray]:
    """Latent severity at referral on each measure, as a share of the measure's range."""
    n = len(problem)
    dep_mean = np.array([p[3] for p in params.PROBLEMS])[problem]
    anx_mean = np.array([p[4] for p in params.PROBLEMS])[problem]
    shift = params.SEVERITY_DEPRIVATION * (deprivation - 0.5)
    z1 = rng.standard_normal(n)
    r = params.SEVERITY_CORRELATION
    z2 = r * z1 + np.sqrt(1 - r * r) * rng.standard_normal(n)
    depression = dep_mean + shift + params.SEVERITY_SD * z1
    anxiety = anx_mean + shift + params.SEVERITY_SD * z2
    mild = rng.random(n) < params.MILD_SHARE
    depression = np.where(mild, params.MILD_SEVERITY[0] + 0.07 * z1, depression)
    anxiety = np.where(mild, params.MILD_SEVERITY[1] + 0.07 * z2, anxiety)
    specific = np.zeros(n)
    for index, problem_row in enumerate(params.PROBLEMS):
        code = nhstt.anxiety_measure_for(problem_row[0])
        if code not in params.ADSM_START:
            continue
        members = problem == index
        mean, sd = params.ADSM_START[code]
        z3 = 0.6 * z2[members] + 0.8 * rng.standard_normal(int(members.sum()))
        specific[members] = np.where(mild[members], mean * 0.4, mean) + sd * z3
    clip = (0.01, 0.98)
    return (
        np.clip(depression, *clip).astype(np.float32),
        np.clip(anxiety, *clip).astype(np.float32),
        np.clip(specific, *clip).astype(np.float32),
        mild,
    )
