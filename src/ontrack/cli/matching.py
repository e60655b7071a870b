"""`ontrack report-cards`: therapist report cards per problem domain."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ontrack.cli import UsageError

CARDS_EPILOG = """\
examples:
  ontrack report-cards data/                      every therapist's cards, in words
  ontrack report-cards data/ --therapist T012     one therapist's cards
  ontrack report-cards data/ --json               every card as JSON

A card rates a therapist in one problem domain against the change expected for their
clients' case mix, shrunk towards the service mean; effective / neutral / ineffective only
from 15 or more closed cases in that domain. For the therapist and their supervisor, as a
tool for development: never for clients, never a league table. Method: docs/matching.md.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``report-cards``."""
    cards = subparsers.add_parser(
        "report-cards",
        help="therapist report cards per problem domain (for supervision)",
        description="Case-mix-adjusted, shrunk change per therapist and problem domain.",
        epilog=CARDS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cards.add_argument("dataset", metavar="DATASET", help="dataset directory")
    cards.add_argument("--therapist", metavar="ID", help="only this therapist's cards")
    cards.add_argument("--json", action="store_true", help="print the cards as JSON")
    cards.set_defaults(handler=_report_cards)


def _read(path: str) -> dict[str, Any]:
    from ontrack.dataset import DatasetError
    from ontrack.dataset.files import read_dataset

    try:
        return dict(read_dataset(path))
    except DatasetError as error:
        problems = getattr(error, "problems", [])
        shown = "; ".join(str(p) for p in problems[:3]) or str(error)
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise UsageError(f"{path}: {shown}{more}") from None


def _report_cards(args: argparse.Namespace) -> int:
    from ontrack.matching.cases import DatasetError
    from ontrack.matching.reportcards import report_cards_for

    tables = _read(args.dataset)
    try:
        cards = report_cards_for(tables)
    except DatasetError as error:
        raise UsageError(f"{args.dataset}: {error}") from None
    if args.therapist is not None:
        known = set(tables["therapist"].column("therapist_id").to_pylist())
        if args.therapist not in known:
            raise UsageError(f"no therapist {args.therapist!r} in {args.dataset}")
        cards = [c for c in cards if c.therapist_id == args.therapist]
    if args.json:
        json.dump(
            {
                "min_cases": 15,
                "audience": "the therapist and their supervisor; not for clients",
                "cards": [c.to_dict() for c in cards],
            },
            sys.stdout,
            indent=2,
        )
        print()
        return 0
    current = None
    for card in cards:
        if card.therapist_id != current:
            current = card.therapist_id
            print(f"{current}")
        print(f"  {card.in_words}")
    if not cards:
        print("no closed cases with paired scores: no report cards yet")
    return 0
