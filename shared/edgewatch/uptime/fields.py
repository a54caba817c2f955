"""Parsers of one JSON field of a monitor definition: each raises ValueError naming the field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

from ..durations import DurationError, format_duration_ms, parse_duration_ms

CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def int_field(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name}: expected an integer, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name}: {value} is out of range {low}..{high}")
    return value


def str_field(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name}: expected a non-empty string")
    return value


def duration_field(data: Mapping[str, object], key: str, default: int | None, low: int, high: int) -> int:
    """A duration string such as '5m' as milliseconds in low..high; ``default`` when absent."""
    raw = data.get(key)
    if raw is None:
        if default is None:
            raise ValueError(f"{key}: required, e.g. '5m'")
        return default
    try:
        value = parse_duration_ms(raw) if isinstance(raw, str) else None
    except DurationError as exc:
        raise ValueError(f"{key}: {exc}") from None
    if value is None:
        raise ValueError(f"{key}: expected a duration string such as '5m'")
    if not low <= value <= high:
        raise ValueError(f"{key}: {raw} is out of range {format_duration_ms(low)}..{format_duration_ms(high)}")
    return value


def instant_field(data: Mapping[str, object], key: str) -> int:
    """An ISO 8601 time with a zone, or epoch milliseconds, as epoch milliseconds."""
    raw = data.get(key)
    if isinstance(raw, int) and not isinstance(raw, bool):
        if raw < 0:
            raise ValueError(f"{key}: expected epoch milliseconds >= 0")
        return raw
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw.strip())
        except ValueError:
            raise ValueError(f"{key}: {raw!r} is not an ISO 8601 time such as 2026-11-29T02:00:00Z") from None
        if parsed.tzinfo is None:
            raise ValueError(f"{key}: {raw!r} needs a time zone, e.g. a trailing 'Z' for UTC")
        return int(parsed.timestamp() * 1000)
    raise ValueError(f"{key}: required, an ISO 8601 time or epoch milliseconds")


def iso_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
