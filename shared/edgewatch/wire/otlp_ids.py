"""OTLP/JSON ids and times shared by the logs and traces parsers: traceId / spanId as hex (not base64
as in the generic protobuf JSON mapping) and fixed64 unix nanoseconds as decimal strings or numbers."""

from __future__ import annotations

from typing import Any

from .items import EntryError, show

_MAX_NANOS = 2**64 - 1  # fixed64: 2554-07-21
_ZERO_ID = {32: "0" * 32, 16: "0" * 16}


def unix_nanos(value: Any, field: str) -> int:
    """Unix epoch nanoseconds (a fixed64: a decimal string or a number); 0 when absent."""
    if value is None:
        return 0
    nanos: int
    kind = type(value)
    if kind is str and value.isascii() and value.isdigit() and len(value) <= 40:
        nanos = int(value)
    elif kind is int:
        nanos = value
    elif kind is float and value.is_integer():
        nanos = int(value)
    else:
        raise EntryError(f"{field} must be unix epoch nanoseconds as a decimal string or an integer, not {show(value)}")
    if not 0 <= nanos <= _MAX_NANOS:
        raise EntryError(f"{field} {show(value)} is out of range for a fixed64")
    return nanos


def hex_id(value: Any, size: int, field: str) -> str | None:
    """A lower-case hex id; empty or all zeros (OTLP's "no id") is None."""
    if value is None or value == "":
        return None
    bad = EntryError(f"{field} must be {size} hex characters (OTLP/JSON uses hex, not base64), not {show(value)}")
    if type(value) is not str or len(value) != size:
        raise bad
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise bad from None
    if len(raw) != size // 2:  # fromhex skips whitespace, which a fixed-size id cannot hold
        raise bad
    lowered = value.lower()
    return None if lowered == _ZERO_ID[size] else lowered
