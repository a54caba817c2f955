"""The core package imports nothing from the Workers runtime or the adapters."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import edgewatch

CORE = Path(edgewatch.__file__).resolve().parent
FORBIDDEN = frozenset({"workers", "js", "pyodide", "edgewatch_cf"})
CORE_FILES = sorted(CORE.rglob("*.py"))


def forbidden_imports(source: str) -> list[str]:
    """Top-level module names from FORBIDDEN that the source imports, statically or by name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                (isinstance(node.func, ast.Name) and node.func.id == "__import__")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            )
        ):
            names = [node.args[0].value]
        found += [name for name in names if name.split(".")[0] in FORBIDDEN]
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import js", ["js"]),
        ("import os, pyodide.ffi", ["pyodide.ffi"]),
        ("from workers import Response", ["workers"]),
        ("from edgewatch_cf.app import WorkerApp", ["edgewatch_cf.app"]),
        ("def f():\n    import js\n", ["js"]),  # a lazy import counts too
        ("import importlib\nimportlib.import_module('pyodide')", ["pyodide"]),
        ("__import__('js')", ["js"]),
        ("from . import workers", []),  # a relative import is our own module
        ("from .js import x", []),
        ("import jsonschema, json, workerpool", []),  # prefixes of other names
        ("from edgewatch.workers import x", []),
    ],
)
def test_checker(source: str, expected: list[str]) -> None:
    assert forbidden_imports(source) == expected


def test_core_files_are_found() -> None:
    names = {path.name for path in CORE_FILES}
    # samples.py lives in the infra/ package
    assert {"durations.py", "config.py", "routing.py", "schedule.py", "samples.py", "logline.py"} <= names


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_is_pure(path: Path) -> None:
    assert forbidden_imports(path.read_text(encoding="utf-8")) == []
