"""`ontrack audit`: was the treatment delivered? The fidelity audit of every course."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ontrack.cli import UsageError
from ontrack.dataset import DatasetError
from ontrack.fidelity.audit import BY_THERAPIST_FRAMING, CRITERIA, audit_courses
from ontrack.fidelity.load import courses_from_tables, read_fidelity_tables

_DESCRIPTION = f"""\
Audit every course of treatment in a canonical dataset (docs/dataset.md): measures at
every contact, WSAS, goals, homework to Beck's criteria and its review, alerts and risk
answered in time, sessions against the recommended range, a change after no reliable
improvement, supervision, the ending. Each check is met, not met, not applicable, or not
recorded (the dataset does not carry what it needs). Notes in an optional note table
(contact_id, text) add their quoted evidence.

--json prints {{"courses", "rates" (criterion -> share of judged courses that met it),
"judged", "by_therapist", "by_imd_decile"}}.

{BY_THERAPIST_FRAMING}"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `audit`."""
    p = subparsers.add_parser(
        "audit",
        help="fidelity audit of every course (for learning, not a league table)",
        description=_DESCRIPTION,
        epilog="example:  ontrack audit demo --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("dataset", metavar="DATASET", type=Path, help="the dataset directory")
    p.add_argument("--json", action="store_true", help="print the whole audit as JSON")
    p.set_defaults(handler=_audit)


def _audit(args: argparse.Namespace) -> int:
    if not args.dataset.is_dir():
        raise UsageError(f"{args.dataset}: not a dataset directory")
    try:
        tables = read_fidelity_tables(args.dataset)
    except DatasetError as exc:
        first = exc.problems[0] if exc.problems else exc
        raise UsageError(f"{args.dataset}: not a valid dataset: {first}") from exc
    except (OSError, ValueError) as exc:
        raise UsageError(f"{args.dataset}: cannot read an optional table: {exc}") from exc
    result = audit_courses(courses_from_tables(tables))
    if args.json:
        print(json.dumps(result.to_dict(), indent=1, ensure_ascii=False))
        return 0
    print(f"{result.overall.courses} courses audited")
    for criterion in CRITERIA:
        rate = result.overall.rate(criterion)
        shown = "not judged" if rate is None else f"{rate:.0%}"
        print(f"  {criterion:30s} {shown:>10s}  of {result.overall.judged.get(criterion, 0)}")
    print(BY_THERAPIST_FRAMING)
    return 0
