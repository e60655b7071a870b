"""Engines for the integration tests: one local Spark session for the whole run, and a
throw-away PostgreSQL database with byte-order collation."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

POSTGRES_URL = os.environ.get("ONTRACK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")


@pytest.fixture(scope="session")
def spark() -> Any:
    from ontrack.analytics import spark_session

    return spark_session(partitions=1, small_data=True)  # tiny data: one task per stage


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"ontrack_analytics_it_{os.getpid()}"
    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'")
    yield f"{POSTGRES_URL}/{name}"
    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
