"""``ontrack validate``: replay every episode with models fitted on the other folds only.

Referrals are split into folds by person (a person's referrals stay together). For
each fold a bundle is calibrated on the other folds, then the fold's episodes are
replayed session by session. Figures (definitions in docs/validation.md):

- sensitivity: finished courses with 3+ treatment sessions that ended without
  reliable improvement, flagged off track before their last session;
- deterioration_sensitivity: the same among courses that reliably deteriorated;
- false_alarm_rate: courses that ended reliably improved but were ever flagged;
- median_lead_sessions: last session minus first flag, among flagged failures;
- by_imd_decile: sensitivity and false-alarm rate per decile;
- with a truth table, how often the planted cause is in the why-review's top two.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ontrack.monitoring.bundle import ModelBundle
from ontrack.monitoring.calibrate import CalibrationSettings, calibrate, outcome_facts
from ontrack.monitoring.config import BoundaryKind, ModelChoice, MonitoringConfig
from ontrack.monitoring.errors import MonitoringError
from ontrack.monitoring.fairness import (
    client_groups,
    course_shapes,
    dropout_calibration,
    group_figures,
    improved_before_last,
    lead_figures,
    share_with_interval,
)
from ontrack.monitoring.figures import Cohorts, EpisodeSummary, cohorts, rates_at, summarise
from ontrack.monitoring.from_dataset import EpisodeBuilder
from ontrack.monitoring.history import ServiceHistory
from ontrack.monitoring.models.failure import logit
from ontrack.monitoring.reasons import CAUSE_TO_REASON
from ontrack.monitoring.replay import (
    Outcomes,
    PointMatrices,
    courses,
    intended_anxiety,
    outcomes,
    replay,
)
from ontrack.monitoring.review import why_review
from ontrack.monitoring.service_models import dropout_landmarks

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
# Issue 16's targets (the first five were issue 7's, two of them raised).
TARGETS = {
    "deterioration_sensitivity": 0.90,
    "sensitivity": 0.75,
    "false_alarm_rate": 0.20,
    "decile_gap": 0.05,
    "cause_in_top_two": 0.70,
    "deterioration_flagged_by_session_3": 0.85,
    "false_alarm_worse_before_better": 0.25,
    "median_lead_sessions_relapse": 2,
    "dropout_auc": 0.75,
}
# The trade-off curve moves each fold's calibrated boundary by these amounts (logit of
# the failure chance for the failure boundary, predictive SDs for the spread boundary);
# 0 is the calibrated point, negative is more sensitive.
SHIFTS = (-1.5, -1.0, -0.6, -0.4, -0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3, 0.4, 0.6, 1.0, 1.5, 2.5)


@dataclass(frozen=True)
class ValidationSettings:
    """Choices for ``validate``; defaults as documented in docs/validation.md."""

    folds: int = 5
    model: ModelChoice = ModelChoice.CURVE
    calibration: CalibrationSettings = field(default_factory=CalibrationSettings)
    review_sample: int = 1000
    seed: int = 0


@dataclass
class _Pooled:
    """Held-out results of one model, pooled over folds (indexed like ``rows``)."""

    rows: list[IntArray] = field(default_factory=list)
    summaries: list[EpisodeSummary] = field(default_factory=list)
    groups: list[Cohorts] = field(default_factory=list)
    early: list[BoolArray] = field(default_factory=list)
    first_flag: list[IntArray] = field(default_factory=list)
    latest_flag: list[IntArray] = field(default_factory=list)  # last flag before the end
    last: list[IntArray] = field(default_factory=list)
    at_three: list[BoolArray] = field(default_factory=list)
    reached_three: list[BoolArray] = field(default_factory=list)
    evaluated_any: list[BoolArray] = field(default_factory=list)
    unevaluable: list[BoolArray] = field(default_factory=list)
    shift: list[float] = field(default_factory=list)
    # By session 3: the largest margin and any deterioration, for the trade-off curve.
    margin_by_three: list[FloatArray] = field(default_factory=list)
    det_by_three: list[BoolArray] = field(default_factory=list)

    def add(self, points: PointMatrices, groups: Cohorts, shift: float) -> None:
        """Add one fold replayed with raw margins, flagged at that fold's ``shift``."""
        flags = points.flags(shift)
        width = flags.shape[1]
        sessions = np.arange(1, width + 1)[None, :]
        before = sessions < points.last_session[:, None]
        first = np.where(flags.any(axis=1), flags.argmax(axis=1) + 1, -1)
        self.rows.append(points.rows)
        self.summaries.append(summarise(points))
        self.groups.append(groups)
        self.early.append(np.asarray((flags & before).any(axis=1), dtype=bool))
        self.first_flag.append(first.astype(np.int64))
        early = flags & before
        latest = np.where(early.any(axis=1), width - np.argmax(early[:, ::-1], axis=1), -1)
        self.latest_flag.append(latest.astype(np.int64))
        self.last.append(points.last_session)
        col = min(2, width - 1)
        self.at_three.append(flags[:, col] & points.evaluated[:, col])
        self.reached_three.append(points.evaluated[:, col])
        self.evaluated_any.append(np.asarray(points.evaluated.any(axis=1), dtype=bool))
        self.unevaluable.append(points.unevaluable)
        self.shift.append(shift)
        first3 = points.evaluated[:, :3]
        self.margin_by_three.append(
            np.where(first3, points.margin[:, :3], -np.inf).max(axis=1, initial=-np.inf)
        )
        self.det_by_three.append(np.asarray((points.d[:, :3] & first3).any(axis=1), dtype=bool))

    def cat(self, name: str) -> NDArray[Any]:
        return np.concatenate(getattr(self, name))

    def summary(self) -> EpisodeSummary:
        return EpisodeSummary(
            *(np.concatenate([getattr(s, f) for s in self.summaries]) for f in
              ("max_before_last", "det_before_last", "max_any", "det_any"))
        )  # fmt: skip

    def cohorts(self) -> Cohorts:
        return Cohorts(
            *(np.concatenate([getattr(g, f) for g in self.groups]) for f in
              ("failing", "deteriorated", "improved"))
        )  # fmt: skip


def _headline(bundle: ModelBundle, choice: ModelChoice) -> BoundaryKind:
    """Return the boundary evaluation would use with this bundle by default."""
    if bundle.threshold_for(choice) is not None:
        return BoundaryKind.FAILURE
    return BoundaryKind.SPREAD


def _share(flag: BoolArray, cohort: BoolArray) -> float | None:
    return float(flag[cohort].mean()) if cohort.any() else None


def _figures(
    pool: _Pooled, history: ServiceHistory, boundary: BoundaryKind, labels: Outcomes
) -> dict[str, Any]:
    rows = pool.cat("rows")
    groups = pool.cohorts()
    early = pool.cat("early")
    ever_summary = pool.summary()
    shifts = np.concatenate(
        [np.full(r.size, z) for r, z in zip(pool.rows, pool.shift, strict=True)]
    )
    ever = ever_summary.det_any | (ever_summary.max_any > shifts)
    first = pool.cat("first_flag")
    last = pool.cat("last")
    flagged_failing = groups.failing & early
    lead = (last - first)[flagged_failing]
    imd = history.imd[rows]
    by_decile: dict[str, dict[str, Any]] = {}
    for decile in [*range(1, 11), None]:
        here = np.isnan(imd) if decile is None else imd == decile
        by_decile[str(decile) if decile is not None else "unknown"] = {
            "sensitivity": _share(early, groups.failing & here),
            "false_alarm_rate": _share(ever, groups.improved & here),
            "failing_courses": int((groups.failing & here).sum()),
            "improved_courses": int((groups.improved & here).sum()),
        }
    sensitivity = _share(early, groups.failing)
    gaps = [
        abs(v["sensitivity"] - sensitivity)
        for k, v in by_decile.items()
        if k != "unknown" and v["sensitivity"] is not None and sensitivity is not None
    ]
    at_three = pool.cat("at_three")
    reached = pool.cat("reached_three")
    summary = pool.summary()
    return {
        "episodes": int(pool.cat("evaluated_any").sum()),
        "sensitivity": sensitivity,
        "deterioration_sensitivity": _share(early, groups.deteriorated),
        "false_alarm_rate": _share(ever, groups.improved),
        "median_lead_sessions": float(np.median(lead)) if lead.size else None,
        "flagged_at_session_3": _share(at_three, reached),
        "by_imd_decile": by_decile,
        "max_decile_sensitivity_gap": max(gaps) if gaps else None,
        "counts": {
            "failing_courses": int(groups.failing.sum()),
            "deteriorated_courses": int(groups.deteriorated.sum()),
            "improved_courses": int(groups.improved.sum()),
            "episodes_not_evaluable": int(pool.cat("unevaluable").sum()),
        },
        **_boundary_figures(pool, summary, groups, boundary),
        **_more_figures(pool, history, labels, early, ever, sensitivity),
    }


def _more_figures(
    pool: _Pooled,
    history: ServiceHistory,
    labels: Outcomes,
    early: BoolArray,
    ever: BoolArray,
    sensitivity: float | None,
) -> dict[str, Any]:
    """Early flags, client groups with intervals, course shapes, relapses (issue 16)."""
    rows = pool.cat("rows")
    groups = pool.cohorts()
    first = pool.cat("first_flag")
    last = pool.cat("last")
    by_three = (first > 0) & (first <= 3)
    finished = labels.finished[rows] & ~pool.cat("unevaluable")
    out: dict[str, Any] = {
        "deterioration_flagged_by_session_3": _share(by_three, groups.deteriorated),
        "flagged_by_session_3": _share(by_three, finished),
        "early_flags": {
            "deterioration_flagged_by_session_3": share_with_interval(
                by_three, groups.deteriorated
            ),
            "flagged_by_session_3": share_with_interval(by_three, finished),
            "sensitivity": share_with_interval(early, groups.failing),
            "deterioration_sensitivity": share_with_interval(early, groups.deteriorated),
            "false_alarm_rate": share_with_interval(ever, groups.improved),
        },
    }
    for key, group in client_groups(history, rows).items():
        out[key] = group_figures(group, early, ever, groups.failing, groups.improved, sensitivity)
    intended = intended_anxiety(history)
    relapsed = groups.failing & improved_before_last(history, labels.facts, intended, rows)
    relapse = lead_figures(first, last, relapsed)
    out["relapse"] = relapse
    out["median_lead_sessions_relapse"] = relapse["median_lead_sessions"]
    shapes = course_shapes(history, rows)
    if shapes is not None:
        out["by_course_shape"] = group_figures(
            shapes, early, ever, groups.failing, groups.improved, sensitivity
        )
        out["false_alarm_by_course_shape"] = {
            k: v["false_alarm_rate"] for k, v in out["by_course_shape"].items()
        }
    return out


def _boundary_figures(
    pool: _Pooled, summary: EpisodeSummary, groups: Cohorts, boundary: BoundaryKind
) -> dict[str, Any]:
    calibrated = np.concatenate(
        [np.full(r.size, x) for r, x in zip(pool.rows, pool.shift, strict=True)]
    )
    curve = []
    margin3, det3 = pool.cat("margin_by_three"), pool.cat("det_by_three")
    for delta in SHIFTS:
        moved = calibrated + delta
        if boundary is BoundaryKind.FAILURE:
            where = {"failure_threshold": float(np.mean(1.0 / (1.0 + np.exp(-moved))))}
        else:
            where = {"z": float(np.mean(moved))}
        by_three = det3 | (margin3 > moved)
        curve.append(
            {
                "shift": delta,
                **where,
                **rates_at(summary, groups, moved),
                "deterioration_flagged_by_session_3": _share(by_three, groups.deteriorated),
            }
        )
    if boundary is BoundaryKind.FAILURE:
        thresholds = [float(1.0 / (1.0 + np.exp(-x))) for x in pool.shift]
        return {
            "boundary": "failure",
            "failure_threshold_by_fold": [round(t, 4) for t in thresholds],
            "trade_off": curve,
        }
    return {
        "boundary": "spread",
        "boundary_z_by_fold": [round(z, 4) for z in pool.shift],
        "trade_off": curve,
    }


def _folds(history: ServiceHistory, k: int, seed: int) -> IntArray:
    table = history.tables["referral"]
    persons = table.column("person_id").to_pandas().astype(str).to_numpy()
    codes, uniques = pd.factorize(persons)
    rng = np.random.default_rng(seed)
    person_fold = rng.permutation(len(uniques)) % k
    return np.asarray(person_fold[codes], dtype=np.int64)


def _dropout_quality(
    history: ServiceHistory, bundle: ModelBundle, test: IntArray, settings: CalibrationSettings
) -> tuple[FloatArray, BoolArray]:
    if bundle.dropout is None:
        return np.zeros(0), np.zeros(0, dtype=bool)
    ended = test[history.ended[test]]
    x, ref, _ = dropout_landmarks(history, ended, bundle.measures, bundle.alliance)
    label = np.isin(history.end_code[ref].astype(str), list(settings.dropout_end_codes))
    return bundle.dropout.probabilities(x), label


def _review_point(flag: int, last: int, sessions: tuple[str, ...]) -> str | None:
    """Return the contact id of the session the review is held at: the alert, else the last."""
    session = flag if 0 < flag < last else last
    if session < 1 or session > len(sessions):
        return None
    return sessions[session - 1]


@dataclass(frozen=True)
class _ReviewJob:
    test: IntArray
    failing: BoolArray
    first_flag: IntArray
    latest_flag: IntArray
    last: IntArray


def _reviews(
    history: ServiceHistory,
    builder: EpisodeBuilder,
    bundle: ModelBundle,
    job: _ReviewJob,
    budget: int,
    rng: np.random.Generator,
    config: MonitoringConfig,
) -> list[dict[str, Any]]:
    """Run the why-review on a sample of failing episodes that have a planted cause.

    Each is reviewed at its latest off-track session before the end (the review
    in force when the course ended; the last session if never flagged); the
    first quarter of the sample also at its first alert.
    """
    truth = history.truth
    if truth is None or budget <= 0:
        return []
    causes = truth["causes"].to_numpy()[job.test]
    has_cause = np.array([isinstance(c, str) and c.strip() != "" for c in causes])
    candidates = np.nonzero(job.failing & has_cause)[0]
    if candidates.size > budget:
        candidates = rng.choice(candidates, budget, replace=False)
    out: list[dict[str, Any]] = []
    for n, j in enumerate(candidates):
        episode = builder.build(int(job.test[j]))
        sessions = tuple(c.contact_id for c in episode.treatment_sessions)
        planted = [c.strip() for c in str(causes[j]).split(";") if c.strip()]
        reasons = [CAUSE_TO_REASON.get(c) for c in planted]
        points = [("latest", int(job.latest_flag[j]))]
        if n < max(1, budget // 4):
            points.append(("first", int(job.first_flag[j])))
        for when, flag in points:
            as_of = _review_point(flag, int(job.last[j]), sessions)
            if as_of is None:
                continue
            try:
                review = why_review(episode, bundle, config, as_of=as_of)
            except MonitoringError:
                continue
            top = review.top(2)
            out.append(
                {
                    "when": when,
                    "primary": planted[0],
                    "primary_in_top_two": reasons[0] in top,
                    "any_in_top_two": any(r in top for r in reasons if r is not None),
                    "top": [r.value for r in top],
                }
            )
    return out


def _review_figures(reviews: list[dict[str, Any]]) -> dict[str, Any]:
    latest = [r for r in reviews if r["when"] == "latest"]
    first = [r for r in reviews if r["when"] == "first"]
    if not latest:
        return {"reviews": 0, "cause_in_top_two": None}
    by_cause: dict[str, dict[str, Any]] = {}
    for r in latest:
        entry = by_cause.setdefault(r["primary"], {"reviews": 0, "in_top_two": 0})
        entry["reviews"] += 1
        entry["in_top_two"] += int(r["primary_in_top_two"])
    for entry in by_cause.values():
        entry["share"] = entry["in_top_two"] / entry["reviews"]
    return {
        "reviews": len(latest),
        "cause_in_top_two": float(np.mean([r["primary_in_top_two"] for r in latest])),
        "any_cause_in_top_two": float(np.mean([r["any_in_top_two"] for r in latest])),
        "cause_in_top_two_at_first_alert": (
            float(np.mean([r["primary_in_top_two"] for r in first])) if first else None
        ),
        "reviews_at_first_alert": len(first),
        "cause_by_kind": dict(sorted(by_cause.items())),
    }


def validate(history: ServiceHistory, settings: ValidationSettings | None = None) -> dict[str, Any]:
    """Cross-validate the early-warning rules on a history; return the report as a dict."""
    settings = settings or ValidationSettings()
    if settings.folds < 2:
        raise ValueError("validation needs at least 2 folds")
    started = time.perf_counter()
    fold_of = _folds(history, settings.folds, settings.seed)
    labels = outcomes(history, outcome_facts(history))
    if not labels.finished.any():
        raise ValueError(
            "no finished course to judge the engine on (a finished course has ended, "
            "with 2+ treatment sessions and paired PHQ-9 and anxiety scores)"
        )
    kinds = [(c, b) for c in ModelChoice for b in BoundaryKind]
    pools = {kind: _Pooled() for kind in kinds}
    dropout_p: list[FloatArray] = []
    dropout_y: list[BoolArray] = []
    reviews: list[dict[str, Any]] = []
    rng = np.random.default_rng(settings.seed)
    budget = settings.review_sample // settings.folds
    config = MonitoringConfig(
        model=settings.model,
        min_session_for_boundary=settings.calibration.min_session_for_boundary,
        deterioration=settings.calibration.deterioration,
    )
    minimum = settings.calibration.min_session_for_boundary
    builder = EpisodeBuilder(history)
    for fold in range(settings.folds):
        train = np.nonzero(fold_of != fold)[0].astype(np.int64)
        test = np.nonzero(fold_of == fold)[0].astype(np.int64)
        bundle = calibrate(history, train, settings.calibration)
        known = {c: courses(history, bundle, test, c) for c in ModelChoice}
        for choice, boundary in kinds:
            threshold = bundle.threshold_for(choice)
            if boundary is BoundaryKind.FAILURE and threshold is None:
                continue
            if boundary is BoundaryKind.FAILURE:
                points = replay(
                    history, bundle, test, choice, boundary, threshold=0.5,
                    min_session_for_boundary=minimum, precomputed=known[choice],
                    rule=settings.calibration.deterioration,
                )  # fmt: skip
                shift = logit(threshold or 0.5)
            else:
                points = replay(
                    history, bundle, test, choice, boundary, z=0.0,
                    min_session_for_boundary=minimum, precomputed=known[choice],
                    rule=settings.calibration.deterioration,
                )  # fmt: skip
                shift = bundle.z_for(choice)
            groups = cohorts(history, test, labels, points)
            pool = pools[(choice, boundary)]
            pool.add(points, groups, shift)
            if choice is settings.model and boundary is _headline(bundle, choice):
                job = _ReviewJob(
                    test, groups.failing, pool.first_flag[-1], pool.latest_flag[-1],
                    points.last_session,
                )  # fmt: skip
                reviews += _reviews(history, builder, bundle, job, budget, rng, config)
        p, y = _dropout_quality(history, bundle, test, settings.calibration)
        dropout_p.append(p)
        dropout_y.append(y)
    report: dict[str, Any] = {
        "referrals": history.size,
        "model": settings.model.value,
        "folds": settings.folds,
        "target_false_alarm": settings.calibration.target_false_alarm,
    }
    figures: dict[str, dict[str, Any]] = {}
    for (choice, boundary), pool in pools.items():
        if pool.rows:
            figures.setdefault(choice.value, {})[boundary.value] = _figures(
                pool, history, boundary, labels
            )
    headline = figures[settings.model.value]
    report.update(headline.get(BoundaryKind.FAILURE.value) or headline[BoundaryKind.SPREAD.value])
    report["models"] = figures
    report["dropout"] = _dropout_figures(np.concatenate(dropout_p), np.concatenate(dropout_y))
    report["dropout_auc"] = report["dropout"]["auc"]
    report.update(_review_figures(reviews))
    report["targets"] = TARGETS
    report["seconds"] = round(time.perf_counter() - started, 2)
    return report


def _dropout_figures(p: FloatArray, y: BoolArray) -> dict[str, Any]:
    if p.size == 0 or y.all() or not y.any():
        return {"landmarks": int(p.size), "auc": None, "brier": None}
    from sklearn.metrics import brier_score_loss, roc_auc_score

    return {
        "landmarks": int(p.size),
        "auc": float(roc_auc_score(y, p)),
        "brier": float(brier_score_loss(y, p)),
        "mean_predicted": float(p.mean()),
        "observed_rate": float(y.mean()),
        "calibration": dropout_calibration(p, y),
    }
