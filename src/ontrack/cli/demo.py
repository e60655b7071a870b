"""`ontrack demo` (a simulated service on this machine) and `ontrack serve` (the web app).

Django is imported only when one of these commands runs, so the rest of the CLI stays
fast and framework-free.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import sys
import time
from pathlib import Path

from ontrack.cli import UsageError

DEFAULT_HOST = "127.0.0.1"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `demo` and `serve` subcommands."""
    demo = subparsers.add_parser(
        "demo",
        help="load a simulated service into a fresh SQLite database and start the web app",
        description=(
            "Simulate a year of a talking-therapy service (12 therapists, 2 supervisors, a "
            "manager, ~400 clients with up to 20 sessions each, cut at today so caseloads "
            "are live), load it into var/demo.sqlite3, start the web application and print "
            "the address and the demo sign-ins for each role. Everyone in it is fictional."
        ),
    )
    demo.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")
    demo.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})"
    )
    demo.add_argument(
        "--referrals", type=int, default=400, help="referrals to simulate (default 400)"
    )
    demo.add_argument("--seed", type=int, default=2026, help="simulation seed (default 2026)")
    demo.add_argument(
        "--keep",
        action="store_true",
        help="reuse an existing demo database instead of rebuilding it",
    )
    demo.add_argument(
        "--no-serve",
        action="store_true",
        help="build the demo database, print the sign-ins and exit",
    )
    demo.set_defaults(handler=run_demo)

    serve = subparsers.add_parser(
        "serve",
        help="start the web application on the configured database",
        description=(
            "Start the web application with settings from the environment (see dotenv-sample: "
            "DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, ...). This uses Django's own "
            "server, fine for one practice on a private network; behind a public address "
            "run a WSGI server on ontrack.web.wsgi instead."
        ),
    )
    serve.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})"
    )
    serve.add_argument("--migrate", action="store_true", help="apply database migrations first")
    serve.set_defaults(handler=run_serve)


def _check_port(host: str, port: int) -> None:
    if not 1 <= port <= 65535:
        raise UsageError(f"--port must be between 1 and 65535, got {port}")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UsageError(
                f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port"
            ) from None


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ontrack.web.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise UsageError(str(exc)) from None


def _runserver(host: str, port: int) -> int:
    from django.core.management import call_command

    call_command(
        "runserver",
        f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        use_reloader=False,
        insecure_serving=True,
    )
    return 0


def _demo_keys(var: Path) -> None:
    """Keep the demo's audit and field keys in its data folder, apart from the database."""
    from cryptography.fernet import Fernet

    fresh = {
        "audit.key": secrets.token_hex(32),
        "field.keys": Fernet.generate_key().decode("ascii"),
    }
    for variable, name in (
        ("ONTRACK_AUDIT_KEY", "audit.key"),
        ("ONTRACK_FIELD_KEYS", "field.keys"),
    ):
        if os.environ.get(variable) or os.environ.get(f"{variable}_FILE"):
            continue
        key_file = var / name
        if not key_file.exists():
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(fresh[name] + "\n")
        os.environ[f"{variable}_FILE"] = str(key_file)


def run_demo(args: argparse.Namespace) -> int:
    """Build the demo database, print the sign-ins and serve it."""
    if args.referrals < 20:
        raise UsageError(f"--referrals must be at least 20, got {args.referrals}")
    if not args.no_serve:
        _check_port(args.host, args.port)
    var = Path(os.environ.get("ONTRACK_VAR_DIR", Path.cwd() / "var"))
    var.mkdir(parents=True, exist_ok=True)
    database = var / "demo.sqlite3"
    # The demo is a local, single-user service over plain HTTP: production settings with a
    # throwaway key, no HTTPS redirect, and its own database file.
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["HTTPS_ONLY"] = "0"
    os.environ["DEBUG"] = "0"
    _demo_keys(var)
    # Its fictional accounts sign in with the password alone (the sign-in page says so).
    os.environ["ONTRACK_DEMO"] = "1"
    hosts = ["localhost", "127.0.0.1", "[::1]"]
    os.environ["ALLOWED_HOSTS"] = ",".join(
        ["*"] if args.host in ("0.0.0.0", "::") else [*hosts, args.host]
    )
    rebuild = not (args.keep and database.exists())
    if rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    _setup_django()
    from django.core.management import call_command

    from ontrack.web.canonical.demo import DEMO_PASSWORD, build_demo

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if rebuild:
        demo = build_demo(referrals=args.referrals, seed=args.seed)
        seconds = time.perf_counter() - started
        s = demo.summary
        print(
            f"Loaded the demo service in {seconds:.1f} s: {s.therapists} therapists, "
            f"{s.clients} clients, {s.referrals} referrals, {s.contacts} contacts, "
            f"{s.scores} questionnaires, {demo.open_episodes} open episodes, "
            f"{s.risk_alerts_opened} urgent risk alerts."
        )
        sign_ins = [(x.role, x.username, x.sees) for x in demo.sign_ins]
    else:
        print(f"Reusing the demo database {database}.")
        sign_ins = [("any demo account", "see docs/web.md", "")]
    shown = "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host
    print(f"\nOnTrack demo: http://{shown}:{args.port}/")
    print(f"Every demo account's password is: {DEMO_PASSWORD}\n")
    width = max(len(role) for role, _, _ in sign_ins)
    for role, username, sees in sign_ins:
        print(f"  {role:<{width}}  {username:<12}  {sees}")
    print("\nEveryone in the demo is fictional. Stop the server with Ctrl+C.\n", flush=True)
    if args.no_serve:
        return 0
    return _runserver(args.host, args.port)


def run_serve(args: argparse.Namespace) -> int:
    """Start the web application on the configured database."""
    _check_port(args.host, args.port)
    _setup_django()
    if args.migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=1)
    print(f"OnTrack: http://{args.host}:{args.port}/", file=sys.stderr, flush=True)
    return _runserver(args.host, args.port)
