"""A small simulated service, simulated once per test session."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pytest

from ontrack.dataset import write_dataset
from ontrack.monitoring.bundle import ModelBundle
from ontrack.monitoring.calibrate import calibrate
from ontrack.monitoring.history import ServiceHistory, build_history
from ontrack.synth import simulate

REFERRALS = 2500
SEED = 11


@pytest.fixture(scope="session")
def service_tables() -> Mapping[str, pa.Table]:
    return simulate(referrals=REFERRALS, seed=SEED)


@pytest.fixture(scope="session")
def service(service_tables: Mapping[str, pa.Table]) -> ServiceHistory:
    return build_history(service_tables)


@pytest.fixture(scope="session")
def service_bundle(service: ServiceHistory) -> ModelBundle:
    return calibrate(service)


@pytest.fixture(scope="session")
def service_dir(tmp_path_factory: pytest.TempPathFactory, service_tables) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("service")
    write_dataset(service_tables, path, overwrite=True)
    return path
