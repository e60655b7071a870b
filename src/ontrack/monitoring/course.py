"""The expected course of one measure for one client, session by session, for charts.

The same models, features and boundary as ``evaluate_episode``, drawn over sessions
1..N instead of judged at the latest one: the point at the latest session equals the
``MeasureProgress`` of the evaluation there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ontrack.monitoring.bundle import ModelBundle, default_bundle
from ontrack.monitoring.config import BoundaryKind, MonitoringConfig
from ontrack.monitoring.episode import EpisodeHistory
from ontrack.monitoring.evaluate import partner_measures, tracked_measures
from ontrack.monitoring.facts import MeasureFacts
from ontrack.monitoring.models.base import FloatArray
from ontrack.monitoring.progress import (
    course_evidence,
    intake_features,
    intake_point,
    progress_points,
)


@dataclass(frozen=True)
class CoursePoint:
    """Expected score, predictive spread and failure boundary at one treatment session."""

    session: int
    expected: float
    spread: float
    boundary: float | None


@dataclass(frozen=True)
class ExpectedCourse:
    """One measure's expected course for this client, and what drew it."""

    measure: str
    intake: float
    points: tuple[CoursePoint, ...]
    model: str
    failure_threshold: float | None  # None: the spread boundary (expected + z spreads)
    boundary_z: float


def _previous_scores(
    episode: EpisodeHistory, measure: str, intake: float, means: FloatArray
) -> list[float]:
    """Return, for each step, the score before it that the failure boundary reads.

    Up to the session after the latest score it is the client's own (the last score
    at an earlier session, else the intake), as ``assess_measure`` reads it, so the
    latest session's boundary is the evaluation's; further ahead, where no score is
    recorded yet, the previous score is taken to lie on the expected course.
    """
    recorded = progress_points(episode, measure)
    latest = recorded[-1].session if recorded else 0
    out: list[float] = []
    for index in range(means.size):
        step = index + 1
        if step <= latest + 1 or index == 0:
            earlier = [p.total for p in recorded if p.session < step]
            out.append(earlier[-1] if earlier else intake)
        else:
            out.append(float(means[index - 1]))
    return out


def _evidence(
    episode: EpisodeHistory, measure: str, facts: MeasureFacts, steps: int
) -> list[FloatArray]:
    """Return the course evidence at each step 1..``steps``, as ``assess_measure`` reads it
    at a recorded session; ahead of the record, what is known now."""
    start = intake_point(episode, measure)
    recorded = progress_points(episode, measure)
    where = {c.session_number: i for i, c in enumerate(episode.contacts) if c.is_treatment_session}
    out = []
    for step in range(1, steps + 1):
        earlier = tuple(p for p in recorded if p.session < step)
        position = where.get(step, len(episode.contacts))
        out.append(course_evidence(episode, facts, start, earlier, position))
    return out


def expected_course(
    episode: EpisodeHistory,
    measure: str,
    sessions: int,
    models: ModelBundle | None = None,
    config: MonitoringConfig | None = None,
) -> ExpectedCourse:
    """Return ``measure``'s expected course over sessions 1..``sessions`` for this client.

    Raises the same errors as ``evaluate_episode`` (no intake score, no model).

    >>> from ontrack.monitoring.testing import toy_bundle, weekly_episode
    >>> course = expected_course(weekly_episode(phq9=[16, 15], gad7=[12, 11]), "PHQ-9", 3,
    ...                          toy_bundle())
    >>> [round(p.expected, 1) for p in course.points]
    [14.9, 13.2, 12.2]
    """
    bundle = models if models is not None else default_bundle()
    config = config or MonitoringConfig()
    tracked = tracked_measures(episode, config)
    facts = bundle.facts(measure)
    model = bundle.model_for(measure, config.model)
    intake = intake_point(episode, measure).total
    partners = tuple(
        (m, bundle.measures.get(m)) for m in partner_measures(measure, tracked, episode, config)
    )
    features = intake_features(episode, measure, partners)
    z = config.boundary_z if config.boundary_z is not None else bundle.z_for(config.model)
    threshold = config.failure_threshold or bundle.threshold_for(config.model)
    failure = None
    if config.boundary is BoundaryKind.FAILURE and threshold is not None:
        failure = bundle.failure_for(measure, config.model)
    steps = np.arange(1, max(sessions, 1) + 1, dtype=np.float64)
    means, spreads = model.expect(features, steps)
    points = []
    previous = _previous_scores(episode, measure, intake, means)
    evidence = _evidence(episode, measure, facts, int(steps.size))
    for step, mean, spread, before, known in zip(
        steps, means, spreads, previous, evidence, strict=True
    ):
        if failure is not None and threshold is not None:
            line = failure.boundary(
                float(mean), float(spread), intake, facts, float(step), threshold,
                float(before), features, known,
            )  # fmt: skip
        else:
            line = float(mean) + facts.direction * z * float(spread)
        line = facts.within_scale(line) if line is not None else None
        points.append(CoursePoint(int(step), float(mean), float(spread), line))
    return ExpectedCourse(
        measure=measure,
        intake=intake,
        points=tuple(points),
        model=model.name,
        failure_threshold=threshold if failure is not None else None,
        boundary_z=z,
    )
