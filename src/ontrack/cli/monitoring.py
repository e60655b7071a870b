"""``ontrack calibrate`` and ``ontrack validate``: fit and test the early-warning engine."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from ontrack.cli import UsageError
from ontrack.extras import installed, message


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    calibrate = subparsers.add_parser(
        "calibrate",
        help="fit the early-warning models on a service's own history",
        description=(
            "Fit OnTrack's early-warning models on a canonical dataset (a service's own "
            "history): the expected-response curve and nearest-neighbour models for every "
            "outcome measure with a cut-off, the failure boundaries (calibrated so that at most "
            "--target-false-alarm of courses that ended reliably improved were ever flagged off "
            "track), alliance norms, the dropout model and therapist effects. Writes one model "
            "file for `evaluate_episode` (read it with `ontrack.monitoring.load_bundle`)."
        ),
    )
    calibrate.add_argument("dataset", help="directory holding the canonical tables (Parquet/CSV)")
    calibrate.add_argument("--out", required=True, help="model file to write (.npz)")
    calibrate.add_argument(
        "--target-false-alarm",
        type=float,
        default=0.18,
        help="share of reliably improved courses that may ever be flagged (default 0.18)",
    )
    calibrate.add_argument(
        "--curve-method",
        choices=("moments", "mixedlm", "empirical"),
        default="moments",
        help="how the curve model's predictive SD is fitted (default moments; see docs)",
    )
    calibrate.add_argument(
        "--neighbours", type=int, default=100, help="k, past clients per expectation (100)"
    )
    calibrate.add_argument(
        "--max-reference",
        type=int,
        default=None,
        help="keep at most this many past episodes per measure in the file (default all)",
    )
    calibrate.add_argument(
        "--label", default=None, help="provenance text stored in the file and shown with signals"
    )
    calibrate.add_argument("--seed", type=int, default=0, help="random seed for sampling (0)")
    calibrate.add_argument(
        "--report-cards",
        metavar="FILE",
        help="also write the therapist report cards (JSON) for the allocation page's "
        "matching (ONTRACK_REPORT_CARDS); see docs/matching.md",
    )
    calibrate.add_argument(
        "--advice",
        metavar="FILE",
        help="also write the step and modality advice (JSON) for the assessment page "
        "(ONTRACK_ADVICE); see docs/matching.md",
    )
    calibrate.add_argument("--json", action="store_true", help="print a JSON summary")
    calibrate.set_defaults(handler=_calibrate)

    validate = subparsers.add_parser(
        "validate",
        help="replay a history with models fitted on other folds and report accuracy",
        description=(
            "Replay every episode of a canonical dataset session by session, with models "
            "calibrated on the other folds only (referrals split by person), and report "
            "sensitivity, deterioration sensitivity, false-alarm rate, lead time, the same by "
            "IMD decile, the trade-off as the boundary moves, dropout-model accuracy and, where "
            "a simulator truth table is present, how often the planted cause of failure is in "
            "the why-review's top two. Definitions: docs/validation.md."
        ),
    )
    validate.add_argument("dataset", help="directory holding the canonical tables (Parquet/CSV)")
    validate.add_argument("--json", action="store_true", help="print the full report as JSON")
    validate.add_argument("--folds", type=int, default=5, help="cross-validation folds (5)")
    validate.add_argument(
        "--model", choices=("curve", "knn"), default="curve", help="headline model (curve)"
    )
    validate.add_argument(
        "--target-false-alarm",
        type=float,
        default=0.18,
        help="false-alarm target each fold is calibrated to (0.18)",
    )
    validate.add_argument(
        "--review-sample",
        type=int,
        default=1000,
        help="failing episodes with a planted cause to run the why-review on (1000)",
    )
    validate.add_argument("--seed", type=int, default=0, help="seed for folds and samples (0)")
    validate.set_defaults(handler=_validate)


def _history(path: str) -> Any:
    from ontrack.dataset import DatasetError, read_dataset
    from ontrack.monitoring.errors import MonitoringError
    from ontrack.monitoring.history import build_history

    if not Path(path).exists():
        raise UsageError(f"dataset {path} does not exist")
    try:
        return build_history(read_dataset(path))
    except DatasetError as exc:
        raise UsageError(f"dataset {path} is not a valid canonical dataset: {exc}") from None
    except MonitoringError as exc:
        raise UsageError(str(exc)) from None


def _target(value: float) -> float:
    if not 0.0 < value < 1.0:
        raise UsageError(f"--target-false-alarm must lie strictly between 0 and 1, got {value}")
    return value


def _calibrate(args: argparse.Namespace) -> int:
    from ontrack.monitoring.bundle import save_bundle
    from ontrack.monitoring.calibrate import CalibrationSettings, calibrate

    target = _target(args.target_false_alarm)
    if args.curve_method == "mixedlm" and not installed("fits"):
        raise UsageError(message("fits", "--curve-method mixedlm"))
    if args.neighbours < 1:
        raise UsageError(f"--neighbours must be at least 1, got {args.neighbours}")
    out = Path(args.out)
    if not out.parent.exists():
        raise UsageError(f"cannot write {out}: folder {out.parent} does not exist")
    cards_out = Path(args.report_cards) if args.report_cards else None
    if cards_out is not None and not cards_out.parent.exists():
        raise UsageError(f"cannot write {cards_out}: folder {cards_out.parent} does not exist")
    advice_out = Path(args.advice) if args.advice else None
    if advice_out is not None and not advice_out.parent.exists():
        raise UsageError(f"cannot write {advice_out}: folder {advice_out.parent} does not exist")
    history = _history(args.dataset)
    settings = CalibrationSettings(
        target_false_alarm=target,
        curve_method=args.curve_method,
        k=args.neighbours,
        max_reference_episodes=args.max_reference,
        seed=args.seed,
        label=args.label or CalibrationSettings().label,
        source={"dataset": str(Path(args.dataset).resolve()), "referrals": history.size},
    )
    try:
        bundle = calibrate(history, settings=settings)
    except ValueError as exc:
        raise UsageError(f"cannot calibrate on {args.dataset}: {exc}") from None
    save_bundle(bundle, out)
    summary: dict[str, Any] = {
        "out": str(out),
        "label": bundle.label,
        "measures": sorted(bundle.curves),
        "neighbour_models": sorted(bundle.neighbours),
        "boundary_z": bundle.boundary_z,
        "failure_threshold": bundle.failure_threshold,
        "calibration": bundle.calibration,
    }
    if cards_out is not None:
        summary["report_cards"] = _write_cards(history.tables, cards_out)
    if advice_out is not None:
        summary["advice"] = _write_advice(history.tables, advice_out)
    if args.json:
        print(json.dumps(summary, indent=2, default=_plain))
    else:
        print(f"wrote {out}: models for {', '.join(summary['measures'])}")
        for kind, result in bundle.calibration["in_sample"].items():
            failure = result.get("failure", result["spread"])
            print(
                f"  {kind}: in-sample sensitivity {failure['sensitivity']:.3f}, "
                f"false alarms {failure['false_alarm_rate']:.3f} (target {target})"
            )
    return 0


def _write_cards(tables: Any, path: Path) -> dict[str, Any]:
    """Fit the matching's report cards on the same history and write them as JSON."""
    from ontrack.matching.cases import DatasetError
    from ontrack.matching.reportcards import cards_document, report_cards_for

    try:
        cards = report_cards_for(tables)
    except DatasetError as exc:
        raise UsageError(f"cannot fit report cards: {exc}") from None
    path.write_text(json.dumps(cards_document(cards), indent=2), encoding="utf-8")
    return {"file": str(path), "cards": len(cards)}


def _write_advice(tables: Any, path: Path) -> dict[str, Any]:
    """Fit the step and modality advice on the same history and write it as JSON."""
    from ontrack.matching.cases import DatasetError
    from ontrack.matching.stored import fit_document

    try:
        document = fit_document(tables)
    except (DatasetError, ValueError) as exc:
        raise UsageError(f"cannot fit the step and modality advice: {exc}") from None
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return {"file": str(path), "fitted_on": document["fitted_on"]}


def _plain(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return str(value)


def _clean(value: Any) -> Any:
    """Replace NaN and infinities by None so the JSON is standard."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _validate(args: argparse.Namespace) -> int:
    from ontrack.monitoring.calibrate import CalibrationSettings
    from ontrack.monitoring.config import ModelChoice
    from ontrack.monitoring.validation import ValidationSettings, validate

    target = _target(args.target_false_alarm)
    if args.folds < 2:
        raise UsageError(f"--folds must be at least 2, got {args.folds}")
    if args.review_sample < 0:
        raise UsageError(f"--review-sample must be 0 or more, got {args.review_sample}")
    history = _history(args.dataset)
    settings = ValidationSettings(
        folds=args.folds,
        model=ModelChoice(args.model),
        calibration=CalibrationSettings(target_false_alarm=target, seed=args.seed),
        review_sample=args.review_sample,
        seed=args.seed,
    )
    try:
        report = validate(history, settings)
    except ValueError as exc:
        raise UsageError(f"cannot validate on {args.dataset}: {exc}") from None
    report = _clean(report)
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
        return 0
    print(f"episodes replayed: {report['episodes']} ({args.folds} folds, model {args.model})")
    for key in ("sensitivity", "deterioration_sensitivity", "false_alarm_rate"):
        value = report[key]
        shown = "n/a" if value is None else f"{value:.3f}"
        print(f"  {key.replace('_', ' ')}: {shown} (target {report['targets'][key]})")
    print(f"  median lead (sessions): {report['median_lead_sessions']}")
    for key in ("deterioration_flagged_by_session_3", "flagged_by_session_3", "dropout_auc"):
        value = report.get(key)
        shown = "n/a" if value is None else f"{value:.3f}"
        print(f"  {key.replace('_', ' ')}: {shown}")
    print(f"  median lead on relapses (sessions): {report.get('median_lead_sessions_relapse')}")
    if report.get("cause_in_top_two") is not None:
        print(f"  planted cause in the why-review's top two: {report['cause_in_top_two']:.3f}")
    print(f"  seconds: {report['seconds']}")
    return 0
