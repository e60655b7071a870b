"""`ontrack simulate`: write a synthetic canonical dataset with ground truth."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from ontrack.cli import UsageError, writable_directory
from ontrack.dataset import DatasetError, write_dataset
from ontrack.synth import DEFAULT_START, simulate

_DESCRIPTION = """\
Simulate one year of referrals to NHS Talking Therapies-style services and write the
canonical dataset (referral, contact, score, alliance, goal_rating, homework, therapist,
service, circumstance) plus a `truth` table of ground truth: each referral's trajectory
class, its planted causes of failure (primary first) and whether it would have improved.

The same --seed always gives the same data. Headline rates are calibrated to the
published NHS TT 2024-25 figures (docs/simulator.md)."""

_EPILOG = """\
examples:
  ontrack simulate --referrals 1500 --seed 1 --therapists 12 --services 1 --out demo
  ontrack simulate --referrals 1800000 --seed 2024 --out national"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the simulate subcommand."""
    p = subparsers.add_parser(
        "simulate",
        help="write a synthetic dataset with known ground truth",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--referrals",
        type=int,
        required=True,
        metavar="N",
        help="number of referrals received over the year (a national year is ~1,800,000)",
    )
    p.add_argument("--seed", type=int, required=True, metavar="S", help="random seed (0 or more)")
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="directory to write, one file per table; must be new or empty unless --force",
    )
    p.add_argument(
        "--therapists",
        type=int,
        metavar="T",
        help="number of therapists in all (default: enough for caseloads near 80%% of "
        "their limits; at least 2 per service)",
    )
    p.add_argument(
        "--services",
        type=int,
        metavar="K",
        help="number of services (default: one per 15,000 referrals)",
    )
    p.add_argument(
        "--start",
        type=_date,
        default=DEFAULT_START,
        metavar="YYYY-MM-DD",
        help=f"first day referrals arrive (default: {DEFAULT_START.isoformat()})",
    )
    p.add_argument(
        "--format",
        choices=("parquet", "csv"),
        default="parquet",
        help="file format (default: parquet)",
    )
    p.add_argument("--force", action="store_true", help="replace DIR if it already holds files")
    p.add_argument(
        "--check",
        action="store_true",
        help="validate the tables as `ontrack check` would before writing them (roughly "
        "doubles the time at national size; the simulator's output is valid by construction "
        "and tested)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary line")
    p.set_defaults(handler=_simulate)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _simulate(args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not args.force:
        raise UsageError(f"{out} is not empty; use --force to replace it")
    writable_directory(out, "--out")  # before the simulation, not after minutes of it
    started = time.perf_counter()
    progress = sys.stderr.isatty() and not args.quiet
    try:
        tables = simulate(
            args.referrals,
            args.seed,
            therapists=args.therapists,
            services=args.services,
            start=args.start,
            progress=progress,
        )
    except (TypeError, ValueError) as error:
        raise UsageError(str(error)) from None
    try:
        write_dataset(
            tables,
            out,
            format=args.format,
            overwrite=args.force,
            check=args.check,
            progress=progress,
        )
    except DatasetError as error:  # pragma: no cover - the simulator writes valid data
        raise UsageError(f"the simulated data did not validate: {error}") from None
    if not args.quiet:
        rows = sum(t.num_rows for t in tables.values())
        seconds = time.perf_counter() - started
        print(f"wrote {len(tables)} tables ({rows:,} rows) to {out} in {seconds:.1f} s")
    return 0
