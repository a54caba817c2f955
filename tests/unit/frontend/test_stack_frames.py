"""packages/web-vitals-monitor/src/stackframes.js under Node: Error.stack in the V8 (Chrome, Edge)
and the Gecko/WebKit (Firefox, Safari) formats becomes Sentry frames, outermost first."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.frontend.node_runner import run_js

ORIGIN = "https://app.pitchey.example"

CHROME = """TypeError: Cannot read properties of undefined (reading 'lines')
    at parseOrder (https://app.pitchey.example/assets/main.js:10:15)
    at async Promise.all (index 0)
    at new CheckoutForm (https://app.pitchey.example/assets/main.js:42:7)
    at Object.render [as renderCart] (https://cdn.vendor.example/react-dom.js:100:3)
    at https://app.pitchey.example/assets/main.js:77:1
    at eval (eval at compile (https://app.pitchey.example/assets/main.js:5:9), <anonymous>:1:1)"""

FIREFOX = """parseOrder@https://app.pitchey.example/assets/main.js:10:15
CheckoutForm@https://app.pitchey.example/assets/main.js:42:7
render/<@https://cdn.vendor.example/react-dom.js:100:3
@https://app.pitchey.example/assets/main.js:77:1
compile@https://app.pitchey.example/assets/main.js line 5 > eval:1:1
"""

SAFARI = """parseOrder@https://app.pitchey.example/assets/main.js:10:15
global code@https://app.pitchey.example/assets/main.js:77:1
forEach@[native code]"""


def parse(stack: str) -> list[dict[str, Any]]:
    code = """
    const { parseStack, sameOrigin } = await src("stackframes.js");
    out(parseStack(DATA.stack, sameOrigin([DATA.origin])));
    """
    frames: list[dict[str, Any]] = run_js(code, {"stack": stack, "origin": ORIGIN})
    return frames


def test_chrome_frames_outermost_first_with_functions_lines_and_in_app() -> None:
    frames = parse(CHROME)
    # innermost (the throwing frame) last, as Sentry orders them; "async Promise.all (index 0)" has no file
    names = ["eval", "?", "Object.render [as renderCart]", "new CheckoutForm", "Promise.all", "parseOrder"]
    assert [f["function"] for f in frames] == names
    top = frames[-1]
    assert top == {
        "function": "parseOrder",
        "filename": f"{ORIGIN}/assets/main.js",
        "lineno": 10,
        "colno": 15,
        "in_app": True,
    }
    by_fn = {f["function"]: f for f in frames}
    assert by_fn["new CheckoutForm"]["lineno"] == 42 and by_fn["new CheckoutForm"]["in_app"] is True
    vendor = by_fn["Object.render [as renderCart]"]
    assert vendor["filename"] == "https://cdn.vendor.example/react-dom.js" and vendor["in_app"] is False
    assert by_fn["?"] == {
        "function": "?",
        "filename": f"{ORIGIN}/assets/main.js",
        "lineno": 77,
        "colno": 1,
        "in_app": True,
    }
    # an eval frame points at the code that called eval
    assert by_fn["eval"]["filename"] == f"{ORIGIN}/assets/main.js" and by_fn["eval"]["lineno"] == 5
    # "index 0" is not a file: kept as a filename-only frame, never in_app
    assert by_fn["Promise.all"] == {"function": "Promise.all", "filename": "index 0", "in_app": False}


@pytest.mark.parametrize("stack", [FIREFOX, SAFARI], ids=["firefox", "safari"])
def test_gecko_and_webkit_frames(stack: str) -> None:
    frames = parse(stack)
    top = frames[-1]
    assert top == {
        "function": "parseOrder",
        "filename": f"{ORIGIN}/assets/main.js",
        "lineno": 10,
        "colno": 15,
        "in_app": True,
    }
    assert all(f["filename"] for f in frames)


def test_firefox_details() -> None:
    frames = parse(FIREFOX)
    assert [f["function"] for f in frames] == ["compile", "?", "render/<", "CheckoutForm", "parseOrder"]
    assert frames[0] == {"function": "compile", "filename": f"{ORIGIN}/assets/main.js", "lineno": 5, "in_app": True}
    assert frames[2]["in_app"] is False  # another origin


def test_safari_native_code_is_not_in_app() -> None:
    frames = parse(SAFARI)
    assert frames[0] == {"function": "forEach", "filename": "[native code]", "in_app": False}
    assert frames[1]["function"] == "global code"


def test_a_real_v8_stack_from_node_parses() -> None:
    code = """
    const { parseStack } = await src("stackframes.js");
    function inner() { throw new RangeError("deep"); }
    function outer() { inner(); }
    try { outer(); } catch (e) { out(parseStack(e.stack, (f) => f.startsWith("file:") || f.startsWith("["))); }
    """
    frames = run_js(code)
    names = [f["function"] for f in frames]
    assert names[-2:] == ["outer", "inner"], names
    assert all(isinstance(f["lineno"], int) and isinstance(f["colno"], int) for f in frames[-2:])


@pytest.mark.parametrize("stack", ["", "Error: no frames", "just some text\nmore text"])
def test_no_frames(stack: str) -> None:
    assert parse(stack) == []


def test_frames_are_capped_at_50_keeping_the_innermost() -> None:
    lines = "\n".join(f"    at f{i} ({ORIGIN}/a.js:{i + 1}:1)" for i in range(80))
    frames = parse("Error: deep\n" + lines)
    assert len(frames) == 50
    assert frames[-1]["function"] == "f0"  # the throwing frame survives
