"""TraceStore: a Durable Object per shard (traces are assigned by id) holding spans until their
trace is decided and, if kept, archived to R2.

An export is acknowledged only after the shard's SQLite write returned. One row is written per
trace and batch. A flush (alarm or cron) makes the tail decision for every ready trace (the core's
plan_flush), records decisions and rollups, drops the rows of dropped traces, then writes the kept
traces as gzip NDJSON objects; only after R2 accepted an object are its summary recorded and its
rows deleted, in one synchronous block. An R2 failure keeps the rows, counts the failure, and
retries at the next alarm or cron.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from edgewatch.apm.traces.archive import TraceObjectSummary, build_trace_object
from edgewatch.apm.traces.flush import BufferedTrace, plan_flush
from edgewatch.apm.traces.messages import (
    AppendAnswer,
    AppendSpans,
    ShardSpanAnswer,
    TraceCandidate,
    TraceFlushReport,
    TraceLookup,
    TraceShardStats,
)
from edgewatch.apm.traces.metric_points import endpoint_points
from edgewatch.apm.traces.query import SpanQuery
from edgewatch.apm.traces.rollup import Rollup, RollupKey
from edgewatch.apm.traces.sampling import TraceDecision, Verdict
from edgewatch.apm.traces.search import buffered_matches
from edgewatch.codec import decode, encode
from edgewatch.durations import parse_duration_ms
from edgewatch.health import describe_error
from edgewatch.logs import BloomFilter, flush_alarm
from edgewatch_cf.bindings import R2Port
from edgewatch_cf.clock import now_ms
from edgewatch_cf.console import Console
from edgewatch_cf.faults import take_fault
from edgewatch_cf.settings import stack_config
from edgewatch_cf.sqlite_object import SqliteObject

BATCH_ID_KEEP_MS = 24 * 3_600_000
DECISION_KEEP_MS = 2 * 3_600_000
RETRY_AFTER_FAILURE_MS = 60_000
TRACES_PER_PASS = 2_000
MAX_PASSES = 8
MORE_SOON_MS = 1_000

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS buffered (seq INTEGER PRIMARY KEY AUTOINCREMENT, trace_id TEXT NOT NULL,"
    " spans INTEGER NOT NULL, has_root INTEGER NOT NULL, body TEXT NOT NULL, bytes INTEGER NOT NULL,"
    " arrived_at INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS buffered_trace ON buffered(trace_id)",
    "CREATE TABLE IF NOT EXISTS batches (id TEXT PRIMARY KEY, at INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS decisions (trace_id TEXT PRIMARY KEY, verdict TEXT NOT NULL, weight REAL NOT NULL,"
    " at INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL,"
    " traces INTEGER NOT NULL, spans INTEGER NOT NULL, max_duration_us INTEGER NOT NULL, ids TEXT NOT NULL,"
    " terms TEXT NOT NULL, raw_bytes INTEGER NOT NULL, stored_bytes INTEGER NOT NULL, created_at INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS objects_time ON objects(max_ts)",
    "CREATE TABLE IF NOT EXISTS rollups (kind TEXT NOT NULL, service TEXT NOT NULL, name TEXT NOT NULL,"
    " minute INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, service, name, minute))",
    "CREATE INDEX IF NOT EXISTS rollups_minute ON rollups(minute)",
    "CREATE TABLE IF NOT EXISTS stats (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # Metric points of the per-endpoint series waiting to reach pitchey-monitoring (one row per flush).
    "CREATE TABLE IF NOT EXISTS metric_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,"
    " points TEXT NOT NULL)",
)
INSERT_ROWS = (
    "INSERT INTO buffered (trace_id, spans, has_root, body, bytes, arrived_at)"
    " SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),"
    " json_extract(value, '$[3]'), length(json_extract(value, '$[3]')), ? FROM json_each(?)"
)
INSERT_DECISIONS = (
    "INSERT OR REPLACE INTO decisions (trace_id, verdict, weight, at)"
    " SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), ?"
    " FROM json_each(?)"
)
UPSERT_ROLLUPS = (
    "INSERT OR REPLACE INTO rollups (kind, service, name, minute, data)"
    " SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),"
    " json_extract(value, '$[3]'), json_extract(value, '$[4]') FROM json_each(?)"
)
INSERT_OBJECT = (
    "INSERT OR REPLACE INTO objects (key, min_ts, max_ts, traces, spans, max_duration_us, ids, terms, raw_bytes,"
    " stored_bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
SUMMARY_COLUMNS = "key, min_ts, max_ts, traces, spans, max_duration_us, ids, terms, raw_bytes, stored_bytes"


@dataclass
class _Totals:
    written: list[str] = field(default_factory=list)
    error: str | None = None
    decided: int = 0
    kept: int = 0
    waiting: int = 0


class TraceStore(SqliteObject):
    MIGRATIONS = SCHEMA

    def __init__(self, ctx: Any, env: Any) -> None:
        super().__init__(ctx, env)
        self.console = Console("pitchey-apm/TraceStore")

    def _stat(self, name: str, default: str = "") -> str:
        row = self.first("SELECT value FROM stats WHERE name = ?", name)
        return str(row["value"]) if row else default

    def _set_stat(self, name: str, value: Any) -> None:
        self.sql.exec(
            "INSERT INTO stats (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            name,
            str(value),
        )

    def _shard(self) -> int:
        return int(self._stat("shard", "0"))

    def _open(self) -> Any:
        return self.one(
            "SELECT count(*) AS n, coalesce(sum(spans), 0) AS spans, coalesce(sum(bytes), 0) AS b,"
            " min(arrived_at) AS first, count(DISTINCT trace_id) AS traces FROM buffered"
        )

    # -- ingest ------------------------------------------------------------------------------
    async def append(self, shard: int, payload: str) -> str:
        request = decode(AppendSpans, payload)
        now = now_ms()
        if request.batch_id is not None and self.first("SELECT 1 AS hit FROM batches WHERE id = ?", request.batch_id):
            return encode(AppendAnswer(0, duplicate=True))
        # One synchronous block: the rows and the batch id commit together or not at all.
        self._set_stat("shard", int(shard))
        self.sql.exec(INSERT_ROWS, now, request.rows_json)
        if request.batch_id is not None:
            self.sql.exec("INSERT INTO batches (id, at) VALUES (?, ?)", request.batch_id, now)
        await self._schedule(now)
        return encode(AppendAnswer(request.spans, duplicate=False))

    async def _schedule(self, now: int) -> None:
        apm = stack_config(self.env).monitoring.apm
        open_rows = self._open()
        if not int(open_rows["n"]):
            return
        # A trace waits at least decision_wait for its tail decision: no earlier alarm helps.
        alarm = flush_alarm(
            int(open_rows["spans"]),
            int(open_rows["b"]),
            open_rows["first"],
            now,
            max_entries=apm.buffer.max_spans,
            max_bytes=apm.buffer.max_bytes,
            max_age_ms=max(parse_duration_ms(apm.buffer.max_age), apm.sampling.decision_wait_ms),
        )
        if alarm is None:
            return
        at = max(alarm.at_ms, int(open_rows["first"]) + apm.sampling.decision_wait_ms)
        current = await self.ctx.storage.getAlarm()
        if current is None or (alarm.replace and at < current):
            await self.ctx.storage.setAlarm(at)

    async def alarm(self, info: Any = None) -> None:
        report = await self.flush("alarm")
        if not report.ok:
            await self.ctx.storage.setAlarm(now_ms() + RETRY_AFTER_FAILURE_MS)
        elif report.more:
            await self.ctx.storage.setAlarm(now_ms() + MORE_SOON_MS)
        elif report.waiting:
            await self.ctx.storage.setAlarm(now_ms() + stack_config(self.env).monitoring.apm.sampling.decision_wait_ms)

    # -- flush -------------------------------------------------------------------------------
    async def flush(self, reason: str = "cron", force: bool = False) -> TraceFlushReport:
        """Up to MAX_PASSES passes over the buffer, each taking the next TRACES_PER_PASS traces in
        arrival order (so memory stays bounded and a trace waiting for its root does not hold back
        the younger ones); ``more`` in the report says traces were left for the next alarm."""
        apm = stack_config(self.env).monitoring.apm
        shard = self._shard()
        now = now_ms()
        total = _Totals()
        after = 0
        more = False
        for _ in range(MAX_PASSES):
            firsts = self.rows(
                "SELECT trace_id, min(seq) AS first FROM buffered GROUP BY trace_id HAVING min(seq) > ?"
                " ORDER BY first LIMIT ?",
                after,
                TRACES_PER_PASS + 1,
            )
            if not firsts:
                break
            more = len(firsts) > TRACES_PER_PASS
            firsts = firsts[:TRACES_PER_PASS]
            after = int(firsts[-1]["first"])
            await self._flush_pass([str(r["trace_id"]) for r in firsts], apm, shard, now, force=force, total=total)
            if total.error or not more:
                break
        self.sql.exec("DELETE FROM batches WHERE at < ?", now - BATCH_ID_KEEP_MS)
        self.sql.exec("DELETE FROM decisions WHERE at < ?", now - DECISION_KEEP_MS)
        await self._send_metrics(shard)
        error = total.error
        if error:
            failures = int(self._stat("flush_failures", "0")) + 1
            self._set_stat("flush_failures", failures)
            self._set_stat("last_flush_error", error)
            if not int(self._stat("failing_since", "0")):
                self._set_stat("failing_since", now)
            self.console.error("trace_flush_failed", shard=shard, reason=reason, error=error, failures=failures)
        else:
            self._set_stat("last_flush_ok", now)
            self._set_stat("failing_since", 0)
        return TraceFlushReport(
            error is None, total.written, error, shard, total.decided, total.kept, total.decided - total.kept,
            total.waiting, more=more and not error,
        )  # fmt: skip

    async def _flush_pass(
        self, trace_ids: list[str], apm: Any, shard: int, now: int, *, force: bool, total: _Totals
    ) -> None:
        ids = json.dumps(trace_ids)
        rows = [
            BufferedTrace(int(r["seq"]), str(r["trace_id"]), int(r["arrived_at"]), bool(r["has_root"]), str(r["body"]))
            for r in self.rows(
                "SELECT seq, trace_id, arrived_at, has_root, body FROM buffered"
                " WHERE trace_id IN (SELECT value FROM json_each(?)) ORDER BY seq",
                ids,
            )
        ]
        known = {
            str(r["trace_id"]): TraceDecision(Verdict(str(r["verdict"])), float(r["weight"]))
            for r in self.rows(
                "SELECT trace_id, verdict, weight FROM decisions WHERE trace_id IN (SELECT value FROM json_each(?))",
                ids,
            )
        }
        plan = plan_flush(
            rows, known, now, apm.sampling, apdex_ms=apm.apdex_threshold_ms, shard=shard,
            max_spans=apm.buffer.max_spans, force=force,
        )  # fmt: skip
        # Decisions, rollups and dropped rows commit together, before any R2 write.
        if plan.decisions:
            decided = [[t, d.verdict.value, d.weight] for t, d in plan.decisions.items()]
            self.sql.exec(INSERT_DECISIONS, now, json.dumps(decided))
            for verdict in {d.verdict.value for d in plan.decisions.values()}:
                n = sum(1 for d in plan.decisions.values() if d.verdict.value == verdict)
                self._set_stat(f"decided:{verdict}", int(self._stat(f"decided:{verdict}", "0")) + n)
        if plan.rollups:
            points = endpoint_points(plan.rollups)  # before the merge: the points of this flush only
            if points:
                self.sql.exec("INSERT INTO metric_outbox (at, points) VALUES (?, ?)", now, encode(points))
            self._merge_rollups(plan.rollups)
        if plan.drop_seqs:
            self.sql.exec(
                "DELETE FROM buffered WHERE seq IN (SELECT value FROM json_each(?))", json.dumps(plan.drop_seqs)
            )
        total.decided += len(plan.decisions)
        total.kept += sum(1 for d in plan.decisions.values() if d.verdict.kept)
        total.waiting += plan.waiting
        bucket = R2Port(self.env.R2_BUCKET)
        for batch in plan.archive:
            built = build_trace_object(batch.unique, batch.traces)
            try:
                if await take_fault(self.env, "r2_put"):
                    raise RuntimeError("injected R2 put failure")
                await bucket.put(built.summary.key, built.data, metadata={"spans": str(built.summary.spans)})
            except Exception as exc:
                total.error = describe_error(exc)
                return
            self._record_object(built.summary, batch.seqs)
            total.written.append(built.summary.key)

    async def _send_metrics(self, shard: int) -> None:
        """Hand the outbox to pitchey-monitoring's metrics store; a row stays until it was stored."""
        for row in self.rows("SELECT id, points FROM metric_outbox ORDER BY id LIMIT 20"):
            try:
                if await take_fault(self.env, "metrics_export"):
                    raise RuntimeError("injected metrics export failure")
                await self.env.MONITORING.metric_points(str(row["points"]))
            except Exception as exc:
                failures = int(self._stat("metrics_export_failures", "0")) + 1
                self._set_stat("metrics_export_failures", failures)
                self.console.error("metrics_export_failed", shard=shard, error=describe_error(exc), failures=failures)
                return
            self.sql.exec("DELETE FROM metric_outbox WHERE id = ?", row["id"])

    def _merge_rollups(self, rollups: dict[RollupKey, Rollup]) -> None:
        keys = [key.to_json() for key in rollups]
        existing = self.rows(
            "SELECT r.kind, r.service, r.name, r.minute, r.data FROM rollups r JOIN json_each(?) k"
            " ON r.kind = json_extract(k.value, '$[0]') AND r.service = json_extract(k.value, '$[1]')"
            " AND r.name = json_extract(k.value, '$[2]') AND r.minute = json_extract(k.value, '$[3]')",
            json.dumps(keys),
        )
        for row in existing:
            key = RollupKey(str(row["kind"]), str(row["service"]), str(row["name"]), int(row["minute"]))
            rollups[key].merge(Rollup.from_json(json.loads(row["data"])))
        data = [[*key.to_json(), json.dumps(r.to_json(), separators=(",", ":"))] for key, r in rollups.items()]
        self.sql.exec(UPSERT_ROLLUPS, json.dumps(data))

    def _record_object(self, summary: TraceObjectSummary, seqs: list[int]) -> None:
        s = summary
        self.sql.exec(
            INSERT_OBJECT,
            *(s.key, s.min_ts, s.max_ts, s.traces, s.spans, s.max_duration_us, s.ids, s.terms, s.raw_bytes),
            *(s.stored_bytes, now_ms()),
        )
        self.sql.exec("DELETE FROM buffered WHERE seq IN (SELECT value FROM json_each(?))", json.dumps(seqs))

    async def flush_now(self, reason: str, force: bool = False) -> str:
        return encode(await self.flush(reason, bool(force)))

    # -- reads -------------------------------------------------------------------------------
    def _summaries(self, where: str = "", *params: Any) -> list[TraceObjectSummary]:
        rows = self.rows(f"SELECT {SUMMARY_COLUMNS} FROM objects {where}", *params)
        return [TraceObjectSummary.from_json(dict(row)) for row in rows]

    async def trace(self, trace_id: str) -> str:
        bodies = self.rows("SELECT body FROM buffered WHERE trace_id = ? ORDER BY seq", trace_id)
        spans = [item for row in bodies for item in json.loads(row["body"])]
        rows = self.rows("SELECT key, ids FROM objects ORDER BY max_ts DESC")
        candidates = [str(r["key"]) for r in rows if trace_id in BloomFilter.decode(str(r["ids"]))]
        return encode(TraceLookup(json.dumps(spans), candidates, len(rows)))

    async def search(self, query_json: str) -> str:
        q = decode(SpanQuery, query_json)
        # A buffered row's spans may start before it arrived: filter by time in the core.
        bodies = [str(r["body"]) for r in self.rows("SELECT body FROM buffered")]
        matches = buffered_matches(q, bodies)
        summaries = self._summaries("WHERE max_ts >= ? AND min_ts < ? ORDER BY max_ts DESC", q.start_ms, q.end_ms)
        total = self.count("objects")
        candidates = [TraceCandidate(s.key, s.min_ts, s.max_ts) for s in summaries if q.may_match_object(s)]
        return encode(ShardSpanAnswer(json.dumps(matches), candidates, total))

    async def rollups(self, from_minute: int, to_minute: int) -> str:
        rows = self.rows(
            "SELECT kind, service, name, minute, data FROM rollups WHERE minute >= ? AND minute < ?",
            int(from_minute),
            int(to_minute),
        )
        return json.dumps([[[r["kind"], r["service"], r["name"], r["minute"]], json.loads(r["data"])] for r in rows])

    async def forget_objects(self, keys_json: str) -> int:
        keys = decode(list[str], keys_json)
        self.sql.exec("DELETE FROM objects WHERE key IN (SELECT value FROM json_each(?))", json.dumps(keys))
        return len(keys)

    async def forget_rollups(self, before_minute: int) -> int:
        self.sql.exec("DELETE FROM rollups WHERE minute < ?", int(before_minute))
        return 0

    async def stats(self) -> str:
        open_rows = self._open()
        objects = self.one(
            "SELECT count(*) AS n, coalesce(sum(traces), 0) AS traces, coalesce(sum(spans), 0) AS spans,"
            " coalesce(sum(stored_bytes), 0) AS stored FROM objects"
        )
        alarm = await self.ctx.storage.getAlarm()
        decisions = {
            str(r["name"])[8:]: int(r["value"])
            for r in self.rows("SELECT name, value FROM stats WHERE name LIKE 'decided:%'")
        }
        stats = TraceShardStats(
            shard=self._shard(),
            buffered_spans=int(open_rows["spans"]),
            buffered_traces=int(open_rows["traces"]),
            buffered_bytes=int(open_rows["b"]),
            oldest_buffered_ms=None if open_rows["first"] is None else int(open_rows["first"]),
            next_flush_ms=None if alarm is None else int(alarm),
            archived_objects=int(objects["n"]),
            archived_traces=int(objects["traces"]),
            archived_spans=int(objects["spans"]),
            archived_stored_bytes=int(objects["stored"]),
            decisions=decisions,
            flush_failures=int(self._stat("flush_failures", "0")),
            metrics_pending=self.count("metric_outbox"),
            metrics_export_failures=int(self._stat("metrics_export_failures", "0")),
            last_flush_ok=int(self._stat("last_flush_ok", "0")) or None,
            last_flush_error=self._stat("last_flush_error") or None,
            failing_since_ms=int(self._stat("failing_since", "0")) or None,
        )
        return encode(stats)
