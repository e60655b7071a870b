"""`ontrack check`: validate a canonical dataset and print every problem."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ontrack.dataset.files import load

_DESCRIPTION = """\
Check a canonical dataset: a directory of <table>.parquet or <table>.csv files (referral,
contact, score, alliance, goal_rating, homework, therapist, service; optionally alert,
truth, circumstance). Checks required tables and columns, types, codes, ranges, unique
keys, references between tables, dates in order, and every score against its measure.

Prints every problem as "table, row R, column C: message" (row 1 is the first data row;
in a CSV file that is line 2). Exit status 0 when valid, 2 when there are problems."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the check subcommand."""
    p = subparsers.add_parser(
        "check",
        help="validate a canonical dataset and list every problem",
        description=_DESCRIPTION,
        epilog="example:  ontrack check demo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("dataset", metavar="DATASET", type=Path, help="the dataset directory")
    p.add_argument(
        "--json",
        action="store_true",
        help="print the problems as a JSON list of {table, row, column, message}",
    )
    p.set_defaults(handler=_check)


def _check(args: argparse.Namespace) -> int:
    tables, problems = load(args.dataset)
    if args.json:
        print(json.dumps([p.__dict__ for p in problems], indent=1))
        return 2 if problems else 0
    for problem in problems:
        print(problem)
    if problems:
        noun = "problem" if len(problems) == 1 else "problems"
        print(f"{args.dataset}: {len(problems)} {noun}")
        return 2
    rows = sum(t.num_rows for t in tables.values())
    print(f"{args.dataset}: valid ({len(tables)} tables, {rows:,} rows)")
    return 0
