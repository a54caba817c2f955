"""LogBuffer: a Durable Object per shard holding accepted entries until they are archived to R2.

An ingest is acknowledged only after the shard's SQLite write returned (Durable Object storage is
durable when the call completes). A flush writes one gzip NDJSON object per service and hour to
R2 and, only after R2 accepted it, records the object's summary in the shard's index and marks the
entries archived, in one synchronous block (so atomically). An R2 failure keeps everything
buffered, counts the failure, and retries at the next alarm or cron.
"""

from __future__ import annotations

import json
from typing import Any

from edgewatch.codec import decode, encode
from edgewatch.durations import parse_duration_ms
from edgewatch.health import describe_error
from edgewatch.logs.archive import ObjectSummary, build_object
from edgewatch.logs.buffer import BufferedEntry, archive_chunks, entry_id, flush_alarm, with_id
from edgewatch.logs.entry import LogEntry
from edgewatch.logs.messages import (
    AppendRequest,
    AppendResult,
    Candidate,
    FlushError,
    FlushReport,
    MinuteCount,
    ShardSearchAnswer,
    ShardStats,
    TailAnswer,
)
from edgewatch.logs.query import Query
from edgewatch.logs.tail import tail_position
from edgewatch_cf.bindings import R2Port
from edgewatch_cf.clock import now_ms
from edgewatch_cf.console import Console
from edgewatch_cf.faults import take_fault
from edgewatch_cf.settings import stack_config
from edgewatch_cf.sqlite_object import SqliteObject

TAIL_KEEP_MS = 15 * 60_000
BATCH_ID_KEEP_MS = 24 * 3_600_000
RETRY_AFTER_FAILURE_MS = 60_000

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entries (seq INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL,"
    " level INTEGER NOT NULL, service TEXT NOT NULL, trace_id TEXT, request_id TEXT, user_id TEXT,"
    " line TEXT NOT NULL, bytes INTEGER NOT NULL, arrived_at INTEGER NOT NULL, archived_at INTEGER)",
    "CREATE INDEX IF NOT EXISTS entries_open ON entries(archived_at, ts)",
    "CREATE TABLE IF NOT EXISTS batches (id TEXT PRIMARY KEY, at INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, service TEXT NOT NULL, min_ts INTEGER NOT NULL,"
    " max_ts INTEGER NOT NULL, count INTEGER NOT NULL, levels TEXT NOT NULL, bloom TEXT NOT NULL,"
    " raw_bytes INTEGER NOT NULL, stored_bytes INTEGER NOT NULL, created_at INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS objects_time ON objects(max_ts)",
    "CREATE TABLE IF NOT EXISTS minute_counts (service TEXT NOT NULL, minute INTEGER NOT NULL, level TEXT NOT NULL,"
    " seen REAL NOT NULL, kept REAL NOT NULL, PRIMARY KEY (service, minute, level))",
    "CREATE TABLE IF NOT EXISTS stats (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)

# AppendRequest.rows_json: rows with the columns of edgewatch.logs.messages.ENTRY_COLUMNS.
INSERT_ROWS = (
    "INSERT INTO entries (ts, level, service, trace_id, request_id, user_id, line, bytes, arrived_at)"
    " SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),"
    " json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'),"
    " json(json_extract(value, '$[6]')), length(json(json_extract(value, '$[6]'))), ? FROM json_each(?)"
)
# A JSON array of MinuteCount objects.
UPSERT_COUNTS = (
    "INSERT INTO minute_counts (service, minute, level, seen, kept)"
    " SELECT json_extract(value, '$.service'), json_extract(value, '$.minute'), json_extract(value, '$.level'),"
    " json_extract(value, '$.seen'), json_extract(value, '$.kept') FROM json_each(?) WHERE true"
    " ON CONFLICT(service, minute, level) DO UPDATE SET seen = seen + excluded.seen, kept = kept + excluded.kept"
)
INSERT_OBJECT = (
    "INSERT INTO objects (key, service, min_ts, max_ts, count, levels, bloom, raw_bytes, stored_bytes,"
    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET"
    " count = excluded.count, max_ts = excluded.max_ts, levels = excluded.levels, bloom = excluded.bloom,"
    " raw_bytes = excluded.raw_bytes, stored_bytes = excluded.stored_bytes"
)


class LogBuffer(SqliteObject):
    MIGRATIONS = SCHEMA

    def __init__(self, ctx: Any, env: Any) -> None:
        super().__init__(ctx, env)
        self.console = Console("pitchey-logs/LogBuffer")

    # -- small helpers -----------------------------------------------------------------------
    def _stat(self, name: str, default: str = "") -> str:
        row = self.first("SELECT value FROM stats WHERE name = ?", name)
        return str(row["value"]) if row else default

    def _set_stat(self, name: str, value: Any) -> None:
        self.sql.exec(
            "INSERT INTO stats (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            name,
            str(value),
        )

    def _open_rows(self) -> Any:
        """Count, bytes and oldest arrival of the entries not yet archived."""
        return self.rows(
            "SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b, min(arrived_at) AS first"
            " FROM entries WHERE archived_at IS NULL"
        )[0]

    def _shard(self) -> int:
        return int(self._stat("shard", "0"))

    # -- ingest ------------------------------------------------------------------------------
    async def append(self, shard: int, payload: str) -> str:
        request = decode(AppendRequest, payload)
        now = now_ms()
        batch_id = request.batch_id
        if batch_id is not None and self.first("SELECT 1 AS hit FROM batches WHERE id = ?", batch_id):
            return encode(AppendResult(0, duplicate=True))
        # One synchronous block: the batch id, rows and counts commit together or not at all.
        self._set_stat("shard", int(shard))
        if request.rows:
            self.sql.exec(INSERT_ROWS, now, request.rows_json)
        if request.counts:
            self.sql.exec(UPSERT_COUNTS, encode(request.counts))
        if batch_id is not None:
            self.sql.exec("INSERT INTO batches (id, at) VALUES (?, ?)", batch_id, now)
        await self._schedule(now)
        return encode(AppendResult(request.rows, duplicate=False))

    async def _schedule(self, now: int) -> None:
        config = stack_config(self.env).monitoring.logging.buffer
        open_rows = self._open_rows()
        alarm = flush_alarm(
            int(open_rows["n"]),
            int(open_rows["b"]),
            open_rows["first"],
            now,
            max_entries=config.max_entries,
            max_bytes=config.max_bytes,
            max_age_ms=parse_duration_ms(config.max_age),
        )
        if alarm is not None and (alarm.replace or await self.ctx.storage.getAlarm() is None):
            await self.ctx.storage.setAlarm(alarm.at_ms)

    async def alarm(self, info: Any = None) -> None:
        report = await self.flush("threshold")
        if not report.ok:
            await self.ctx.storage.setAlarm(now_ms() + RETRY_AFTER_FAILURE_MS)

    # -- flush -------------------------------------------------------------------------------
    async def flush(self, reason: str = "cron") -> FlushReport:
        config = stack_config(self.env).monitoring.logging.buffer
        shard = self._shard()
        rows = self.rows("SELECT seq, ts, service, line FROM entries WHERE archived_at IS NULL")
        entries = [BufferedEntry(int(r["seq"]), int(r["ts"]), str(r["service"]), str(r["line"])) for r in rows]
        bucket = R2Port(self.env.R2_BUCKET)
        written: list[str] = []
        error = None
        for chunk in archive_chunks(entries, shard, config.max_entries):
            built = build_object(chunk.service, chunk.unique, chunk.lines)
            try:
                if await take_fault(self.env, "r2_put"):
                    raise RuntimeError("injected R2 put failure")
                await bucket.put(built.key, built.data, metadata={"entries": str(len(chunk.lines))})
            except Exception as exc:
                error = describe_error(exc)
                break
            self._record_object(built.summary, chunk.seqs)
            written.append(built.key)
        now = now_ms()
        self.sql.exec("DELETE FROM entries WHERE archived_at IS NOT NULL AND archived_at < ?", now - TAIL_KEEP_MS)
        self.sql.exec("DELETE FROM batches WHERE at < ?", now - BATCH_ID_KEEP_MS)
        if error:
            failures = int(self._stat("flush_failures", "0")) + 1
            self._set_stat("flush_failures", failures)
            self._set_stat("last_flush_error", encode(FlushError(now, error)))
            if not int(self._stat("failing_since", "0")):
                self._set_stat("failing_since", now)
            self.console.error("flush_failed", shard=shard, reason=reason, error=error, failures=failures)
        else:
            self._set_stat("last_flush_ok", now)
            self._set_stat("failing_since", 0)
        self.console.info("flush", shard=shard, reason=reason, objects=len(written), ok=error is None)
        return FlushReport(error is None, written, error, shard)

    def _record_object(self, summary: ObjectSummary, seqs: list[int]) -> None:
        now = now_ms()
        levels = json.dumps(summary.levels)
        self.sql.exec(
            INSERT_OBJECT,
            *(summary.key, summary.service, summary.min_ts, summary.max_ts, summary.count, levels, summary.bloom),
            *(summary.raw_bytes, summary.stored_bytes, now),
        )
        self.sql.exec(
            "UPDATE entries SET archived_at = ? WHERE seq IN (SELECT value FROM json_each(?))", now, json.dumps(seqs)
        )

    async def flush_now(self, reason: str) -> str:
        return encode(await self.flush(reason))

    # -- reads -------------------------------------------------------------------------------
    async def search(self, query_json: str) -> str:
        q = decode(Query, query_json)
        return encode(ShardSearchAnswer(self._buffered_matches(q), *self._candidates(q)))

    def _buffered_matches(self, q: Query) -> list[str]:
        shard = self._shard()
        where = ["archived_at IS NULL", "ts >= ?", "ts < ?", "level >= ?"]
        params: list[Any] = [q.start_ms, q.end_ms, q.min_level]
        if q.cursor is not None:
            where.append("ts <= ?")
            params.append(q.cursor.ts)
        for name in ("trace_id", "request_id", "user_id"):
            if name in q.ids:
                where.append(f"{name} = ?")
                params.append(q.ids[name])
        if q.services:
            where.append("service IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(sorted(q.services)))
        sql = f"SELECT seq, line FROM entries WHERE {' AND '.join(where)} ORDER BY ts DESC, seq DESC"
        matches: list[str] = []
        for row in self.sql.exec(sql, *params):
            ident = entry_id(shard, int(row["seq"]))
            if q.matches(LogEntry.from_json(json.loads(row["line"])), ident):
                matches.append(with_id(row["line"], ident))
                if len(matches) >= q.limit:
                    break
        return matches

    def _candidates(self, q: Query) -> tuple[list[Candidate], int]:
        candidates, total = [], 0
        for row in self.sql.exec(
            "SELECT key, service, min_ts, max_ts, count, levels, bloom, raw_bytes, stored_bytes FROM objects"
            " WHERE max_ts >= ? AND min_ts < ? ORDER BY max_ts DESC",
            q.start_ms,
            q.end_ms,
        ):
            total += 1
            summary = ObjectSummary.from_json({**dict(row), "levels": json.loads(row["levels"])})
            if q.may_match_object(summary):
                candidates.append(Candidate(summary.key, summary.min_ts, summary.max_ts))
        return candidates, total

    async def tail(self, since_seq: int, limit: int) -> str:
        shard = self._shard()
        if since_seq < 0:
            rows = self.rows("SELECT seq, line FROM entries ORDER BY seq DESC LIMIT ?", limit)
            rows.reverse()
        else:
            rows = self.rows("SELECT seq, line FROM entries WHERE seq > ? ORDER BY seq LIMIT ?", since_seq, limit)
        bounds = self.one("SELECT min(seq) AS first, max(seq) AS last FROM entries")
        seqs = [int(r["seq"]) for r in rows]
        first = None if bounds["first"] is None else int(bounds["first"])
        last = None if bounds["last"] is None else int(bounds["last"])
        position = tail_position(since_seq, seqs, first, last)
        lines = [with_id(r["line"], entry_id(shard, seq)) for r, seq in zip(rows, seqs, strict=True)]
        return encode(TailAnswer(lines, position.last_seq, position.gap))

    async def counts(self, start_minute: int, end_minute: int, service: str | None) -> str:
        params: list[Any] = [start_minute, end_minute]
        extra = ""
        if service:
            extra = " AND service = ?"
            params.append(service)
        rows = self.rows(
            "SELECT service, minute, level, seen, kept FROM minute_counts WHERE minute >= ? AND minute < ?" + extra,
            *params,
        )
        found = [
            MinuteCount(r["service"], int(r["minute"]), r["level"], float(r["seen"]), float(r["kept"])) for r in rows
        ]
        return encode(found)

    async def forget_objects(self, keys_json: str) -> int:
        keys = decode(list[str], keys_json)
        self.sql.exec("DELETE FROM objects WHERE key IN (SELECT value FROM json_each(?))", json.dumps(keys))
        return len(keys)

    async def stats(self) -> str:
        open_rows = self._open_rows()
        objects = self.one(
            "SELECT count(*) AS n, coalesce(sum(count), 0) AS entries, coalesce(sum(raw_bytes), 0) AS raw,"
            " coalesce(sum(stored_bytes), 0) AS stored FROM objects"
        )
        last_error = self._stat("last_flush_error")
        alarm = await self.ctx.storage.getAlarm()
        stats = ShardStats(
            shard=self._shard(),
            buffered_entries=int(open_rows["n"]),
            buffered_bytes=int(open_rows["b"]),
            oldest_buffered_ms=None if open_rows["first"] is None else int(open_rows["first"]),
            next_flush_ms=None if alarm is None else int(alarm),
            archived_objects=int(objects["n"]),
            archived_entries=int(objects["entries"]),
            archived_raw_bytes=int(objects["raw"]),
            archived_stored_bytes=int(objects["stored"]),
            flush_failures=int(self._stat("flush_failures", "0")),
            last_flush_ok=int(self._stat("last_flush_ok", "0")) or None,
            last_flush_error=decode(FlushError, last_error) if last_error else None,
            failing_since_ms=int(self._stat("failing_since", "0")) or None,
        )
        return encode(stats)
