"""Problem domains of the report card, and which measure shows change in each.

A closed case belongs to the domain of its recorded problem descriptor (depression for
F32/F33/F41.2, otherwise the domain of the disorder-specific measure NHS Talking Therapies
pairs with the descriptor) and, when the WSAS was at least ``FUNCTIONING_CASENESS`` at the
start, to work and social functioning as well. This module imports only the measures
library, so the simulator can share the same domains.
"""

from __future__ import annotations

from typing import Final

from ontrack.measures.nhstt import anxiety_measure_for

# Domain -> the measure whose change the report card reads.
DOMAIN_MEASURE: Final = {
    "depression": "PHQ-9",
    "generalised_anxiety": "GAD-7",
    "social_anxiety": "SPIN",
    "ptsd": "PCL-5",
    "ocd": "OCI-R",
    "panic": "PDSS",
    "health_anxiety": "SHAI",
    "agoraphobia": "MI-ALONE",
    "functioning": "WSAS",
}
DOMAINS: Final = tuple(DOMAIN_MEASURE)
DOMAIN_LABEL: Final = {
    "depression": "depression",
    "generalised_anxiety": "generalised anxiety",
    "social_anxiety": "social anxiety",
    "ptsd": "post-traumatic stress",
    "ocd": "obsessive-compulsive problems",
    "panic": "panic",
    "health_anxiety": "health anxiety",
    "agoraphobia": "agoraphobia",
    "functioning": "work and social functioning",
}
_DOMAIN_OF_MEASURE: Final = {m: d for d, m in DOMAIN_MEASURE.items() if d != "depression"}
DEPRESSION_DESCRIPTORS: Final = ("F32", "F33", "F412")  # dots removed before comparing
FUNCTIONING_CASENESS: Final = 10  # WSAS 10-19: significant functional impairment
# A planted therapist x domain effect (log-odds of a good course) beyond this margin is
# "effective" (above) or "ineffective" (below): about 4.5% of pairs each way in the
# simulator, near the share of reliably harmful therapists per domain in Kraus et al. 2011.
PLANTED_MARGIN: Final = 0.66


def domain_for(descriptor: str | None) -> str:
    """The problem domain of a recorded descriptor (a missing one counts as depression
    or generalised anxiety by its measure, as NHS TT pairs measures).

    >>> domain_for("F33"), domain_for("F40.1"), domain_for("F41.1"), domain_for(None)
    ('depression', 'social_anxiety', 'generalised_anxiety', 'generalised_anxiety')
    """
    if descriptor and descriptor.upper().replace(".", "").startswith(DEPRESSION_DESCRIPTORS):
        return "depression"
    return _DOMAIN_OF_MEASURE.get(anxiety_measure_for(descriptor), "generalised_anxiety")


def planted_label(effect: float) -> str:
    """The simulator's planted label of a therapist x domain effect.

    >>> planted_label(0.7), planted_label(0.0), planted_label(-0.9)
    ('effective', 'neutral', 'ineffective')
    """
    if effect > PLANTED_MARGIN:
        return "effective"
    if effect < -PLANTED_MARGIN:
        return "ineffective"
    return "neutral"
