"""RateLimiter: one Durable Object per identifier shard (``rl-<n>``), never a global one.

It holds, in its SQLite storage, each (rule, identifier)'s sliding logs (written before the
decision is returned, so a restart loses nothing), the shard's security events, the threat
strikes that lead to automatic blocks, and the anomaly detector of the identifiers it owns (kept
in memory and saved at most every SAVE_EVERY_MS: a lost baseline only re-learns). Idle keys
expire: each decision's state carries its expiry, and an alarm deletes what has expired.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from edgewatch.codec import decode, encode
from edgewatch.config import SecurityRule
from edgewatch.security.anomaly import AnomalyDetector
from edgewatch.security.blocklist import AutoBlockPolicy, StrikeOutcome, Strikes, strike
from edgewatch.security.events import EventType, SecurityEvent, make_event, parse_query, query_events
from edgewatch.security.messages import (
    AnomalyJson,
    AutoBlock,
    EvaluateAnswer,
    EvaluateRequest,
    PurgeCount,
    ReportAnswer,
    ReportRequest,
    ShardCounts,
    Stuffing,
)
from edgewatch.security.ratelimit import Decision, LimitState, check, state_key
from edgewatch_cf.clock import now_ms
from edgewatch_cf.sqlite_object import SqliteObject

SAVE_EVERY_MS = 30_000
PURGE_EVERY_MS = 3_600_000
MAX_EVENT_SCAN = 5_000
DEFAULT_RETENTION_MS = 30 * 86_400_000
MAX_TS = 4_102_444_800_000  # 2100-01-01; very large ints reach SQLite as BigInt, which it refuses
INSERT_EVENT = (
    "INSERT OR REPLACE INTO events (id, ts, type, identifier, route, rule, data) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
Noted = EvaluateRequest | ReportRequest  # what an event's route comes from


class RateLimiter(SqliteObject):
    MIGRATIONS = (
        "CREATE TABLE IF NOT EXISTS limits (key TEXT PRIMARY KEY, state TEXT NOT NULL, expires_at INTEGER NOT NULL)",
        "CREATE INDEX IF NOT EXISTS limits_expiry ON limits(expires_at)",
        "CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, ts INTEGER NOT NULL, type TEXT NOT NULL,"
        " identifier TEXT NOT NULL, route TEXT, rule TEXT, data TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS events_ts ON events(ts)",
        "CREATE TABLE IF NOT EXISTS strikes (identifier TEXT PRIMARY KEY, data TEXT NOT NULL,"
        " expires_at INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    )

    def __init__(self, ctx: Any, env: Any) -> None:
        super().__init__(ctx, env)
        row = self.first("SELECT value FROM meta WHERE key = 'anomaly'")
        try:
            self.detector = AnomalyDetector.from_json(json.loads(row.value)) if row else AnomalyDetector()
        except ValueError:
            self.detector = AnomalyDetector()
        self.saved_ms = 0
        self.alarm_armed = False
        self.rules: dict[str, SecurityRule] = {}
        row = self.first("SELECT value FROM meta WHERE key = 'retention_ms'")
        self.retention_ms = int(row.value) if row else DEFAULT_RETENTION_MS

    def _rule(self, data: dict[str, Any]) -> SecurityRule:
        """The rule sent with a decision, validated once per distinct rule (the hot path repeats it)."""
        key = json.dumps(data, sort_keys=True)
        rule = self.rules.get(key)
        if rule is None:
            if len(self.rules) > 100:
                self.rules.clear()
            rule = self.rules[key] = SecurityRule.model_validate(data)
        return rule

    # -- the hot path -----------------------------------------------------------------------------
    async def evaluate(self, payload: str) -> str:
        """One checked request (an encoded EvaluateRequest); answers an encoded EvaluateAnswer."""
        p = decode(EvaluateRequest, str(payload))
        now, identifier = p.now, p.identifier
        if p.retention_ms and p.retention_ms != self.retention_ms:  # eventRetention changed: remember it
            self.retention_ms = p.retention_ms
            self.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('retention_ms', ?)", str(p.retention_ms))
        decision = self._decide(p) if p.rule else None
        auto_block = None
        if p.threat is not None:
            threat = p.threat
            detail = {"action": threat.action, "primary": threat.primary, "hits": threat.hits[:10]}
            self._event(EventType.THREAT, now, identifier, p, score=threat.score, detail=detail)
            auto_block = self._strike(identifier, float(threat.score), now, p)
        if p.block is not None:
            self._event(EventType.BLOCKED, now, identifier, p, detail={"block": p.block.to_json()})
        status = 429 if decision is not None and not decision.allowed else None
        anomalies = self._observe(now, identifier, p, status, Stuffing.IP)
        self._maybe_save(now)
        await self._arm()
        return encode(EvaluateAnswer(decision, anomalies, auto_block))

    def _decide(self, p: EvaluateRequest) -> Decision:
        rule = self._rule(p.rule or {})
        key = state_key(rule.id, p.identifier)
        row = self.first("SELECT state FROM limits WHERE key = ?", key)
        state = LimitState.from_json(json.loads(row.state)) if row else None
        found, new_state = check(rule, state, p.now)
        if found.allowed:  # a refusal records nothing: only allowed requests count
            self.sql.exec(
                "INSERT OR REPLACE INTO limits (key, state, expires_at) VALUES (?, ?, ?)",
                key,
                json.dumps(new_state.to_json(), separators=(",", ":")),
                new_state.expires_at_ms,
            )
        else:
            detail = {"limit": found.limit, "window_ms": found.window_ms, "retry_after_ms": found.retry_after_ms}
            self._event(EventType.RATE_LIMITED, p.now, p.identifier, p, rule_id=rule.id, detail=detail)
        return found

    async def report(self, payload: str) -> str:
        """An answered request's status (an encoded ReportRequest: 401/403/429 rates, credential
        stuffing; ``stuffing`` says which shape this shard tracks). Answers an encoded ReportAnswer."""
        p = decode(ReportRequest, str(payload))
        anomalies = self._observe(p.now, p.identifier, p, p.status, p.stuffing)
        self._maybe_save(p.now)
        await self._arm()
        return encode(ReportAnswer(anomalies))

    def _observe(self, now: int, identifier: str, p: Noted, status: int | None, stuffing: str) -> list[AnomalyJson]:
        found = self.detector.observe(
            now,
            identifier=identifier,
            route=p.route,
            status=status,
            ip=p.ip,
            account=p.account,
            auth_route=bool(p.account),
            stuffing=stuffing,
        )
        out = []
        for anomaly in found:
            data = anomaly.to_json()
            self._event(EventType.ANOMALY, now, anomaly.subject, p, detail=data)
            out.append(data)
        return out

    def _strike(self, identifier: str, score: float, now: int, p: EvaluateRequest) -> AutoBlock | None:
        policy = p.auto_block_policy or AutoBlockPolicy()
        row = self.first("SELECT data FROM strikes WHERE identifier = ?", identifier)
        current = Strikes.from_json(json.loads(row.data)) if row else None
        result = strike(current, score, now, policy)
        if result.outcome is StrikeOutcome.BELOW_SCORE:
            return None
        self.sql.exec(
            "INSERT OR REPLACE INTO strikes (identifier, data, expires_at) VALUES (?, ?, ?)",
            identifier,
            json.dumps(result.strikes.to_json()),
            result.strikes.expires_at_ms(policy),
        )
        if result.outcome is StrikeOutcome.BLOCK and p.ip and result.ttl_ms is not None:
            return AutoBlock(p.ip, result.ttl_ms, policy.hits, policy.window_ms)
        return None

    def _event(self, kind: EventType, now: int, identifier: str, p: Noted, **fields: Any) -> None:
        event = make_event(kind, now, identifier, entropy=secrets.token_bytes(8), route=p.route, **fields)
        self.sql.exec(
            INSERT_EVENT, event.id, event.ts_ms, event.type.value, event.identifier, event.route, event.rule_id,
            json.dumps(event.to_json()),
        )  # fmt: skip

    def _maybe_save(self, now: int) -> None:
        if now - self.saved_ms >= SAVE_EVERY_MS:
            self.sql.exec(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('anomaly', ?)", json.dumps(self.detector.to_json())
            )
            self.saved_ms = now

    async def _arm(self) -> None:
        """Make sure a purge is scheduled; asked of storage once per object lifetime, not per request."""
        if self.alarm_armed:
            return
        if await self.ctx.storage.getAlarm() is None:
            await self.ctx.storage.setAlarm(now_ms() + PURGE_EVERY_MS)
        self.alarm_armed = True

    async def alarm(self, info: Any = None) -> None:
        now = now_ms()
        await self.purge(now)
        self.saved_ms = 0
        self._maybe_save(now)
        self.alarm_armed = False
        if await self.keys():
            await self.ctx.storage.setAlarm(now + PURGE_EVERY_MS)
            self.alarm_armed = True

    async def purge(self, now_ms: int) -> str:
        """Delete what has expired: idle keys, old strikes, events past retention. Answers the rows
        deleted and left per table, {table: PurgeCount} (the alarm calls it hourly; tests call it directly)."""
        out: dict[str, PurgeCount] = {}
        for table, where, arg in (
            ("limits", "expires_at <= ?", now_ms),
            ("strikes", "expires_at <= ?", now_ms),
            ("events", "ts < ?", now_ms - self.retention_ms),
        ):
            before = self.count(table)
            self.sql.exec(f"DELETE FROM {table} WHERE {where}", arg)
            left = self.count(table)
            out[table] = PurgeCount(before - left, left)
        return encode(out)

    # -- reads --------------------------------------------------------------------------------------
    async def events(self, params: str) -> str:
        """Events matching the query (encoded query parameters, see edgewatch.security.events.parse_query),
        newest first, as an encoded list of SecurityEvent."""
        query = parse_query(decode(dict[str, str], str(params)))
        where, args = ["ts >= ?", "ts < ?"], [query.from_ms or 0, query.to_ms or MAX_TS]
        rows = self.sql.exec(
            f"SELECT data FROM events WHERE {' AND '.join(where)} ORDER BY ts DESC LIMIT ?", *args, MAX_EVENT_SCAN
        ).toArray()
        page = query_events([SecurityEvent.from_json(json.loads(r.data)) for r in rows], query)
        return encode(page.events)

    async def aggregate(self, start_ms: int, end_ms: int, bucket_ms: int, top: int) -> str:
        """This shard's event counts in [start, end): per (bucket, type), and its top identifiers,
        rules and routes (GROUP BY in SQLite: every event counts, none is sampled): encoded ShardCounts."""

        def rows(columns: tuple[str, ...], query: str, *args: Any) -> list[list[Any]]:
            return [[getattr(r, c) for c in columns] for r in self.sql.exec(query, *args).toArray()]

        span = "ts >= ? AND ts < ?"
        first = start_ms - start_ms % bucket_ms
        counts: ShardCounts = {
            "by_bucket": rows(
                ("b", "type", "n"),
                f"SELECT ? + ((ts - ?) / ?) * ? AS b, type, count(*) AS n FROM events WHERE {span}"
                " GROUP BY b, type",
                first, first, bucket_ms, bucket_ms, start_ms, end_ms,
            ),
            **{
                name: rows(
                    ("k", "n"),
                    f"SELECT {column} AS k, count(*) AS n FROM events WHERE {span} AND {column} IS NOT NULL"
                    " GROUP BY k ORDER BY n DESC, k LIMIT ?",
                    start_ms, end_ms, top,
                )
                for name, column in (("identifiers", "identifier"), ("rules", "rule"), ("routes", "route"))
            },
        }  # fmt: skip
        return encode(counts)

    async def keys(self) -> int:
        return self.count("limits")
