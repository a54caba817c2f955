"""MetricsStore: a Durable Object per shard of series holding their windows and running totals.

Writes are read-merge-write of the touched windows in one synchronous block (atomic in the
object), so concurrent ingests never lose an update, which KV could not promise. What is merged
is decided in edgewatch.metrics.merge; this object reads and writes the rows.
"""

from __future__ import annotations

import json
from typing import Any

from edgewatch.codec import decode, encode
from edgewatch.metrics.merge import HOUR_MS, append_points, hourly_rollup
from edgewatch.metrics.messages import PointRow, RecentAnswer, RollupResult, SeriesTotal, WindowRow
from edgewatch_cf.clock import now_ms
from edgewatch_cf.sqlite_object import SqliteObject

ROLLUP_KEEP_MS = 90 * 86_400_000

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS windows (series TEXT NOT NULL, name TEXT NOT NULL, res INTEGER NOT NULL,"
    " start INTEGER NOT NULL, agg TEXT NOT NULL, PRIMARY KEY (series, res, start))",
    "CREATE INDEX IF NOT EXISTS windows_name ON windows(name, res, start)",
    "CREATE TABLE IF NOT EXISTS totals (series TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,"
    " total_sum REAL NOT NULL, total_count REAL NOT NULL, last REAL, last_ts INTEGER NOT NULL)",
)
# WindowMerge.bulk_rows: [series, name, start, agg] per window.
UPSERT_WINDOWS = (
    "INSERT INTO windows (series, name, res, start, agg) SELECT json_extract(value, '$[0]'),"
    " json_extract(value, '$[1]'), ?, json_extract(value, '$[2]'), json_extract(value, '$[3]') FROM json_each(?)"
    " WHERE true ON CONFLICT(series, res, start) DO UPDATE SET agg = excluded.agg"
)
UPSERT_TOTAL = (
    "INSERT INTO totals (series, name, kind, total_sum, total_count, last, last_ts)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(series) DO UPDATE SET total_sum = total_sum + excluded.total_sum,"
    " total_count = total_count + excluded.total_count,"
    " last = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last ELSE last END,"
    " last_ts = max(last_ts, excluded.last_ts)"
)


def _window_rows(rows: list[Any]) -> list[WindowRow]:
    return [WindowRow(r["series"], int(r["res"]), int(r["start"]), r["agg"]) for r in rows]


class MetricsStore(SqliteObject):
    MIGRATIONS = SCHEMA

    async def append(self, size_ms: int, payload: str) -> int:
        """payload: the codec's list of PointRow."""
        points = decode(list[PointRow], payload)
        merge, totals = append_points(points, size_ms)
        wanted = json.dumps([[s, st] for s, st in merge.windows])
        existing = self.rows(
            "SELECT w.series AS series, w.res AS res, w.start AS start, w.agg AS agg FROM windows w JOIN json_each(?) j"
            " ON w.series = json_extract(j.value, '$[0]') AND w.start = json_extract(j.value, '$[1]') AND w.res = ?",
            wanted,
            size_ms,
        )
        merge.merge_stored(_window_rows(existing))
        self.sql.exec(UPSERT_WINDOWS, size_ms, json.dumps(merge.bulk_rows()))
        for series, t in totals.items():
            self.sql.exec(UPSERT_TOTAL, series, t.name, t.kind, t.total_sum, t.total_count, t.last, t.last_ts)
        return len(points)

    async def windows(self, name: str, start_ms: int, end_ms: int) -> str:
        rows = self.rows(
            "SELECT series, res, start, agg FROM windows WHERE name = ? AND start >= ? AND start < ? ORDER BY start",
            name,
            start_ms,
            end_ms,
        )
        return encode(_window_rows(rows))

    async def recent(self, since_ms: int) -> str:
        """Totals of every series, and their windows since since_ms (for the Prometheus scrape)."""
        totals = [
            SeriesTotal(t["series"], t["name"], t["kind"], t["total_sum"], t["total_count"], t["last"])
            for t in self.rows("SELECT series, name, kind, total_sum, total_count, last FROM totals")
        ]
        windows = self.rows("SELECT series, res, start, agg FROM windows WHERE start >= ?", since_ms)
        return encode(RecentAnswer(totals, _window_rows(windows)))

    async def rollup(self, size_ms: int, older_than_ms: int) -> str:
        """Merge windows older than the retention into hourly windows; drop hourly ones past 90 days."""
        rows = self.rows(
            "SELECT series, name, res, start, agg FROM windows WHERE res = ? AND start < ?", size_ms, older_than_ms
        )
        merge = hourly_rollup(_window_rows(rows), {r["series"]: r["name"] for r in rows})
        existing = self.rows(
            "SELECT series, res, start, agg FROM windows WHERE res = ? AND start < ?", HOUR_MS, older_than_ms
        )
        merge.merge_stored(_window_rows(existing))
        merged = merge.bulk_rows()
        if merged:
            self.sql.exec(UPSERT_WINDOWS, HOUR_MS, json.dumps(merged))
        self.sql.exec("DELETE FROM windows WHERE res = ? AND start < ?", size_ms, older_than_ms)
        self.sql.exec("DELETE FROM windows WHERE res = ? AND start < ?", HOUR_MS, now_ms() - ROLLUP_KEEP_MS)
        return encode(RollupResult(len(rows), len(merged)))
