"""Benchmark `ontrack simulate`: wall time and peak memory of simulating and writing a year.

Each repetition runs in a fresh process, so its peak resident memory (VmHWM) is its own.
Prints one line per repetition and the medians; record the figures, the exact command and
the machine's load (printed) in docs/simulator.md.

    .venv/bin/python bench/simulate.py --referrals 1800000 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _peak_rss_gb() -> float:
    status = Path("/proc/self/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1e6 if match else float("nan")


def _child(referrals: int, seed: int, out: Path | None, fmt: str, check: bool) -> None:
    """One repetition: simulate (and write), then print the figures as JSON."""
    from ontrack.dataset import write_dataset
    from ontrack.synth import simulate

    started = time.perf_counter()
    tables = simulate(referrals, seed)
    simulated = time.perf_counter()
    if out is not None:
        write_dataset(tables, out, format=fmt, overwrite=True, check=check)  # type: ignore[arg-type]
    written = time.perf_counter()
    rows = {name: table.num_rows for name, table in tables.items()}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "simulate_s": simulated - started,
                "write_s": written - simulated,
                "total_s": written - started,
                # CPU seconds depend far less than wall time on what else the machine runs.
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "peak_rss_gb": _peak_rss_gb(),
                "rows": rows,
            }
        )
    )


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time `simulate` (and writing its Parquet) and measure peak memory; "
        "each repetition runs in its own process. Prints medians.",
    )
    parser.add_argument("--referrals", type=int, default=1_800_000, help="default: 1,800,000")
    parser.add_argument("--seed", type=int, default=2024, help="default: 2024")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions (default: 3)")
    parser.add_argument(
        "--format", choices=("parquet", "csv"), default="parquet", help="default: parquet"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="simulate only; do not write the tables"
    )
    parser.add_argument(
        "--check", action="store_true", help="validate the tables before writing them"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.referrals, args.seed, args.out, args.format, args.check)
        return 0

    print(f"referrals={args.referrals:,} seed={args.seed} format={args.format}; {_load()}")
    results = []
    for run in range(args.repeats):
        scratch = Path(tempfile.mkdtemp(prefix="ontrack-bench-"))
        command = [
            sys.executable,
            __file__,
            "--child",
            "--referrals",
            str(args.referrals),
            "--seed",
            str(args.seed),
            "--format",
            args.format,
        ]
        if not args.no_write:
            command += ["--out", str(scratch / "data")]
        if args.check:
            command.append("--check")
        try:
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        figures = json.loads(output.strip().splitlines()[-1])
        results.append(figures)
        print(
            f"run {run + 1}: simulate {figures['simulate_s']:.1f} s, write "
            f"{figures['write_s']:.1f} s, total {figures['total_s']:.1f} s (CPU "
            f"{figures.get('cpu_s', float('nan')):.1f} s), peak RSS "
            f"{figures['peak_rss_gb']:.2f} GB; {_load()}",
            flush=True,
        )
    rows = results[-1]["rows"]
    print("rows: " + ", ".join(f"{name} {count:,}" for name, count in rows.items()))
    for key, unit in (
        ("simulate_s", "s"),
        ("write_s", "s"),
        ("total_s", "s"),
        ("peak_rss_gb", "GB"),
    ):
        values = [r[key] for r in results if key in r]
        print(f"median {key}: {statistics.median(values):.2f} {unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
