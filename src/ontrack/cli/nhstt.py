"""`ontrack nhstt import` and `ontrack nhstt export`: the NHS TT data set v2.1 in and out."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ontrack.cli import UsageError, writable_directory

EPILOG = """\
examples:
  ontrack nhstt import extract/ --out history/          v2.1 tables (CSV or Parquet) in
  ontrack nhstt export history/ --out extract/ --format parquet

The v2.1 tables are IDS001MPI, IDS101Referral, IDS201CareContact, IDS202CareActivity,
IDS603PresentingComplaints, IDS004EmpStatus, IDS607CodedScoredAssessmentAct (and IDS606 at
referral level), IDS011SocPerCircumstances, IDS902CarePersQual, IDS205InternetTherLog and
WaitingTimePauses, one file each (names matched without regard to case). Fields OnTrack has
and the national data set has not travel as OnTrack_* columns and files. Mapping and code
lists: docs/dataset.md, "The NHS TT data set v2.1".
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``nhstt`` command with its ``import`` and ``export`` subcommands."""
    parser = subparsers.add_parser(
        "nhstt",
        help="import or export the NHS Talking Therapies data set v2.1 (IDS tables)",
        description="Read NHS TT v2.1 tables into a canonical dataset, or write them back.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = sub.add_parser(
        "import",
        help="read a folder of v2.1 tables into a canonical dataset",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("folder", metavar="DIR", type=Path, help="folder of v2.1 tables")
    imp.add_argument("--out", required=True, type=Path, metavar="DATASET", help="dataset to write")
    imp.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    imp.add_argument("--overwrite", action="store_true", help="replace an existing dataset")
    imp.set_defaults(handler=_import)
    exp = sub.add_parser(
        "export",
        help="write a canonical dataset as v2.1 tables",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    exp.add_argument("dataset", metavar="DATASET", type=Path, help="the dataset directory")
    exp.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder to write")
    exp.add_argument("--format", choices=("csv", "parquet"), default="csv")
    exp.set_defaults(handler=_export)


def _import(args: argparse.Namespace) -> int:
    from ontrack.dataset import DatasetError, write_dataset
    from ontrack.dataset.nhstt import import_v21

    writable_directory(args.out, "--out")
    try:
        imported = import_v21(args.folder)
        write_dataset(imported.tables, args.out, format=args.format, overwrite=args.overwrite)
    except DatasetError as error:
        raise UsageError(str(_named(error))) from None
    rows = {name: t.num_rows for name, t in imported.tables.items()}
    print(
        f"{args.out}: {rows['referral']:,} referrals, {rows['contact']:,} contacts, "
        f"{rows['score']:,} scores imported from {args.folder}"
    )
    for name, n in imported.not_imported.items():
        print(f"{name}: {n:,} rows not imported (no canonical table holds them)", file=sys.stderr)
    return 0


def _export(args: argparse.Namespace) -> int:
    from ontrack.dataset import DatasetError, read_dataset
    from ontrack.dataset.nhstt import export_v21

    writable_directory(args.out, "--out")
    try:
        counts = export_v21(read_dataset(args.dataset), args.out, format=args.format)
    except DatasetError as error:
        raise UsageError(str(_named(error))) from None
    print(f"{args.out}: {len(counts)} tables written ({sum(counts.values()):,} rows)")
    return 0


def _named(error: Exception) -> Exception:
    """The error as it is: its message already names table, row and field."""
    return error
