"""The durable outbox's policy, sans-I/O: what to send next, and how to react to each answer.

The adapter (a Durable Object) stores ``OutboxItem``s before anything is sent, asks ``due`` which
ones to send, performs the HTTP request, and hands the answer to ``on_answer``; the decision says
whether the item is sent, retried (and when) or dead-lettered, and why. Retries follow
Alertmanager's rule (2xx succeeds, 5xx and 429 are retried, other 4xx are final) with exponential
backoff and full jitter, and a ``Retry-After`` answer is a floor for the next attempt.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from .model import Notification

Random = Callable[[], float]  # uniform in [0, 1), injected so tests can pin it


@dataclass(frozen=True)
class OutboundRequest:
    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "headers": dict(self.headers),
            "body": base64.b64encode(self.body).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OutboundRequest:
        return cls(str(data["method"]), str(data["url"]), dict(data["headers"]), base64.b64decode(data["body"]))


class ItemState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


@dataclass(frozen=True)
class OutboxItem:
    id: str
    receiver: str
    request: OutboundRequest
    attempts: int
    next_attempt_ms: int
    created_ms: int
    last_status: int | None = None
    last_error: str = ""
    state: ItemState = ItemState.PENDING
    group_key: str = ""
    reason: str = ""  # the NotifyReason that let the notification through

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "receiver": self.receiver,
            "request": self.request.to_json(),
            "attempts": self.attempts,
            "next_attempt_ms": self.next_attempt_ms,
            "created_ms": self.created_ms,
            "last_status": self.last_status,
            "last_error": self.last_error,
            "state": self.state.value,
            "group_key": self.group_key,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OutboxItem:
        status = data.get("last_status")
        return cls(
            str(data["id"]),
            str(data["receiver"]),
            OutboundRequest.from_json(data["request"]),
            int(data["attempts"]),
            int(data["next_attempt_ms"]),
            int(data["created_ms"]),
            None if status is None else int(status),
            str(data.get("last_error") or ""),
            ItemState(data.get("state") or ItemState.PENDING),
            str(data.get("group_key") or ""),
            str(data.get("reason") or ""),
        )


def item_id(notification: Notification) -> str:
    """Stable per notification, so a repeated cron delivery enqueues (and sends) nothing twice."""
    key = "\x00".join(
        (notification.receiver, notification.group_key, str(notification.created_at_ms), notification.reason.value)
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def enqueue(notification: Notification, request: OutboundRequest, now_ms: int) -> OutboxItem:
    return OutboxItem(
        id=item_id(notification),
        receiver=notification.receiver,
        request=request,
        attempts=0,
        next_attempt_ms=now_ms,
        created_ms=now_ms,
        group_key=notification.group_key,
        reason=notification.reason.value,
    )


# Answers that say the request itself is wrong: sending it again cannot help.
NON_RETRYABLE = frozenset({400, 401, 403, 404, 410, 413, 422})
# 4xx answers that say "not now" rather than "never".
RETRYABLE_4XX = frozenset({408, 425, 429})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay_ms: int = 1_000
    max_delay_ms: int = 5 * 60_000  # the cap of the exponential backoff
    max_retry_after_ms: int = 60 * 60_000  # a server cannot park an item longer than this


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    DEAD = "dead"


class AnswerReason(StrEnum):
    DELIVERED = "delivered"
    RATE_LIMITED = "rate_limited"  # 429
    SERVER_ERROR = "server_error"  # 5xx
    TRANSIENT_CLIENT_ERROR = "transient_client_error"  # 408, 425
    NETWORK_ERROR = "network_error"  # no answer at all
    REJECTED = "rejected"  # a non-retryable 4xx: the request is wrong
    UNEXPECTED_STATUS = "unexpected_status"  # 1xx, 3xx or another 4xx
    ATTEMPTS_EXHAUSTED = "attempts_exhausted"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reason: AnswerReason
    item: OutboxItem  # the item as it must be stored now
    delay_ms: int = 0  # for RETRY: from now to the next attempt
    retry_after_ms: int | None = None  # what the server asked for, if anything


def classify(status: int | None) -> tuple[Outcome, AnswerReason]:
    if status is None:
        return Outcome.RETRY, AnswerReason.NETWORK_ERROR
    if 200 <= status < 300:
        return Outcome.SENT, AnswerReason.DELIVERED
    if status == 429:
        return Outcome.RETRY, AnswerReason.RATE_LIMITED
    if 500 <= status < 600:
        return Outcome.RETRY, AnswerReason.SERVER_ERROR
    if status in RETRYABLE_4XX:
        return Outcome.RETRY, AnswerReason.TRANSIENT_CLIENT_ERROR
    if status in NON_RETRYABLE:
        return Outcome.DEAD, AnswerReason.REJECTED
    return Outcome.DEAD, AnswerReason.UNEXPECTED_STATUS


def parse_retry_after(value: str | None, now_ms: int) -> int | None:
    """``Retry-After`` as milliseconds from now: delay-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return int(text) * 1000
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None  # an HTTP-date is always GMT; a zoneless date is not one
    return max(0, int(when.timestamp() * 1000) - now_ms)


def backoff_ms(attempts: int, policy: RetryPolicy, rand: Random) -> int:
    """Full jitter: uniform in [0, min(cap, base * 2^(attempts-1)))."""
    ceiling = min(policy.max_delay_ms, policy.base_delay_ms * 2 ** max(0, attempts - 1))
    return int(rand() * ceiling)


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def on_answer(
    item: OutboxItem,
    status: int | None,
    headers: Mapping[str, str],
    now_ms: int,
    policy: RetryPolicy,
    *,
    rand: Random,
    error: str = "",
) -> Decision:
    """React to one attempt's answer; ``status`` None means no answer (network error, timeout)."""
    attempts = item.attempts + 1
    outcome, reason = classify(status)
    last_error = error or ("" if outcome is Outcome.SENT else f"HTTP {status}")
    tried = replace(item, attempts=attempts, last_status=status, last_error=last_error)
    if outcome is Outcome.SENT:
        return Decision(outcome, reason, replace(tried, state=ItemState.SENT, last_error=""))
    if outcome is Outcome.DEAD:
        return Decision(outcome, reason, replace(tried, state=ItemState.DEAD))
    retry_after = parse_retry_after(header_value(headers, "retry-after"), now_ms)
    if attempts >= policy.max_attempts:
        dead = replace(tried, state=ItemState.DEAD, last_error=f"{last_error}; gave up after {attempts} attempts")
        return Decision(Outcome.DEAD, AnswerReason.ATTEMPTS_EXHAUSTED, dead, retry_after_ms=retry_after)
    delay = backoff_ms(attempts, policy, rand)
    if retry_after is not None:
        delay = max(delay, min(retry_after, policy.max_retry_after_ms))
    waiting = replace(tried, next_attempt_ms=now_ms + delay)
    return Decision(Outcome.RETRY, reason, waiting, delay_ms=delay, retry_after_ms=retry_after)


@dataclass(frozen=True)
class AttemptRecord:
    """One line of ``GET /alerts/notifications``."""

    item_id: str
    receiver: str
    group_key: str
    reason: str
    attempt: int
    status: int | None
    latency_ms: int
    outcome: Outcome
    outcome_reason: AnswerReason
    at_ms: int
    error: str = ""
    next_attempt_ms: int | None = None


def attempt_record(decision: Decision, started_ms: int, now_ms: int) -> AttemptRecord:
    item = decision.item
    return AttemptRecord(
        item_id=item.id,
        receiver=item.receiver,
        group_key=item.group_key,
        reason=item.reason,
        attempt=item.attempts,
        status=item.last_status,
        latency_ms=max(0, now_ms - started_ms),
        outcome=decision.outcome,
        outcome_reason=decision.reason,
        at_ms=now_ms,
        error=item.last_error,
        next_attempt_ms=item.next_attempt_ms if decision.outcome is Outcome.RETRY else None,
    )


def due(items: Iterable[OutboxItem], now_ms: int, limit: int) -> list[OutboxItem]:
    """Pending items to send now, oldest first, at most one per (receiver, group): an item waits
    while an older item of its group is still pending, so a group's notifications never overtake."""
    heads: dict[tuple[str, str], OutboxItem] = {}
    for item in items:
        if item.state is not ItemState.PENDING:
            continue
        queue = (item.receiver, item.group_key)
        head = heads.get(queue)
        if head is None or (item.created_ms, item.id) < (head.created_ms, head.id):
            heads[queue] = item
    ready = [item for item in heads.values() if item.next_attempt_ms <= now_ms]
    ready.sort(key=lambda item: (item.created_ms, item.id))
    return ready[: max(0, limit)]


def next_wake_ms(items: Iterable[OutboxItem]) -> int | None:
    """When the adapter's alarm should fire next: the earliest pending attempt."""
    times = [item.next_attempt_ms for item in items if item.state is ItemState.PENDING]
    return min(times) if times else None


@dataclass(frozen=True)
class Pacer:
    """Fixed spacing per receiver: sends to one receiver are at least 1000/max_per_second ms apart.

    Stricter than a token bucket (no bursts), which is what Slack's "about one message a second"
    per incoming webhook asks for. ``last_ms`` maps a receiver to its last reserved slot.
    """

    last_ms: Mapping[str, int] = field(default_factory=dict)

    def next_slot(self, receiver: str, now_ms: int, max_per_second: float | None) -> int:
        if not max_per_second or max_per_second <= 0:
            return now_ms
        last = self.last_ms.get(receiver)
        if last is None:
            return now_ms
        return max(now_ms, last + spacing_ms(max_per_second))

    def take(self, receiver: str, at_ms: int) -> Pacer:
        return Pacer({**self.last_ms, receiver: at_ms})

    def finished(self, receiver: str, at_ms: int) -> Pacer:
        """A send reserved earlier has its answer at ``at_ms``: the next one is spaced from then.
        Sends that overlap or are late on the wire (sent concurrently with others) would otherwise
        arrive closer together than the spacing."""
        return Pacer({**self.last_ms, receiver: max(at_ms, self.last_ms.get(receiver, at_ms))})

    def to_json(self) -> dict[str, Any]:
        return {"last_ms": dict(self.last_ms)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Pacer:
        return cls({str(k): int(v) for k, v in (data.get("last_ms") or {}).items()})


def spacing_ms(max_per_second: float) -> int:
    return math.ceil(1000 / max_per_second)


@dataclass(frozen=True)
class Slot:
    at_ms: int
    pacer: Pacer


def next_slot(pacer: Pacer, receiver: str, now_ms: int, max_per_second: float | None) -> Slot:
    """Reserve the earliest slot at or after now for one send to ``receiver``."""
    at = pacer.next_slot(receiver, now_ms, max_per_second)
    return Slot(at, pacer.take(receiver, at))
