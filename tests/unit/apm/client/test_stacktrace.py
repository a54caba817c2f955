from __future__ import annotations

import sys
from typing import Any

import pytest

from edgewatch.apm.client.in_app import InAppRules
from edgewatch.apm.client.stacktrace import chain_of, exception_values

RULES = InAppRules.of()


class CartError(Exception):
    pass


def add_line(n: int) -> None:
    total = None
    if n > 0:
        raise CartError(f"line {n} has no price")  # the line that raises
    print(total)


def checkout() -> None:
    try:
        add_line(3)
    except CartError as exc:
        raise RuntimeError("checkout failed") from exc


def caught(fn: Any) -> BaseException:
    try:
        fn()
    except BaseException as exc:
        return exc
    raise AssertionError("did not raise")


def test_values_carry_type_value_module_and_frames_oldest_call_first() -> None:
    (value,) = exception_values(caught(lambda: add_line(2)), RULES)
    assert value["type"] == "CartError" and value["value"] == "line 2 has no price"
    assert value["module"] == __name__
    assert value["mechanism"] == {"type": "generic", "handled": True}
    frames = value["stacktrace"]["frames"]
    assert [f["function"] for f in frames] == [
        "caught",
        "test_values_carry_type_value_module_and_frames_oldest_call_first.<locals>.<lambda>",
        "add_line",
    ]
    last = frames[-1]
    assert last["module"] == __name__ and last["abs_path"] == __file__
    assert last["filename"] == "tests/unit/apm/client/test_stacktrace.py"
    assert last["context_line"].strip() == 'raise CartError(f"line {n} has no price")  # the line that raises'
    assert last["pre_context"][-1].strip() == "if n > 0:" and len(last["pre_context"]) == 5
    assert last["post_context"][0].strip() == "print(total)"
    assert last["lineno"] == add_line.__code__.co_firstlineno + 3
    assert all(f["in_app"] for f in frames)  # a test file is no library: in app by default
    assert "vars" not in last  # frame variables are never collected


def test_the_chain_runs_oldest_first_and_builtins_have_no_module() -> None:
    values = exception_values(caught(checkout), RULES, handled=False, mechanism="edgewatch_cf.sentry")
    assert [v["type"] for v in values] == ["CartError", "RuntimeError"]
    assert "module" not in values[1]
    assert values[1]["mechanism"] == {"type": "edgewatch_cf.sentry", "handled": False}


def test_a_suppressed_context_and_a_cycle_end_the_chain() -> None:
    try:
        try:
            raise KeyError("a")
        except KeyError:
            raise ValueError("b") from None
    except ValueError as exc:
        assert [type(e) for e in chain_of(exc)] == [ValueError]
    first, second = ValueError("1"), ValueError("2")
    first.__cause__, second.__cause__ = second, first
    assert chain_of(first) == [second, first]


def test_an_exception_never_raised_has_no_stacktrace_and_a_broken_str_is_reported() -> None:
    class Broken(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no")

    (value,) = exception_values(Broken(), RULES)
    assert "stacktrace" not in value and value["value"] == f"<{Broken.__qualname__}: unprintable>"


def test_context_lines_zero_keeps_only_the_line() -> None:
    (value,) = exception_values(caught(lambda: add_line(1)), RULES, context_lines=0)
    last = value["stacktrace"]["frames"][-1]
    assert "context_line" in last and "pre_context" not in last


def test_deep_recursion_keeps_the_outermost_and_innermost_frames() -> None:
    def down(n: int) -> None:
        if n == 0:
            raise CartError("bottom")
        down(n - 1)

    (value,) = exception_values(caught(lambda: down(300)), RULES)
    frames = value["stacktrace"]["frames"]
    assert len(frames) == 100 and frames[0]["function"] == "caught"


@pytest.mark.parametrize(
    ("rules", "module", "path", "expected"),
    [
        # a file of the Worker: in app
        (InAppRules.of(), "entry", "/session/metadata/entry.py", True),
        # vendored libraries in a Worker, and installed ones: not in app
        (InAppRules.of(), "edgewatch_cf.sentry", "/session/metadata/python_modules/edgewatch_cf/sentry.py", False),
        (InAppRules.of(), "pydantic.main", "/usr/lib/python3/site-packages/pydantic/main.py", False),
        (InAppRules.of(), "json.decoder", None, False),
        (InAppRules.of(), "x", "<frozen importlib._bootstrap>", False),
        # include wins over the path rules, exclude over include
        (
            InAppRules.of(include=("edgewatch_cf",)),
            "edgewatch_cf.sentry",
            "/x/python_modules/edgewatch_cf/sentry.py",
            True,
        ),
        (
            InAppRules.of(include=("shop",), exclude=("shop.vendor",)),
            "shop.vendor.lib",
            "/app/shop/vendor/lib.py",
            False,
        ),
        # prefixes match whole dotted names
        (InAppRules.of(exclude=("shop",)), "shopping.cart", "/app/shopping/cart.py", True),
    ],
)
def test_in_app_rules(rules: InAppRules, module: str, path: str | None, expected: bool) -> None:
    assert rules.in_app(module, path) is expected


def test_the_standard_library_is_not_in_app() -> None:
    import json

    assert InAppRules.of().in_app("json", json.__file__) is False
    assert sys.modules[__name__].__file__ and InAppRules.of().in_app(__name__, __file__) is True
