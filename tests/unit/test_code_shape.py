"""The house rules a reader relies on: entries read in one screen, functions stay short, and no
lint waiver hides a function that grew too long."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    p
    for folder in ("shared", "workers", "examples")
    for p in (ROOT / folder).rglob("*.py")
    if "python_modules" not in p.parts
)
ENTRIES = sorted([*(ROOT / "workers").glob("*/entry.py"), *(ROOT / "examples").glob("*/entry.py")])
MAX_ENTRY_LINES = 80
MAX_FUNCTION_LINES = 80


def long_functions(source: str, limit: int) -> list[tuple[str, int]]:
    """(name, lines) of every function or method longer than ``limit`` lines, decorators excluded."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            if size > limit:
                found.append((node.name, size))
    return found


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_sources_are_found() -> None:
    names = {rel(p) for p in SOURCES}
    assert {"shared/edgewatch/config.py", "workers/edgewatch_cf/app.py", "workers/logs/entry.py"} <= names
    assert {rel(p) for p in ENTRIES} >= {"workers/monitoring/entry.py", "examples/platform_api/entry.py"}


@pytest.mark.parametrize("path", ENTRIES, ids=rel)
def test_an_entry_reads_in_one_screen(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_ENTRY_LINES, f"{rel(path)} has {lines} lines"


@pytest.mark.parametrize("path", SOURCES, ids=rel)
def test_no_function_is_longer_than_80_lines(path: Path) -> None:
    assert long_functions(path.read_text(encoding="utf-8"), MAX_FUNCTION_LINES) == []


@pytest.mark.parametrize("path", SOURCES, ids=rel)
def test_no_too_many_statements_waiver(path: Path) -> None:
    assert "PLR0915" not in path.read_text(encoding="utf-8")


def test_long_functions_finds_nested_and_async_ones() -> None:
    source = "def short():\n    return 1\n\nclass A:\n    async def method(self):\n" + "".join(
        f"        x{i} = {i}\n" for i in range(5)
    )
    assert long_functions(source, 5) == [("method", 6)]
    assert long_functions(source, 6) == []
