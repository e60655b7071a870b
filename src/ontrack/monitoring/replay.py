"""Vectorised replay: the off-track rule at every treatment session of many episodes at once.

This is the same rule as ``evaluate_episode`` (tested to agree session by session),
written over [episodes, sessions] arrays so a national history replays in seconds.
For each episode and session it gives R, the largest standardised distance beyond
the expected course over the tracked measures ((observed - expected) / spread, in
the worse direction), and D, whether any tracked measure has reliably
deteriorated. The episode is off track at that session when D, or R > z.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ontrack.monitoring.bundle import ModelBundle
from ontrack.monitoring.config import BoundaryKind, ModelChoice
from ontrack.monitoring.deterioration import DEFAULT_RULE, DeteriorationRule, deterioration
from ontrack.monitoring.episode import CBT_THERAPIES
from ontrack.monitoring.errors import ModelNotFoundError
from ontrack.monitoring.exposure import EXPOSURE_PHASE, HIGH_INTENSITY, exposure_problem
from ontrack.monitoring.facts import MeasureFacts
from ontrack.monitoring.history import NO_POSITION, WSAS, ServiceHistory
from ontrack.monitoring.models.base import FEATURES
from ontrack.monitoring.models.curve import CurveModel
from ontrack.monitoring.models.failure import logit
from ontrack.monitoring.models.neighbours import NeighbourModel

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
PHQ9 = "PHQ-9"
GAD7 = "GAD-7"


def intended_anxiety(history: ServiceHistory) -> NDArray[np.object_]:
    """Return each referral's NHS TT anxiety measure for its problem descriptor."""
    result: NDArray[np.object_] = history.cached("intended", lambda: _intended(history))
    return result


def _intended(history: ServiceHistory) -> NDArray[np.object_]:
    try:
        chooser = importlib.import_module("ontrack.measures.nhstt").anxiety_measure_for
    except (ImportError, AttributeError):
        return np.full(history.size, GAD7, dtype=object)
    lookup = {d: str(chooser(d)) for d in set(history.descriptor.tolist())}
    return np.array([lookup[d] for d in history.descriptor], dtype=object)


def _elevation(facts: MeasureFacts | None, values: FloatArray) -> FloatArray:
    if facts is None or facts.clinical_cutoff is None or not facts.reliable_change:
        return np.full(values.shape, np.nan)
    return (values - facts.clinical_cutoff) * facts.direction / facts.reliable_change


def other_elevation(
    history: ServiceHistory,
    measure: str,
    facts: dict[str, MeasureFacts],
    intended: NDArray[np.object_],
) -> FloatArray:
    """Return the 'other' intake feature: the paired measure's elevation at session <= 1.

    For the PHQ-9 the paired measure is the intended anxiety measure where it was
    recorded by session 1, else GAD-7; for any other measure it is the PHQ-9.
    """
    n = history.size
    if measure != PHQ9:
        phq = history.measure(PHQ9)
        values = phq.first_by_session1 if phq is not None else np.full(n, np.nan)
        return _elevation(facts.get(PHQ9), values)
    out = np.full(n, np.nan)
    gad = history.measure(GAD7)
    if gad is not None:
        out = _elevation(facts.get(GAD7), gad.first_by_session1)
    for code in set(intended.tolist()) - {GAD7}:
        arrays = history.measure(code)
        if arrays is None:
            continue
        mine = intended == code
        value = _elevation(facts.get(code), arrays.first_by_session1)
        use = mine & ~np.isnan(arrays.first_by_session1)
        out = np.where(use, value, out)
    return out


def intake_feature_matrix(
    history: ServiceHistory,
    measure: str,
    facts: dict[str, MeasureFacts],
    intended: NDArray[np.object_],
) -> FloatArray:
    """Return [referrals, len(FEATURES)] intake features for one measure's models."""
    key = ("features", measure, tuple(sorted((c, f) for c, f in facts.items())))
    result: FloatArray = history.cached(
        key, lambda: _intake_features(history, measure, facts, intended)
    )
    return result


def _intake_features(
    history: ServiceHistory,
    measure: str,
    facts: dict[str, MeasureFacts],
    intended: NDArray[np.object_],
) -> FloatArray:
    n = history.size
    arrays = history.measure(measure)
    out = np.full((n, len(FEATURES)), np.nan)
    if arrays is not None:
        out[:, 0] = arrays.intake
    out[:, 1] = other_elevation(history, measure, facts, intended)
    wsas = history.measure(WSAS)
    if wsas is not None:
        out[:, 2] = wsas.first_by_session1
    out[:, 3] = history.age
    out[:, 4] = history.imd
    out[:, 5] = history.step_first
    return out


def session_positions(history: ServiceHistory) -> IntArray:
    """Return [referrals, S+1]: the contact position of each treatment session.

    NO_POSITION where the referral had no such session.
    """
    result: IntArray = history.cached("positions", lambda: _session_positions(history))
    return result


def _session_positions(history: ServiceHistory) -> IntArray:
    width = history.max_session + 1
    out = np.full((history.size, width), NO_POSITION, dtype=np.int64)
    tx = history.contacts[history.contacts["treatment"]]
    sessions = tx["session_number"].to_numpy().astype(np.int64)
    out[tx["ref"].to_numpy(), sessions] = tx["position"].to_numpy()
    return out


# Appointments the client missed or cancelled (AttendOrDNACode 2, 3, 7): evidence in the
# failure model (ADR 0126). A provider's cancellation (4) says nothing about the client.
CLIENT_MISSED = ("2", "3", "7")


def missed_before_sessions(history: ServiceHistory) -> IntArray:
    """Return [referrals, S+1]: appointments the client missed or cancelled before each
    treatment session (0 where there is no such session)."""
    result: IntArray = history.cached("missed", lambda: _missed_before(history))
    return result


def _missed_before(history: ServiceHistory) -> IntArray:
    contacts = history.contacts
    missed = contacts["attendance"].isin(CLIENT_MISSED).to_numpy().astype(np.int64)
    cum = np.concatenate([[0], np.cumsum(missed)])
    positions = session_positions(history)
    start = history.contact_start[:-1][:, None]
    valid = positions != NO_POSITION
    index = np.where(valid, start + np.where(valid, positions, 0), 0)
    out = np.where(valid, cum[index] - cum[np.broadcast_to(start, index.shape)], 0)
    return np.asarray(out, dtype=np.int64)


def hi_cbt_by_session(history: ServiceHistory) -> IntArray:
    """Return [referrals, S+1]: high-intensity CBT sessions attended up to each session."""
    result: IntArray = history.cached("hi_cbt", lambda: _hi_cbt(history))
    return result


def _hi_cbt(history: ServiceHistory) -> IntArray:
    contacts = history.contacts
    counted = (
        contacts["treatment"].to_numpy()
        & (contacts["step"].to_numpy() == HIGH_INTENSITY)
        & contacts["therapy"].isin(sorted(CBT_THERAPIES)).to_numpy()
    ).astype(np.int64)
    cum = np.concatenate([[0], np.cumsum(counted)])
    positions = session_positions(history)
    start = history.contact_start[:-1][:, None]
    valid = positions != NO_POSITION
    index = np.where(valid, start + np.where(valid, positions, 0) + 1, 0)
    out = np.where(valid, cum[index] - cum[np.broadcast_to(start, index.shape)], 0)
    return np.asarray(out, dtype=np.int64)


def exposure_by_session(history: ServiceHistory) -> BoolArray:
    """Return [referrals, S+1]: whether each treatment session is in the exposure phase."""
    problem = np.array([exposure_problem(d) for d in history.descriptor], dtype=bool)
    count = hi_cbt_by_session(history)
    low, high = EXPOSURE_PHASE
    return np.asarray(problem[:, None] & (count >= low) & (count <= high), dtype=bool)


def best_change_before(
    y: FloatArray, points: BoolArray, intake: FloatArray, facts: MeasureFacts
) -> FloatArray:
    """Return [k, S]: at each session, the change since intake at the best earlier score
    (reliable-change units, better positive; 0 where no earlier score beat the intake)."""
    rc = float(facts.reliable_change or 1.0)
    better = np.where(points, facts.direction * (intake[:, None] - y) / rc, -np.inf)
    running = np.maximum.accumulate(better, axis=1)
    out = np.zeros(y.shape)
    out[:, 1:] = np.maximum(running[:, :-1], 0.0)
    return out


def evidence_matrix(
    history: ServiceHistory,
    y: FloatArray,
    points: BoolArray,
    intake: FloatArray,
    facts: MeasureFacts,
    rows: IntArray,
) -> FloatArray:
    """Return [k, S, len(EVIDENCE)]: the course evidence the failure model reads."""
    width = y.shape[1]
    missed = missed_before_sessions(history)[rows, 1 : width + 1].astype(np.float64)
    best = best_change_before(y, points, intake, facts)
    exposure = history.cached("exposure", lambda: exposure_by_session(history))
    phase = exposure[rows, 1 : width + 1].astype(np.float64)
    return np.stack([best, np.log1p(missed), phase], axis=-1)


@dataclass
class PointMatrices:
    """The off-track rule's inputs at each treatment session s = 1..S of replayed episodes."""

    rows: IntArray  # referral indices replayed
    # [k, S] the least margin beyond the failure boundary over the tracked measures
    # (logit chance minus logit threshold, or spreads beyond expected minus z); > 0 means
    # every judged measure is beyond its boundary. -inf where nothing is judged.
    margin: FloatArray
    d: BoolArray  # [k, S] reliable deterioration on a tracked measure
    evaluated: BoolArray  # [k, S] a treatment session that could be evaluated
    unevaluable: BoolArray  # [k] episodes where some session raised (no intake or no model)
    expected: dict[str, FloatArray]  # per measure [k, S] expected score (for checks)
    last_session: IntArray  # [k]

    def flags(self, shift: float = 0.0) -> BoolArray:
        """Return off-track flags with the boundary moved by ``shift`` (0 = as calibrated)."""
        return np.asarray(self.evaluated & (self.d | (self.margin > shift)))


def _forward_fill_index(mask: BoolArray) -> IntArray:
    index = np.where(mask, np.arange(mask.shape[1])[None, :], -1)
    return np.asarray(np.maximum.accumulate(index, axis=1), dtype=np.int64)


def _take(values: NDArray[np.generic], index: IntArray, fill: float | bool) -> NDArray[np.generic]:
    safe = np.maximum(index, 0)
    taken = np.take_along_axis(values, safe, axis=1)
    out: NDArray[np.generic] = np.where(index >= 0, taken, fill)
    return out


def previous_scores(y: FloatArray, points: BoolArray, intake: FloatArray) -> FloatArray:
    """Return [k, S]: at each session, the score before it (the intake where none).

    ``y`` and ``points`` are [k, S] scores and progress points at sessions 1..S;
    ``intake`` is [k]. This is what ``assess_measure`` reads as the previous score.
    """
    # The latest progress point at or before each session, moved one session on.
    index = np.full(points.shape, -1, dtype=np.int64)
    index[:, 1:] = _forward_fill_index(points)[:, :-1]
    taken = np.asarray(_take(y, index, np.nan), dtype=np.float64)
    return np.asarray(np.where(index >= 0, taken, intake[:, None]), dtype=np.float64)


def expected_course(
    model: CurveModel | NeighbourModel,
    points: BoolArray,
    features: FloatArray,
    width: int,
    exclude: IntArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Return (expected, spread) [rows, width] for rows with a progress point (NaN elsewhere)."""
    k = points.shape[0]
    has = points.any(axis=1)
    mean = np.full((k, width), np.nan)
    sd = np.full((k, width), np.nan)
    if has.any():
        own = None
        if exclude is not None and isinstance(model, NeighbourModel):
            own = exclude[has]
        m, s = model.expect_many(features[has], width, own)
        mean[has], sd[has] = m, s
    return mean, sd


def courses(
    history: ServiceHistory,
    bundle: ModelBundle,
    rows: IntArray,
    choice: ModelChoice,
    exclude: dict[str, IntArray] | None = None,
) -> dict[str, tuple[FloatArray, FloatArray]]:
    """Return every fitted measure's expected course for ``rows``, to reuse across replays."""
    intended = intended_anxiety(history)
    out: dict[str, tuple[FloatArray, FloatArray]] = {}
    for code in bundle.curves:
        arrays = history.measure(code)
        if arrays is None:
            continue
        model = bundle.model_for(code, choice)
        features = intake_feature_matrix(history, code, bundle.measures, intended)[rows]
        points = arrays.progress_mask()[rows, 1:]
        own = None if exclude is None else exclude.get(code)
        out[code] = expected_course(model, points, features, history.max_session, own)
    return out


def measure_points(
    history: ServiceHistory,
    bundle: ModelBundle,
    measure: str,
    choice: ModelChoice,
    boundary: BoundaryKind,
    threshold: float,
    z: float,
    min_session: int,
    rows: IntArray,
    features: FloatArray,
    exclude: IntArray | None = None,
    course: tuple[FloatArray, FloatArray] | None = None,
    rule: DeteriorationRule = DEFAULT_RULE,
) -> tuple[FloatArray, BoolArray, FloatArray] | None:
    """Return one measure's forward-filled (margin, deterioration, expected), or None.

    ``course`` passes (expected, spread) for ``rows`` already computed (see ``courses``).

    The margin is NaN before the measure's first progress point and -inf before
    ``min_session``. None means the bundle has no model for the measure.
    """
    arrays = history.measure(measure)
    try:
        facts = bundle.facts(measure)
        model = bundle.model_for(measure, choice)
    except ModelNotFoundError:
        return None
    width = history.max_session
    k = rows.size
    if arrays is None or k == 0:
        return (
            np.full((k, width), np.nan),
            np.zeros((k, width), dtype=bool),
            np.full((k, width), np.nan),
        )
    y = arrays.by_session[rows, 1:]
    points = arrays.progress_mask()[rows, 1:]
    if course is None:
        course = expected_course(model, points, features, width, exclude)
    mean, sd = course
    sessions = np.arange(1, width + 1, dtype=np.float64)[None, :]
    intake = arrays.intake[rows][:, None]
    failure = bundle.failure_for(measure, choice) if boundary is BoundaryKind.FAILURE else None
    if failure is not None:
        previous = previous_scores(y, points, arrays.intake[rows])
        evidence = evidence_matrix(history, y, points, arrays.intake[rows], facts, rows)
        eta = failure.logit_probability(
            y, mean, sd, intake, facts, sessions, previous, features[:, None, :], evidence
        )
        margin = eta - logit(threshold)
    else:
        margin = (y - mean) * facts.direction / sd - z
    margin = np.where(sessions >= min_session, margin, -np.inf)
    margin = np.where(points, margin, np.nan)
    phase = history.cached("exposure", lambda: exposure_by_session(history))[rows, 1 : width + 1]
    d = deterioration(y, points, arrays.intake[rows], facts, rule, phase).any
    latest = _forward_fill_index(points)
    return (
        np.asarray(_take(margin, latest, np.nan), dtype=np.float64),
        np.asarray(_take(d, latest, False), dtype=bool),
        np.where(points, mean, np.nan),
    )


def replay(
    history: ServiceHistory,
    bundle: ModelBundle,
    rows: IntArray,
    choice: ModelChoice,
    boundary: BoundaryKind = BoundaryKind.FAILURE,
    *,
    threshold: float | None = None,
    z: float | None = None,
    min_session_for_boundary: int = 1,
    exclude: dict[str, IntArray] | None = None,
    precomputed: dict[str, tuple[FloatArray, FloatArray]] | None = None,
    rule: DeteriorationRule = DEFAULT_RULE,
) -> PointMatrices:
    """Replay the off-track rule over ``rows`` at every treatment session.

    ``threshold`` and ``z`` default to the bundle's calibrated ones; a bundle with
    no failure models falls back to the spread boundary, as evaluation does.
    ``exclude`` maps a measure to each row's own index in that measure's
    neighbour reference (-1 if absent), for in-sample calibration; ``precomputed``
    passes expected courses from ``courses`` for the same rows.
    """
    facts = bundle.measures
    chosen = threshold if threshold is not None else bundle.threshold_for(choice)
    if chosen is None:
        boundary = BoundaryKind.SPREAD
    p_star = chosen if chosen is not None else 0.5
    z_used = z if z is not None else bundle.boundary_z.get(choice.value, 0.0)
    intended = intended_anxiety(history)
    width = history.max_session
    positions = session_positions(history)[rows, 1:]
    sessions = np.arange(1, width + 1)[None, :]
    last = history.sessions_attended[rows]
    evaluated = sessions <= last[:, None]
    codes = [PHQ9, GAD7, *sorted(set(intended[rows].tolist()) - {GAD7})]
    results: dict[str, tuple[FloatArray, BoolArray, FloatArray] | None] = {}
    for code in codes:
        features = intake_feature_matrix(history, code, facts, intended)[rows]
        own = None if exclude is None else exclude.get(code)
        known = None if precomputed is None else precomputed.get(code)
        results[code] = measure_points(
            history, bundle, code, choice, boundary, p_star, z_used,
            min_session_for_boundary, rows, features, own, known, rule,
        )  # fmt: skip
    k = rows.size
    margin = np.full((k, width), np.nan)
    d = np.zeros((k, width), dtype=bool)
    ok = np.ones((k, width), dtype=bool)
    # Which measure fills each slot at each session: the PHQ-9, and the anxiety
    # measure (the problem's ADSM once it has been recorded, else GAD-7).
    index = {code: i for i, code in enumerate(codes)}
    depression = np.full((k, width), index[PHQ9], dtype=np.int64)
    anxiety = np.full((k, width), index[GAD7], dtype=np.int64)
    chooser = intended[rows]
    for code in codes[2:]:
        arrays = history.measure(code)
        if arrays is None:
            continue
        recorded = arrays.first_position[rows][:, None] <= positions
        anxiety = np.where((chooser == code)[:, None] & recorded, index[code], anxiety)
    for slot in (depression, anxiety):
        for code in codes:
            here = slot == index[code]
            if not (here & evaluated).any():
                continue
            arrays = history.measure(code)
            result = results.get(code)
            if arrays is None or result is None:
                ok &= ~here
                continue
            intake_known = arrays.intake_position[rows][:, None] <= positions
            ok &= ~here | intake_known
            # Off track needs every judged measure beyond its boundary: the least margin.
            margin = np.where(here, np.fmin(margin, result[0]), margin)
            d = np.where(here, d | result[1], d)
    unevaluable = np.asarray((evaluated & ~ok).any(axis=1), dtype=bool)
    expected = {code: res[2] for code, res in results.items() if res is not None}
    margin = np.where(np.isnan(margin), -np.inf, margin)
    return PointMatrices(
        rows=rows,
        margin=np.where(ok, margin, -np.inf),
        d=d & ok,
        evaluated=evaluated & ok,
        unevaluable=unevaluable,
        expected=expected,
        last_session=last,
    )


@dataclass
class Outcomes:
    """NHS TT outcome labels of every referral, computed as nhstt.classify_referral does."""

    finished: BoolArray  # ended, 2+ treatment contacts, paired scores
    improved: BoolArray  # reliable improvement
    deteriorated: BoolArray  # reliable deterioration
    treatment_contacts: IntArray
    facts: dict[str, MeasureFacts] = field(default_factory=dict)  # the facts they used


def outcomes(history: ServiceHistory, facts: dict[str, MeasureFacts]) -> Outcomes:
    """Classify every referral's NHS TT outcome from its first and last placed scores."""
    n = history.size
    contacts = history.contacts
    tx = contacts["attended"] & contacts["app_type"].isin(("02", "03", "05"))
    count = np.bincount(contacts.loc[tx, "ref"].to_numpy(), minlength=n).astype(np.int64)
    intended = intended_anxiety(history)

    def verdicts(code: str, rows_mask: BoolArray) -> tuple[BoolArray, BoolArray, BoolArray]:
        arrays = history.measure(code)
        f = facts.get(code)
        if arrays is None or f is None or not f.reliable_change:
            z = np.zeros(n, dtype=bool)
            return z, z, z
        paired = (arrays.placed_count >= 2) & rows_mask
        worse = (arrays.placed_last - arrays.placed_first) * f.direction
        size = np.abs(worse)
        reliable = (
            size >= f.reliable_change if f.reliable_change_inclusive else size > (f.reliable_change)
        )
        return paired, paired & reliable & (worse > 0), paired & reliable & (worse < 0)

    everyone = np.ones(n, dtype=bool)
    dep_paired, dep_worse, dep_better = verdicts(PHQ9, everyone)
    anx_paired, anx_worse, anx_better = verdicts(GAD7, everyone)
    for code in set(intended.tolist()) - {GAD7}:
        mine = intended == code
        p, w, b = verdicts(code, mine)
        use = mine & p  # the ADSM where it is paired, else GAD-7 (NHS TT fallback)
        anx_paired = np.where(use, p, anx_paired)
        anx_worse = np.where(use, w, anx_worse)
        anx_better = np.where(use, b, anx_better)
    paired = dep_paired & anx_paired
    finished = history.ended & (count >= 2) & paired
    better = dep_better | anx_better
    worse = dep_worse | anx_worse
    return Outcomes(
        finished=finished,
        improved=finished & better & ~worse,
        deteriorated=finished & worse & ~better,
        treatment_contacts=count,
        facts=dict(facts),
    )
