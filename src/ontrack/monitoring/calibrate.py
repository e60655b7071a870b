"""Fit a model bundle on a service's own history (``ontrack calibrate``).

Fits, for every outcome measure with a cut-off and a reliable-change threshold:
the curve model and the nearest-neighbour reference; then the alliance norms,
the dropout model and therapist effects; and finally the failure boundary z of
each model, chosen on this history so that no more than the stated share of
courses that ended reliably improved were ever flagged off track (the target),
which leaves as many eventual failures flagged as that allows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ontrack.monitoring.bundle import ModelBundle
from ontrack.monitoring.config import BoundaryKind, ModelChoice
from ontrack.monitoring.deterioration import DEFAULT_RULE, DeteriorationRule
from ontrack.monitoring.facts import MeasureFacts, facts_from_library
from ontrack.monitoring.figures import choose_shift, cohorts, rates_at, summarise
from ontrack.monitoring.history import ServiceHistory
from ontrack.monitoring.models.base import FEATURES
from ontrack.monitoring.models.curve import MAX_SESSIONS, CurveModel, fit_curve
from ontrack.monitoring.models.failure import (
    EVIDENCE_INPUTS,
    FAILURE_FEATURES,
    FailureModel,
    failure_features,
    fit_failure,
)
from ontrack.monitoring.models.neighbours import NeighbourModel, fit_neighbours
from ontrack.monitoring.replay import (
    Outcomes,
    courses,
    evidence_matrix,
    intake_feature_matrix,
    intended_anxiety,
    outcomes,
    previous_scores,
    replay,
)
from ontrack.monitoring.service_models import (
    DROPOUT_END_CODES,
    alliance_norms,
    fit_dropout_model,
    therapist_effects,
)

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
PHQ9 = "PHQ-9"
Z_RANGE = (-1.0, 4.0)
LOGIT_RANGE = (-4.6, 4.6)  # failure thresholds between 1% and 99%


@dataclass(frozen=True)
class CalibrationSettings:
    """Choices for ``calibrate``; defaults as documented in docs/monitoring.md."""

    target_false_alarm: float = 0.18
    min_session_for_boundary: int = 1
    curve_method: str = "moments"
    max_mixed_episodes: int = 600
    k: int = 100
    knn_min_episodes: int = 200
    curve_min_episodes: int = 30
    max_reference_episodes: int | None = None
    dropout_end_codes: frozenset[str] = DROPOUT_END_CODES
    # ADR 0128: twenty inputs; a logistic fit on every landmark of a service costs seconds.
    dropout_max_rows: int = 300_000
    failure_min_rows: int = 2000
    # Referrals replayed in-sample to fit failure models and choose boundaries.
    calibration_sample: int = 25_000
    # Read the course so far (best score, missed appointments) in the failure model (ADR 0126).
    course_evidence: bool = True
    # When a measure counts as deteriorated (ADR 0127).
    deterioration: DeteriorationRule = DEFAULT_RULE
    seed: int = 0
    label: str = "Fitted on this service's own history by `ontrack calibrate`."
    source: dict[str, Any] = field(default_factory=dict)


def outcome_facts(history: ServiceHistory) -> dict[str, MeasureFacts]:
    """Return the library's facts for every outcome measure in the data that can be judged."""
    out: dict[str, MeasureFacts] = {}
    measures = importlib.import_module("ontrack.measures")
    for code in history.measures:
        try:
            definition = measures.get_measure(code)
        except measures.MeasureError:
            continue
        if str(getattr(definition, "kind", "outcome")) != "outcome":
            continue
        facts = facts_from_library(code)
        if facts.clinical_cutoff is not None and facts.reliable_change:
            out[facts.code] = facts
    return out


@dataclass
class MeasureFit:
    curve: CurveModel | None
    knn: NeighbourModel | None
    reference_rows: IntArray  # referral index of each neighbour reference row


def fit_measure(
    history: ServiceHistory,
    code: str,
    rows: IntArray,
    features: FloatArray,
    settings: CalibrationSettings,
) -> MeasureFit:
    """Fit the curve and neighbour models of one measure on ``rows``."""
    arrays = history.measures[code]
    points = arrays.progress_mask()[rows, 1:]
    keep = points.any(axis=1)
    used = rows[keep]
    empty = np.zeros(0, dtype=np.int64)
    if used.size < settings.curve_min_episodes:
        return MeasureFit(None, None, empty)
    y = arrays.by_session[used, 1:]
    mask = points[keep]
    episode_ix, session_ix = np.nonzero(mask)
    curve = fit_curve(
        code,
        used[episode_ix].astype(np.int64),
        arrays.intake[used][episode_ix],
        (session_ix + 1).astype(np.float64),
        y[episode_ix, session_ix],
        method=settings.curve_method,
        max_mixed_episodes=settings.max_mixed_episodes,
        seed=settings.seed,
    )
    if used.size < settings.knn_min_episodes:
        return MeasureFit(curve, None, empty)
    reference = used
    if settings.max_reference_episodes and reference.size > settings.max_reference_episodes:
        rng = np.random.default_rng(settings.seed)
        reference = np.sort(rng.choice(reference, settings.max_reference_episodes, replace=False))
    stored = min(history.max_session, MAX_SESSIONS)
    change = arrays.by_session[reference, 1 : stored + 1] - arrays.intake[reference][:, None]
    change = np.where(arrays.progress_mask()[reference, 1 : stored + 1], change, np.nan)
    knn = fit_neighbours(code, features[reference], change.astype(np.float32), k=settings.k)
    return MeasureFit(curve, knn, reference.astype(np.int64))


def _exclusions(
    history: ServiceHistory, rows: IntArray, fits: dict[str, MeasureFit]
) -> dict[str, IntArray]:
    out: dict[str, IntArray] = {}
    for code, fit in fits.items():
        lookup = np.full(history.size, -1, dtype=np.int64)
        lookup[fit.reference_rows] = np.arange(fit.reference_rows.size)
        out[code] = lookup[rows]
    return out


def failure_rows(
    history: ServiceHistory,
    bundle: ModelBundle,
    code: str,
    rows: IntArray,
    labels: Outcomes,
    course: tuple[FloatArray, FloatArray],
) -> tuple[FloatArray, BoolArray, FloatArray, FloatArray]:
    """Return failure-model features at every progress point of finished courses, labels,
    each point's intake features (for the covariates) and course evidence.

    ``course`` is the measure's (expected, spread) for ``rows``.
    """
    arrays = history.measures[code]
    facts = bundle.facts(code)
    finished = labels.finished[rows]
    points = arrays.progress_mask()[rows, 1:] & finished[:, None]
    ep, col = np.nonzero(points)
    if ep.size == 0:
        empty = np.zeros((0, len(FAILURE_FEATURES)))
        return (
            empty, np.zeros(0, dtype=bool), np.zeros((0, len(FEATURES))),
            np.zeros((0, len(EVIDENCE_INPUTS))),
        )  # fmt: skip
    mean, sd = course
    used = rows[ep]
    y = arrays.by_session[used, col + 1]
    width = mean.shape[1]
    previous = previous_scores(
        arrays.by_session[rows, 1 : width + 1], points[:, :width], arrays.intake[rows]
    )[ep, col]
    x = failure_features(
        y, mean[ep, col], sd[ep, col], arrays.intake[used], facts, (col + 1).astype(float),
        previous,
    )  # fmt: skip
    evidence = evidence_matrix(
        history, arrays.by_session[rows, 1 : width + 1], points[:, :width], arrays.intake[rows],
        facts, rows,
    )[ep, col]  # fmt: skip
    intake = intake_feature_matrix(history, code, bundle.measures, intended_anxiety(history))
    return x, np.asarray(~labels.improved[used], dtype=bool), intake[used], evidence


def fit_failure_models(
    history: ServiceHistory,
    bundle: ModelBundle,
    rows: IntArray,
    labels: Outcomes,
    known: dict[str, tuple[FloatArray, FloatArray]],
    settings: CalibrationSettings,
) -> dict[str, FailureModel]:
    """Fit one failure model per measure with enough finished courses, and a pooled one.

    The pooled model ("*") covers every measure other than the PHQ-9 that has too
    few courses of its own; features are in spreads and reliable-change units, so
    measures on different scales can share it.
    """
    out: dict[str, FailureModel] = {}
    pooled_x: list[FloatArray] = []
    pooled_y: list[BoolArray] = []
    pooled_f: list[FloatArray] = []
    pooled_e: list[FloatArray] = []
    for code in sorted(known):
        x, y, f, e = failure_rows(history, bundle, code, rows, labels, known[code])
        e_used = e if settings.course_evidence else None
        if code != PHQ9:
            pooled_x.append(x)
            pooled_y.append(y)
            pooled_f.append(f)
            pooled_e.append(e)
        if x.shape[0] >= settings.failure_min_rows:
            try:
                out[code] = fit_failure(code, x, y, seed=settings.seed, intake=f, evidence=e_used)
            except ValueError:
                continue
    if pooled_x:
        x, y = np.concatenate(pooled_x), np.concatenate(pooled_y)
        f = np.concatenate(pooled_f)
        pooled = np.concatenate(pooled_e) if settings.course_evidence else None
        with contextlib.suppress(ValueError):
            out["*"] = fit_failure("*", x, y, seed=settings.seed, intake=f, evidence=pooled)
    return out


def calibrate(
    history: ServiceHistory,
    rows: IntArray | None = None,
    settings: CalibrationSettings | None = None,
) -> ModelBundle:
    """Fit a bundle on the referrals ``rows`` of ``history`` (all by default)."""
    settings = settings or CalibrationSettings()
    if not 0.0 < settings.target_false_alarm < 1.0:
        raise ValueError("the target false-alarm rate must lie strictly between 0 and 1")
    rows = np.arange(history.size, dtype=np.int64) if rows is None else rows
    facts = outcome_facts(history)
    if PHQ9 not in facts:
        raise ValueError("the history has no PHQ-9 scores to fit the expected-response models on")
    intended = intended_anxiety(history)
    fits: dict[str, MeasureFit] = {}
    for code in sorted(facts):
        features = intake_feature_matrix(history, code, facts, intended)
        fits[code] = fit_measure(history, code, rows, features, settings)
    curves = {c: f.curve for c, f in fits.items() if f.curve is not None}
    neighbours = {c: f.knn for c, f in fits.items() if f.knn is not None}
    norms = alliance_norms(history, rows)
    bundle = ModelBundle(
        label=settings.label,
        measures={c: facts[c] for c in curves},
        curves=curves,
        neighbours=neighbours,
        boundary_z={},
        alliance=norms,
        dropout=fit_dropout_model(
            history,
            rows,
            facts,
            norms,
            end_codes=settings.dropout_end_codes,
            max_rows=settings.dropout_max_rows,
            seed=settings.seed,
        ),
        therapist_effects=therapist_effects(history, rows, curves.get(PHQ9), facts.get(PHQ9)),
        source=dict(settings.source),
    )
    labels = outcomes(history, facts)
    sample = rows
    if sample.size > settings.calibration_sample:
        rng = np.random.default_rng(settings.seed)
        sample = np.sort(rng.choice(rows, settings.calibration_sample, replace=False))
    exclude = _exclusions(history, sample, {c: f for c, f in fits.items() if f.knn is not None})
    achieved: dict[str, Any] = {}
    for choice in ModelChoice:
        own = exclude if choice is ModelChoice.KNN else None
        minimum = settings.min_session_for_boundary
        known = courses(history, bundle, sample, choice, own)
        spread = replay(
            history, bundle, sample, choice, BoundaryKind.SPREAD, z=0.0,
            min_session_for_boundary=minimum, precomputed=known, rule=settings.deterioration,
        )  # fmt: skip
        groups = cohorts(history, sample, labels, spread)
        summary = summarise(spread)
        z, reachable = choose_shift(summary, groups, settings.target_false_alarm, Z_RANGE)
        bundle.boundary_z[choice.value] = z
        result: dict[str, Any] = {
            "spread": {"z": z, "target_reachable": reachable, **rates_at(summary, groups, z)}
        }
        bundle.failure[choice.value] = fit_failure_models(
            history, bundle, sample, labels, known, settings
        )
        if PHQ9 in bundle.failure[choice.value]:
            raw = replay(
                history, bundle, sample, choice, BoundaryKind.FAILURE, threshold=0.5,
                min_session_for_boundary=minimum, precomputed=known,
                rule=settings.deterioration,
            )  # fmt: skip
            summary = summarise(raw)
            groups = cohorts(history, sample, labels, raw)
            shift, reachable = choose_shift(
                summary, groups, settings.target_false_alarm, LOGIT_RANGE
            )
            bundle.failure_threshold[choice.value] = float(1.0 / (1.0 + np.exp(-shift)))
            result["failure"] = {
                "threshold": bundle.failure_threshold[choice.value],
                "target_reachable": reachable,
                **rates_at(summary, groups, shift),
            }
        else:
            bundle.failure.pop(choice.value)
        result["failing_courses"] = int(groups.failing.sum())
        result["improved_courses"] = int(groups.improved.sum())
        achieved[choice.value] = result
    bundle.calibration = {
        "target_false_alarm": settings.target_false_alarm,
        "min_session_for_boundary": settings.min_session_for_boundary,
        "in_sample": achieved,
        "referrals": int(rows.size),
        "replayed_for_boundaries": int(sample.size),
        "fitted_on": dt.date.today().isoformat(),
        "curve_methods": {c: m.method for c, m in curves.items()},
        "dropout_end_codes": sorted(settings.dropout_end_codes),
        "review_weights": {},
    }
    return bundle
