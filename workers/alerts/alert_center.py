"""AlertCenter: the one Durable Object (name "alerts") that owns the alerts by fingerprint, the
aggregation groups, the notification log, silences, acknowledgements and the rule states.

Storage (``center_rows``): a row per alert and per aggregation group, one JSON document per small
part of the core's CenterState in ``state`` (nflog, acks, silences, rules), of which a call writes
only what changed, in one synchronous block with the ``handoff`` rows: the notifications a flush
let through, kept until the Outbox has them (INSERT OR IGNORE by the notification's deterministic
id), so a crash between the two sends nothing twice and loses nothing. The decoded state is kept
between calls once its write succeeded.
Group timers are this object's alarm (``GroupTable.next_wakeup``).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from alert_setup import outbox, setup_of
from center_rows import TABLES, CenterRows
from edgewatch.alerts import center as core
from edgewatch.alerts import views
from edgewatch.alerts.center import CenterState
from edgewatch.alerts.evaluate import SeriesQuery
from edgewatch.alerts.messages import (
    AckAnswer,
    AckRequest,
    ChangeOutcome,
    Enqueue,
    EvaluateRules,
    IncomingAlerts,
    Received,
    RulesEvaluated,
    SilenceAnswer,
    SilenceRequest,
)
from edgewatch.alerts.model import Notification, label_set
from edgewatch.alerts.outbox import item_id
from edgewatch.alerts.rulerun import run_rules
from edgewatch.alerts.silences import SilenceError, SilenceNotFoundError, expire_silence, upsert_silence
from edgewatch.alerts.source_messages import SourcesPolled
from edgewatch.alerts.sourcerun import run_sources
from edgewatch.codec import decode, encode
from edgewatch_cf.clock import now_ms
from edgewatch_cf.sqlite_object import SqliteObject

HANDOFF_RETRY_MS = 5_000
MAX_DECISIONS = 2_000


class AlertCenter(SqliteObject):
    MIGRATIONS = (
        "CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS handoff (id TEXT PRIMARY KEY, at_ms INTEGER NOT NULL, notification TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS decisions (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)",
        *TABLES,
    )

    def __init__(self, ctx: Any, env: Any) -> None:
        super().__init__(ctx, env)
        self.store = CenterRows(self)

    def _load(self) -> CenterState:
        return self.store.take()

    def _save(self, state: CenterState, handoff: list[Notification], decisions: list[Any] | None = None) -> None:
        self.store.write(state)
        for n in handoff:
            self.sql.exec(
                "INSERT OR IGNORE INTO handoff (id, at_ms, notification) VALUES (?, ?, ?)",
                item_id(n),
                n.created_at_ms,
                encode(n),
            )
        for d in decisions or []:
            self.sql.exec("INSERT INTO decisions (body) VALUES (?)", encode(d))
        if decisions:
            self.sql.exec("DELETE FROM decisions WHERE seq <= (SELECT max(seq) FROM decisions) - ?", MAX_DECISIONS)
        self.store.keep(state)

    async def _hand_over(self, now: int) -> None:
        rows = self.rows("SELECT id, notification FROM handoff ORDER BY at_ms, id")
        if not rows:
            return
        notifications = tuple(decode(Notification, r.notification) for r in rows)
        await outbox(self.env).enqueue(encode(Enqueue(notifications, now)))
        for r in rows:
            self.sql.exec("DELETE FROM handoff WHERE id = ?", r.id)

    async def _wake(self, state: CenterState, now: int) -> None:
        wake = state.groups.next_wakeup(now)
        if self.count("handoff"):
            wake = now + HANDOFF_RETRY_MS if wake is None else min(wake, now + HANDOFF_RETRY_MS)
        if wake is not None:
            current = await self.ctx.storage.getAlarm()
            if current is None or int(current) > wake or int(current) < now:
                await self.ctx.storage.setAlarm(wake)

    async def _after(self, state: CenterState, now: int) -> None:
        await self._hand_over(now)
        await self._wake(state, now)

    async def receive(self, payload: str) -> str:
        r = decode(IncomingAlerts, str(payload))
        setup, state, now = setup_of(self.env), self._load(), now_ms()
        fingerprints = core.receive(state, r.alerts, setup, now)
        decisions, notifications = core.flush(state, setup, now)
        self._save(state, notifications, decisions)
        await self._after(state, now)
        return encode(Received(tuple(fingerprints)))

    async def alarm(self, info: Any = None) -> None:
        setup, state, now = setup_of(self.env), self._load(), now_ms()
        core.forget_old(state, now)
        decisions, notifications = core.flush(state, setup, now)
        self._save(state, notifications, decisions)
        try:
            await self._hand_over(now)
        finally:
            await self._wake(state, now)

    async def evaluate_rules(self, payload: str) -> str:
        r = decode(EvaluateRules, str(payload))
        setup, state, now = setup_of(self.env), self._load(), now_ms()
        fetched = {f.query: {label_set(v.labels): v.value for v in f.values} for f in r.fetched if f.error is None}
        errors: dict[SeriesQuery, str] = {f.query: f.error for f in r.fetched if f.error is not None}
        run = run_rules(setup.rules, state.rules, fetched, errors=errors, eval_ms=r.eval_ms, now_ms=now)
        core.receive(state, run.alerts, setup, now)
        decisions, notifications = core.flush(state, setup, now)
        self._save(state, notifications, decisions)
        await self._after(state, now)
        return encode(RulesEvaluated(run.outcomes, len(run.alerts)))

    async def feed_cursor(self) -> int:
        state = self._load()
        self.store.keep(state)
        return state.feeds.uptime_seq

    async def apply_sources(self, payload: str) -> str:
        polled = decode(SourcesPolled, str(payload))
        setup, state, now = setup_of(self.env), self._load(), now_ms()
        run = run_sources(state, setup, polled)
        core.receive(state, run.alerts, setup, now)
        decisions, notifications = core.flush(state, setup, now)
        self._save(state, notifications, decisions)
        await self._after(state, now)
        return encode(run.applied)

    async def acknowledge(self, payload: str) -> str:
        r = decode(AckRequest, str(payload))
        setup, state = setup_of(self.env), self._load()
        try:
            ack, notification = core.acknowledge(
                state,
                setup,
                group_id=r.group_id,
                by=r.by,
                now_ms=r.now_ms,
                expires_at_ms=r.expires_at_ms,
                comment=r.comment,
            )
        except core.AckRefused as exc:
            missing = str(exc).startswith("no active group")
            return encode(AckAnswer(ChangeOutcome.NOT_FOUND if missing else ChangeOutcome.INVALID, error=str(exc)))
        self._save(state, [] if notification is None else [notification])
        await self._after(state, r.now_ms)
        return encode(AckAnswer(ChangeOutcome.DONE, ack, notified=notification is not None))

    async def put_silence(self, payload: str) -> str:
        r = decode(SilenceRequest, str(payload))
        state = self._load()
        new_id = str(uuid.uuid4())
        try:
            change = upsert_silence(state.silences, r.silence, r.now_ms, new_id)
        except SilenceNotFoundError as exc:
            return encode(SilenceAnswer(ChangeOutcome.NOT_FOUND, error=str(exc)))
        except SilenceError as exc:
            return encode(SilenceAnswer(ChangeOutcome.INVALID, error=str(exc)))
        if change.replaced is not None:
            state.silences[change.replaced.id] = change.replaced
        state.silences[change.silence.id] = change.silence
        self._save(state, [])
        return encode(SilenceAnswer(ChangeOutcome.DONE, change.silence.id))

    async def expire_silence(self, silence_id: str, now: int) -> str:
        state = self._load()
        found = state.silences.get(str(silence_id))
        if found is None:
            return encode(SilenceAnswer(ChangeOutcome.NOT_FOUND, error=f"silence {silence_id} not found"))
        try:
            state.silences[found.id] = expire_silence(found, int(now))
        except SilenceError as exc:
            return encode(SilenceAnswer(ChangeOutcome.INVALID, error=str(exc)))
        self._save(state, [])
        return encode(SilenceAnswer(ChangeOutcome.DONE, found.id))

    async def alerts_started(self, start_ms: int, end_ms: int) -> str:
        """The alerts held now that started in [start_ms, end_ms): an encoded list of Alert, for reports."""
        state = self._load()
        self.store.keep(state)  # a read: the state stays as it was
        found = [a for a in state.alerts.values() if int(start_ms) <= a.starts_at_ms < int(end_ms)]
        return encode(found)

    async def view(self, name: str, now: int) -> str:
        """A read body as JSON text: alerts, groups, rules, silences, v2_alerts, v2_groups, v2_silences, decisions."""
        state, now = self._load(), int(now)
        self.store.keep(state)  # a read: the state stays as it was
        name = str(name)
        if name == "decisions":
            rows = self.rows("SELECT body FROM decisions ORDER BY seq DESC LIMIT 200")
            return "[" + ",".join(r.body for r in rows) + "]"
        if name in ("groups", "v2_silences"):
            body: Any = views.groups_view(state, now) if name == "groups" else views.v2_silences(state, now)
        elif name == "rules":
            body = views.rules_view(state, setup_of(self.env))
        else:
            build = {"alerts": views.alerts_view, "v2_alerts": views.v2_alerts, "v2_groups": views.v2_groups}[name]
            body = build(state, setup_of(self.env), now)
        return json.dumps(body, separators=(",", ":"))
