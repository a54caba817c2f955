"""LogBuffer: a Durable Object per shard holding accepted entries until they are archived to R2.

An ingest is acknowledged only after the shard's SQLite write returned (Durable Object storage is
durable when the call completes). Each accepted batch is one row (its entries as the JSON array
the Worker sent, its batch id, its minute counts), so a batch of 100 entries costs a few rows
written, not a few per entry. A flush writes one gzip NDJSON object per service and hour to R2
and, only after R2 accepted it, records the object's summary and the archived entries in the same
synchronous block (so atomically); once every object is written the watermark moves over the
batches, their minute counts join the shard's table, and batch rows older than the batch-id
dedupe window are deleted. An R2 failure keeps everything buffered, counts the failure, and
retries at the next alarm or cron.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from edgewatch.codec import decode, encode
from edgewatch.cost import SqlUsage
from edgewatch.durations import parse_duration_ms
from edgewatch.health import describe_error
from edgewatch.logs.archive import ObjectSummary, build_object
from edgewatch.logs.buffer import BufferedEntry, FlushState, archive_chunks, entry_id, flush_alarm, next_seq, with_id
from edgewatch.logs.entry import LogEntry
from edgewatch.logs.messages import (
    AppendRequest,
    AppendResult,
    Candidate,
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

RETRY_AFTER_FAILURE_MS = 60_000

SCHEMA = (
    # 0-7: the first layout, one row per entry (moved into `appends` by 8-13)
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
    # 8: one row per accepted batch; `rows` is AppendRequest.rows_json as sent, `counts` its minute
    # counts, `usage` the object's SQL work counted before it (kept there at no extra row written)
    "CREATE TABLE appends (seq INTEGER PRIMARY KEY, batch_id TEXT, arrived_at INTEGER NOT NULL,"
    " count INTEGER NOT NULL, bytes INTEGER NOT NULL, min_ts INTEGER, max_ts INTEGER, rows TEXT NOT NULL,"
    " counts TEXT NOT NULL, usage TEXT NOT NULL DEFAULT '{}')",
    # 9: only batches that carry an id are indexed: a batch without one costs no index row
    "CREATE UNIQUE INDEX appends_batch ON appends(batch_id) WHERE batch_id IS NOT NULL",
    # 10-11: the unarchived entries of the first layout become batches of one, under their own
    # numbers; its batch ids are kept for dedupe as empty batches below every number (archived)
    "INSERT INTO appends (seq, batch_id, arrived_at, count, bytes, min_ts, max_ts, rows, counts)"
    " SELECT seq, NULL, arrived_at, 1, bytes, ts, ts,"
    " json_array(json_array(ts, level, service, trace_id, request_id, user_id, json(line))), '[]'"
    " FROM entries WHERE archived_at IS NULL",
    "INSERT INTO appends (seq, batch_id, arrived_at, count, bytes, rows, counts)"
    " SELECT -rowid, id, at, 0, 0, '[]', '[]' FROM batches",
    # 12: numbering goes on above every number the first layout gave
    "INSERT OR REPLACE INTO stats (name, value) SELECT 'seq_floor', coalesce(max(seq), 0) + 1 FROM entries",
    "DROP TABLE entries",
    "DROP TABLE batches",
)

INSERT_APPEND = (
    "INSERT INTO appends (seq, batch_id, arrived_at, count, bytes, min_ts, max_ts, rows, counts, usage)"
    " SELECT ?1, ?2, ?3, count(*), coalesce(sum(length(json_extract(value, '$[6]'))), 0),"
    " min(json_extract(value, '$[0]')), max(json_extract(value, '$[0]')), ?4, ?5, ?6 FROM json_each(?4)"
)
# The entries of the batches above a watermark: seq, then the columns of ENTRY_COLUMNS by name.
OPEN_ENTRIES = (
    "SELECT a.seq + e.key AS seq, json_extract(e.value, '$[0]') AS ts, json_extract(e.value, '$[1]') AS level,"
    " json_extract(e.value, '$[2]') AS service, json_extract(e.value, '$[3]') AS trace_id,"
    " json_extract(e.value, '$[4]') AS request_id, json_extract(e.value, '$[5]') AS user_id,"
    " json_extract(e.value, '$[6]') AS line FROM appends a, json_each(a.rows) e WHERE a.seq > ?"
)
# The minute counts of the batches in (after, through], summed, added to the shard's table.
FOLD_COUNTS = (
    "INSERT INTO minute_counts (service, minute, level, seen, kept)"
    " SELECT json_extract(c.value, '$.service') AS s, json_extract(c.value, '$.minute') AS m,"
    " json_extract(c.value, '$.level') AS l, sum(json_extract(c.value, '$.seen')),"
    " sum(json_extract(c.value, '$.kept')) FROM appends a, json_each(a.counts) c"
    " WHERE a.seq > ? AND a.seq <= ? GROUP BY s, m, l"
    " ON CONFLICT(service, minute, level) DO UPDATE SET seen = seen + excluded.seen, kept = kept + excluded.kept"
)
INSERT_OBJECT = (
    "INSERT INTO objects (key, service, min_ts, max_ts, count, levels, bloom, raw_bytes, stored_bytes,"
    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET"
    " count = excluded.count, max_ts = excluded.max_ts, levels = excluded.levels, bloom = excluded.bloom,"
    " raw_bytes = excluded.raw_bytes, stored_bytes = excluded.stored_bytes"
)
# The SQL work kept in the batch rows in (after, through]; through NULL: every one above after.
BATCH_USAGE = (
    "SELECT coalesce(sum(json_extract(usage, '$.statements')), 0) AS statements,"
    " coalesce(sum(json_extract(usage, '$.rows_read')), 0) AS rows_read,"
    " coalesce(sum(json_extract(usage, '$.rows_written')), 0) AS rows_written FROM appends"
    " WHERE seq > ?1 AND (?2 IS NULL OR seq <= ?2)"
)
UPSERT_STAT = "INSERT INTO stats (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value"


class LogBuffer(SqliteObject):
    MIGRATIONS = SCHEMA

    def __init__(self, ctx: Any, env: Any) -> None:
        super().__init__(ctx, env)
        self.console = Console("pitchey-logs/LogBuffer")

    # -- small helpers -----------------------------------------------------------------------
    def _stat(self, name: str, default: str = "") -> str:
        row = self.first("SELECT value FROM stats WHERE name = ?", name)
        return str(row["value"]) if row else default

    def _state(self) -> FlushState:
        text = self._stat("flush")
        return decode(FlushState, text) if text else FlushState()

    def _save(self, state: FlushState) -> FlushState:
        """Keep the state with the SQL work counted so far; this write is counted towards the next."""
        saved = replace(state, usage=state.usage.plus(self._take_usage()))
        self.run(UPSERT_STAT, "flush", encode(saved))
        return saved

    def _take_usage(self) -> SqlUsage:
        taken, self.usage = self.usage, SqlUsage()
        return taken

    def _usage(self, state: FlushState) -> SqlUsage:
        """All SQL work of this shard: saved, kept in batches above the watermark, and in memory."""
        kept = self.one(BATCH_USAGE, state.archived_through, None)
        in_batches = SqlUsage(int(kept["statements"]), int(kept["rows_read"]), int(kept["rows_written"]))
        return state.usage.plus(in_batches).plus(self.usage)

    def _open(self, state: FlushState) -> Any:
        """Entries, bytes and oldest arrival of the batches above the watermark."""
        return self.one(
            "SELECT coalesce(sum(count), 0) AS n, coalesce(sum(bytes), 0) AS b, min(arrived_at) AS first"
            " FROM appends WHERE seq > ? AND count > 0",
            state.archived_through,
        )

    def _shard(self) -> int:
        return int(self._stat("shard", "0"))

    def _next_seq(self) -> int:
        last = self.first("SELECT seq, count FROM appends ORDER BY seq DESC LIMIT 1")
        floor = int(self._stat("seq_floor", "0"))
        return next_seq(None if last is None else int(last["seq"]), 0 if last is None else int(last["count"]), floor)

    # -- ingest ------------------------------------------------------------------------------
    async def append(self, shard: int, payload: str) -> str:
        request = decode(AppendRequest, payload)
        now = now_ms()
        batch_id = request.batch_id
        if batch_id is not None and self.first("SELECT 1 AS hit FROM appends WHERE batch_id = ?", batch_id):
            return encode(AppendResult(0, duplicate=True))
        if not request.rows and not request.counts:
            return encode(AppendResult(0, duplicate=False))
        # One statement: the batch id, its entries and its counts commit together or not at all.
        self.run("INSERT OR IGNORE INTO stats (name, value) VALUES ('shard', ?)", str(int(shard)))
        seq = self._next_seq()
        before = encode(self._take_usage())
        self.run(INSERT_APPEND, seq, batch_id, now, request.rows_json, encode(request.counts), before)
        await self._schedule(now)
        return encode(AppendResult(request.rows, duplicate=False))

    async def _schedule(self, now: int) -> None:
        config = stack_config(self.env).monitoring.logging.buffer
        waiting = self._open(self._state())
        alarm = flush_alarm(
            int(waiting["n"]),
            int(waiting["b"]),
            waiting["first"],
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
        state = self._state()
        last = self.first("SELECT seq, count FROM appends ORDER BY seq DESC LIMIT 1")
        through = max(state.archived_through, int(last["seq"]) if last else 0)
        # The number of the last entry of batch `through`: archived_ahead is cleared up to it.
        last_entry = through + max(int(last["count"]), 1) - 1 if last and int(last["seq"]) == through else through
        ahead = set(state.archived_ahead)
        entries = [
            BufferedEntry(int(r["seq"]), int(r["ts"]), str(r["service"]), str(r["line"]))
            for r in self.rows(OPEN_ENTRIES + " AND a.seq <= ?", state.archived_through, through)
            if int(r["seq"]) not in ahead
        ]
        bucket = R2Port(self.env.R2_BUCKET)
        written: list[str] = []
        error = None
        for chunk in archive_chunks(entries, shard, config.max_entries):
            built = build_object(chunk.service, chunk.unique, chunk.lines)
            try:
                if await take_fault(self.env, "r2_put") or (written and await take_fault(self.env, "r2_put_later")):
                    raise RuntimeError("injected R2 put failure")
                await bucket.put(built.key, built.data, metadata={"entries": str(len(chunk.lines))})
            except Exception as exc:
                error = describe_error(exc)
                break
            # One synchronous block after R2 accepted the object: its summary and its entries.
            self._record_object(built.summary)
            state = self._save(self._state().archived_chunk(chunk.seqs))
            written.append(built.key)
        now = now_ms()
        state = self._state()
        if error:
            state = state.failed(error, now)
            self.console.error("flush_failed", shard=shard, reason=reason, error=error, failures=state.failures)
        else:
            # Every batch up to `through` is archived: its counts and SQL work join the shard's.
            self.run(FOLD_COUNTS, state.archived_through, through)
            kept = self.one(BATCH_USAGE, state.archived_through, through)
            folded = SqlUsage(int(kept["statements"]), int(kept["rows_read"]), int(kept["rows_written"]))
            state = replace(state.succeeded(through, last_entry, now), usage=state.usage.plus(folded))
        self._forget_batches(state, now)
        self._save(state)
        self.console.info("flush", shard=shard, reason=reason, objects=len(written), ok=error is None)
        return FlushReport(error is None, written, error, shard)

    def _forget_batches(self, state: FlushState, now: int) -> None:
        """Delete archived batch rows older than the dedupe window, keeping the numbering's floor."""
        cutoff = now - parse_duration_ms(stack_config(self.env).monitoring.logging.buffer.dedupe_window)
        old = self.one(
            "SELECT count(*) AS n FROM appends WHERE seq <= ? AND arrived_at < ?", state.archived_through, cutoff
        )
        if int(old["n"]):
            self.run(UPSERT_STAT, "seq_floor", str(self._next_seq()))
            self.run("DELETE FROM appends WHERE seq <= ? AND arrived_at < ?", state.archived_through, cutoff)

    def _record_object(self, summary: ObjectSummary) -> None:
        levels = json.dumps(summary.levels)
        self.run(
            INSERT_OBJECT,
            *(summary.key, summary.service, summary.min_ts, summary.max_ts, summary.count, levels, summary.bloom),
            *(summary.raw_bytes, summary.stored_bytes, now_ms()),
        )

    async def flush_now(self, reason: str) -> str:
        return encode(await self.flush(reason))

    # -- reads -------------------------------------------------------------------------------
    async def search(self, query_json: str) -> str:
        q = decode(Query, query_json)
        return encode(ShardSearchAnswer(self._buffered_matches(q), *self._candidates(q)))

    def _buffered_matches(self, q: Query) -> list[str]:
        shard = self._shard()
        state = self._state()
        ahead = set(state.archived_ahead)
        where = ["a.max_ts >= ?", "a.min_ts < ?", "ts >= ?", "ts < ?", "level >= ?"]
        params: list[Any] = [state.archived_through, q.start_ms, q.end_ms, q.start_ms, q.end_ms, q.min_level]
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
        sql = f"{OPEN_ENTRIES} AND {' AND '.join(where)} ORDER BY ts DESC, seq DESC"
        matches: list[str] = []
        for row in self.iterate(sql, *params):
            seq = int(row["seq"])
            if seq in ahead:
                continue
            ident = entry_id(shard, seq)
            if q.matches(LogEntry.from_json(json.loads(row["line"])), ident):
                matches.append(with_id(row["line"], ident))
                if len(matches) >= q.limit:
                    break
        return matches

    def _candidates(self, q: Query) -> tuple[list[Candidate], int]:
        candidates, total = [], 0
        for row in self.rows(
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
        entry = "SELECT a.seq + e.key AS seq, json_extract(e.value, '$[6]') AS line FROM"
        if since_seq < 0:
            rows = self.rows(
                f"{entry} (SELECT seq, rows FROM appends WHERE count > 0 ORDER BY seq DESC LIMIT ?) a,"
                " json_each(a.rows) e ORDER BY seq DESC LIMIT ?",
                limit,
                limit,
            )
            rows.reverse()
        else:
            rows = self.rows(
                f"{entry} appends a, json_each(a.rows) e WHERE a.seq >= (SELECT coalesce(max(seq), 0) FROM appends"
                " WHERE seq <= ?) AND a.seq + e.key > ? ORDER BY seq LIMIT ?",
                since_seq + 1,
                since_seq,
                limit,
            )
        bounds = self.one(
            "SELECT min(seq) AS first, max(seq + count - 1) AS last FROM appends WHERE count > 0 AND seq > 0"
        )
        seqs = [int(r["seq"]) for r in rows]
        first = None if bounds["first"] is None else int(bounds["first"])
        last = None if bounds["last"] is None else int(bounds["last"])
        position = tail_position(since_seq, seqs, first, last)
        lines = [with_id(r["line"], entry_id(shard, seq)) for r, seq in zip(rows, seqs, strict=True)]
        return encode(TailAnswer(lines, position.last_seq, position.gap))

    async def counts(self, start_minute: int, end_minute: int, service: str | None) -> str:
        """Minute counts: the shard's table plus those of the batches not yet folded into it."""
        state = self._state()
        params: list[Any] = [start_minute, end_minute]
        extra = ""
        if service:
            extra = " AND s = ?"
            params.append(service)
        rows = self.rows(
            "SELECT s, m, l, sum(seen) AS seen, sum(kept) AS kept FROM ("
            " SELECT service AS s, minute AS m, level AS l, seen, kept FROM minute_counts UNION ALL"
            " SELECT json_extract(c.value, '$.service'), json_extract(c.value, '$.minute'),"
            " json_extract(c.value, '$.level'), json_extract(c.value, '$.seen'), json_extract(c.value, '$.kept')"
            " FROM appends a, json_each(a.counts) c WHERE a.seq > ?"
            f") WHERE m >= ? AND m < ?{extra} GROUP BY s, m, l",
            state.archived_through,
            *params,
        )
        found = [MinuteCount(r["s"], int(r["m"]), r["l"], float(r["seen"]), float(r["kept"])) for r in rows]
        return encode(found)

    async def forget_objects(self, keys_json: str) -> int:
        keys = decode(list[str], keys_json)
        self.run("DELETE FROM objects WHERE key IN (SELECT value FROM json_each(?))", json.dumps(keys))
        return len(keys)

    async def stats(self) -> str:
        state = self._state()
        waiting = self._open(state)
        objects = self.one(
            "SELECT count(*) AS n, coalesce(sum(count), 0) AS entries, coalesce(sum(raw_bytes), 0) AS raw,"
            " coalesce(sum(stored_bytes), 0) AS stored FROM objects"
        )
        alarm = await self.ctx.storage.getAlarm()
        usage = self._usage(state)
        stats = ShardStats(
            shard=self._shard(),
            buffered_entries=int(waiting["n"]) - len(state.archived_ahead),
            buffered_bytes=int(waiting["b"]),
            oldest_buffered_ms=None if waiting["first"] is None else int(waiting["first"]),
            next_flush_ms=None if alarm is None else int(alarm),
            archived_objects=int(objects["n"]),
            archived_entries=int(objects["entries"]),
            archived_raw_bytes=int(objects["raw"]),
            archived_stored_bytes=int(objects["stored"]),
            flush_failures=state.failures,
            last_flush_ok=state.last_ok_ms,
            last_flush_error=state.last_error,
            failing_since_ms=state.failing_since_ms,
            sql=usage,
            stored_bytes=int(self.sql.databaseSize),
        )
        return encode(stats)
