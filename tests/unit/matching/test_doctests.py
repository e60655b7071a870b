"""Run the runnable examples in the matching docstrings."""

import doctest
import importlib

import pytest

MODULES = ["ontrack.matching.domains", "ontrack.matching.rank", "ontrack.matching.cases"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)

    assert result.failed == 0
    assert result.attempted > 0
