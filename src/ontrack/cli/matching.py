"""`ontrack report-cards` and `ontrack match-validate`: therapist report cards and the
replay of allocation with and without OnTrack's advice and matching."""

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

VALIDATE_EPILOG = """\
examples:
  ontrack match-validate data/ --json
  ontrack match-validate data/ --json --folds 5 --seed 0 --hi-capacity 2

Held-out referrals (5 folds by person) are allocated twice under the same capacity: as
usual (the stepped-care start, the next free therapist) and with OnTrack's step advice,
modality advice and matching fitted on the other folds. Where the dataset has simulator
ground truth, each client's expected outcome under each is read from it; otherwise the
report cards and a model-based estimate are reported, labelled as such. Gains are
fractions (matched minus as usual). Method and limits: docs/matching.md.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``report-cards`` and ``match-validate``."""
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

    validate = subparsers.add_parser(
        "match-validate",
        help="replay allocation as usual and with OnTrack's advice and matching",
        description=(
            "Replay allocation of held-out referrals as usual and with OnTrack's advice and "
            "matching under the same capacity; report the expected gains."
        ),
        epilog=VALIDATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument("dataset", metavar="DATASET", help="dataset directory")
    validate.add_argument("--json", action="store_true", help="print the result as JSON")
    validate.add_argument("--folds", type=int, default=5, help="folds by person (default 5)")
    validate.add_argument("--seed", type=int, default=0, help="seed of the fold split")
    validate.add_argument(
        "--hi-capacity",
        type=float,
        default=2.0,
        metavar="X",
        help="for the reallocated scenario: high-intensity starts allowed, as a multiple "
        "of the usual (default 2, as in STRATCARE)",
    )
    validate.set_defaults(handler=_match_validate)
    register_advise(subparsers)


ADVISE_EPILOG = """\
examples:
  ontrack advise data/ --referral R01234          where to start, which modality, who
  ontrack advise data/ --referral R01234 --json

The advice is fitted on the dataset's closed cases (on simulated data it says so). It can
only add care: it never starts anyone lower than stepped care would. Method:
docs/matching.md.
"""


def register_advise(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``advise``."""
    advise = subparsers.add_parser(
        "advise",
        help="step, modality and therapist advice for one referral, with reasons",
        description="Where to start, which modality, and which therapists, for one referral.",
        epilog=ADVISE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    advise.add_argument("dataset", metavar="DATASET", help="dataset directory")
    advise.add_argument("--referral", required=True, metavar="ID", help="the referral")
    advise.add_argument("--top", type=int, default=5, help="therapists to list (default 5)")
    advise.add_argument("--json", action="store_true", help="print the advice as JSON")
    advise.set_defaults(handler=_advise)


def _advise(args: argparse.Namespace) -> int:
    from ontrack.matching.advice import advise_for
    from ontrack.matching.cases import DatasetError

    if args.top < 1:
        raise UsageError(f"--top must be at least 1, got {args.top}")
    tables = _read(args.dataset)
    try:
        advice = advise_for(tables, args.referral, top=args.top)
    except DatasetError as error:
        raise UsageError(f"{args.dataset}: {error}") from None
    except KeyError:
        raise UsageError(f"no referral {args.referral!r} in {args.dataset}") from None
    if args.json:
        json.dump(advice, sys.stdout, indent=2)
        print()
        return 0
    print(f"{args.referral} ({advice['domain_label']}), advice fitted on {advice['fitted_on']}")
    print(f"Start at step {advice['step']['step']}:")
    for reason in advice["step"]["reasons"]:
        print(f"  - {reason}")
    if advice["modality"] is not None:
        applies = advice["modality"]["applies"]
        when = "" if applies == "now" else f" ({applies})"
        print(f"Modality{when}: {advice['modality']['label']}")
        for reason in advice["modality"]["reasons"]:
            print(f"  - {reason}")
    print("Therapists who could take them, best first:")
    for row in advice["therapists"]:
        print(f"  {row['rank']}. {row['therapist_id']} ({row['role']})")
        for reason in row["reasons"]:
            print(f"     - {reason}")
    return 0


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
    from ontrack.matching.reportcards import cards_document, report_cards_for

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
        json.dump(cards_document(cards), sys.stdout, indent=2)
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


def _match_validate(args: argparse.Namespace) -> int:
    from ontrack.matching.cases import DatasetError
    from ontrack.matching.validate import ValidationSettings, match_validate

    if args.folds < 2:
        raise UsageError(f"--folds must be at least 2, got {args.folds}")
    if not 1.0 <= args.hi_capacity <= 10.0:
        raise UsageError(f"--hi-capacity must be between 1 and 10, got {args.hi_capacity}")
    tables = _read(args.dataset)
    try:
        result = match_validate(
            tables,
            ValidationSettings(folds=args.folds, seed=args.seed, hi_capacity=args.hi_capacity),
        )
    except DatasetError as error:
        raise UsageError(f"{args.dataset}: {error}") from None
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
        return 0
    for key, value in result.items():
        if not isinstance(value, dict | list):
            print(f"{key}: {value}")
    return 0
