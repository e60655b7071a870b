"""The import graph of ``src/ontrack``: no cycles, and domain packages free of the web.

Two graphs are built from the source with ``ast`` (nothing is imported):

- between modules, from imports that run when a module is imported (its top level and
  class bodies; ``if TYPE_CHECKING:`` blocks and function bodies do not run then);
- between packages (each domain package ``ontrack.<name>``, and each Django app
  ``ontrack.web.<app>``), from imports at any level: an import inside a function still
  ties the two packages together, and a cycle between apps is a cycle even when one side
  defers its import to call time.

The web packages are layered, lowest first (``WEB_LAYERS``): common < audit < accounts
< records < notify < pathway < fidelity < canonical < portal < privacy < api (the API exposes
them all); each may import only those below it. The pathway sits below canonical so that the
demo builder and the export can read its records (ADR 0047); the fidelity pages read the
records and the pathway (ADR 0072).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
# The framework-free packages (DESIGN §3): they import neither Django nor ontrack.web.
DOMAIN = (
    "measures",
    "monitoring",
    "matching",
    "analytics",
    "dataset",
    "synth",
    "fidelity",
    "charts",
    "pathway",
)
# The web packages, lowest first: each may import only those before it.
WEB_LAYERS = (
    "ontrack.web.common",
    "ontrack.web.audit",
    "ontrack.web.accounts",
    "ontrack.web.records",
    "ontrack.web.notify",
    "ontrack.web.pathway",
    "ontrack.web.fidelity",
    "ontrack.web.canonical",
    "ontrack.web.portal",
    "ontrack.web.privacy",
    "ontrack.web.api",
)


@dataclass(frozen=True)
class Import:
    """One imported module name, and whether it runs when the importing module loads."""

    target: str
    at_import: bool
    names: tuple[str, ...] = ()  # what ``from target import ...`` takes from it


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(module: str, is_package: bool, tree: ast.Module) -> Iterator[Import]:
    """Yield every module name ``tree`` imports, marked by whether it runs at import."""

    def visit(node: ast.AST, at_import: bool) -> Iterator[Import]:
        if isinstance(node, ast.Import):
            yield from (Import(alias.name, at_import) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(a.name for a in node.names)
            yield Import(_resolve(module, is_package, node), at_import, names)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                yield from visit(child, False)
            for child in node.orelse:
                yield from visit(child, at_import)
        else:
            # A function's body runs when it is called, not when the module loads.
            deferred = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            for child in ast.iter_child_nodes(node):
                yield from visit(child, at_import and not deferred)

    yield from visit(tree, True)


@dataclass(frozen=True)
class Graph:
    modules: frozenset[str]
    at_import: dict[str, set[str]]  # module -> modules it imports when it loads
    any_level: dict[str, set[str]]  # module -> modules it imports anywhere


def build_graph(root: Path, top: str = "ontrack") -> Graph:
    files = {module_name(root, p): p for p in sorted((root / top).rglob("*.py"))}
    modules = frozenset(files)
    at_import: dict[str, set[str]] = {m: set() for m in modules}
    any_level: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for found in imports_of(name, path.name == "__init__.py", tree):
            for target in _targets(found, modules, top):
                if target == name:
                    continue
                any_level[name].add(target)
                if found.at_import and target in modules:
                    at_import[name].add(target)
    return Graph(modules, at_import, any_level)


def _targets(found: Import, modules: frozenset[str], top: str) -> Iterator[str]:
    """The modules an import statement names: ``from package import module`` names the
    module (the package is already loading: no edge back to it), ``from module import
    name`` names the module; a module outside ``top`` keeps its own name."""
    base = found.target
    submodules = [f"{base}.{n}" for n in found.names if f"{base}.{n}" in modules]
    yield from submodules
    takes_a_name = len(submodules) < len(found.names) or not found.names
    if takes_a_name and (base in modules or not base.startswith(f"{top}.")):
        yield base


def package_of(module: str) -> str:
    """The package a module belongs to: ``ontrack.<name>``, or ``ontrack.web.<app>``."""
    parts = module.split(".")
    if parts[:2] == ["ontrack", "web"] and len(parts) > 3:
        return ".".join(parts[:3])
    if parts[:2] == ["ontrack", "web"] and len(parts) == 3 and _is_dir(parts):
        return ".".join(parts)
    return ".".join(parts[:2])


def _is_dir(parts: list[str]) -> bool:
    return SRC.joinpath(*parts).is_dir()


def cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Return each strongly connected group of two or more nodes (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in edges:
                continue
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return sorted(found)


def package_edges(graph: Graph) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for module, targets in graph.any_level.items():
        source = package_of(module)
        edges.setdefault(source, set())
        for target in targets:
            if target in graph.modules and package_of(target) != source:
                edges[source].add(package_of(target))
    return edges


def _explain(group: list[str], edges: Mapping[str, Iterable[str]], graph: Graph) -> str:
    members = set(group)
    lines = [" <-> ".join(group)]
    for module, targets in sorted(graph.any_level.items()):
        for target in sorted(targets):
            a, b = package_of(module), package_of(target)
            if a != b and a in members and b in members and target in graph.modules:
                lines.append(f"  {module} imports {target}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def graph() -> Graph:
    return build_graph(SRC)


def test_import_graph_has_no_module_cycle_at_import_time(graph: Graph) -> None:
    found = cycles(graph.at_import)
    assert found == [], "modules import each other when they load:\n" + "\n".join(
        " -> ".join(group) for group in found
    )


def test_import_graph_has_no_package_cycle_at_any_level(graph: Graph) -> None:
    edges = package_edges(graph)
    found = cycles(edges)
    assert found == [], "packages import each other:\n" + "\n".join(
        _explain(group, edges, graph) for group in found
    )


@pytest.mark.parametrize("name", DOMAIN)
def test_domain_package_imports_neither_django_nor_the_web(graph: Graph, name: str) -> None:
    package = f"ontrack.{name}"
    modules = [m for m in graph.modules if m == package or m.startswith(f"{package}.")]
    if not SRC.joinpath("ontrack", name).is_dir():
        pytest.skip(f"{package} does not exist yet")
    assert modules, f"no modules found for {package}"
    bad = sorted(
        f"{module} imports {target}"
        for module in modules
        for target in graph.any_level[module]
        if target.split(".")[0] == "django" or target.startswith("ontrack.web")
    )
    assert bad == []


def test_alert_decisions_stay_pure(graph: Graph) -> None:
    # refresh_signal's decision is tested on plain values: it must not reach Django.
    module = "ontrack.web.records.alert_decisions"
    bad = sorted(
        t
        for t in graph.any_level[module]
        if t.split(".")[0] == "django" or t.startswith("ontrack.web")
    )
    assert bad == []


def test_web_packages_import_only_the_layers_below_them(graph: Graph) -> None:
    packages = {package_of(m) for m in graph.modules if m.startswith("ontrack.web.")}
    assert packages - {"ontrack.web"} == set(WEB_LAYERS), "place each web package in WEB_LAYERS"
    edges = package_edges(graph)
    upward = sorted(
        f"{source} imports {target}"
        for source in WEB_LAYERS
        for target in edges[source]
        if target in WEB_LAYERS and WEB_LAYERS.index(target) > WEB_LAYERS.index(source)
    )
    assert upward == []


def _write(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_build_graph_finds_a_cycle_through_a_function_level_import(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "ontrack/__init__.py": "",
            "ontrack/a/__init__.py": "",
            "ontrack/a/one.py": "from ontrack.b.two import thing\n",
            "ontrack/b/__init__.py": "",
            "ontrack/b/two.py": "def thing():\n    from ontrack.a import one\n",
        },
    )
    graph = build_graph(tmp_path)
    assert cycles(graph.at_import) == []
    assert cycles(package_edges(graph)) == [["ontrack.a", "ontrack.b"]]


def test_build_graph_ignores_type_checking_but_sees_module_level_cycles(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "ontrack/__init__.py": "",
            "ontrack/a/__init__.py": "",
            "ontrack/a/one.py": "from . import two\n",
            "ontrack/a/two.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from ontrack.a import three\n"
                "try:\n    from .one import x\nexcept ImportError:\n    pass\n"
            ),
            "ontrack/a/three.py": "import ontrack.a.two\n",
        },
    )
    graph = build_graph(tmp_path)
    assert cycles(graph.at_import) == [["ontrack.a.one", "ontrack.a.two"]]
    assert "ontrack.a.three" in graph.any_level["ontrack.a.two"]
    assert "ontrack.a.three" not in graph.at_import["ontrack.a.two"]
