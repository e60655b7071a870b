"""Benchmark `ontrack report --json` on a national year, side by side with its floor, a
pandas baseline and PySpark.

Each run is a fresh process (its peak resident memory is its own, read from wait4); the
candidates run one after another within each repetition so they share the machine's load,
which is printed. Record the medians, the command and the load in docs/analytics.md.

    .venv/bin/ontrack simulate --referrals 1800000 --seed 1 --out /tmp/national
    .venv/bin/python bench/analytics.py --data /tmp/national --repeats 3

Candidates:
  floor   DuckDB merely scanning every column the measures read (sum of hashes per column)
  duckdb  the whole measure set in process: open, compute, shape, serialise the JSON
  cli     `ontrack report DATA --json` end to end (process start, imports, JSON to /dev/null)
  pandas  bench/analytics_pandas_baseline.py: the same measures in straightforward pandas
  polars  bench/analytics_polars_baseline.py as its own process: the same counts in
          idiomatic lazy Polars (scan_parquet, streaming engine), the strong analyst's version
  spark   `ontrack report DATA --engine spark --json` (PySpark local mode, 2 cores)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ONTRACK = str(Path(PYTHON).parent / "ontrack")

# Every column the measures read (derive.py, measures.py, therapists.py, alerts.py).
COLUMNS = {
    "referral": [
        "referral_id",
        "service_id",
        "referral_date",
        "end_date",
        "age",
        "gender",
        "ethnicity",
        "imd_decile",
        "problem_descriptor",
        "end_code",
    ],
    "contact": [
        "contact_id",
        "referral_id",
        "therapist_id",
        "contact_date",
        "app_type",
        "attendance",
        "therapy",
        "step",
        "session_number",
    ],
    "score": ["contact_id", "measure", "total"],
    "goal_rating": ["contact_id", "referral_id"],
    "homework": ["referral_id", "reviewed_contact_id", "outcome"],
    "therapist": ["therapist_id"],
    "alert": [
        "referral_id",
        "kind",
        "severity",
        "opened_at",
        "acknowledged_at",
        "acted_at",
        "closed_at",
    ],
}


def child_floor(data: Path) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    for table, columns in COLUMNS.items():
        file = data / f"{table}.parquet"
        if not file.exists():
            continue
        sums = ", ".join(f'sum(hash("{c}"))' for c in columns)
        con.execute(f"SELECT {sums} FROM read_parquet('{file}')").fetchall()
    return {"seconds": time.perf_counter() - started}


def child_duckdb(data: Path) -> dict[str, Any]:
    import warnings

    warnings.simplefilter("ignore", DeprecationWarning)
    from ontrack.analytics import build_report, open_dataset

    stages: dict[str, float] = {}
    started = time.perf_counter()
    with open_dataset(data) as engine:
        stages["open"] = time.perf_counter() - started
        report = build_report(engine, stages=stages)
    shaping = time.perf_counter()
    text = json.dumps(report.to_dict(), default=str)
    stages["shape and serialise"] = time.perf_counter() - shaping
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "stages": stages,
        "bytes": len(text),
        "overall": report.overall,
        "deciles": {
            k: [v["finished_course"], v["recovered"]] for k, v in report.by_imd_decile().items()
        },
    }


def child_pandas(data: Path) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "bench"))
    from analytics_pandas_baseline import run

    started = time.perf_counter()
    result = run(data)
    seconds = time.perf_counter() - started
    deciles = {
        k: [v["finished_course"], v["recovered"]]
        for k, v in result["breakdowns"]["imd_decile"].items()
    }
    return {"seconds": seconds, "overall": result["overall"], "deciles": deciles}


def _polars_record(result: dict[str, Any]) -> dict[str, Any]:
    deciles = {
        k: [v["finished_course"], v["recovered"]]
        for k, v in result["breakdowns"]["imd_decile"].items()
    }
    return {"seconds": result["seconds"], "overall": result["overall"], "deciles": deciles}


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (PySpark's JVM is a child of the Python process)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _tree_rss_gb(pid: int) -> float:
    total = 0
    for p in [pid, *_descendants(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1000
        except OSError:
            continue
    return total / 1e9


class _TreePeak(threading.Thread):
    """Sample the resident memory of a process and all its descendants every 0.2 s.

    wait4 reports the peak of the process itself and of children it waited for; a JVM
    started by PySpark is neither, so Spark's memory would otherwise go unseen.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_gb, self.done = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.peak_gb = max(self.peak_gb, _tree_rss_gb(self.pid))


def _measure(argv: list[str]) -> tuple[float, float, str]:
    """Run a process; return wall time, peak resident memory (GB) and its stdout.

    The peak is the larger of wait4's (the process itself, exact) and the sampled sum over
    the process tree (catches the JVM of PySpark; sampling may miss a short spike).
    """
    # stderr to a file: a chatty child (Spark's log) must never block on a full pipe.
    with tempfile.TemporaryFile() as err_file:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err_file, cwd=ROOT)
        sampler = _TreePeak(proc.pid)
        sampler.start()
        chunks = []
        assert proc.stdout is not None
        for chunk in iter(lambda: proc.stdout.read(1 << 16), b""):  # type: ignore[union-attr]
            chunks.append(chunk)
        sampler.done.set()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err_file.seek(0)
            err = err_file.read().decode(errors="replace")
            raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {err[-2000:]}")
    return wall, max(usage.ru_maxrss / 1e6, sampler.peak_gb), b"".join(chunks).decode()


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _agree(duck: dict[str, Any], pandas: dict[str, Any]) -> list[str]:
    diffs = [
        f"{k}: duckdb {duck['overall'][k]} pandas {v}"
        for k, v in pandas["overall"].items()
        if duck["overall"].get(k) != v
    ]
    for decile, (finished, recovered) in pandas["deciles"].items():
        if decile in duck["deciles"] and duck["deciles"][decile] != [finished, recovered]:
            diffs.append(
                f"decile {decile}: duckdb {duck['deciles'][decile]} pandas {[finished, recovered]}"
            )
    return diffs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[1:]),
    )
    parser.add_argument("--data", type=Path, default=Path("/tmp/national"), help="dataset")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="CANDIDATE",
        help="leave out a candidate (floor, duckdb, cli, pandas, polars, spark)",
    )
    parser.add_argument("--json-out", type=Path, help="write every measurement here")
    parser.add_argument("--child", choices=["floor", "duckdb", "pandas"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        func = {"floor": child_floor, "duckdb": child_duckdb, "pandas": child_pandas}[args.child]
        print(json.dumps(func(args.data), default=str))
        return
    if not (args.data / "referral.parquet").exists():
        parser.error(f"{args.data} has no referral.parquet; simulate a national year first")

    me = [PYTHON, str(Path(__file__).resolve()), "--data", str(args.data), "--child"]
    candidates = {
        "floor": [*me, "floor"],
        "duckdb": [*me, "duckdb"],
        "cli": [ONTRACK, "report", str(args.data), "--json"],
        "pandas": [*me, "pandas"],
        "polars": [
            PYTHON,
            str(ROOT / "bench" / "analytics_polars_baseline.py"),
            str(args.data),
            "--json",
        ],
        "spark": [ONTRACK, "report", str(args.data), "--json", "--engine", "spark"],
    }
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in candidates}
    for repeat in range(1, args.repeats + 1):
        for name, argv in candidates.items():
            if name in args.skip:
                continue
            before = _load()
            wall, peak, out = _measure(argv)
            record: dict[str, Any] = {"wall": wall, "peak_gb": peak, "load": f"{before}→{_load()}"}
            if name in ("floor", "duckdb", "pandas"):
                record.update(json.loads(out))
            if name == "polars":
                record.update(_polars_record(json.loads(out)))
            results[name].append(record)
            inner = f" in-process {record['seconds']:.2f} s" if "seconds" in record else ""
            print(
                f"run {repeat} {name:7s} wall {wall:7.2f} s{inner}  peak {peak:5.2f} GB  "
                f"load {record['load']}",
                flush=True,
            )
    print()
    summary: dict[str, dict[str, float]] = {}
    for name, runs in results.items():
        if not runs:
            continue
        summary[name] = {
            "wall_median": statistics.median(r["wall"] for r in runs),
            "peak_gb_max": max(r["peak_gb"] for r in runs),
        }
        if "seconds" in runs[0]:
            summary[name]["seconds_median"] = statistics.median(r["seconds"] for r in runs)
        print(
            f"{name:7s} median wall {summary[name]['wall_median']:7.2f} s"
            + (
                f", in-process {summary[name]['seconds_median']:.2f} s"
                if "seconds_median" in summary[name]
                else ""
            )
            + f", peak {summary[name]['peak_gb_max']:.2f} GB"
        )
    if results["duckdb"] and "stages" in results["duckdb"][0]:
        print("duckdb stages (median seconds):")
        for stage in results["duckdb"][0]["stages"]:
            times = [r["stages"].get(stage, 0.0) for r in results["duckdb"]]
            print(f"  {stage:26s} {statistics.median(times):6.2f}")
    if "duckdb" in summary and "floor" in summary:
        ratio = summary["duckdb"]["seconds_median"] / summary["floor"]["seconds_median"]
        print(f"duckdb / floor (in-process): {ratio:.2f}x (target within 3x)")
    if "duckdb" in summary and "pandas" in summary:
        ratio = summary["pandas"]["seconds_median"] / summary["duckdb"]["seconds_median"]
        print(f"pandas / duckdb (in-process): {ratio:.1f}x faster (target 10x)")
        diffs = _agree(results["duckdb"][0], results["pandas"][0])
        print("pandas and duckdb counts agree" if not diffs else f"DISAGREE: {diffs[:10]}")
    if "cli" in summary and "polars" in summary:
        ratio = summary["polars"]["wall_median"] / summary["cli"]["wall_median"]
        print(f"polars / ontrack report (whole processes): {ratio:.2f}x (report faster if > 1)")
    if results["duckdb"] and results["polars"]:
        diffs = _agree(results["duckdb"][0], results["polars"][0])
        print("polars and duckdb counts agree" if not diffs else f"DISAGREE: {diffs[:10]}")
    if args.json_out:
        args.json_out.write_text(json.dumps({"runs": results, "summary": summary}, default=str))


if __name__ == "__main__":
    main()
