"""Run the runnable examples in the measures library's docstrings."""

import doctest
import importlib

import pytest

MODULES = [
    "ontrack.measures",
    "ontrack.measures.definition",
    "ontrack.measures.registry",
    "ontrack.measures.scoring",
    "ontrack.measures.change",
    "ontrack.measures.nhstt",
    "ontrack.measures.fhir",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)

    assert result.failed == 0
    assert result.attempted > 0
