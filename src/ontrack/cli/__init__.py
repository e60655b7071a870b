"""The `ontrack` command line.

Each module in this package adds one or more subcommands by defining
``register(subparsers)``; ``main`` discovers them, so capabilities add commands
without editing a central list.

Exit status: 0 on success, 2 on bad input (with one line on stderr naming the
problem), 1 on an unexpected failure.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn, Protocol, cast

from ontrack import __version__


class UsageError(Exception):
    """Bad input from the user: reported as one line on stderr, exit status 2."""


class _Registrar(Protocol):
    def __call__(self, subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...


Handler = Callable[[argparse.Namespace], int]


class _OneLineParser(argparse.ArgumentParser):
    """Report a usage mistake as one line on stderr (exit 2), not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every discovered subcommand."""
    parser = _OneLineParser(
        prog="ontrack",
        description=(
            "OnTrack: score questionnaires, classify NHS Talking Therapies outcomes, "
            "simulate services, monitor therapy and report analytics."
        ),
    )
    parser.add_argument("--version", action="version", version=f"ontrack {__version__}")
    subparsers = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(dest="command", metavar="COMMAND"),
    )
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register: _Registrar | None = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except UsageError as exc:
        print(f"ontrack {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
