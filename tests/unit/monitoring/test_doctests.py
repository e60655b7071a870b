"""Run the runnable examples in the monitoring package's docstrings."""

import doctest
import importlib

import pytest

MODULES = [
    "ontrack.monitoring",
    "ontrack.monitoring.alliance",
    "ontrack.monitoring.bundle",
    "ontrack.monitoring.course",
    "ontrack.monitoring.deterioration",
    "ontrack.monitoring.config",
    "ontrack.monitoring.episode",
    "ontrack.monitoring.exposure",
    "ontrack.monitoring.evaluate",
    "ontrack.monitoring.facts",
    "ontrack.monitoring.fairness",
    "ontrack.monitoring.from_dataset",
    "ontrack.monitoring.models.curve",
    "ontrack.monitoring.models.dropout",
    "ontrack.monitoring.models.failure",
    "ontrack.monitoring.models.index",
    "ontrack.monitoring.models.neighbours",
    "ontrack.monitoring.review",
    "ontrack.monitoring.risk",
    "ontrack.monitoring.testing",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)

    assert result.failed == 0


def test_docstring_examples_exist() -> None:
    attempted = sum(doctest.testmod(importlib.import_module(name)).attempted for name in MODULES)

    assert attempted >= 20
