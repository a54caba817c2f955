"""What crosses the RPC boundary between pitchey-monitoring and its MetricsStore shards.

Each payload and answer is a dataclass encoded with ``edgewatch.codec``. A window's aggregate
travels as the JSON text the shard stores (``Window.to_json``), read back with
``Window.from_json(json.loads(agg))``: the shard never decodes what it only passes on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PointRow:
    """One point of a series, as the shard stores it."""

    series: str  # series_key(name, labels)
    name: str
    kind: str
    value: float
    ts: int
    weight: float


@dataclass(frozen=True, slots=True)
class WindowRow:
    series: str
    res: int  # the window's size in ms (the aggregation window, or an hour once rolled up)
    start: int
    agg: str  # JSON of Window.to_json


@dataclass(frozen=True, slots=True)
class SeriesTotal:
    series: str
    name: str
    kind: str
    total_sum: float
    total_count: float
    last: float | None


@dataclass(frozen=True)
class RecentAnswer:
    """Every series' running totals, and the windows since a time (for the Prometheus scrape)."""

    totals: list[SeriesTotal]
    windows: list[WindowRow]


@dataclass(frozen=True)
class RollupResult:
    rolled_windows: int
    hourly_windows: int
