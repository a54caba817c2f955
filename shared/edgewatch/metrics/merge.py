"""The writes of the MetricsStore shards, decided here: which shard a series lives in, the rows
an ingest stores (with the service label of a scoped token), points merged into windows and
running totals, and windows merged into hourly rollups."""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from dataclasses import dataclass, field

from .messages import PointRow, WindowRow
from .model import Point, series_key
from .windows import Window, window_start

HOUR_MS = 3_600_000


def point_rows(points: list[Point], service_label: str | None) -> list[PointRow]:
    """The rows of an ingest. A token scoped to a service stamps its ``service`` label on every
    point, replacing one the client sent."""
    rows = []
    for p in points:
        labels = p.labels
        if service_label is not None:
            labels = tuple(sorted({**dict(labels), "service": service_label}.items()))
        rows.append(PointRow(series_key(p.name, labels), p.name, p.kind, p.value, p.ts, p.weight))
    return rows


def group_by_shard(rows: list[PointRow], shards: int) -> dict[int, list[PointRow]]:
    out: dict[int, list[PointRow]] = defaultdict(list)
    for row in rows:
        out[zlib.crc32(row.series.encode()) % shards].append(row)
    return out


@dataclass
class Total:
    """A series' running totals: the sum and weight of every point, and its latest value."""

    name: str
    kind: str
    total_sum: float = 0.0
    total_count: float = 0.0
    last: float | None = None
    last_ts: int = -1


@dataclass
class WindowMerge:
    """Windows keyed by (series, start), with each series' metric name."""

    windows: dict[tuple[str, int], Window] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def merge_stored(self, stored: list[WindowRow]) -> None:
        """Fold windows already stored under the same keys into ours (stored first, then ours)."""
        for row in stored:
            key = (row.series, row.start)
            if key in self.windows:
                window = Window.from_json(json.loads(row.agg))
                window.merge(self.windows[key])
                self.windows[key] = window

    def bulk_rows(self) -> list[tuple[str, str, int, str]]:
        """(series, name, start, agg JSON) per window: the shard's bulk upsert through json_each."""
        return [(s, self.names[s], st, json.dumps(w.to_json())) for (s, st), w in self.windows.items()]


def append_points(rows: list[PointRow], size_ms: int) -> tuple[WindowMerge, dict[str, Total]]:
    """The points' windows of size_ms and per-series totals, before what is stored is merged in."""
    merge = WindowMerge()
    totals: dict[str, Total] = {}
    for p in rows:
        ts, value, weight = int(p.ts), float(p.value), float(p.weight)
        key = (p.series, window_start(ts, size_ms))
        window = merge.windows.get(key)
        if window is None:
            window = merge.windows[key] = Window.new(p.kind)
        window.add(value, ts, weight)
        merge.names[p.series] = p.name
        total = totals.setdefault(p.series, Total(p.name, p.kind))
        total.total_sum += value * weight
        total.total_count += weight
        if ts >= total.last_ts:
            total.last, total.last_ts = value, ts
    return merge, totals


def hourly_rollup(rows: list[WindowRow], names: dict[str, str]) -> WindowMerge:
    """Windows merged into the hour they start in (names: series -> metric name)."""
    merge = WindowMerge()
    for row in rows:
        key = (row.series, row.start - row.start % HOUR_MS)
        window = Window.from_json(json.loads(row.agg))
        merge.names[row.series] = names[row.series]
        if key in merge.windows:
            merge.windows[key].merge(window)
        else:
            merge.windows[key] = window
    return merge
