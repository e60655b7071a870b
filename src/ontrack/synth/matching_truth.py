"""Ground truth for matching: therapist x domain effects, client x modality response, and
the engagement an honoured preference brings.

Kept apart from the course so that the course model can change without touching it. It
adds three things, on its own random stream (so every other stage draws exactly what it
drew before):

- *modality response*: a log-odds shift of a good course for each client under low
  intensity (``li``), CBT and counselling for depression. Poor-prognosis clients do worse
  when they start and stay at low intensity (the basis of stratified care, Delgadillo et
  al. 2022); among people with depression some do better with CBT and some with
  counselling, partly predictable from what is known at assessment (a personalised
  advantage averaging about 2.3 PHQ-9 points, Friedl et al. 2020). The shifts are centred
  so that the national calibration does not move.
- *honoured preference*: a client who asked for a therapist's gender and got it is a
  little more likely to stay (``PREFERENCE_ENGAGEMENT`` on the log-odds of staying).
- the *planted* therapist x domain effects (the general effect plus the strength for the
  domain's problem group) and each referral's *client prognosis* (the log-odds of a good
  course before therapist and modality), written to the optional ``therapist.effect_*``
  and ``truth`` columns so that ``ontrack match-validate`` can score allocations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pyarrow as pa

from ontrack.matching.domains import DOMAINS, domain_for
from ontrack.synth import params
from ontrack.synth.arrays import BoolArray, FloatArray, IntArray
from ontrack.synth.pathway import CBT, COUNSELLING, HI_CODES, Pathway
from ontrack.synth.population import Population, stream
from ontrack.synth.workforce import Workforce

MODALITIES: Final = ("li", "cbt", "counselling")
OTHER_MODALITY: Final = -1  # another high-intensity therapy: no planted response
# Log-odds of a good course lost per SD of poor prognosis above the mean when treated at
# low intensity only (ASSUMED; sized so that starting the poorer-prognosis half at high
# intensity gains a few points of recovery, as in STRATCARE, not more).
STEP_RESPONSE: Final = 0.45
# SD of the CBT-minus-counselling response difference for depression, in log-odds of a
# good course (ASSUMED; the mean absolute advantage measures 2.1 PHQ-9 points with
# bench/matching_truth.py; Friedl et al. 2020 report 2.3).
MODALITY_RESPONSE_SD: Final = 2.0
MODALITY_PREDICTABLE: Final = 0.6  # share of that difference's variance known at assessment
# Where a full course settles: the client's healthy level moves by this many of its SDs per
# unit of planted shift (therapist effect plus modality response, log-odds units), so a
# therapist's effect reaches every finished course, not only through its trajectory class.
# Set as high as the national calibration allows: therapists then explain about 3-5% of
# the variance of case-mix-adjusted change by domain (5.8% in Saxon, Firth & Barkham 2016;
# more spread lowered recovery or end scores beyond tolerance). Measured: docs/matching.md.
HEALTHY_PER_LOGIT: Final = 3.5
HEALTHY_PER_RESPONSE: Final = 1.5  # the same for the modality response (it also moves the class)
# The spread makes fewer courses end below caseness; this offset (healthy-level SDs) keeps
# national recovery where it was (CALIBRATED, tests/integration/synth).
HEALTHY_RECENTRE: Final = 0.2
PREFERENCE_ENGAGEMENT: Final = 0.3  # log-odds of staying when a gender preference is honoured
# The problem group whose therapist strength applies in each domain (None = general effect).
DOMAIN_GROUP: Final = {
    "depression": "depression",
    "generalised_anxiety": "anxiety",
    "panic": "anxiety",
    "ptsd": "trauma",
    "social_anxiety": "complex",
    "ocd": "complex",
    "health_anxiety": "complex",
    "agoraphobia": "complex",
    "functioning": None,
}


@dataclass
class MatchingTruth:
    """Per referral: the modality response (referrals x MODALITIES), the shift realised,
    whether a preference was honoured; per therapist x domain: the planted effect."""

    response: FloatArray
    modality: IntArray  # index into MODALITIES, OTHER_MODALITY, -2 = not treated
    shift: FloatArray
    honoured: BoolArray
    domain_effect: FloatArray  # therapists x DOMAINS


def _z(values: np.ndarray) -> FloatArray:
    values = np.asarray(values, dtype=np.float64)
    sd = values.std()
    return np.asarray((values - values.mean()) / (sd if sd > 0 else 1.0), dtype=np.float64)


def poor_prognosis_index(population: Population) -> FloatArray:
    """Standardised poor prognosis from what assessment shows: severity, anxiety, not in
    work (the predictors of the stratified-care model; protected characteristics and
    deprivation are left out on purpose)."""
    raw = _z(population.depression) + 0.5 * _z(population.anxiety) + 0.5 * _z(~population.employed)
    return _z(raw)


def modality_of(pathway: Pathway) -> IntArray:
    """The modality each referral's course was given (the main therapy)."""
    hi_code = np.array(HI_CODES)[pathway.hi_therapy]
    hi = pathway.hi_sessions > 0
    modality = np.where(
        hi,
        np.select([hi_code == CBT, hi_code == COUNSELLING], [1, 2], OTHER_MODALITY),
        0,
    )
    return np.asarray(np.where(pathway.treated, modality, -2), dtype=np.int64)


def plant(
    population: Population, pathway: Pathway, workforce: Workforce, seed: int
) -> MatchingTruth:
    """Draw the modality responses and work out the shifts and honoured preferences."""
    rng = stream(seed, "matching")
    n = population.n
    poor = poor_prognosis_index(population)
    response = np.zeros((n, len(MODALITIES)))
    response[:, 0] = -STEP_RESPONSE * np.maximum(poor, 0.0)
    known = _z(
        0.6 * _z(population.anxiety)
        - 0.5 * _z(population.depression)
        + 0.4 * _z(population.employed)
        - 0.3 * _z(population.age)
    )
    unknown = rng.standard_normal(n)
    difference = MODALITY_RESPONSE_SD * (
        np.sqrt(MODALITY_PREDICTABLE) * known + np.sqrt(1 - MODALITY_PREDICTABLE) * unknown
    )
    depressed = population.group == params.PROBLEM_GROUPS.index("depression")
    response[:, 1] = np.where(depressed, difference / 2, 0.0)
    response[:, 2] = np.where(depressed, -difference / 2, 0.0)
    modality = modality_of(pathway)
    has = modality >= 0
    realised = np.where(has, response[np.arange(n), np.maximum(modality, 0)], 0.0)
    # Centre over treated referrals so the average course does not change.
    centre = float(realised[pathway.treated].mean()) if pathway.treated.any() else 0.0
    response -= centre
    shift = np.where(has, realised - centre, 0.0)
    main = np.where(workforce.hi_therapist >= 0, workforce.hi_therapist, workforce.li_therapist)
    gender = np.where(main >= 0, workforce.gender[np.maximum(main, 0)], -1)
    honoured = (population.preference >= 0) & (main >= 0) & (gender == population.preference)
    return MatchingTruth(
        response=response,
        modality=modality,
        shift=np.asarray(shift, dtype=np.float64),
        honoured=np.asarray(honoured, dtype=bool),
        domain_effect=domain_effects(workforce),
    )


def domain_effects(workforce: Workforce) -> FloatArray:
    """Planted effect per therapist and domain: general effect plus the group's strength."""
    effect = np.repeat(workforce.effect[:, None], len(DOMAINS), axis=1).astype(np.float64)
    for column, domain in enumerate(DOMAINS):
        group = DOMAIN_GROUP[domain]
        if group is not None:
            effect[:, column] += workforce.strength[:, params.PROBLEM_GROUPS.index(group)]
    return effect


def settle(healthy: FloatArray, truth: MatchingTruth, therapist: FloatArray) -> FloatArray:
    """The healthy level (z) a full course settles at, moved by the planted shifts."""
    moved = HEALTHY_PER_LOGIT * therapist + HEALTHY_PER_RESPONSE * truth.shift
    return np.asarray(healthy - moved - HEALTHY_RECENTRE, dtype=np.float64)


def engagement(engaged: np.ndarray, truth: MatchingTruth) -> FloatArray:
    """Staying engaged, with the small lift an honoured preference brings."""
    return np.asarray(engaged + PREFERENCE_ENGAGEMENT * truth.honoured, dtype=np.float64)


def therapist_columns(truth: MatchingTruth) -> dict[str, pa.Array]:
    """The optional ``therapist.effect_<domain>`` columns."""
    return {
        f"effect_{domain}": pa.array(np.round(truth.domain_effect[:, i], 4))
        for i, domain in enumerate(DOMAINS)
    }


def therapist_part(population: Population, workforce: Workforce, main: IntArray) -> FloatArray:
    """The therapist's share of each referral's prognosis (as the course adds it)."""
    has = main >= 0
    part = np.zeros(population.n)
    part[has] = workforce.effect[main[has]] + workforce.strength[main[has], population.group[has]]
    return part


def truth_columns(
    truth: MatchingTruth,
    prognosis: FloatArray,
    therapist: FloatArray,
    treated: BoolArray,
    population: Population,
) -> dict[str, pa.Array]:
    """The optional truth columns: client prognosis and the response per modality."""
    client = prognosis - therapist - truth.shift
    true_domain = np.array([domain_for(p[0]) for p in params.PROBLEMS])[population.problem]
    mask = ~treated
    columns: dict[str, pa.Array] = {
        "prognosis": pa.array(np.round(client, 4), mask=mask),
        "true_domain": pa.array(true_domain),
    }
    for i, name in enumerate(MODALITIES):
        columns[f"response_{name}"] = pa.array(np.round(truth.response[:, i], 4), mask=mask)
    return columns


__all__ = [
    "DOMAIN_GROUP",
    "MODALITIES",
    "MatchingTruth",
    "domain_effects",
    "engagement",
    "modality_of",
    "plant",
    "poor_prognosis_index",
    "settle",
    "therapist_columns",
    "therapist_part",
    "truth_columns",
]
