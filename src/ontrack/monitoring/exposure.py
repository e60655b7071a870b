"""Exposure work: where symptoms may rise before they fall (ADR 0127).

In CBT for an anxiety problem, exposure (to feared situations, memories, sensations)
often raises symptoms for a session or two before they fall; those who get worse at first
do no worse in the end (Foa et al. 2002, prolonged exposure for PTSD). The failure model
reads whether a session lies in this phase (``in_exposure_phase``) so its boundary knows
the therapy, and an off-track signal in this phase says so in its reason: it is not
silenced.
"""

from __future__ import annotations

from ontrack.monitoring.episode import CBT_THERAPIES, EpisodeHistory

DEPRESSION = frozenset({"F32", "F33", "F41.2"})  # depression, recurrent, mixed
HIGH_INTENSITY = 3
# High-intensity CBT sessions during which exposure typically begins and its first rise
# fades (ASSUMED: exposure usually starts after one or two sessions of formulation).
EXPOSURE_PHASE = (2, 8)
REASON = (
    "This is the phase of CBT for an anxiety problem in which exposure work often makes "
    "symptoms worse for a session or two before they improve (Foa et al. 2002); check whether "
    "exposure has just begun or been stepped up before changing course. The signal stands."
)


def exposure_problem(descriptor: str | None) -> bool:
    """Return whether the recorded problem is one treated with exposure (an anxiety disorder)."""
    return descriptor is not None and descriptor not in DEPRESSION


def in_exposure_phase(descriptor: str | None, hi_cbt_sessions: int) -> bool:
    """Return whether a session is in the exposure phase.

    >>> in_exposure_phase("F41.1", 3), in_exposure_phase("F32", 3), in_exposure_phase("F40.1", 9)
    (True, False, False)
    """
    low, high = EXPOSURE_PHASE
    return exposure_problem(descriptor) and low <= hi_cbt_sessions <= high


def hi_cbt_sessions(episode: EpisodeHistory, position: int) -> int:
    """Return the high-intensity CBT sessions attended up to and including ``position``."""
    return sum(
        1
        for c in episode.contacts[: position + 1]
        if c.is_treatment_session and c.step == HIGH_INTENSITY and c.therapy in CBT_THERAPIES
    )
