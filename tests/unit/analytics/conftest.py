"""Import the scripts of ``bench/`` (not a package) for the tests that check them."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench"


@pytest.fixture(scope="session")
def load_bench() -> Callable[[str], Any]:
    """Import a script of ``bench/`` by its name (``bench/`` is not a package)."""

    def load(name: str) -> Any:
        spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules.setdefault(spec.name, module)
        spec.loader.exec_module(module)
        return module

    return load
