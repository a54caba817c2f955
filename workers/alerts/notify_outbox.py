"""Outbox: the one Durable Object (name "outbox") that delivers notifications and loses none.

A notification is recorded (``items``, by its deterministic id: INSERT OR IGNORE) before anything
is sent. The alarm asks the core which items are due (``outbox.due``: oldest first, one per group
so a group's notifications never overtake, paced per receiver), builds each request at send time
with the receiver's secrets from env (stored items hold no secret), performs the fetch, and stores
the core's decision (``outbox.on_answer``: sent, retried with backoff and Retry-After, or dead).
Every attempt is a row of ``attempts``, the history ``GET /alerts/notifications`` reads.
"""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import js
from pyodide.ffi import to_js

from alert_setup import env_strings, setup_of
from edgewatch.alerts.activity import PeriodAlerts, PeriodItem
from edgewatch.alerts.delivery import build_request
from edgewatch.alerts.messages import Enqueue, Enqueued
from edgewatch.alerts.model import Notification
from edgewatch.alerts.outbox import (
    AttemptRecord,
    ItemState,
    OutboundRequest,
    OutboxItem,
    Pacer,
    RetryPolicy,
    attempt_record,
    due,
    item_id,
    next_slot,
    next_wake_ms,
    on_answer,
)
from edgewatch.alerts.receivers import MissingSecret, secret_refs
from edgewatch.alerts.sources import DeadLetter
from edgewatch.codec import decode, encode
from edgewatch_cf.clock import now_ms
from edgewatch_cf.sqlite_object import SqliteObject

SEND_TIMEOUT_MS = 10_000
BATCH = 20
KEEP_ATTEMPTS = 5_000
DEAD_KEEP_MS = 7 * 86_400_000
POLICY = RetryPolicy()
_EMPTY = OutboundRequest("POST", "", {}, b"")
# The pending items without their notification bodies (read per item at send time): an alarm
# reading every pending body made a storm's backlog cost its size at every wake-up.
PENDING = (
    "SELECT id, receiver, group_key, reason, created_ms, state, attempts, next_attempt_ms, last_status, last_error"
    " FROM items WHERE state = 'pending'"
)


def _item(row: Any) -> OutboxItem:
    status = row.last_status
    return OutboxItem(
        row.id, row.receiver, _EMPTY, int(row.attempts), int(row.next_attempt_ms), int(row.created_ms),
        None if status is None else int(status), str(row.last_error or ""), ItemState(row.state),
        row.group_key, row.reason,
    )  # fmt: skip


async def _send(request: OutboundRequest) -> tuple[int | None, dict[str, str], str]:
    options = {
        "method": request.method,
        "headers": dict(request.headers),
        "body": to_js(request.body),
        "signal": js.AbortSignal.timeout(SEND_TIMEOUT_MS),
    }
    try:
        response = await js.fetch(request.url, to_js(options, dict_converter=js.Object.fromEntries))
    except Exception as exc:  # network error, abort, timeout
        return None, {}, str(getattr(exc, "message", None) or exc)[:300]
    headers = {}
    retry_after = response.headers.get("retry-after")
    if retry_after is not None:
        headers["retry-after"] = str(retry_after)
    await response.text()
    return int(response.status), headers, ""


class Outbox(SqliteObject):
    MIGRATIONS = (
        "CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, receiver TEXT NOT NULL, group_key TEXT NOT NULL,"
        " reason TEXT NOT NULL, created_ms INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,"
        " next_attempt_ms INTEGER NOT NULL, last_status INTEGER, last_error TEXT, notification TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS items_pending ON items(state, next_attempt_ms)",
        "CREATE TABLE IF NOT EXISTS attempts (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS pacing (id INTEGER PRIMARY KEY CHECK (id = 0), body TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS dead (id TEXT PRIMARY KEY, receiver TEXT NOT NULL, at_ms INTEGER NOT NULL,"
        " error TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS dead_at ON dead(at_ms)",
        "CREATE INDEX IF NOT EXISTS items_created ON items(created_ms)",
    )

    async def enqueue(self, payload: str) -> str:
        r = decode(Enqueue, str(payload))
        added = 0
        for n in r.notifications:
            before = self.count("items")
            self.sql.exec(
                "INSERT OR IGNORE INTO items (id, receiver, group_key, reason, created_ms, state, attempts,"
                " next_attempt_ms, notification) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
                item_id(n), n.receiver, n.group_key, n.reason.value, n.created_at_ms, r.now_ms, encode(n),
            )  # fmt: skip
            added += self.count("items") - before
        await self._wake()
        return encode(Enqueued(added, len(r.notifications) - added))

    async def _wake(self) -> None:
        pending = [_item(r) for r in self.rows(PENDING)]
        wake = next_wake_ms(pending)
        if wake is not None:
            current = await self.ctx.storage.getAlarm()
            if current is None or int(current) > wake:
                await self.ctx.storage.setAlarm(max(wake, now_ms()))

    def _pacer(self) -> Pacer:
        row = self.first("SELECT body FROM pacing WHERE id = 0")
        return Pacer.from_json(json.loads(row.body)) if row else Pacer()

    async def alarm(self, info: Any = None) -> None:
        try:
            await self._deliver_due()
        finally:
            await self._wake()

    async def _deliver_due(self) -> None:
        """Send the due items (one per group, so a group never overtakes itself) concurrently: one
        after the other, a storm's backlog drained at one round trip per notification. A paced
        receiver has at most one send in an alarm, and the next is spaced from its answer."""
        setup = setup_of(self.env)
        pacer = self._pacer()
        pending = [_item(r) for r in self.rows(PENDING)]
        sends = []
        for item in due(pending, now_ms(), BATCH):
            receiver = setup.receiver(item.receiver)
            rate = None if receiver is None else receiver.max_per_second
            slot = next_slot(pacer, item.receiver, now_ms(), rate)
            if slot.at_ms > now_ms():
                self.sql.exec("UPDATE items SET next_attempt_ms = ? WHERE id = ?", slot.at_ms, item.id)
                continue
            pacer = slot.pacer
            self.sql.exec("INSERT OR REPLACE INTO pacing (id, body) VALUES (0, ?)", json.dumps(pacer.to_json()))
            sends.append(self._attempt(item, receiver, paced=rate is not None))
        failed = [r for r in await asyncio.gather(*sends, return_exceptions=True) if isinstance(r, BaseException)]
        if failed:
            raise failed[0]

    async def _attempt(self, item: OutboxItem, receiver: Any, *, paced: bool = False) -> None:
        row = self.one("SELECT notification FROM items WHERE id = ?", item.id)
        notification = decode(Notification, row.notification)
        started = now_ms()
        status: int | None = None
        headers: dict[str, str] = {}
        error = ""
        try:
            if receiver is None:
                raise LookupError(f"receiver {item.receiver!r} is no longer configured")
            names = [ref.name for _field, ref in secret_refs(receiver)] + ["PAGERDUTY_EVENTS_URL"]
            request = build_request(receiver, notification, env_strings(self.env, names), started)
        except (MissingSecret, LookupError, ValueError) as exc:
            status, error = 0, str(exc)[:300]
        else:
            started = now_ms()
            status, headers, error = await _send(request)
        if status == 0:  # nothing can be sent: a configuration problem, final
            decision = on_answer(item, 400, {}, now_ms(), POLICY, rand=random.random, error=error)
        else:
            decision = on_answer(item, status, headers, now_ms(), POLICY, rand=random.random, error=error)
        self._store(decision.item, attempt_record(decision, started, now_ms()))
        if paced:  # the next send to this receiver is spaced from this answer (alarms do not overlap)
            pacer = self._pacer().finished(item.receiver, now_ms())
            self.sql.exec("INSERT OR REPLACE INTO pacing (id, body) VALUES (0, ?)", json.dumps(pacer.to_json()))

    def _store(self, item: OutboxItem, record: AttemptRecord) -> None:
        self.sql.exec(
            "UPDATE items SET state = ?, attempts = ?, next_attempt_ms = ?, last_status = ?, last_error = ?"
            " WHERE id = ?",
            item.state.value, item.attempts, item.next_attempt_ms, item.last_status, item.last_error, item.id,
        )  # fmt: skip
        self.sql.exec("INSERT INTO attempts (body) VALUES (?)", encode(record))
        if item.state is ItemState.DEAD:
            self.sql.exec(
                "INSERT OR REPLACE INTO dead (id, receiver, at_ms, error) VALUES (?, ?, ?, ?)",
                item.id, item.receiver, record.at_ms, item.last_error,
            )  # fmt: skip
            self.sql.exec("DELETE FROM dead WHERE at_ms < ?", record.at_ms - DEAD_KEEP_MS)
        self.sql.exec("DELETE FROM attempts WHERE seq <= (SELECT max(seq) FROM attempts) - ?", KEEP_ATTEMPTS)

    async def dead_letters(self, since_ms: int) -> str:
        """Per receiver, the notifications dead-lettered since ``since_ms``: an encoded list of DeadLetter."""
        rows = self.rows(
            "SELECT receiver, count(*) AS n, min(at_ms) AS first, max(at_ms) AS last,"
            " (SELECT error FROM dead d2 WHERE d2.receiver = dead.receiver ORDER BY at_ms DESC LIMIT 1) AS error"
            " FROM dead WHERE at_ms >= ? GROUP BY receiver ORDER BY receiver",
            int(since_ms),
        )
        return encode([DeadLetter(r.receiver, int(r.n), int(r.first), int(r.last), str(r.error or "")) for r in rows])

    async def period_items(self, start_ms: int, end_ms: int, limit: int) -> str:
        """The items created in [start_ms, end_ms), newest first, with the alerts they carried: an
        encoded PeriodAlerts (without the center's alerts), for reports."""
        rows = self.rows(
            "SELECT receiver, state, attempts, reason, created_ms, notification FROM items"
            " WHERE created_ms >= ? AND created_ms < ? ORDER BY created_ms DESC LIMIT ?",
            int(start_ms), int(end_ms), int(limit) + 1,
        )  # fmt: skip
        items = tuple(
            PeriodItem(r.receiver, r.state, int(r.attempts), r.reason, int(r.created_ms),
                       decode(Notification, r.notification).firing)
            for r in rows[: int(limit)]
        )  # fmt: skip
        return encode(PeriodAlerts(int(start_ms), int(end_ms), items, truncated=len(rows) > int(limit)))

    async def attempts(self, limit: int) -> str:
        rows = self.rows("SELECT body FROM attempts ORDER BY seq DESC LIMIT ?", int(limit))
        return "[" + ",".join(r.body for r in rows) + "]"

    async def items(self, state: str, limit: int) -> str:
        rows = self.rows(
            "SELECT id, receiver, group_key, reason, created_ms, state, attempts, next_attempt_ms, last_status,"
            " last_error FROM items WHERE state = ? ORDER BY created_ms DESC LIMIT ?",
            str(state),
            int(limit),
        )
        return json.dumps([{k: r[k] for k in ("id", "receiver", "group_key", "reason", "created_ms", "state",
                            "attempts", "next_attempt_ms", "last_status", "last_error")} for r in rows])  # fmt: skip
