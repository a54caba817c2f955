"""MetricsStore: a Durable Object per shard of series holding their windows and running totals.

Writes are read-merge-write of the touched windows in one synchronous block (atomic in the
object), so concurrent ingests never lose an update, which KV could not promise.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from typing import Any

from workers import DurableObject

from edgewatch.metrics.windows import Window, window_start
from edgewatch_cf.bindings import storage_round_trip

HOUR_MS = 3_600_000
ROLLUP_KEEP_MS = 90 * 86_400_000

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS windows (series TEXT NOT NULL, name TEXT NOT NULL, res INTEGER NOT NULL,"
    " start INTEGER NOT NULL, agg TEXT NOT NULL, PRIMARY KEY (series, res, start))",
    "CREATE INDEX IF NOT EXISTS windows_name ON windows(name, res, start)",
    "CREATE TABLE IF NOT EXISTS totals (series TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,"
    " total_sum REAL NOT NULL, total_count REAL NOT NULL, last REAL, last_ts INTEGER NOT NULL)",
)
UPSERT_WINDOWS = (
    "INSERT INTO windows (series, name, res, start, agg) SELECT json_extract(value, '$[0]'),"
    " json_extract(value, '$[1]'), ?, json_extract(value, '$[2]'), json_extract(value, '$[3]') FROM json_each(?)"
    " WHERE true ON CONFLICT(series, res, start) DO UPDATE SET agg = excluded.agg"
)


class MetricsStore(DurableObject):
    def __init__(self, ctx: Any, env: Any) -> None:
        super().__init__(ctx, env)
        self.sql = ctx.storage.sql
        for statement in SCHEMA:
            self.sql.exec(statement)

    def _rows(self, query: str, *params: Any) -> list[dict[str, Any]]:
        return list(self.sql.exec(query, *params).toArray())

    async def probe(self, token: str) -> str:
        return await storage_round_trip(self.ctx, token)

    async def append(self, size_ms: int, payload: str) -> int:
        """payload: JSON list of [series, name, kind, value, ts, weight]."""
        points = json.loads(payload)
        fresh: dict[tuple[str, int], Window] = {}
        names: dict[str, str] = {}
        totals: dict[str, list[Any]] = {}
        for series, name, kind, value, ts, weight in points:
            key = (series, window_start(int(ts), size_ms))
            window = fresh.get(key)
            if window is None:
                window = fresh[key] = Window.new(kind)
            window.add(float(value), int(ts), float(weight))
            names[series] = name
            total = totals.setdefault(series, [name, kind, 0.0, 0.0, None, -1])
            total[2] += float(value) * float(weight)
            total[3] += float(weight)
            if int(ts) >= total[5]:
                total[4], total[5] = float(value), int(ts)
        wanted = json.dumps([[s, st] for s, st in fresh])
        existing = self._rows(
            "SELECT w.series AS series, w.start AS start, w.agg AS agg FROM windows w JOIN json_each(?) j"
            " ON w.series = json_extract(j.value, '$[0]') AND w.start = json_extract(j.value, '$[1]') AND w.res = ?",
            wanted,
            size_ms,
        )
        for row in existing:
            stored = Window.from_json(json.loads(row["agg"]))
            stored.merge(fresh[(row["series"], int(row["start"]))])
            fresh[(row["series"], int(row["start"]))] = stored
        rows = [[s, names[s], st, json.dumps(w.to_json())] for (s, st), w in fresh.items()]
        self.sql.exec(UPSERT_WINDOWS, size_ms, json.dumps(rows))
        for series, (name, kind, total_sum, total_count, last, last_ts) in totals.items():
            self.sql.exec(
                "INSERT INTO totals (series, name, kind, total_sum, total_count, last, last_ts)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(series) DO UPDATE SET total_sum = total_sum + excluded.total_sum,"
                " total_count = total_count + excluded.total_count,"
                " last = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last ELSE last END,"
                " last_ts = max(last_ts, excluded.last_ts)",
                series,
                name,
                kind,
                total_sum,
                total_count,
                last,
                last_ts,
            )
        return len(points)

    async def windows(self, name: str, start_ms: int, end_ms: int) -> str:
        rows = self._rows(
            "SELECT series, res, start, agg FROM windows WHERE name = ? AND start >= ? AND start < ? ORDER BY start",
            name,
            start_ms,
            end_ms,
        )
        return json.dumps([[r["series"], int(r["res"]), int(r["start"]), r["agg"]] for r in rows])

    async def recent(self, since_ms: int) -> str:
        """Totals of every series, and their windows since since_ms (for the Prometheus scrape)."""
        totals = self._rows("SELECT series, name, kind, total_sum, total_count, last FROM totals")
        windows = self._rows("SELECT series, start, agg FROM windows WHERE start >= ?", since_ms)
        return json.dumps({"totals": totals, "windows": [[w["series"], int(w["start"]), w["agg"]] for w in windows]})

    async def rollup(self, size_ms: int, older_than_ms: int) -> str:
        """Merge windows older than the retention into hourly windows; drop hourly ones past 90 days."""
        rows = self._rows(
            "SELECT series, name, start, agg FROM windows WHERE res = ? AND start < ?", size_ms, older_than_ms
        )
        hourly: dict[tuple[str, int], Window] = {}
        names: dict[str, str] = {}
        for row in rows:
            key = (row["series"], int(row["start"]) - int(row["start"]) % HOUR_MS)
            window = Window.from_json(json.loads(row["agg"]))
            names[row["series"]] = row["name"]
            if key in hourly:
                hourly[key].merge(window)
            else:
                hourly[key] = window
        existing = self._rows(
            "SELECT series, start, agg FROM windows WHERE res = ? AND start < ?", HOUR_MS, older_than_ms
        )
        for row in existing:
            key = (row["series"], int(row["start"]))
            if key in hourly:
                stored = Window.from_json(json.loads(row["agg"]))
                stored.merge(hourly[key])
                hourly[key] = stored
        merged = [[s, names[s], st, json.dumps(w.to_json())] for (s, st), w in hourly.items()]
        if merged:
            self.sql.exec(UPSERT_WINDOWS, HOUR_MS, json.dumps(merged))
        self.sql.exec("DELETE FROM windows WHERE res = ? AND start < ?", size_ms, older_than_ms)
        self.sql.exec(
            "DELETE FROM windows WHERE res = ? AND start < ?", HOUR_MS, int(time.time() * 1000) - ROLLUP_KEEP_MS
        )
        return json.dumps({"rolled_windows": len(rows), "hourly_windows": len(merged)})


def group_by_shard(points: list[list[Any]], shards: int) -> dict[int, list[list[Any]]]:
    import zlib

    out: dict[int, list[list[Any]]] = defaultdict(list)
    for point in points:
        out[zlib.crc32(point[0].encode()) % shards].append(point)
    return out
