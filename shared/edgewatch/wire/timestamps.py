"""Timestamps on the wire: epoch milliseconds (or seconds, below SECONDS_BELOW) and RFC 3339.

A number below 100_000_000_000 is read as epoch *seconds* (as milliseconds it would be before
1973-03-03, and as seconds it covers every date up to the year 5138). RFC 3339 strings need a time
zone; naive strings are rejected because their meaning depends on the sender's clock.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from ..errors import Unprocessable
from .items import EntryError, json_type, show

SECONDS_BELOW = 100_000_000_000  # a numeric timestamp below this is epoch seconds, not milliseconds
MAX_TS_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z: dates past it break calendar code downstream
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def epoch_ms(value: object, field: str) -> int:
    """A timestamp in epoch milliseconds from a number (ms, or seconds below SECONDS_BELOW) or RFC 3339."""
    ms: int | float
    if isinstance(value, bool):
        raise EntryError(f"{field} must be epoch milliseconds (a number) or an RFC 3339 string, not a boolean")
    if isinstance(value, int):
        ms = value if value >= SECONDS_BELOW else value * 1000
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise EntryError(f"{field} must be a finite number")
        ms = value if value >= SECONDS_BELOW else round(value * 1000)
    elif isinstance(value, str):
        return _rfc3339_ms(value, field)
    else:
        raise EntryError(f"{field} must be epoch milliseconds (a number) or an RFC 3339 string, not {json_type(value)}")
    if not 0 <= ms <= MAX_TS_MS:
        raise EntryError(f"{field} {show(value)} is out of range (1970 to 9999)")
    return int(ms)


def _rfc3339_ms(text: str, field: str) -> int:
    # YYYY-MM-DD[T ]HH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), parsed by position: no regex, and the same
    # answer on every Python (datetime.fromisoformat's accepted set grew between 3.10 and 3.11).
    size = len(text)
    bad = EntryError(f"{field} {show(text)} is not an RFC 3339 time with a time zone, such as 2026-11-26T12:00:00Z")
    if (
        size < 19
        or size > 40
        or not text.isascii()
        or text[4] != "-"
        or text[7] != "-"
        or text[10] not in "Tt "
        or text[13] != ":"
        or text[16] != ":"
    ):
        raise bad
    fields = (text[0:4], text[5:7], text[8:10], text[11:13], text[14:16], text[17:19])
    if not all(part.isdigit() for part in fields):
        raise bad
    year, month, day, hour, minute, second = (int(part) for part in fields)
    if hour > 23 or minute > 59 or second > 60:  # 60: a leap second
        raise bad
    fraction_ms = 0
    index = 19
    if text[index : index + 1] == ".":
        end = index + 1
        while end < size and text[end].isdigit():
            end += 1
        if end == index + 1:
            raise bad
        fraction_ms = int(text[index + 1 : end][:3].ljust(3, "0"))
        index = end
    zone = text[index:]
    if zone in ("Z", "z"):
        offset_min = 0
    elif len(zone) == 6 and zone[0] in "+-" and zone[3] == ":" and zone[1:3].isdigit() and zone[4:6].isdigit():
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            raise bad
        offset_min = (hours * 60 + minutes) * (1 if zone[0] == "+" else -1)
    elif not zone:
        raise EntryError(f"{field} {show(text)} has no time zone; add Z or an offset such as +01:00")
    else:
        raise bad
    try:
        days = date(year, month, day).toordinal() - _EPOCH_ORDINAL
    except ValueError:
        raise bad from None
    seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60
    ms = seconds * 1000 + fraction_ms
    if not 0 <= ms <= MAX_TS_MS:
        raise EntryError(f"{field} {show(text)} is out of range (1970 to 9999)")
    return ms


def parse_time(text: str, name: str) -> int:
    """A query parameter's time: epoch milliseconds or RFC 3339 with a zone; a 422 naming it otherwise."""
    text = text.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise Unprocessable(f"{name} must be epoch milliseconds or RFC 3339", details={name: text[:100]}) from None
    if parsed.tzinfo is None:
        raise Unprocessable(f"{name} needs a timezone (e.g. 'Z')", details={name: text[:100]})
    return int(parsed.timestamp() * 1000)
