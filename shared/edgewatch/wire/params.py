"""Query-string parameters of the read APIs: integers within bounds and true/false flags, each
refused with a 422 that names the parameter."""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import Unprocessable


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
