"""Durations as written in config files: "500ms", "30s", "5m", "2h", "7d", "1w"."""

from __future__ import annotations

import re

_UNITS_MS = {"ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_PART = re.compile(r"([0-9]{1,15})(ms|s|m|h|d|w)")


class DurationError(ValueError):
    pass


def parse_duration_ms(text: str) -> int:
    """Parse "1h30m"-style durations into milliseconds; raise DurationError if malformed."""
    if not isinstance(text, str):
        raise DurationError(f"expected a duration string such as '5m', got {type(text).__name__}")
    compact = text.strip().lower()
    if not compact:
        raise DurationError("empty duration")
    pos = 0
    total = 0
    for match in _PART.finditer(compact):
        if match.start() != pos:
            break
        total += int(match.group(1)) * _UNITS_MS[match.group(2)]
        pos = match.end()
    if pos != len(compact):
        raise DurationError(f"invalid duration {text!r}: use a number and a unit (ms, s, m, h, d, w), e.g. '5m'")
    if total <= 0:
        raise DurationError(f"duration {text!r} must be positive")
    return total


def format_duration_ms(ms: int) -> str:
    """Shortest exact rendering: 300000 -> "5m", 5400000 -> "1h30m"."""
    if ms <= 0:
        raise DurationError("duration must be positive")
    out = []
    for unit in ("w", "d", "h", "m", "s", "ms"):
        size = _UNITS_MS[unit]
        if ms >= size:
            count, ms = divmod(ms, size)
            out.append(f"{count}{unit}")
    return "".join(out)
