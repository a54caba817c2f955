"""CheckRunner: the Durable Object that owns every uptime monitor's definition and history.

One object ("uptime") serialises all writes: the */1 run, the write API and heartbeat pings
never race. Config-defined monitors are synced in on every call (a digest makes it a no-op when
unchanged); API-defined ones live only here. Tables: monitors and maintenance (definitions),
records (state per monitor), results (48 h of raw probes), hours (90 d of hourly buckets),
changes (state changes, for alerting) and incidents. Payloads cross RPC through edgewatch.codec.
"""

from __future__ import annotations

import json
from typing import Any

from edgewatch.codec import decode, encode
from edgewatch.uptime import (
    DAY_MS,
    AlertFeed,
    Candidate,
    ChangeView,
    CheckSpec,
    Component,
    ConfigMonitors,
    Existing,
    HeartbeatSpec,
    HourBucket,
    IncidentView,
    MonitorDetail,
    MonitorKind,
    MonitorPut,
    MonitorRecord,
    MonitorRef,
    MonitorView,
    OpenIncident,
    PeriodUptime,
    PingOutcome,
    ProbeReason,
    ProbeResult,
    RecentProbe,
    RunResults,
    ScheduledMaintenance,
    Source,
    State,
    StateChange,
    TransitionReason,
    WriteOutcome,
    apply,
    bucket_samples,
    config_digest,
    delete_maintenance_outcome,
    delete_monitor_outcome,
    describe_monitor,
    hour_of,
    in_maintenance,
    judge_heartbeat,
    plan_sync,
    put_maintenance_outcome,
    put_monitor_outcome,
    select_due,
    status_page,
    uptime_report,
)
from edgewatch_cf.sqlite_object import SqliteObject

RAW_KEEP_MS = 2 * DAY_MS
HISTORY_KEEP_MS = 91 * DAY_MS
MONITOR_COLUMNS = "id, kind, source, spec, created_ms"


def _spec(row: Any) -> CheckSpec | HeartbeatSpec:
    kind = HeartbeatSpec if row.kind == MonitorKind.HEARTBEAT else CheckSpec
    return kind.from_json(json.loads(row.spec))


class CheckRunner(SqliteObject):
    MIGRATIONS = (
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
        " ts INTEGER NOT NULL, previous TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL,"
        " detail TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS incidents (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL,"
        " start_ms INTEGER NOT NULL, end_ms INTEGER, cause TEXT NOT NULL, reason TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS incidents_start ON incidents(start_ms)",
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    )

    # -- definitions ----------------------------------------------------------------------------
    async def sync_config(self, config_text: str, now_ms: int) -> bool:
        """Bring the config-defined monitors in line with ``config_text`` (an encoded ConfigMonitors)."""
        digest = config_digest(config_text)
        stored = self.first("SELECT value FROM meta WHERE key = 'config'")
        if stored is not None and stored.value == digest:
            return False
        known = [r.id for r in self.rows("SELECT id FROM monitors WHERE source = 'config'")]
        plan = plan_sync(decode(ConfigMonitors, config_text), known)
        for monitor_id in plan.forget:
            self._forget(monitor_id)
        for item in plan.monitors:
            self.sql.exec(
                "INSERT INTO monitors (id, kind, source, spec, created_ms) VALUES (?, ?, 'config', ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, source = 'config', spec = excluded.spec",
                item.id, str(item.kind), item.spec_json, now_ms,
            )  # fmt: skip
        self.sql.exec("DELETE FROM maintenance WHERE source = 'config'")
        for item in plan.maintenance:
            self.sql.exec(
                "INSERT OR REPLACE INTO maintenance (id, source, spec) VALUES (?, 'config', ?)", item.id, item.spec_json
            )
        self.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('config', ?)", digest)
        return True

    def _existing(self, table: str, ident: str) -> Existing | None:
        kind = ", kind" if table == "monitors" else ""
        row = self.first(f"SELECT source{kind} FROM {table} WHERE id = ?", ident)
        if row is None:
            return None
        return Existing(Source(row.source), MonitorKind(row.kind) if kind else None)

    async def put_monitor(self, put_text: str) -> str:
        put = decode(MonitorPut, put_text)
        outcome = put_monitor_outcome(self._existing("monitors", put.id), put.kind, put.replace)
        if outcome in (WriteOutcome.CREATED, WriteOutcome.REPLACED):
            self.sql.exec(
                "INSERT INTO monitors (id, kind, source, spec, created_ms) VALUES (?, ?, 'api', ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET spec = excluded.spec",
                put.id, str(put.kind), json.dumps(put.spec), put.now_ms,
            )  # fmt: skip
        return encode(outcome)

    async def delete_monitor(self, monitor_id: str, kind: str) -> str:
        outcome = delete_monitor_outcome(self._existing("monitors", monitor_id), MonitorKind(kind))
        if outcome is WriteOutcome.DELETED:
            self._forget(monitor_id)
        return encode(outcome)

    def _forget(self, monitor_id: str) -> None:
        for table in ("monitors", "records", "results", "hours"):
            self.sql.exec(f"DELETE FROM {table} WHERE id = ?", monitor_id)

    async def put_maintenance(self, window_text: str) -> str:
        window = decode(ScheduledMaintenance, window_text)
        outcome = put_maintenance_outcome(self._existing("maintenance", window.id))
        if outcome is not WriteOutcome.CONFIG_OWNED:
            self.sql.exec(
                "INSERT OR REPLACE INTO maintenance (id, source, spec) VALUES (?, 'api', ?)",
                window.id,
                json.dumps(window.to_json()),
            )
        return encode(outcome)

    async def delete_maintenance(self, window_id: str) -> str:
        outcome = delete_maintenance_outcome(self._existing("maintenance", window_id))
        if outcome is WriteOutcome.DELETED:
            self.sql.exec("DELETE FROM maintenance WHERE id = ?", window_id)
        return encode(outcome)

    def _maintenance(self) -> list[ScheduledMaintenance]:
        rows = self.rows("SELECT spec FROM maintenance ORDER BY id")
        return [ScheduledMaintenance.from_json(json.loads(r.spec)) for r in rows]

    async def list_maintenance(self) -> str:
        rows = self.rows("SELECT source, spec FROM maintenance ORDER BY id")
        return encode(
            [{**ScheduledMaintenance.from_json(json.loads(r.spec)).to_json(), "source": r.source} for r in rows]
        )

    # -- runs -------------------------------------------------------------------------------------
    def _record(self, monitor_id: str, created_ms: int) -> MonitorRecord:
        row = self.first("SELECT data FROM records WHERE id = ?", monitor_id)
        return MonitorRecord.from_json(json.loads(row.data)) if row else MonitorRecord.new(created_ms)

    def _bucket(self, monitor_id: str, now_ms: int) -> HourBucket:
        row = self.first("SELECT data FROM hours WHERE id = ? AND hour_ms = ?", monitor_id, hour_of(now_ms))
        return HourBucket.from_json(json.loads(row.data)) if row else HourBucket(hour_of(now_ms))

    async def due(self, now_ms: int, limit: int) -> str:
        """An encoded DueChecks: see edgewatch.uptime.scheduling for which checks and in what order."""
        candidates = []
        for row in self.rows("SELECT id, spec, created_ms FROM monitors WHERE kind = 'http' ORDER BY id"):
            record = self._record(row.id, row.created_ms)
            spec = CheckSpec.from_json(json.loads(row.spec))
            candidates.append(Candidate(spec, record.last_run_ms, record.last_result))
        return encode(select_due(candidates, now_ms, limit))

    async def record(self, results_text: str) -> str:
        """Store the run's probes (an encoded RunResults) and judge every heartbeat; return the
        encoded state changes. Idempotent per (monitor, now_ms)."""
        run = decode(RunResults, results_text)
        now_ms = run.now_ms
        maintenance = self._maintenance()
        changes: list[StateChange] = []
        monitors = {r.id: r for r in self.rows("SELECT id, kind, spec, created_ms FROM monitors")}
        for probe in run.probes:
            row = monitors.get(probe.id)
            if row is None or row.kind != MonitorKind.HTTP:
                continue  # deleted while it was being probed
            self._apply(row, probe.result, now_ms, maintenance, changes, status=probe.status, latency=probe.latency_ms)
        for row in monitors.values():
            if row.kind == MonitorKind.HEARTBEAT:
                record = self._record(row.id, row.created_ms)
                spec = HeartbeatSpec.from_json(json.loads(row.spec))
                verdict = judge_heartbeat(spec, record.last_ping_ms, row.created_ms, now_ms)
                if verdict is not None:
                    self._apply(row, verdict, now_ms, maintenance, changes, record=record)
        self._trim(now_ms)
        return encode(changes)

    def _apply(
        self,
        row: Any,
        result: ProbeResult,
        now_ms: int,
        maintenance: list[ScheduledMaintenance],
        changes: list[StateChange],
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
            record, bucket, row.id, result, thresholds=_spec(row), now_ms=now_ms,
            latency_ms=latency, status=status, excluded=excluded,
        )  # fmt: skip
        self.sql.exec("INSERT OR REPLACE INTO records (id, data) VALUES (?, ?)", row.id, json.dumps(record.to_json()))
        self.sql.exec(
            "INSERT OR REPLACE INTO hours (id, hour_ms, data) VALUES (?, ?, ?)",
            row.id, bucket.hour_ms, json.dumps(bucket.to_json()),
        )  # fmt: skip
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
            changes.append(StateChange(row.id, t.previous, t.new.state, t.reason))
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
        row = self.first("SELECT id, kind, spec, created_ms FROM monitors WHERE id = ?", monitor_id)
        if row is None or row.kind != MonitorKind.HEARTBEAT:
            return encode(PingOutcome.MISSING)
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
        return encode(PingOutcome.OK)

    # -- reads ------------------------------------------------------------------------------------
    def _buckets(self, monitor_id: str, since_ms: int) -> list[HourBucket]:
        rows = self.rows("SELECT data FROM hours WHERE id = ? AND hour_ms >= ? ORDER BY hour_ms", monitor_id, since_ms)
        return [HourBucket.from_json(json.loads(r.data)) for r in rows]

    def _describe(self, row: Any, now_ms: int) -> MonitorView:
        record = self._record(row.id, row.created_ms)
        buckets = self._buckets(row.id, now_ms - HISTORY_KEEP_MS)
        return describe_monitor(_spec(row), Source(row.source), record, buckets, now_ms)

    async def list_monitors(self, now_ms: int) -> str:
        rows = self.rows(f"SELECT {MONITOR_COLUMNS} FROM monitors ORDER BY id")
        return encode([self._describe(r, now_ms) for r in rows])

    async def detail(self, monitor_id: str, now_ms: int, recent: int) -> str:
        """An encoded MonitorDetail, or null."""
        row = self.first(f"SELECT {MONITOR_COLUMNS} FROM monitors WHERE id = ?", monitor_id)
        if row is None:
            return encode(None)
        results = self.rows(
            "SELECT ts, ok, state, reason, status, latency, excluded, detail FROM results WHERE id = ?"
            " ORDER BY ts DESC LIMIT ?",
            monitor_id,
            recent,
        )
        probes = [
            RecentProbe(r.ts, bool(r.ok), State(r.state), ProbeReason(r.reason), r.status, r.latency,
                        bool(r.excluded), r.detail)
            for r in results
        ]  # fmt: skip
        return encode(MonitorDetail(self._describe(row, now_ms), probes))

    async def latencies(self, monitor_id: str, start_ms: int, end_ms: int, hourly: bool) -> str:
        """Encoded (ts, latency) pairs of passing probes: raw for the last 48 h, else from the hourly buckets."""
        if hourly:
            buckets = [b for b in self._buckets(monitor_id, hour_of(start_ms)) if b.hour_ms < end_ms]
            return encode(bucket_samples(buckets))
        rows = self.rows(
            "SELECT ts, latency FROM results WHERE id = ? AND ts >= ? AND ts < ? AND ok = 1 AND latency IS NOT NULL",
            monitor_id,
            start_ms,
            end_ms,
        )
        return encode([(r.ts, r.latency) for r in rows])

    async def incidents(self, monitor_id: str | None, open_only: bool, start_ms: int, end_ms: int, limit: int) -> str:
        where = ["start_ms < ?", "(end_ms IS NULL OR end_ms >= ?)"]
        params: list[int | str] = [end_ms, start_ms]
        if monitor_id:
            where.append("id = ?")
            params.append(monitor_id)
        if open_only:
            where.append("end_ms IS NULL")
        rows = self.rows(
            f"SELECT id, start_ms, end_ms, cause, reason FROM incidents WHERE {' AND '.join(where)}"
            " ORDER BY start_ms DESC LIMIT ?",
            *params,
            limit,
        )
        return encode(
            [
                IncidentView(r.id, r.start_ms, r.end_ms, None if r.end_ms is None else r.end_ms - r.start_ms,
                             r.end_ms is None, r.cause, ProbeReason(r.reason))
                for r in rows
            ]
        )  # fmt: skip

    async def period_uptime(self, start_ms: int, end_ms: int, incident_limit: int) -> str:
        """Every monitor's uptime over [start_ms, end_ms) (the hour buckets from the start's hour)
        and its incidents that overlap it: an encoded list of PeriodUptime, for reports."""
        start_ms, end_ms = int(start_ms), int(end_ms)
        incidents: dict[str, list[IncidentView]] = {}
        overlapping = await self.incidents(None, False, start_ms, end_ms, int(incident_limit))
        for view in decode(list[IncidentView], overlapping):
            incidents.setdefault(view.check_id, []).append(view)
        out = []
        for row in self.rows(f"SELECT {MONITOR_COLUMNS} FROM monitors ORDER BY id"):
            ref = MonitorRef(row.id, MonitorKind(row.kind), getattr(_spec(row), "name", None) or row.id)
            buckets = self._buckets(row.id, hour_of(start_ms))
            report = uptime_report(buckets, hour_of(start_ms), end_ms)
            out.append(PeriodUptime(ref, report, tuple(incidents.get(row.id, ()))))
        return encode(out)

    async def changes(self, since_seq: int, limit: int) -> str:
        rows = self.rows(
            "SELECT seq, id, ts, previous, state, reason, detail FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
            since_seq,
            limit,
        )
        return encode(
            [
                ChangeView(r.seq, r.id, r.ts, State(r.previous), State(r.state), TransitionReason(r.reason), r.detail)
                for r in rows
            ]
        )

    async def alert_feed(self, since_seq: int, limit: int, now_ms: int) -> str:
        """An encoded AlertFeed: the changes after ``since_seq``, the monitors, those in maintenance."""
        changes = decode(list[ChangeView], await self.changes(int(since_seq), int(limit)))
        windows = self._maintenance()
        monitors = [
            MonitorRef(r.id, MonitorKind(r.kind), getattr(_spec(r), "name", None) or r.id)
            for r in self.rows(f"SELECT {MONITOR_COLUMNS} FROM monitors ORDER BY id")
        ]
        oldest = self.first("SELECT min(seq) AS seq FROM changes")
        in_window = tuple(m.id for m in monitors if in_maintenance(windows, m.id, int(now_ms)))
        seq = None if oldest is None or oldest.seq is None else int(oldest.seq)
        return encode(AlertFeed(tuple(changes), tuple(monitors), in_window, seq, int(now_ms)))

    async def status(self, now_ms: int) -> str:
        components = []
        for row in self.rows("SELECT id, kind, spec, created_ms FROM monitors ORDER BY id"):
            spec = _spec(row)
            record = self._record(row.id, row.created_ms)
            buckets = self._buckets(row.id, now_ms - 90 * DAY_MS)
            components.append(
                Component(row.id, spec.name or row.id, row.kind, record.state.state, record.state.since_ms, buckets)
            )
        open_rows = self.rows("SELECT id, start_ms, reason FROM incidents WHERE end_ms IS NULL")
        incidents = [OpenIncident(r.id, r.start_ms, r.reason) for r in open_rows]
        return encode(status_page(components, incidents, now_ms))
