"""The core's import graph: no circles, and concern packages meet only through their interfaces.

Every import counts, also one inside a function or under ``if TYPE_CHECKING``: a circle that works
only because one import is deferred is still a circle a reader has to untangle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import edgewatch

CORE = Path(edgewatch.__file__).resolve().parent
# One package per monitoring concern. They import each other only as `from edgewatch.<concern>
# import <name>` with <name> in that package's __all__ (its documented interface).
CONCERNS = frozenset({"logs", "metrics", "security", "uptime", "vitals", "infra", "alerts", "apm", "reports"})
# The composition root: it joins the schemas to the concerns' own checks.
COMPOSITION = frozenset({"edgewatch.stack"})


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    names: tuple[str, ...]  # names taken by `from target import names` (empty for `import target`)
    line: int


def module_name(path: Path) -> str:
    parts = ["edgewatch", *path.relative_to(CORE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(CORE.rglob("*.py"))}


def is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def resolve(source: str, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = source.split(".") if is_package(source) else source.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, *([target] if target else [])])


def edges_of(source: str, tree: ast.AST) -> Iterator[Edge]:
    """Edges to core modules. `from pkg import sub` leads to the submodule; it leads to the package
    itself too, unless the package is one the importer sits in (already being imported)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield Edge(source, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            target = resolve(source, node.level, node.module)
            if target not in MODULES:
                continue
            names = tuple(alias.name for alias in node.names)
            subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            inside = source == target or source.startswith(target + ".")
            if not inside or len(subs) < len(names):
                yield Edge(source, target, tuple(n for n in names if f"{target}.{n}" not in MODULES), node.lineno)
            for sub in subs:
                yield Edge(source, sub, (), node.lineno)


def all_edges() -> list[Edge]:
    out: list[Edge] = []
    for module, path in MODULES.items():
        out.extend(edges_of(module, ast.parse(path.read_text(encoding="utf-8"))))
    return out


def find_cycle(edges: list[Edge]) -> list[str] | None:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for edge in edges:
        if edge.target != edge.source:
            graph[edge.source].add(edge.target)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)) is not None:
            return found
    return None


def concern_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in CONCERNS else None


def exported(package: str) -> frozenset[str]:
    tree = ast.parse(MODULES[package].read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            value = ast.literal_eval(node.value)
            return frozenset(value)
    return frozenset()


def _exported_submodule(target: str, theirs: str) -> bool:
    """``from edgewatch.security import events``: a submodule the package lists in ``__all__``."""
    package = f"edgewatch.{theirs}"
    return target.startswith(package + ".") and target[len(package) + 1 :] in exported(package)


def interface_violations(edges: list[Edge]) -> list[str]:
    problems = []
    submodule_lines = {
        (e.source, e.line)
        for e in edges
        if (c := concern_of(e.target)) is not None and _exported_submodule(e.target, c)
    }
    for edge in edges:
        theirs = concern_of(edge.target)
        if theirs is None or theirs == concern_of(edge.source):
            continue
        where = f"{edge.source} (line {edge.line}) imports {edge.target}"
        mine = concern_of(edge.source)
        if mine is None and edge.source not in COMPOSITION:
            problems.append(f"{where}: a neutral module may not depend on a concern")
        elif _exported_submodule(edge.target, theirs):
            continue
        elif edge.target == f"edgewatch.{theirs}" and not edge.names and (edge.source, edge.line) in submodule_lines:
            continue  # the package half of importing an exported submodule
        elif edge.target != f"edgewatch.{theirs}":
            problems.append(f"{where}: import from the package edgewatch.{theirs}, not one of its modules")
        elif not edge.names or not set(edge.names) <= exported(edge.target):
            missing = sorted(set(edge.names) - exported(edge.target)) or ["(the whole package)"]
            problems.append(f"{where}: {', '.join(missing)} not in edgewatch.{theirs}.__all__")
    return problems


EDGES = all_edges()


def test_the_modules_are_found() -> None:
    assert {"edgewatch.config", "edgewatch.wire.body", "edgewatch.logs.ingest", "edgewatch.stack"} <= set(MODULES)
    assert any(e.source == "edgewatch.logs.ingest" and e.target == "edgewatch.wire.body" for e in EDGES)


def test_the_core_has_no_import_circle() -> None:
    assert find_cycle(EDGES) is None, " -> ".join(find_cycle(EDGES) or [])


def test_concern_packages_meet_only_through_their_interfaces() -> None:
    assert interface_violations(EDGES) == []


def test_config_is_a_leaf_of_schemas() -> None:
    targets = {e.target for e in EDGES if e.source == "edgewatch.config"}
    assert targets <= {"edgewatch.durations"}


def test_every_concern_package_declares_its_interface() -> None:
    for concern in sorted(CONCERNS):
        package = f"edgewatch.{concern}"
        if package in MODULES:
            assert ast.get_docstring(ast.parse(MODULES[package].read_text(encoding="utf-8"))), package
            assert exported(package), f"{package} has no __all__"


# -- the checker itself ---------------------------------------------------------------------------


def _edges(source: str, text: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(e.target, e.names) for e in edges_of(source, ast.parse(text))]


@pytest.mark.parametrize(
    ("source", "text", "expected"),
    [
        # a relative import inside a package resolves against it
        ("edgewatch.logs.ingest", "from ..wire.body import decode_body", [("edgewatch.wire.body", ("decode_body",))]),
        # a lazy import inside a function counts
        ("edgewatch.logs.ingest", "def f():\n    from edgewatch.config import ConfigError\n",
         [("edgewatch.config", ("ConfigError",))]),
        # so does one under TYPE_CHECKING
        ("edgewatch.logs.scrub", "if TYPE_CHECKING:\n    from ..config import ScrubbingConfig\n",
         [("edgewatch.config", ("ScrubbingConfig",))]),
        # `from . import sub` inside the package leads to the submodule only
        ("edgewatch.security.threats", "from . import cmdi", [("edgewatch.security.cmdi", ())]),
        # from another package: to its __init__ and the submodule
        ("edgewatch.stack", "from .logs import ingest", [("edgewatch.logs", ()), ("edgewatch.logs.ingest", ())]),
        ("edgewatch.stack", "from .logs import Sampler", [("edgewatch.logs", ("Sampler",))]),
        # imports of other libraries are not edges
        ("edgewatch.config", "import json\nfrom pydantic import BaseModel", []),
    ],
)  # fmt: skip
def test_edges(source: str, text: str, expected: list[tuple[str, tuple[str, ...]]]) -> None:
    assert _edges(source, text) == expected


def test_find_cycle_names_the_circle() -> None:
    edges = [
        Edge("edgewatch.config", "edgewatch.durations", (), 1),
        Edge("edgewatch.durations", "edgewatch.config", (), 1),
    ]
    assert find_cycle(edges) == ["edgewatch.config", "edgewatch.durations", "edgewatch.config"]
    assert find_cycle(edges[:1]) is None


def test_interface_rule() -> None:
    bad = [
        Edge("edgewatch.metrics.model", "edgewatch.logs.entry", ("LineError",), 3),  # a module, not the package
        Edge("edgewatch.errors", "edgewatch.logs", ("Sampler",), 4),  # neutral -> concern
    ]
    problems = interface_violations(bad)
    assert len(problems) == 2
    assert "not one of its modules" in problems[0]
    assert "neutral module" in problems[1]
    # inside one concern anything goes
    assert interface_violations([Edge("edgewatch.logs.query", "edgewatch.logs.entry", ("LogEntry",), 1)]) == []
    # a package whose __all__ lists submodules (security) is met through those submodules
    listed = [
        Edge("edgewatch.alerts.x", "edgewatch.security", (), 5),
        Edge("edgewatch.alerts.x", "edgewatch.security.events", (), 5),
    ]
    assert interface_violations(listed) == []
    unlisted = [
        Edge("edgewatch.alerts.x", "edgewatch.security", (), 6),
        Edge("edgewatch.alerts.x", "edgewatch.security.cmdi", (), 6),
    ]
    assert len(interface_violations(unlisted)) == 2
