"""Fixtures and helpers shared by every test folder (docs/testing.md).

Hypothesis profiles: ``ci`` (the default, and what ``make test`` uses) runs every property
test with its full number of examples; ``dev`` (``HYPOTHESIS_PROFILE=dev``, or
``make pytest-fast``) runs about a tenth of them, for the edit loop. A test states the number
of examples it wants in CI through ``examples(n)``, which scales it to the active profile.

Analytics engines: ``compute`` runs one dataset through the pure-Python reference and every
engine (DuckDB always; PySpark and PostgreSQL marked ``spark`` / ``postgres``); ``spark`` is one
local session for the whole test process (it is slow to start); ``postgres_database`` is a
throw-away database with byte-order collation, dropped at the end.

One Chromium per test worker: Playwright's synchronous API keeps an event loop running in the
thread that started it, so a second ``sync_playwright()`` in the same worker (say, the analytics
report test after the clinician flows) fails. Every browser test takes this ``browser``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("ONTRACK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
POSTGRES_URL = os.environ.get("ONTRACK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Playwright's synchronous API runs an event loop in the worker's thread for the rest of the
# session; the ORM calls tests make between page actions are still ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# -- Hypothesis -----------------------------------------------------------------------------

# max_examples is the scale that examples() reads: 100 means "each test's CI count".
CI_EXAMPLES = 100
settings.register_profile("ci", max_examples=CI_EXAMPLES, deadline=None, print_blob=True)
settings.register_profile("dev", max_examples=CI_EXAMPLES // 10, deadline=None)
# --hypothesis-profile on the command line, read later by Hypothesis' plugin, wins over this.
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def examples(ci: int, *, least: int = 2) -> int:
    """Return the examples a property test runs: ``ci`` in the "ci" profile, fewer in "dev".

    Use as ``@settings(max_examples=examples(60))``; the profile in force when the test
    module is imported decides, so HYPOTHESIS_PROFILE and --hypothesis-profile both work.
    """
    scaled = ci * settings.default.max_examples // CI_EXAMPLES
    return max(min(ci, least), scaled)


# -- Analytics engines ---------------------------------------------------------------------

ENGINES = [
    "reference",
    "duckdb",
    pytest.param("spark", marks=pytest.mark.spark),
    pytest.param("postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def spark() -> Any:
    """A local PySpark session for tiny tables: one task per stage."""
    from ontrack.analytics import spark_session

    return spark_session(partitions=1, small_data=True)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """The URL of a throw-away database with byte-order collation, dropped at the end."""
    import psycopg

    name = f"ontrack_analytics_test_{os.getpid()}"
    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'")
    yield f"{POSTGRES_URL}/{name}"
    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=ENGINES)
def compute(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """Return ``compute(tables_or_spec, period=None) -> Report`` on one engine."""
    from ontrack.analytics import build_report, open_tables
    from ontrack.analytics.reference import reference_report
    from ontrack.analytics.spec import tables_from_spec

    engine: str = request.param

    def run(source: str | Mapping[str, Any], period: Any = None) -> Any:
        tables = tables_from_spec(source) if isinstance(source, str) else source
        if engine == "reference":
            return reference_report(tables, period)
        kwargs: dict[str, object] = {}
        if engine == "spark":
            kwargs["spark"] = request.getfixturevalue("spark")
        if engine == "postgres":
            kwargs["postgres_url"] = request.getfixturevalue("postgres_database")
        with open_tables(tables, engine, **kwargs) as opened:  # type: ignore[arg-type]
            return build_report(opened, period=period)

    return run


# -- Browser --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless and offline, for the whole worker session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def axe_violations(page: Any) -> list[str]:
    """Run axe-core's WCAG 2.2 A and AA rules on ``page``; return one line per violation.

    axe-core comes from node_modules (``npm ci``, done by ``make venv``); without it the test
    fails saying so rather than passing unchecked.
    """
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm ci` (make venv does)")
    # Evaluated by the driver, not added as a <script>: the page's Content-Security-Policy
    # (rightly) refuses inline script.
    page.evaluate(AXE.read_text("utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    return [f"{v['id']}: {v['help']}" for v in result["violations"]]
