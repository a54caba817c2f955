"""Query-string parameters of the read APIs: integers within bounds and true/false flags, each
refused with a 422 that names the parameter."""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import Unprocessable
from .timestamps import parse_time


def int_param(
    params: Mapping[str, str], name: str, default: int, low: int, high: int, *, what: str = "an integer"
) -> int:
    """``params[name]`` as an integer in [low, high]; ``default`` when absent. ``what`` says in
    the error what the integer counts (``"whole seconds"``)."""
    text = params.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise Unprocessable(f"{name} must be {what}", details={name: text[:50]}) from None
    if not low <= value <= high:
        raise Unprocessable(f"{name} must be between {low} and {high}", details={name: value})
    return value


def flag_param(params: Mapping[str, str], name: str) -> bool:
    """``1/true/yes`` or ``0/false/no`` (any case); absent or empty is false."""
    text = (params.get(name) or "").lower()
    if text in ("", "0", "false", "no"):
        return False
    if text in ("1", "true", "yes"):
        return True
    raise Unprocessable(f"{name} must be true or false", details={name: text[:20]})


def time_range(
    params: Mapping[str, str], now_ms: int, *, default_ms: int, max_ms: int, limit_text: str
) -> tuple[int, int]:
    """``from``/``to`` (epoch ms or RFC 3339) as [start, end): ``to`` defaults to just after now,
    ``from`` to ``default_ms`` before ``to``; a reversed range or one over ``max_ms`` is a 422
    (``limit_text`` says the bound, "the time range is limited to 400 days")."""
    end = parse_time(params["to"], "to") if "to" in params else now_ms + 1
    start = parse_time(params["from"], "from") if "from" in params else end - default_ms
    if start >= end:
        raise Unprocessable("'from' must be before 'to'", details={"from": start, "to": end})
    if end - start > max_ms:
        raise Unprocessable(limit_text, details={"from": start, "to": end})
    return start, end
