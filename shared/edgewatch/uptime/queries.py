"""The read API's range rules: which span of history a latency series or an incident list covers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import Unprocessable
from ..wire.params import int_param
from ..wire.timestamps import parse_time
from .history import DAY_MS, HOUR_MS

MAX_SERIES_POINTS = 2_000
RAW_SPAN_MS = 2 * DAY_MS  # raw probes are kept this long; older history is per hour
INCIDENTS_SPAN_MS = 91 * DAY_MS


@dataclass(frozen=True)
class SeriesRange:
    start_ms: int
    end_ms: int
    step_ms: int
    hourly: bool  # older than the raw probes: read from the hourly buckets

    @property
    def resolution(self) -> str:
        return "hour" if self.hourly else "probe"


def series_range(query: Mapping[str, str], now_ms: int) -> SeriesRange:
    """``from``/``to``/``step`` of a latency series (the last 24 h by default); a 422 naming the problem."""
    end = parse_time(query["to"], "to") if query.get("to") else now_ms
    start = parse_time(query["from"], "from") if query.get("from") else end - DAY_MS
    if end <= start:
        raise Unprocessable("'to' must be after 'from'")
    hourly = start < now_ms - RAW_SPAN_MS
    step = int_param(query, "step", HOUR_MS if hourly else 300_000, 60_000, 90 * DAY_MS)
    if hourly and step % HOUR_MS:
        raise Unprocessable("step: ranges older than 48 h are kept per hour; use a multiple of 3600000 ms")
    if (end - start) // step > MAX_SERIES_POINTS:
        raise Unprocessable(f"from/to/step ask for more than {MAX_SERIES_POINTS} points; use a larger step")
    return SeriesRange(start, end, step, hourly)


def incidents_range(query: Mapping[str, str], now_ms: int) -> tuple[int, int]:
    """[start, end) of an incident list: ``from``/``to``, by default the last 91 days up to now."""
    end = parse_time(query["to"], "to") if query.get("to") else now_ms + 1
    start = parse_time(query["from"], "from") if query.get("from") else end - INCIDENTS_SPAN_MS
    return start, end
