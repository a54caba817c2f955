"""Security events: what the security Worker records (a refusal, a threat, an anomaly, a block),
their JSON form, the API's query over them and the dashboard's summary.

Events are listed newest first, ordered by ``(ts_ms, id)``; a page's ``next_cursor`` names the
last event returned, so paging stays correct while new events arrive. Ids sort by time: 13 hex
digits of the timestamp, a dash and 16 hex digits of caller-supplied randomness (the core draws
none itself). Identifiers, routes and reasons come from clients: they are stored with control
characters removed and bounded lengths, and the dashboard must still escape them.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

MAX_TEXT = 512
MAX_DETAIL_BYTES = 4_096
DEFAULT_LIMIT = 100
MAX_LIMIT = 1_000
MAX_BUCKETS = 10_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class EventType(StrEnum):
    RATE_LIMITED = "rate_limited"
    THREAT = "threat"
    ANOMALY = "anomaly"
    BLOCKED = "blocked"


def clean_text(text: str, limit: int = MAX_TEXT) -> str:
    text = _CONTROL.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def event_id(ts_ms: int, entropy: bytes) -> str:
    """A time-sortable id; ``entropy`` is at least 8 random bytes (e.g. ``secrets.token_bytes(8)``)."""
    if len(entropy) < 8:
        raise ValueError("entropy: expected at least 8 bytes")
    return f"{ts_ms:013x}-{entropy[:8].hex()}"


@dataclass(frozen=True)
class SecurityEvent:
    id: str
    ts_ms: int
    type: EventType
    identifier: str
    route: str | None = None
    rule_id: str | None = None
    score: float | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sort_key(self) -> tuple[int, str]:
        return (self.ts_ms, self.id)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ts_ms": self.ts_ms,
            "type": self.type.value,
            "identifier": self.identifier,
            "route": self.route,
            "rule_id": self.rule_id,
            "score": self.score,
            "detail": dict(self.detail),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SecurityEvent:
        """Raise ValueError naming the first invalid field."""
        if not isinstance(data, Mapping):
            raise ValueError(f"event: expected an object, got {type(data).__name__}")
        unknown = set(data) - {"id", "ts_ms", "type", "identifier", "route", "rule_id", "score", "detail"}
        if unknown:
            raise ValueError(f"{sorted(unknown)[0]}: unknown field")
        event_id_, ts = data.get("id"), data.get("ts_ms")
        if not isinstance(event_id_, str) or not 0 < len(event_id_) <= 64:
            raise ValueError("id: expected a string of 1 to 64 characters")
        if not isinstance(ts, int) or isinstance(ts, bool) or ts < 0:
            raise ValueError("ts_ms: expected a non-negative integer")
        try:
            kind = EventType(str(data.get("type")))
        except ValueError:
            raise ValueError(f"type: expected one of {', '.join(t.value for t in EventType)}") from None
        identifier = data.get("identifier")
        if not isinstance(identifier, str) or not identifier:
            raise ValueError("identifier: expected a non-empty string")
        route, rule_id = _optional_text(data, "route"), _optional_text(data, "rule_id")
        score = data.get("score")
        if score is not None and (
            isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score)
        ):
            raise ValueError("score: expected a finite number or null")
        detail = data.get("detail", {})
        if not isinstance(detail, Mapping):
            raise ValueError("detail: expected an object")
        return make_event(
            kind, ts, identifier, event=event_id_, route=route, rule_id=rule_id, score=score, detail=detail
        )


def _optional_text(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name}: expected a string or null")
    return value


def make_event(
    kind: EventType,
    ts_ms: int,
    identifier: str,
    *,
    event: str | None = None,
    entropy: bytes | None = None,
    route: str | None = None,
    rule_id: str | None = None,
    score: float | None = None,
    detail: Mapping[str, Any] | None = None,
) -> SecurityEvent:
    """Build an event from untrusted parts: text cleaned and bounded, ``detail`` JSON of at most 4 KiB.

    Give either the id (``event``) or the ``entropy`` to make one.
    """
    if event is None:
        if entropy is None:
            raise ValueError("make_event: give an id or the entropy to make one")
        event = event_id(ts_ms, entropy)
    detail = dict(detail or {})
    try:
        encoded = json.dumps(detail, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"detail: not JSON-serialisable ({exc})") from None
    if len(encoded.encode("utf-8")) > MAX_DETAIL_BYTES:
        raise ValueError(f"detail: larger than {MAX_DETAIL_BYTES} bytes as JSON")
    return SecurityEvent(
        id=event,
        ts_ms=ts_ms,
        type=kind,
        identifier=clean_text(identifier),
        route=None if route is None else clean_text(route),
        rule_id=None if rule_id is None else clean_text(rule_id, 128),
        score=None if score is None else float(score),
        detail=json.loads(encoded),
    )


# --- query -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventQuery:
    types: frozenset[EventType] = frozenset()  # empty: every type
    identifier: str | None = None
    route: str | None = None  # exact, or a prefix when it ends with "*"
    rule_id: str | None = None
    from_ms: int | None = None  # inclusive
    to_ms: int | None = None  # exclusive
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None

    def matches(self, event: SecurityEvent) -> bool:
        if self.types and event.type not in self.types:
            return False
        if self.identifier is not None and event.identifier != self.identifier:
            return False
        if self.rule_id is not None and event.rule_id != self.rule_id:
            return False
        if self.route is not None:
            if event.route is None:
                return False
            wildcard = self.route.endswith("*")
            if wildcard and not event.route.startswith(self.route[:-1]):
                return False
            if not wildcard and event.route != self.route:
                return False
        if self.from_ms is not None and event.ts_ms < self.from_ms:
            return False
        return self.to_ms is None or event.ts_ms < self.to_ms


def encode_cursor(event: SecurityEvent) -> str:
    return base64.urlsafe_b64encode(f"{event.ts_ms}:{event.id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        ts, event = text.split(":", 1)
        return int(ts), event
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValueError("cursor: not a cursor returned by this API") from None


def _time(name: str, text: str) -> int:
    text = text.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{name}: expected epoch milliseconds or an ISO 8601 time, got {text!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"{name}: an ISO 8601 time needs a zone, e.g. 'Z'")
    return int(moment.timestamp() * 1000)


def parse_query(params: Mapping[str, str]) -> EventQuery:
    """The API's query string: ``type`` (comma-separated), ``identifier``, ``route``, ``rule``,
    ``from``/``to`` (epoch ms or ISO 8601), ``limit`` (1-1000) and ``cursor``.
    Raise ValueError naming the parameter."""
    allowed = {"type", "identifier", "route", "rule", "from", "to", "limit", "cursor"}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown parameter; allowed: {', '.join(sorted(allowed))}")
    types: set[EventType] = set()
    for item in filter(None, (part.strip() for part in params.get("type", "").split(","))):
        try:
            types.add(EventType(item))
        except ValueError:
            raise ValueError(f"type: {item!r} is not one of {', '.join(t.value for t in EventType)}") from None
    limit_text = params.get("limit", str(DEFAULT_LIMIT))
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
        raise ValueError(f"limit: expected an integer from 1 to {MAX_LIMIT}")
    from_ms = _time("from", params["from"]) if "from" in params else None
    to_ms = _time("to", params["to"]) if "to" in params else None
    if from_ms is not None and to_ms is not None and to_ms <= from_ms:
        raise ValueError("to: must be after from")
    cursor = params.get("cursor") or None
    if cursor is not None:
        decode_cursor(cursor)
    return EventQuery(
        types=frozenset(types),
        identifier=params.get("identifier") or None,
        route=params.get("route") or None,
        rule_id=params.get("rule") or None,
        from_ms=from_ms,
        to_ms=to_ms,
        limit=int(limit_text),
        cursor=cursor,
    )


@dataclass(frozen=True)
class EventPage:
    events: list[SecurityEvent]
    next_cursor: str | None  # None on the last page

    def to_json(self) -> dict[str, Any]:
        return {"events": [event.to_json() for event in self.events], "next_cursor": self.next_cursor}


def query_events(events: Iterable[SecurityEvent], query: EventQuery) -> EventPage:
    """One page of the matching events, newest first."""
    after = decode_cursor(query.cursor) if query.cursor is not None else None
    found = [e for e in events if query.matches(e) and (after is None or e.sort_key < after)]
    found.sort(key=lambda e: e.sort_key, reverse=True)
    page = found[: query.limit]
    more = len(found) > query.limit
    return EventPage(page, encode_cursor(page[-1]) if more else None)


# --- summary ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeBucket:
    start_ms: int
    counts: dict[str, int]  # by event type, every type present

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Summary:
    from_ms: int
    to_ms: int
    bucket_ms: int
    total: int
    by_type: dict[str, int]
    top_identifiers: list[tuple[str, int]]
    top_rules: list[tuple[str, int]]
    top_routes: list[tuple[str, int]]
    buckets: list[TimeBucket]

    def to_json(self) -> dict[str, Any]:
        def top(items: list[tuple[str, int]]) -> list[dict[str, Any]]:
            return [{"key": key, "count": count} for key, count in items]

        return {
            "from_ms": self.from_ms,
            "to_ms": self.to_ms,
            "bucket_ms": self.bucket_ms,
            "total": self.total,
            "by_type": self.by_type,
            "top_identifiers": top(self.top_identifiers),
            "top_rules": top(self.top_rules),
            "top_routes": top(self.top_routes),
            "buckets": [{"start_ms": b.start_ms, "counts": b.counts, "total": b.total} for b in self.buckets],
        }


def _top(counter: Counter[str], n: int) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:n]


def _bucket_plan(from_ms: int, to_ms: int, bucket_ms: int, top: int) -> tuple[int, int]:
    """The first bucket's start and the number of buckets of a summary; ValueError if unusable."""
    if to_ms <= from_ms or bucket_ms <= 0 or top < 0:
        raise ValueError("summary: need from_ms < to_ms, bucket_ms > 0 and top >= 0")
    first = from_ms - from_ms % bucket_ms
    count = (to_ms - first + bucket_ms - 1) // bucket_ms
    if count > MAX_BUCKETS:
        raise ValueError(f"summary: {count} buckets; at most {MAX_BUCKETS}, use a larger bucket")
    return first, count


def summarize(events: Iterable[SecurityEvent], *, from_ms: int, to_ms: int, bucket_ms: int, top: int = 10) -> Summary:
    """Counts of the events in [from_ms, to_ms): per type, per bucket (aligned to multiples of
    ``bucket_ms``, empty ones included) and the ``top`` identifiers, rules and routes (ties by name)."""
    first, _ = _bucket_plan(from_ms, to_ms, bucket_ms, top)
    part = counts(events, from_ms, to_ms, first, bucket_ms)
    return combine([part], from_ms=from_ms, to_ms=to_ms, bucket_ms=bucket_ms, top=top)


def counts(events: Iterable[SecurityEvent], from_ms: int, to_ms: int, first: int, bucket_ms: int) -> dict[str, Any]:
    """The events in [from_ms, to_ms) counted as a shard's GROUP BY counts them (see ``combine``)."""
    by_bucket: Counter[tuple[int, str]] = Counter()
    tables: dict[str, Counter[str]] = {"identifiers": Counter(), "rules": Counter(), "routes": Counter()}
    for event in events:
        if not from_ms <= event.ts_ms < to_ms:
            continue
        by_bucket[(first + (event.ts_ms - first) // bucket_ms * bucket_ms, event.type.value)] += 1
        tables["identifiers"][event.identifier] += 1
        if event.rule_id is not None:
            tables["rules"][event.rule_id] += 1
        if event.route is not None:
            tables["routes"][event.route] += 1
    return {
        "by_bucket": [[start, kind, n] for (start, kind), n in by_bucket.items()],
        **{name: [[key, n] for key, n in counter.items()] for name, counter in tables.items()},
    }


# --- summaries across shards -----------------------------------------------------------------


def combine(parts: Iterable[Mapping[str, Any]], *, from_ms: int, to_ms: int, bucket_ms: int, top: int = 10) -> Summary:
    """One Summary from each shard's counts: ``{"by_bucket": [[bucket_start, type, n], ...],
    "identifiers": [[key, n], ...], "rules": [...], "routes": [...]}`` (a shard's GROUP BY over
    [from_ms, to_ms)). Counts add across shards; an identifier lives in one shard, so its count is
    exact as long as each shard sends its own top ``top`` at least."""
    first, count = _bucket_plan(from_ms, to_ms, bucket_ms, top)
    per_bucket = [dict.fromkeys((t.value for t in EventType), 0) for _ in range(count)]
    by_type: Counter[str] = Counter({t.value: 0 for t in EventType})
    tables: dict[str, Counter[str]] = {"identifiers": Counter(), "rules": Counter(), "routes": Counter()}
    for part in parts:
        for start, kind, n in part.get("by_bucket", []):
            index = (int(start) - first) // bucket_ms
            if 0 <= index < count and kind in by_type:
                per_bucket[index][kind] += int(n)
                by_type[kind] += int(n)
        for name, counter in tables.items():
            for key, n in part.get(name, []):
                if key is not None:
                    counter[str(key)] += int(n)
    return Summary(
        from_ms=from_ms,
        to_ms=to_ms,
        bucket_ms=bucket_ms,
        total=sum(by_type.values()),
        by_type=dict(by_type),
        top_identifiers=_top(tables["identifiers"], top),
        top_rules=_top(tables["rules"], top),
        top_routes=_top(tables["routes"], top),
        buckets=[TimeBucket(first + i * bucket_ms, counts) for i, counts in enumerate(per_bucket)],
    )
