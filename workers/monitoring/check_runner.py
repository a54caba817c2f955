"""CheckRunner: the Durable Object that owns every uptime monitor's definition and history.

One object ("uptime") serialises all writes: the */1 run, the write API and heartbeat pings
never race. Config-defined monitors are synced in on every call (a hash makes it a no-op when
unchanged); API-defined ones live only here. Tables: monitors and maintenance (definitions),
records (state per monitor), results (48 h of raw probes), hours (90 d of hourly buckets),
changes (state changes, for alerting) and incidents.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from workers import DurableObject

from edgewatch.checkrun import MonitorRecord, apply
from edgewatch.checks import ProbeReason, ProbeResult, State, check_spec_from_json
from edgewatch.monitors import due, heartbeat_from_json, in_maintenance, judge_heartbeat, maintenance_from_json
from edgewatch.statuspage import Component, OpenIncident, status_page
from edgewatch.uptime import DAY_MS, HourBucket, hour_of, uptime_report_windows
from edgewatch_cf.bindings import storage_round_trip

RAW_KEEP_MS = 2 * DAY_MS
HISTORY_KEEP_MS = 91 * DAY_MS

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS monitors (id TEXT PRIMARY KEY, kind TEXT NOT NULL, source TEXT NOT NULL,"
    " spec TEXT NOT NULL, created_ms INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS maintenance (id TEXT PRIMARY KEY, source TEXT NOT NULL, spec TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS results (id TEXT NOT NULL, ts INTEGER NOT NULL, ok INTEGER NOT NULL,"
    " state TEXT NOT NULL, reason TEXT NOT NULL, status INTEGER, latency REAL, excluded INTEGER NOT NULL,"
    " detail TEXT NOT NULL, PRIMARY KEY (id, ts))",
    "CREATE TABLE IF NOT EXISTS hours (id TEXT NOT NULL, hour_ms INTEGER NOT NULL, data TEXT NOT NULL,"
    " PRIMARY KEY (id, hour_ms))",
    "CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL,"
    " ts INTEGER NOT NULL, previous TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS incidents (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL,"
    " start_ms INTEGER NOT NULL, end_ms INTEGER, cause TEXT NOT NULL, reason TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS incidents_start ON incidents(start_ms)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


def _spec(kind: str, text: str) -> Any:
    data = json.loads(text)
    return heartbeat_from_json(data) if kind == "heartbeat" else check_spec_from_json(data)


class CheckRunner(DurableObject):
    def __init__(self, ctx: Any, env: Any) -> None:
        super().__init__(ctx, env)
        self.sql = ctx.storage.sql
        for statement in SCHEMA:
            self.sql.exec(statement)

    def _rows(self, query: str, *params: Any) -> list[Any]:
        return list(self.sql.exec(query, *params).toArray())

    async def probe(self, token: str) -> str:
        return await storage_round_trip(self.ctx, token)

    # -- definitions ----------------------------------------------------------------------------
    async def sync_config(self, config_json: str, now_ms: int) -> bool:
        """config: {"checks": [...], "heartbeats": [...], "maintenance": [...]} from the config file."""
        digest = hashlib.sha256(config_json.encode()).hexdigest()
        rows = self._rows("SELECT value FROM meta WHERE key = 'config'")
        if rows and rows[0].value == digest:
            return False
        config = json.loads(config_json)
        wanted = {c["id"]: ("http", c) for c in config["checks"]} | {
            h["id"]: ("heartbeat", h) for h in config["heartbeats"]
        }
        for row in self._rows("SELECT id FROM monitors WHERE source = 'config'"):
            if row.id not in wanted:
                self._forget(row.id)
        for monitor_id, (kind, spec) in wanted.items():
            self.sql.exec(
                "INSERT INTO monitors (id, kind, source, spec, created_ms) VALUES (?, ?, 'config', ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, source = 'config', spec = excluded.spec",
                monitor_id,
                kind,
                json.dumps(spec),
                now_ms,
            )
        self.sql.exec("DELETE FROM maintenance WHERE source = 'config'")
        for item in config["maintenance"]:
            self.sql.exec(
                "INSERT OR REPLACE INTO maintenance (id, source, spec) VALUES (?, 'config', ?)",
                item["id"],
                json.dumps(item),
            )
        self.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('config', ?)", digest)
        return True

    async def put_monitor(self, kind: str, spec_json: str, replace: bool, now_ms: int) -> str:
        spec = json.loads(spec_json)
        rows = self._rows("SELECT source, kind FROM monitors WHERE id = ?", spec["id"])
        if rows and rows[0].source == "config":
            return "config_owned"
        if rows and (not replace or rows[0].kind != kind):
            return "conflict"
        self.sql.exec(
            "INSERT INTO monitors (id, kind, source, spec, created_ms) VALUES (?, ?, 'api', ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET spec = excluded.spec",
            spec["id"],
            kind,
            spec_json,
            now_ms,
        )
        return "replaced" if rows else "created"

    async def delete_monitor(self, monitor_id: str, kind: str) -> str:
        rows = self._rows("SELECT source, kind FROM monitors WHERE id = ?", monitor_id)
        if not rows or rows[0].kind != kind:
            return "missing"
        if rows[0].source == "config":
            return "config_owned"
        self._forget(monitor_id)
        return "deleted"

    def _forget(self, monitor_id: str) -> None:
        for table in ("monitors", "records", "results", "hours"):
            self.sql.exec(f"DELETE FROM {table} WHERE id = ?", monitor_id)

    async def put_maintenance(self, spec_json: str) -> str:
        spec = json.loads(spec_json)
        rows = self._rows("SELECT source FROM maintenance WHERE id = ?", spec["id"])
        if rows and rows[0].source == "config":
            return "config_owned"
        self.sql.exec(
            "INSERT OR REPLACE INTO maintenance (id, source, spec) VALUES (?, 'api', ?)", spec["id"], spec_json
        )
        return "replaced" if rows else "created"

    async def delete_maintenance(self, window_id: str) -> str:
        rows = self._rows("SELECT source FROM maintenance WHERE id = ?", window_id)
        if not rows:
            return "missing"
        if rows[0].source == "config":
            return "config_owned"
        self.sql.exec("DELETE FROM maintenance WHERE id = ?", window_id)
        return "deleted"

    def _maintenance(self) -> list[Any]:
        return [
            maintenance_from_json(json.loads(r.spec)) for r in self._rows("SELECT spec FROM maintenance ORDER BY id")
        ]

    async def list_maintenance(self) -> str:
        rows = self._rows("SELECT source, spec FROM maintenance ORDER BY id")
        return json.dumps([{**maintenance_from_json(json.loads(r.spec)).to_json(), "source": r.source} for r in rows])

    # -- runs -------------------------------------------------------------------------------------
    def _record(self, monitor_id: str, created_ms: int) -> MonitorRecord:
        rows = self._rows("SELECT data FROM records WHERE id = ?", monitor_id)
        return MonitorRecord.from_json(json.loads(rows[0].data)) if rows else MonitorRecord.new(created_ms)

    def _bucket(self, monitor_id: str, now_ms: int) -> HourBucket:
        rows = self._rows("SELECT data FROM hours WHERE id = ? AND hour_ms = ?", monitor_id, hour_of(now_ms))
        return HourBucket.from_json(json.loads(rows[0].data)) if rows else HourBucket(hour_of(now_ms))

    async def due(self, now_ms: int, limit: int) -> str:
        """{"checks": [...], "deferred": n}: at most ``limit`` due HTTP checks, those waiting
        longest first (a check never starves), ordered slowest-last-time first: with a bound on
        probes in flight, starting the long ones early shortens the run."""
        found = []
        for row in self._rows("SELECT id, spec, created_ms FROM monitors WHERE kind = 'http' ORDER BY id"):
            spec = check_spec_from_json(json.loads(row.spec))
            record = self._record(row.id, row.created_ms)
            if due(spec.interval_ms, record.last_run_ms, now_ms):
                last = record.last_result or {}
                took = last.get("latency_ms") if last.get("reason") != "timeout" else spec.timeout_ms
                waited = -1 if record.last_run_ms is None else record.last_run_ms
                found.append((waited, -(took if took is not None else spec.timeout_ms), json.loads(row.spec)))
        found.sort(key=lambda item: item[0])
        chosen = sorted(found[:limit], key=lambda item: item[1])
        return json.dumps({"checks": [spec for _, _, spec in chosen], "deferred": len(found) - len(chosen)})

    async def record(self, now_ms: int, results_json: str) -> str:
        """Store the run's probe results ([id, ok, degraded, reason, detail, status, latency_ms]) and
        judge every heartbeat; return the state changes. Idempotent per (monitor, now_ms)."""
        maintenance = self._maintenance()
        changes: list[dict[str, Any]] = []
        monitors = {r.id: r for r in self._rows("SELECT id, kind, spec, created_ms FROM monitors")}
        for monitor_id, ok, degraded, reason, detail, status, latency in json.loads(results_json):
            row = monitors.get(monitor_id)
            if row is None or row.kind != "http":
                continue  # deleted while it was being probed
            result = ProbeResult(bool(ok), bool(degraded), ProbeReason(reason), str(detail))
            self._apply(row, result, now_ms, maintenance, changes, status=status, latency=latency)
        for row in monitors.values():
            if row.kind == "heartbeat":
                record = self._record(row.id, row.created_ms)
                verdict = judge_heartbeat(_spec("heartbeat", row.spec), record.last_ping_ms, row.created_ms, now_ms)
                if verdict is not None:
                    self._apply(row, verdict, now_ms, maintenance, changes, record=record)
        self._trim(now_ms)
        return json.dumps(changes)

    def _apply(
        self,
        row: Any,
        result: ProbeResult,
        now_ms: int,
        maintenance: list[Any],
        changes: list[dict[str, Any]],
        *,
        status: int | None = None,
        latency: float | None = None,
        record: MonitorRecord | None = None,
    ) -> bool:
        """Fold one result into the monitor's record (read here unless the caller has it); False
        when nothing was written because the minute was already recorded."""
        if record is None:
            record = self._record(row.id, row.created_ms)
        if record.last_run_ms is not None and record.last_run_ms >= now_ms:
            return False  # a repeated delivery of this minute's cron
        bucket = self._bucket(row.id, now_ms)
        excluded = in_maintenance(maintenance, row.id, now_ms)
        outcome = apply(
            record, bucket, row.id, result, thresholds=_spec(row.kind, row.spec), now_ms=now_ms,
            latency_ms=latency, status=status, excluded=excluded,
        )  # fmt: skip
        self.sql.exec("INSERT OR REPLACE INTO records (id, data) VALUES (?, ?)", row.id, json.dumps(record.to_json()))
        self.sql.exec(
            "INSERT OR REPLACE INTO hours (id, hour_ms, data) VALUES (?, ?, ?)",
            row.id,
            bucket.hour_ms,
            json.dumps(bucket.to_json()),
        )
        self.sql.exec(
            "INSERT OR REPLACE INTO results (id, ts, ok, state, reason, status, latency, excluded, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            row.id, now_ms, int(result.ok), outcome.state.value, result.reason.value, status, latency,
            int(excluded), result.detail,
        )  # fmt: skip
        t = outcome.transition
        if t.changed:
            self.sql.exec(
                "INSERT INTO changes (id, ts, previous, state, reason, detail) VALUES (?, ?, ?, ?, ?, ?)",
                row.id, now_ms, t.previous.value, t.new.state.value, t.reason.value, t.detail,
            )  # fmt: skip
            changes.append({"id": row.id, "from": t.previous.value, "to": t.new.state.value, "reason": t.reason.value})
        if outcome.opened is not None:
            self.sql.exec(
                "INSERT INTO incidents (id, start_ms, end_ms, cause, reason) VALUES (?, ?, NULL, ?, ?)",
                row.id, now_ms, outcome.opened.cause, result.reason.value,
            )  # fmt: skip
        if outcome.closed is not None:
            self.sql.exec(
                "UPDATE incidents SET end_ms = ? WHERE id = ? AND start_ms = ? AND end_ms IS NULL",
                now_ms, row.id, outcome.closed.start_ms,
            )  # fmt: skip
        return True

    def _trim(self, now_ms: int) -> None:
        self.sql.exec("DELETE FROM results WHERE ts < ?", now_ms - RAW_KEEP_MS)
        self.sql.exec("DELETE FROM hours WHERE hour_ms < ?", now_ms - HISTORY_KEEP_MS)
        self.sql.exec("DELETE FROM changes WHERE ts < ?", now_ms - HISTORY_KEEP_MS)
        self.sql.exec("DELETE FROM incidents WHERE end_ms IS NOT NULL AND end_ms < ?", now_ms - HISTORY_KEEP_MS)

    async def ping(self, monitor_id: str, now_ms: int) -> str:
        """A heartbeat arrived. A DOWN monitor comes back UP at once (it is not judged again until
        the next run)."""
        rows = self._rows("SELECT id, kind, spec, created_ms FROM monitors WHERE id = ?", monitor_id)
        if not rows or rows[0].kind != "heartbeat":
            return "missing"
        row = rows[0]
        record = self._record(monitor_id, row.created_ms)
        record.last_ping_ms = max(now_ms, record.last_ping_ms or 0)
        written = False
        if record.state.state in (State.DOWN, State.PENDING):
            result = ProbeResult(True, False, ProbeReason.OK, "ping received")
            written = self._apply(row, result, now_ms, self._maintenance(), [], record=record)
        if not written:
            self.sql.exec(
                "INSERT OR REPLACE INTO records (id, data) VALUES (?, ?)", monitor_id, json.dumps(record.to_json())
            )
        return "ok"

    # -- reads ------------------------------------------------------------------------------------
    def _buckets(self, monitor_id: str, since_ms: int) -> list[HourBucket]:
        rows = self._rows("SELECT data FROM hours WHERE id = ? AND hour_ms >= ? ORDER BY hour_ms", monitor_id, since_ms)
        return [HourBucket.from_json(json.loads(r.data)) for r in rows]

    def _describe(self, row: Any, now_ms: int, redact: bool) -> dict[str, Any]:
        spec = _spec(row.kind, row.spec)
        record = self._record(row.id, row.created_ms)
        windows = uptime_report_windows(self._buckets(row.id, now_ms - HISTORY_KEEP_MS), now_ms)
        return {
            "id": row.id,
            "kind": row.kind,
            "source": row.source,
            "spec": spec.to_json(redact=redact) if row.kind == "http" else spec.to_json(),
            "state": record.state.state.value,
            "since_ms": record.state.since_ms,
            "consecutive_failures": record.state.consecutive_failures,
            "last_result": record.last_result,
            "last_ping_ms": record.last_ping_ms,
            "open_incident": None if record.open_incident is None else record.open_incident.to_json(),
            "uptime": {
                name: {"ratio": r.ratio, "up": r.up, "down": r.down, "excluded": r.excluded, "pending": r.pending}
                for name, r in windows.items()
            },
        }

    async def list_monitors(self, now_ms: int) -> str:
        rows = self._rows("SELECT id, kind, source, spec, created_ms FROM monitors ORDER BY id")
        return json.dumps([self._describe(r, now_ms, redact=True) for r in rows])

    async def detail(self, monitor_id: str, now_ms: int, recent: int) -> str:
        rows = self._rows("SELECT id, kind, source, spec, created_ms FROM monitors WHERE id = ?", monitor_id)
        if not rows:
            return "null"
        out = self._describe(rows[0], now_ms, redact=True)
        results = self._rows(
            "SELECT ts, ok, state, reason, status, latency, excluded, detail FROM results WHERE id = ?"
            " ORDER BY ts DESC LIMIT ?",
            monitor_id,
            recent,
        )
        out["recent"] = [
            {
                "ts": r.ts,
                "ok": bool(r.ok),
                "state": r.state,
                "reason": r.reason,
                "status": r.status,
                "latency_ms": r.latency,
                "in_maintenance": bool(r.excluded),
                "detail": r.detail,
            }
            for r in results
        ]
        return json.dumps(out)

    async def latencies(self, monitor_id: str, start_ms: int, end_ms: int, hourly: bool) -> str:
        """(ts, latency) of passing probes: raw for the last 48 h, else from the hourly buckets."""
        if hourly:
            buckets = [b for b in self._buckets(monitor_id, hour_of(start_ms)) if b.hour_ms < end_ms]
            return json.dumps([[b.hour_ms, v] for b in buckets for v in b.latencies])
        rows = self._rows(
            "SELECT ts, latency FROM results WHERE id = ? AND ts >= ? AND ts < ? AND ok = 1 AND latency IS NOT NULL",
            monitor_id,
            start_ms,
            end_ms,
        )
        return json.dumps([[r.ts, r.latency] for r in rows])

    async def incidents(self, monitor_id: str | None, open_only: bool, start_ms: int, end_ms: int, limit: int) -> str:
        where = ["start_ms < ?", "(end_ms IS NULL OR end_ms >= ?)"]
        params: list[int | str] = [end_ms, start_ms]
        if monitor_id:
            where.append("id = ?")
            params.append(monitor_id)
        if open_only:
            where.append("end_ms IS NULL")
        rows = self._rows(
            f"SELECT id, start_ms, end_ms, cause, reason FROM incidents WHERE {' AND '.join(where)}"
            " ORDER BY start_ms DESC LIMIT ?",
            *params,
            limit,
        )
        return json.dumps(
            [
                {
                    "check_id": r.id,
                    "start_ms": r.start_ms,
                    "end_ms": r.end_ms,
                    "duration_ms": None if r.end_ms is None else r.end_ms - r.start_ms,
                    "open": r.end_ms is None,
                    "cause": r.cause,
                    "reason": r.reason,
                }
                for r in rows
            ]
        )

    async def changes(self, since_seq: int, limit: int) -> str:
        rows = self._rows(
            "SELECT seq, id, ts, previous, state, reason, detail FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
            since_seq,
            limit,
        )
        return json.dumps(
            [
                {"seq": r.seq, "check_id": r.id, "ts": r.ts, "from": r.previous, "to": r.state, "reason": r.reason,
                 "detail": r.detail}
                for r in rows
            ]
        )  # fmt: skip

    async def status(self, now_ms: int) -> str:
        components = []
        for row in self._rows("SELECT id, kind, spec, created_ms FROM monitors ORDER BY id"):
            spec = _spec(row.kind, row.spec)
            record = self._record(row.id, row.created_ms)
            components.append(
                Component(
                    row.id,
                    spec.name or row.id,
                    row.kind,
                    record.state.state,
                    record.state.since_ms,
                    self._buckets(row.id, now_ms - 90 * DAY_MS),
                )
            )
        open_rows = self._rows("SELECT id, start_ms, reason FROM incidents WHERE end_ms IS NULL")
        incidents = [OpenIncident(r.id, r.start_ms, r.reason) for r in open_rows]
        return json.dumps(status_page(components, incidents, now_ms))
