"""Run the runnable examples in the dataset and simulator docstrings."""

import doctest
import importlib

import pytest

MODULES = [
    "ontrack.dataset",
    "ontrack.dataset.problems",
    "ontrack.dataset.files",
    "ontrack.dataset.conform",
    "ontrack.dataset.checks",
    "ontrack.dataset.measure_checks",
    "ontrack.synth",
    "ontrack.synth.arrays",
    "ontrack.synth.assemble",
    "ontrack.synth.calibration",
    "ontrack.synth.observe",
    "ontrack.synth.schedule",
    "ontrack.synth.trajectory",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)

    assert result.failed == 0
    assert result.attempted > 0
