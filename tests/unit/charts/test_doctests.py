"""Run the runnable examples in the chart kit's docstrings."""

import doctest
import importlib

import pytest

MODULES = ["ontrack.charts", "ontrack.charts.scales"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)

    assert result.failed == 0
    assert result.attempted > 0
