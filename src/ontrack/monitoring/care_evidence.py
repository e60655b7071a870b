"""Evidence about the care given: the therapy, its pace, the place and the therapist.

Weights as in ``evidence.py``: stated judgement, argued in ADR 0055.
"""

from __future__ import annotations

import itertools
import statistics
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ontrack.monitoring.bundle import ModelBundle, problem_group
from ontrack.monitoring.config import MonitoringConfig
from ontrack.monitoring.episode import EpisodeHistory
from ontrack.monitoring.evaluate import Evaluation
from ontrack.monitoring.reasons import Evidence
from ontrack.monitoring.reasons import fmt as _fmt

OTHER_HI = "1026131000000100"  # "other high intensity": no judgement possible


@dataclass(frozen=True)
class TherapyGuidance:
    """Which therapies fit which problem (data/therapy_guidance.toml), for prompting only."""

    high_intensity: dict[str, frozenset[str]]
    low_intensity_first_step: frozenset[str]
    non_guided: frozenset[str]


@cache
def therapy_guidance() -> TherapyGuidance:
    """Read the therapy guidance data file shipped with OnTrack."""
    text = resources.files("ontrack.monitoring").joinpath("data", "therapy_guidance.toml")
    raw = tomllib.loads(text.read_text("utf-8"))
    named = {name: frozenset(codes) for name, codes in raw["therapies"].items()}
    return TherapyGuidance(
        high_intensity={
            problem: frozenset().union(*(named[n] for n in names))
            for problem, names in raw["high_intensity"].items()
        },
        low_intensity_first_step=frozenset(raw["low_intensity"]["first_step"]),
        non_guided=frozenset(raw["low_intensity"]["non_guided"]),
    )


SEVERE_ELEVATION = 1.5  # reliable-change units above the cut-off (PHQ-9 19+, GAD-7 14+)


def place_evidence(episode: EpisodeHistory) -> list[Evidence]:
    out: list[Evidence] = []
    by_service = sum(c.attendance == "4" for c in episode.contacts)
    if by_service:
        out.append(
            Evidence(
                f"{by_service} appointment(s) were cancelled or postponed by the service.",
                0.6 if by_service >= 2 else 0.4,
            )
        )
    known = [
        c
        for c in episode.treatment_sessions
        if c.therapist_caseload is not None and c.therapist_caseload_limit
    ]
    if not known:
        return out
    latest = known[-1]
    load = (latest.therapist_caseload or 0) / (latest.therapist_caseload_limit or 1)
    if load > 1.0:
        out.append(
            Evidence(
                f"The therapist has {latest.therapist_caseload} open cases against a limit of "
                f"{latest.therapist_caseload_limit} ({load:.0%}).",
                0.5 if load >= 1.3 else 0.35 if load >= 1.15 else 0.2,
            )
        )
    elif not by_service:
        out.append(
            Evidence(
                "The therapist's caseload is within its limit and no appointment was cancelled "
                "by the service.",
                0.5,
                supports=False,
            )
        )
    return out


def therapist_evidence(
    episode: EpisodeHistory, ev: Evaluation, bundle: ModelBundle
) -> list[Evidence]:
    sessions = episode.treatment_sessions
    ids = [c.therapist_id for c in sessions if c.therapist_id is not None]
    out: list[Evidence] = []
    if ids:
        therapist = statistics.mode(ids)
        group = problem_group(episode.problem_descriptor)
        effect = bundle.therapist_effects.get(f"{therapist}|{group}")
        if effect is None:
            effect = bundle.therapist_effects.get(therapist)
        if effect is not None and effect.effect >= 0.1:
            out.append(
                Evidence(
                    f"This therapist's clients with this kind of problem end "
                    f"{_fmt(effect.effect)} SD worse than expected on average "
                    f"({effect.episodes} past clients, case-mix adjusted, shrunk).",
                    min(0.7, 0.25 + 1.5 * effect.effect),
                )
            )
        elif effect is not None and effect.effect <= -0.15:
            out.append(
                Evidence(
                    f"This therapist's clients with this kind of problem do better than "
                    f"expected on average ({effect.episodes} past clients).",
                    0.25,
                    supports=False,
                )
            )
    preference = episode.therapist_gender_preference
    genders = {c.therapist_gender for c in sessions if c.therapist_gender is not None}
    if preference is not None and genders:
        if preference not in genders:
            out.append(
                Evidence(
                    "The client asked for a therapist of another gender than the one they have.",
                    0.7,
                )
            )
        else:
            out.append(
                Evidence("The client's preference for the therapist's gender was met.", 0.3, False)
            )
    state = ev.alliance
    norms = bundle.alliance.get(state.measure) if state is not None else None
    if state is not None and norms is not None and norms.typical_first is not None:
        gap = (norms.typical_first - state.ratings[0]) * -state.direction
        if gap >= 1.5 * norms.within_sd and state.last_rupture is None:
            out.append(
                Evidence(
                    f"The alliance has been modest from the first rating ({_fmt(state.ratings[0])} "
                    f"against a typical {_fmt(norms.typical_first)}), without a rupture.",
                    0.35,
                )
            )
    return out


def therapy_evidence(
    episode: EpisodeHistory, ev: Evaluation, bundle: ModelBundle, config: MonitoringConfig
) -> list[Evidence]:
    out: list[Evidence] = []
    sessions = episode.treatment_sessions
    descriptor = episode.problem_descriptor
    therapies = [c.therapy for c in sessions if c.therapy is not None]
    latest_therapy = therapies[-1] if therapies else None
    latest_step = next((c.step for c in reversed(sessions) if c.step is not None), None)
    guidance = therapy_guidance()
    fitting = guidance.high_intensity.get(descriptor or "")
    if fitting is not None and latest_step == 3 and latest_therapy not in {None, OTHER_HI}:
        if latest_therapy not in fitting:
            out.append(
                Evidence(
                    f"The therapy being given is not one NICE recommends for {descriptor}.", 0.55
                )
            )
        else:
            out.append(
                Evidence(f"The therapy is one NICE recommends for {descriptor}.", 0.35, False)
            )
    if (
        descriptor is not None
        and latest_step == 2
        and descriptor not in guidance.low_intensity_first_step
    ):
        out.append(
            Evidence(f"Low-intensity help is not a first-line treatment for {descriptor}.", 0.3)
        )
    if latest_step == 2 and latest_therapy in guidance.non_guided:
        out.append(
            Evidence(
                "Self-help without a practitioner's guidance: NICE recommends guided self-help.",
                0.55,
            )
        )
    if latest_step == 2:
        severe = [
            p.measure
            for p in ev.progress
            if (f := bundle.measures.get(p.measure)) is not None
            and f.elevation(p.intake) >= SEVERE_ELEVATION
        ]
        if severe:
            out.append(
                Evidence(
                    f"Low-intensity help for a severe intake ({', '.join(severe)}): "
                    "consider stepping up.",
                    0.3,
                )
            )
    flat = all(
        (f := bundle.measures.get(p.measure)) is not None
        and f.reliable_change is not None
        and -f.worsening(p.intake, p.observed) < 0.5 * f.reliable_change
        for p in ev.progress
    )
    if ev.progress and flat and episode.sessions_attended >= config.stalled_after_sessions:
        out.append(
            Evidence(
                f"Little change after {episode.sessions_attended} sessions, an adequate dose.", 0.35
            )
        )
    return out


def pace_evidence(episode: EpisodeHistory) -> list[Evidence]:
    sessions = episode.treatment_sessions
    if len(sessions) < 3:
        return []
    gaps = [(b.date - a.date).days for a, b in itertools.pairwise(sessions)]
    typical = statistics.median(gaps)
    if typical > 21:
        return [Evidence(f"Sessions are about {typical:.0f} days apart.", 0.65)]
    if typical > 14:
        return [Evidence(f"Sessions are about {typical:.0f} days apart.", 0.35)]
    if typical < 5:
        return [Evidence(f"Sessions are only about {typical:.0f} days apart.", 0.35)]
    return [Evidence(f"Sessions are roughly weekly ({typical:.0f} days apart).", 0.4, False)]
