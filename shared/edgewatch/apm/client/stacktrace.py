"""A Python exception as Sentry's ``exception.values``: the chain oldest first, each with its frames.

Frames run from the outermost call to the one that raised, as the protocol orders them, with the
source line and up to ``context_lines`` lines around it when the source can be read (``linecache``;
in a Worker the bundled modules are readable). Frame variables are never collected.
"""

from __future__ import annotations

import linecache
import traceback
from types import FrameType
from typing import Any

from .in_app import InAppRules

MAX_CHAIN = 10
MAX_FRAMES = 100
MAX_VALUE = 8192


def _filename(module: str | None, abs_path: str) -> str:
    """The path as shown: the module's own part of it (``shop/cart.py``), else the base name."""
    parts = abs_path.replace("\\", "/").split("/")
    if module and not abs_path.startswith("<"):
        depth = module.count(".") + 1 + (parts[-1] == "__init__.py")
        return "/".join(parts[-depth:])
    return parts[-1] or abs_path


def _source(abs_path: str, lineno: int, module_globals: Any, context_lines: int) -> dict[str, Any]:
    line = linecache.getline(abs_path, lineno, module_globals)
    if not line:
        return {}
    out: dict[str, Any] = {"context_line": line.rstrip("\r\n")}
    if context_lines > 0:
        before = range(max(1, lineno - context_lines), lineno)
        after = range(lineno + 1, lineno + 1 + context_lines)
        out["pre_context"] = [linecache.getline(abs_path, n).rstrip("\r\n") for n in before]
        post = [linecache.getline(abs_path, n) for n in after]
        out["post_context"] = [p.rstrip("\r\n") for p in post if p]
    return out


def frame_of(frame: FrameType, lineno: int, rules: InAppRules, context_lines: int = 5) -> dict[str, Any]:
    code = frame.f_code
    module = frame.f_globals.get("__name__")
    module = module if isinstance(module, str) else None
    abs_path = code.co_filename
    out: dict[str, Any] = {
        "filename": _filename(module, abs_path),
        "abs_path": abs_path,
        "function": getattr(code, "co_qualname", code.co_name),
        "module": module,
        "lineno": lineno,
        "in_app": rules.in_app(module, abs_path),
    }
    out.update(_source(abs_path, lineno, frame.f_globals, context_lines))
    return out


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:MAX_VALUE]
    except Exception:  # a broken __str__ must not lose the report
        return f"<{type(exc).__qualname__}: unprintable>"


def chain_of(exc: BaseException, limit: int = MAX_CHAIN) -> list[BaseException]:
    """The exception and its causes, oldest first (the explicit cause, else the unsuppressed context)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < limit and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return chain[::-1]


def exception_values(
    exc: BaseException,
    rules: InAppRules,
    *,
    handled: bool = True,
    mechanism: str = "generic",
    context_lines: int = 5,
) -> list[dict[str, Any]]:
    values = []
    for one in chain_of(exc):
        kind = type(one)
        walked = list(traceback.walk_tb(one.__traceback__))
        if len(walked) > MAX_FRAMES:  # keep the outermost and the innermost calls
            walked = walked[: MAX_FRAMES // 2] + walked[-(MAX_FRAMES // 2) :]
        frames = [frame_of(f, n, rules, context_lines) for f, n in walked]
        value: dict[str, Any] = {"type": kind.__qualname__, "value": _text(one)}
        if kind.__module__ not in ("builtins", "__main__"):
            value["module"] = kind.__module__
        if frames:
            value["stacktrace"] = {"frames": frames}
        value["mechanism"] = {"type": mechanism, "handled": handled}
        values.append(value)
    return values
