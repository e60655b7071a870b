"""Latent severity at each attended event, from the referral's course.

Progress ``g`` runs from 0 (intake) to 1 (the full planned course) with a shape per
trajectory class; severity = intake − (intake − healthy level) × change × g, plus the
jumps of sudden losses and social stressors, plus session-to-session fluctuation. An
unrepaired rupture freezes most of the progress still to come.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ontrack.synth import params
from ontrack.synth.arrays import FloatArray, IntArray
from ontrack.synth.course import (
    DETERIORATOR,
    EARLY,
    SLOW,
    SUDDEN_GAIN,
    Course,
)
from ontrack.synth.pathway import Pathway
from ontrack.synth.schedule import FOLLOW_UP, Events


@dataclass
class Latent:
    """Per event: latent severity as a share of each measure's range."""

    depression: FloatArray
    anxiety: FloatArray
    adsm: FloatArray
    wsas: FloatArray


def progress(
    klass: IntArray, exposure: FloatArray, length: FloatArray, sudden: IntArray
) -> FloatArray:
    """Share of the course's change achieved after ``exposure`` sessions of ``length``.

    >>> progress(np.array([0]), np.array([3.0]), np.array([3.0]), np.array([-1])).round(2)
    array([1.])
    """
    u = np.clip(exposure, 0, None)
    t = np.maximum(length, 1.0)
    x = np.minimum(u / t, 1.0)
    log_shape = np.log1p(np.minimum(u, t)) / np.log1p(t)
    early = (1 - np.exp(-np.minimum(u, t) / 1.2)) / (1 - np.exp(-t / 1.2))
    slow = x**1.7
    gain = 0.3 * x + 0.7 * ((sudden >= 0) & (u >= sudden))
    shape = np.select(
        [klass == EARLY, klass == SLOW, klass == SUDDEN_GAIN],
        [early, slow, gain],
        log_shape,
    )
    return np.asarray(shape, dtype=np.float64)


def latent_at(events: Events, course: Course, pathway: Pathway, rng: np.random.Generator) -> Latent:
    """Latent severities at every event."""
    r = events.referral
    m = len(r)
    exposure = events.exposure.astype(np.float64)
    if course.shapes is not None:
        # Exposure work holds the course back while it raises symptoms (EXPOSURE_PAUSE).
        at = course.shapes.spike_at[r]
        pause = np.clip(exposure - at, 0, params.EXPOSURE_PAUSE)
        exposure = np.where(at >= 0, exposure - pause, exposure)
    planned = pathway.planned[r].astype(np.float64)
    plateau = course.shape_start[r].astype(np.float64)
    length = np.maximum(planned - 1 - plateau, 1.0)
    klass = course.klass[r]
    sudden = np.where(course.sudden_at[r] >= 0, course.sudden_at[r] - plateau, -1).astype(np.int64)
    g = progress(klass, exposure - plateau, length, sudden)
    # Stepped up after a low-intensity plateau: little change until high intensity starts.
    stepped = plateau > 0
    g = np.where(stepped, 0.1 * np.minimum(exposure, plateau) / np.maximum(plateau, 1) + 0.9 * g, g)
    g = _rupture_freeze(g, events, course, pathway, klass)
    g = _relapse(g, events, course, pathway, klass)
    follow_up = events.kind == FOLLOW_UP
    g = np.where(follow_up, g + rng.normal(0.0, 0.08, m), g)

    jump = _jumps(events, course)
    spike = _exposure_spike(events, course)
    noise_d = rng.standard_normal(m)
    noise_a = 0.7 * noise_d + np.sqrt(0.51) * rng.standard_normal(m)
    state: FloatArray = np.full(m, params.STATE_SD)
    if course.shapes is not None:
        state = state * course.shapes.volatility[r]
    z = course.healthy[r]
    depression = (
        _severity(course.dep_start[r], course.change_dep[r], g, _healthy("depression", z))
        + jump
        + params.EXPOSURE_SPIKE_DEPRESSION * spike
        + state * noise_d
    )
    anxiety = (
        _severity(course.anx_start[r], course.change_anx[r], g, _healthy("anxiety", z))
        + jump
        + spike
        + state * noise_a
    )
    adsm = (
        _severity(course.adsm_start[r], course.change_adsm[r], g, _healthy("adsm", z))
        + 0.8 * jump
        + spike
        + state * noise_a
    )
    wsas = (
        _severity(course.wsas_start[r], 0.8 * course.change_dep[r], g, _healthy("wsas", z))
        + 1.3 * jump
        + params.EXPOSURE_SPIKE_DEPRESSION * spike
        + state * rng.standard_normal(m)
    )
    clip = (0.0, 1.0)
    return Latent(
        depression=np.clip(depression, *clip),
        anxiety=np.clip(anxiety, *clip),
        adsm=np.clip(adsm, *clip),
        wsas=np.clip(wsas, *clip),
    )


def _healthy(kind: str, z: FloatArray) -> FloatArray:
    mean, sd = params.HEALTHY_LEVEL[kind]
    return np.asarray(np.clip(mean + sd * z, 0.02, 0.4), dtype=np.float64)


def _severity(
    start: FloatArray, change: FloatArray, g: FloatArray, healthy: FloatArray
) -> FloatArray:
    """Improvement moves from intake towards the client's healthy level (a full course with
    change 1 ends there); deterioration adds half the change's size towards the top."""
    improving = start - np.maximum(start - healthy, 0) * change * g
    worsening = start + (-change) * 0.5 * g
    return np.asarray(np.where(change >= 0, improving, worsening), dtype=np.float64)


def _rupture_freeze(
    g: FloatArray, events: Events, course: Course, pathway: Pathway, klass: IntArray
) -> FloatArray:
    """After an unrepaired rupture only a fraction of the remaining progress comes."""
    r = events.referral
    at = course.rupture_at[r]
    unrepaired = (at >= 0) & ~course.repaired[r] & (klass != DETERIORATOR)
    frozen_exposure = (at - 1).astype(np.float64)
    plateau = course.shape_start[r].astype(np.float64)
    length = np.maximum(pathway.planned[r] - 1 - plateau, 1.0)
    sudden = np.where(course.sudden_at[r] >= 0, course.sudden_at[r] - plateau, -1).astype(np.int64)
    g_at = progress(klass, frozen_exposure - plateau, length, sudden)
    after = unrepaired & (events.exposure >= at)
    kept = params.CAUSE_EFFECT["rupture"]
    return np.asarray(np.where(after, g_at + kept * (g - g_at), g), dtype=np.float64)


def _relapse(
    g: FloatArray, events: Events, course: Course, pathway: Pathway, klass: IntArray
) -> FloatArray:
    """From a relapse's onset the progress made so far is lost over ``RELAPSE_RAMP``
    sessions (more than all of it when the depth exceeds 1) and no more comes."""
    if course.shapes is None:
        return g
    r = events.referral
    at = course.shapes.relapse_at[r]
    plateau = course.shape_start[r].astype(np.float64)
    length = np.maximum(pathway.planned[r] - 1 - plateau, 1.0)
    sudden = np.where(course.sudden_at[r] >= 0, course.sudden_at[r] - plateau, -1).astype(np.int64)
    g_at = progress(klass, at.astype(np.float64) - plateau, length, sudden)
    ramp = np.clip((events.exposure - at + 1) / params.RELAPSE_RAMP, 0.0, 1.0)
    relapsed = g_at * (1.0 - course.shapes.relapse_depth[r] * ramp)
    after = (at >= 0) & (events.exposure >= at)
    return np.asarray(np.where(after, relapsed, g), dtype=np.float64)


def _exposure_spike(events: Events, course: Course) -> FloatArray:
    """The rise while exposure work begins, session by session (``EXPOSURE_SPIKE_PROFILE``)."""
    out = np.zeros(len(events.referral))
    if course.shapes is None:
        return out
    r = events.referral
    at = course.shapes.spike_at[r]
    since = events.exposure - at
    profile = np.array(params.EXPOSURE_SPIKE_PROFILE)
    inside = (at >= 0) & (since >= 0) & (since < profile.size)
    share = np.where(inside, profile[np.clip(since, 0, profile.size - 1)], 0.0)
    return np.asarray(share * course.shapes.spike_size[r], dtype=np.float64)


def _jumps(events: Events, course: Course) -> FloatArray:
    """Rises from sudden losses and social stressors, fading slowly."""
    r = events.referral
    exposure = events.exposure
    loss_at = course.sudden_at[r]
    loss = np.where(
        (course.loss_jump[r] > 0) & (exposure >= loss_at),
        course.loss_jump[r] * np.exp(-(exposure - loss_at) / 10.0),
        0.0,
    )
    stress_at = course.stressor_at[r]
    # A stressor at session k is there when the session-k questionnaires are completed.
    stress_exposure = np.maximum(stress_at - 1, 0)
    active = (stress_at >= 0) & (exposure >= stress_exposure)
    fade = np.where(stress_at == 0, 1.0, np.exp(-(exposure - stress_exposure) / 8.0))
    stress = np.where(active, course.stressor_jump[r] * fade, 0.0)
    return np.asarray(loss + stress, dtype=np.float64)
