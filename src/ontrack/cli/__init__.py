"""The `ontrack` command line.

Each module in this package adds one or more subcommands by defining
``register(subparsers)``; ``main`` discovers them, so capabilities add commands
without editing a central list.

Exit status: 0 on success, 2 on bad input (with one line on stderr naming the
problem), 1 on an unexpected failure. No input ever produces a traceback: ``main`` turns
the errors that bad input can cause deep inside a command (a file that cannot be read or
written, text that is not UTF-8, nesting too deep to follow, a value a library refuses)
into one line and exit status 2, and any other failure into one line and exit status 1
(``ONTRACK_TRACEBACK=1`` shows the traceback for a bug report).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import tempfile
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
        return _fail(args.command, str(exc), 2)
    except BrokenPipeError:
        # The reader went away (`ontrack report --json | head`): nothing more to say.
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        return _fail(args.command, "interrupted", 130)
    except _BAD_INPUT as exc:
        if os.environ.get("ONTRACK_TRACEBACK"):
            raise
        return _fail(args.command, _one_line(exc), 2)
    except Exception as exc:
        if os.environ.get("ONTRACK_TRACEBACK"):
            raise
        return _fail(
            args.command,
            f"unexpected failure ({type(exc).__name__}: {_one_line(exc)}); "
            "ONTRACK_TRACEBACK=1 shows where",
            1,
        )


# Errors that bad input (not a bug) raises deep inside a command: an unreadable or
# unwritable path, bytes that are not UTF-8, a structure nested past Python's stack.
_BAD_INPUT: tuple[type[BaseException], ...] = (OSError, UnicodeError, RecursionError)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = exc.filename if exc.filename is not None else ""
        return f"{where}: {exc.strerror}" if where else exc.strerror
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply to read"
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _fail(command: str, message: str, status: int) -> int:
    print(f"ontrack {command}: error: {message}", file=sys.stderr)
    return status


def _quiet_stdout() -> None:
    # Point stdout at /dev/null so the interpreter's final flush cannot fail again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def writable_directory(path: os.PathLike[str] | str, flag: str) -> None:
    """Raise ``UsageError`` unless a new file or folder can be made in ``path``'s folder.

    Checked before long work starts, by making and removing an empty folder there: only
    trying tells (``/proc`` looks writable to root, a read-only mount does not say).
    """
    parent = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(parent):
        raise UsageError(f"{flag} {path}: the folder {parent} does not exist")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".ontrack-probe-", dir=parent))
    except OSError as exc:
        raise UsageError(f"{flag} {path}: cannot write in {parent} ({exc.strerror})") from None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
