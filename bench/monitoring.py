"""Benchmark the early-warning engine: evaluation, nearest neighbours, validation.

Parts (run one with --part, or all):

- evaluate: one episode after a new session, in-process, with a bundle calibrated
  on a simulated service (median and p95 over many episodes, both models);
- knn: the nearest-neighbour expected course for one client against a reference of
  --reference past episodes (default 1,000,000), median over --queries clients;
- batch: the same computation for --batch clients at once (default 1,800,000, a
  national year);
- validate: ``ontrack validate`` (read, lay out, cross-validate) on a simulated
  service of --referrals referrals (default 100,000).

No GPU backend is run: this project's benchmark machine has none (see
docs/validation.md); ``models/index.py`` is where a torch/CuPy backend would go.
Record the printed figures and the exact command in docs/validation.md.

    .venv/bin/python bench/monitoring.py --part all
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} / {five:.2f} (1 / 5 min) on {os.cpu_count()} CPUs"


def bench_evaluate(referrals: int, episodes: int, seed: int) -> dict[str, Any]:
    """Time evaluate_episode after a new session, for both models."""
    from ontrack.monitoring import ModelChoice, MonitoringConfig, evaluate_episode, why_review
    from ontrack.monitoring.calibrate import calibrate
    from ontrack.monitoring.from_dataset import EpisodeBuilder
    from ontrack.monitoring.history import build_history
    from ontrack.synth import simulate

    history = build_history(simulate(referrals=referrals, seed=seed))
    bundle = calibrate(history)
    rng = np.random.default_rng(seed)
    candidates = np.nonzero(history.sessions_attended >= 2)[0]
    chosen = rng.choice(candidates, min(episodes, candidates.size), replace=False)
    builder = EpisodeBuilder(history)
    cases = []
    for ref in chosen:
        episode = builder.build(int(ref))
        sessions = episode.treatment_sessions
        cases.append((episode, sessions[int(rng.integers(1, len(sessions)))].contact_id))
    out: dict[str, Any] = {"episodes": len(cases), "calibrated_on": referrals}
    for model in ModelChoice:
        config = MonitoringConfig(model=model)
        evaluate_episode(cases[0][0], bundle, config)  # builds the neighbour index once
        times = []
        for episode, contact in cases:
            started = time.perf_counter()
            evaluate_episode(episode, bundle, config, as_of=contact)
            times.append(time.perf_counter() - started)
        out[f"evaluate_{model.value}_median_ms"] = statistics.median(times) * 1000
        out[f"evaluate_{model.value}_p95_ms"] = float(np.percentile(times, 95)) * 1000
    times = []
    for episode, contact in cases:
        started = time.perf_counter()
        why_review(episode, bundle, as_of=contact)
        times.append(time.perf_counter() - started)
    out["why_review_median_ms"] = statistics.median(times) * 1000
    return out


def _reference(size: int, sessions: int, seed: int) -> Any:
    """A synthetic reference shaped like PHQ-9 courses (the search cost depends on shape only)."""
    from ontrack.monitoring.models.base import FEATURES
    from ontrack.monitoring.models.neighbours import fit_neighbours

    rng = np.random.default_rng(seed)
    features = np.empty((size, len(FEATURES)))
    features[:, 0] = rng.integers(5, 28, size)
    features[:, 1] = rng.normal(1.0, 0.8, size).round(2)
    features[:, 2] = rng.integers(0, 41, size)
    features[:, 3] = rng.integers(18, 80, size)
    features[:, 4] = rng.integers(1, 11, size)
    features[:, 5] = rng.choice([2.0, 3.0], size)
    lt = np.log(np.arange(1, sessions + 1))[None, :]
    change = (-0.35 * features[:, :1] * lt + rng.normal(0, 3, (size, sessions))).round()
    length = rng.integers(2, sessions + 1, size)
    change[np.arange(sessions)[None, :] >= length[:, None]] = np.nan
    return fit_neighbours("PHQ-9", features, change.astype(np.float32), k=100)


def bench_knn(size: int, queries: int, seed: int) -> dict[str, Any]:
    """Time one client's expected course against ``size`` past episodes."""
    started = time.perf_counter()
    model = _reference(size, 20, seed)
    _ = model.index
    model.course_from_neighbours(model.neighbours(model.features[:2]), 20)
    built = time.perf_counter() - started
    rng = np.random.default_rng(seed + 1)
    clients = model.features[rng.choice(size, queries, replace=False)] + rng.normal(
        0, 0.3, (queries, model.features.shape[1])
    )
    times = []
    for row in clients:
        begun = time.perf_counter()
        model.expect(row, np.arange(1.0, 21.0))
        times.append(time.perf_counter() - begun)
    return {
        "reference_episodes": size,
        "queries": queries,
        "index_build_s": built,
        "knn_one_client_median_ms": statistics.median(times) * 1000,
        "knn_one_client_p95_ms": float(np.percentile(times, 95)) * 1000,
        "backend": model.backend,
        "gpu": "not run: no accelerator is lent to this task",
    }


def bench_batch(size: int, batch: int, seed: int) -> dict[str, Any]:
    """Time the expected course for ``batch`` clients at once (a national year)."""
    model = _reference(size, 20, seed)
    _ = model.index
    rng = np.random.default_rng(seed + 2)
    clients = model.features[rng.integers(0, size, batch)] + rng.normal(
        0, 0.3, (batch, model.features.shape[1])
    )
    started = time.perf_counter()
    mean, _ = model.expect_many(clients, 20)
    elapsed = time.perf_counter() - started
    return {
        "reference_episodes": size,
        "batch_clients": batch,
        "batch_s": elapsed,
        "clients_per_s": batch / elapsed,
        "finite": bool(np.isfinite(mean).all()),
    }


def bench_validate(referrals: int, seed: int, folds: int) -> dict[str, Any]:
    """Time `ontrack validate` end to end on a simulated service written to disk."""
    from ontrack.cli import main as ontrack
    from ontrack.dataset import write_dataset
    from ontrack.synth import simulate

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "service"
        write_dataset(simulate(referrals=referrals, seed=seed), path, overwrite=True)
        out = Path(tmp) / "report.json"
        started = time.perf_counter()
        with out.open("w") as handle:
            import contextlib

            with contextlib.redirect_stdout(handle):
                status = ontrack(["validate", str(path), "--json", "--folds", str(folds)])
        elapsed = time.perf_counter() - started
        report = json.loads(out.read_text())
    return {
        "referrals": referrals,
        "status": status,
        "validate_s": elapsed,
        "validate_inside_s": report["seconds"],
        "episodes": report["episodes"],
        "sensitivity": report["sensitivity"],
        "false_alarm_rate": report["false_alarm_rate"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--part", choices=("evaluate", "knn", "batch", "validate", "all"), default="all"
    )
    parser.add_argument("--referrals", type=int, default=100_000, help="for validate (100000)")
    parser.add_argument("--calibrate-on", type=int, default=20_000, help="for evaluate (20000)")
    parser.add_argument("--episodes", type=int, default=1000, help="for evaluate (1000)")
    parser.add_argument("--reference", type=int, default=1_000_000, help="past episodes (1e6)")
    parser.add_argument("--queries", type=int, default=500, help="single-client queries (500)")
    parser.add_argument("--batch", type=int, default=1_800_000, help="batched clients (1.8e6)")
    parser.add_argument("--folds", type=int, default=5, help="validate folds (5)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    parts = ("evaluate", "knn", "batch", "validate") if args.part == "all" else (args.part,)
    print(json.dumps({"machine_load": _load()}))
    for part in parts:
        if part == "evaluate":
            result = bench_evaluate(args.calibrate_on, args.episodes, args.seed)
        elif part == "knn":
            result = bench_knn(args.reference, args.queries, args.seed)
        elif part == "batch":
            result = bench_batch(args.reference, args.batch, args.seed)
        else:
            result = bench_validate(args.referrals, args.seed, args.folds)
        print(json.dumps({"part": part, **result, "machine_load": _load()}))


if __name__ == "__main__":
    main()
