"""The chart kit stands alone: no web framework, no analytics engine, nothing fetched."""

from __future__ import annotations

import ast
from pathlib import Path

import ontrack.charts

ALLOWED = (
    "ontrack.charts",
    "__future__",
    "collections",
    "dataclasses",
    "datetime",
    "html",
    "math",
    "typing",
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_chart_modules_import_only_the_standard_library_and_each_other() -> None:
    package = Path(ontrack.charts.__file__).parent

    found = {name for path in package.glob("*.py") for name in _imports(path)}

    assert found
    assert {n for n in found if not n.startswith(ALLOWED)} == set()
