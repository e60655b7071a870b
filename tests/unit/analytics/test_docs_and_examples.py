"""The docstring examples run, and docs/analytics.md defines every measure."""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import pytest

from ontrack.analytics.measures import COUNT_NAMES, RATE_NAMES

pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")

DOCS = Path(__file__).resolve().parents[3] / "docs" / "analytics.md"
MODULES = [
    "ontrack.analytics",
    "ontrack.analytics.dashboard",
    "ontrack.analytics.engines",
    "ontrack.analytics.measures",
    "ontrack.analytics.period",
    "ontrack.analytics.report",
    "ontrack.analytics.spec",
    "ontrack.analytics.suppression",
    "ontrack.analytics.therapists",
    "ontrack.analytics.thresholds",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)

    assert result.failed == 0
    assert result.attempted > 0


@pytest.mark.parametrize("name", COUNT_NAMES + RATE_NAMES)
def test_docs_define_every_measure(name):
    text = DOCS.read_text(encoding="utf-8")

    assert re.search(rf"`{name}`", text), f"docs/analytics.md does not define {name}"
