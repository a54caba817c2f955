"""Uptime history kept as hourly buckets per monitor, so 90 days of once-a-minute probes cost
2,160 small rows per monitor instead of 129,600.

Each probe lands in the bucket of its hour as UP (UP or DEGRADED), DOWN, PENDING or EXCLUDED
(inside a maintenance window, decided when the probe ran). Uptime over a window is
up / (up + down) over its buckets: the SLA ignores maintenance and the not-yet-known. Windows
have hour resolution: "24h" is the current hour and the 23 before it. Passing probes keep their
latency so p50/p95 per hour stay exact (nearest rank, ``edgewatch.quantiles``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..durations import parse_duration_ms
from ..quantiles import nearest_rank
from .states import State

HOUR_MS = 3_600_000
DAY_MS = 86_400_000
MAX_LATENCIES_PER_BUCKET = 720  # one probe every 5 s at most; more are thinned, not grown without bound
STANDARD_WINDOWS = ("24h", "7d", "30d", "90d")


@dataclass(frozen=True)
class UptimeReport:
    start_ms: int
    end_ms: int
    total: int  # probes in [start_ms, end_ms)
    up: int  # UP or DEGRADED, outside maintenance
    down: int  # DOWN, outside maintenance
    excluded: int  # inside a maintenance window
    pending: int = 0  # PENDING outside maintenance: not yet known, not counted
    ratio: float | None = field(default=None)  # up / (up + down); None when no probe counts


def hour_of(t_ms: int) -> int:
    return t_ms - t_ms % HOUR_MS


@dataclass
class HourBucket:
    hour_ms: int
    up: int = 0
    down: int = 0
    pending: int = 0
    excluded: int = 0
    latencies: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.up + self.down + self.pending + self.excluded

    def add(self, state: State, excluded: bool, latency_ms: float | None) -> None:
        if excluded:
            self.excluded += 1
        elif state is State.DOWN:
            self.down += 1
        elif state is State.PENDING:
            self.pending += 1
        else:
            self.up += 1
        if latency_ms is not None and state is not State.DOWN and len(self.latencies) < MAX_LATENCIES_PER_BUCKET:
            self.latencies.append(round(latency_ms))

    def to_json(self) -> dict[str, Any]:
        return {
            "hour_ms": self.hour_ms,
            "up": self.up,
            "down": self.down,
            "pending": self.pending,
            "excluded": self.excluded,
            "latencies": self.latencies,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HourBucket:
        return cls(
            int(data["hour_ms"]),
            int(data["up"]),
            int(data["down"]),
            int(data["pending"]),
            int(data["excluded"]),
            [int(v) for v in data.get("latencies", [])],
        )


def uptime_report(buckets: Iterable[HourBucket], start_ms: int, end_ms: int) -> UptimeReport:
    """Sum the buckets whose hour starts in [start_ms, end_ms)."""
    up = down = pending = excluded = 0
    for b in buckets:
        if start_ms <= b.hour_ms < end_ms:
            up, down, pending, excluded = up + b.up, down + b.down, pending + b.pending, excluded + b.excluded
    counted = up + down
    return UptimeReport(
        start_ms, end_ms, up + down + pending + excluded, up, down, excluded, pending, up / counted if counted else None
    )


def uptime_report_windows(buckets: Sequence[HourBucket], now_ms: int) -> dict[str, UptimeReport]:
    """24h/7d/30d/90d, each the current hour and the whole hours before it."""
    end = hour_of(now_ms) + HOUR_MS
    return {name: uptime_report(buckets, end - parse_duration_ms(name), end) for name in STANDARD_WINDOWS}


def _day(t_ms: int) -> str:
    return datetime.fromtimestamp(t_ms / 1000, tz=UTC).strftime("%Y-%m-%d")


def daily_bars(buckets: Sequence[HourBucket], now_ms: int, days: int = 90) -> list[dict[str, Any]]:
    """One bar per UTC day, oldest first, ending today: what a status page draws."""
    today = now_ms - now_ms % DAY_MS
    bars = []
    for i in range(days - 1, -1, -1):
        start = today - i * DAY_MS
        r = uptime_report(buckets, start, start + DAY_MS)
        bars.append({"date": _day(start), "up": r.up, "down": r.down, "excluded": r.excluded, "ratio": r.ratio})
    return bars


def latency_series(
    samples: Iterable[tuple[int, float]], start_ms: int, end_ms: int, step_ms: int
) -> list[dict[str, Any]]:
    """p50/p95 of (time, latency) samples per step in [start_ms, end_ms); empty steps included."""
    if step_ms <= 0 or end_ms <= start_ms:
        raise ValueError("latency series needs step > 0 and end after start")
    groups: dict[int, list[float]] = {}
    for t_ms, latency in samples:
        if start_ms <= t_ms < end_ms:
            groups.setdefault(start_ms + (t_ms - start_ms) // step_ms * step_ms, []).append(latency)
    out = []
    for t in range(start_ms, end_ms, step_ms):
        values = groups.get(t, [])
        ordered = sorted(values)
        out.append(
            {"t": t, "count": len(values), "p50": nearest_rank(ordered, 0.5), "p95": nearest_rank(ordered, 0.95)}
        )
    return out


def bucket_samples(buckets: Iterable[HourBucket]) -> list[tuple[int, float]]:
    """Hourly buckets as (hour, latency) samples, for series at hour resolution and coarser."""
    return [(b.hour_ms, float(v)) for b in buckets for v in b.latencies]
