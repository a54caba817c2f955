from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.security.events import (
    EventQuery,
    EventType,
    SecurityEvent,
    combine,
    decode_cursor,
    event_id,
    make_event,
    parse_query,
    query_events,
    summarize,
)

T0 = 1_795_737_600_000  # a whole hour
MIN = 60_000


def ev(n: int, kind: EventType = EventType.RATE_LIMITED, **kw: object) -> SecurityEvent:
    fields: dict[str, object] = {"identifier": "ip:203.0.113.7", "route": "/api/auth/login", "rule_id": "auth"}
    fields.update(kw)
    return SecurityEvent(
        id=event_id(T0 + n * MIN, n.to_bytes(8, "big")),
        ts_ms=T0 + n * MIN,
        type=kind,
        identifier=str(fields["identifier"]),
        route=fields["route"],  # type: ignore[arg-type]
        rule_id=fields["rule_id"],  # type: ignore[arg-type]
    )


EVENTS = [
    ev(0),
    ev(1, EventType.THREAT, identifier="ip:198.51.100.1", route="/search", rule_id=None),
    ev(2, EventType.ANOMALY, route="/api/users/1", rule_id=None),
    ev(3, EventType.BLOCKED, identifier="ip:198.51.100.1"),
    ev(4),
]


def test_event_id_sorts_by_time() -> None:
    assert event_id(T0, b"\x00" * 8) == f"{T0:013x}-0000000000000000"
    assert event_id(1, b"\xff" * 8) < event_id(2, b"\x00" * 8)
    with pytest.raises(ValueError, match="entropy"):
        event_id(T0, b"short")


def test_json_round_trip() -> None:
    event = make_event(
        EventType.THREAT,
        T0,
        "ip:203.0.113.7",
        entropy=b"\x01" * 8,
        route="/search",
        score=87,
        detail={"categories": ["xss"], "matched": "<script>"},
    )
    data = json.loads(json.dumps(event.to_json()))
    assert data == {
        "id": f"{T0:013x}-0101010101010101",
        "ts_ms": T0,
        "type": "threat",
        "identifier": "ip:203.0.113.7",
        "route": "/search",
        "rule_id": None,
        "score": 87.0,
        "detail": {"categories": ["xss"], "matched": "<script>"},
    }
    assert SecurityEvent.from_json(data) == event


def test_untrusted_text_is_cleaned_and_bounded() -> None:
    event = make_event(EventType.THREAT, T0, "ip:1.2.3.4\x1b[2J", entropy=b"\0" * 8, route="/a\r\nb" + "x" * 600)
    assert event.identifier == "ip:1.2.3.4 [2J"
    assert event.route is not None and "\n" not in event.route and len(event.route) == 512


@pytest.mark.parametrize(
    ("detail", "problem"),
    [
        ({"x": {1, 2}}, "not JSON-serialisable"),  # a set
        ({"x": float("nan")}, "not JSON-serialisable"),  # NaN is not JSON
        ({"x": "y" * 5000}, "larger than 4096 bytes"),
    ],
)
def test_bad_detail(detail: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        make_event(EventType.ANOMALY, T0, "unknown", entropy=b"\0" * 8, detail=detail)


def test_an_id_or_entropy_is_required() -> None:
    with pytest.raises(ValueError, match="entropy"):
        make_event(EventType.ANOMALY, T0, "unknown")


GOOD = {"id": "x", "ts_ms": T0, "type": "threat", "identifier": "ip:1.2.3.4"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": ""}, "id"),
        ({"id": "x" * 65}, "id"),
        ({"ts_ms": -1}, "ts_ms"),
        ({"ts_ms": True}, "ts_ms"),  # a boolean is not a timestamp
        ({"ts_ms": "1"}, "ts_ms"),
        ({"type": "nope"}, "type"),
        ({"identifier": ""}, "identifier"),
        ({"route": 5}, "route"),
        ({"rule_id": []}, "rule_id"),
        ({"score": "high"}, "score"),
        ({"score": float("inf")}, "score"),
        ({"detail": []}, "detail"),
        ({"extra": 1}, "extra"),  # unknown fields are rejected, not dropped
    ],
)
def test_from_bad_json(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        SecurityEvent.from_json({**GOOD, **change})


def test_from_minimal_json() -> None:
    event = SecurityEvent.from_json(GOOD)
    assert (event.route, event.rule_id, event.score, dict(event.detail)) == (None, None, None, {})


# --- query -------------------------------------------------------------------------------------


def ids(events: list[SecurityEvent]) -> list[int]:
    return [(e.ts_ms - T0) // MIN for e in events]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (EventQuery(), [4, 3, 2, 1, 0]),  # newest first
        (EventQuery(types=frozenset({EventType.RATE_LIMITED})), [4, 0]),
        (EventQuery(types=frozenset({EventType.THREAT, EventType.BLOCKED})), [3, 1]),
        (EventQuery(identifier="ip:198.51.100.1"), [3, 1]),
        (EventQuery(route="/api/auth/login"), [4, 3, 0]),  # exact
        (EventQuery(route="/api/*"), [4, 3, 2, 0]),  # a prefix
        (EventQuery(rule_id="auth"), [4, 3, 0]),
        (EventQuery(from_ms=T0 + MIN, to_ms=T0 + 3 * MIN), [2, 1]),  # [from, to)
        (EventQuery(limit=2), [4, 3]),
    ],
)
def test_query(query: EventQuery, expected: list[int]) -> None:
    assert ids(query_events(EVENTS, query).events) == expected


def test_paging_with_cursor() -> None:
    first = query_events(EVENTS, EventQuery(limit=2))
    assert ids(first.events) == [4, 3] and first.next_cursor is not None
    second = query_events([*EVENTS, ev(9)], EventQuery(limit=2, cursor=first.next_cursor))  # a newer event arrived
    assert ids(second.events) == [2, 1]
    third = query_events(EVENTS, EventQuery(limit=2, cursor=second.next_cursor))
    assert ids(third.events) == [0] and third.next_cursor is None
    assert json.loads(json.dumps(third.to_json()))["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, EventQuery()),
        ({"type": "threat, blocked"}, EventQuery(types=frozenset({EventType.THREAT, EventType.BLOCKED}))),
        ({"identifier": "ip:1.2.3.4", "rule": "auth"}, EventQuery(identifier="ip:1.2.3.4", rule_id="auth")),
        ({"from": str(T0), "to": "2026-11-27T01:00:00Z"}, EventQuery(from_ms=T0, to_ms=T0 + 60 * MIN)),
        ({"limit": "1000"}, EventQuery(limit=1000)),
        ({"route": ""}, EventQuery()),  # an empty parameter is no filter
    ],
)
def test_parse_query(params: dict[str, str], expected: EventQuery) -> None:
    assert parse_query(params) == expected


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"type": "threat,bogus"}, "type"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-11-27T01:00:00"}, "to"),  # an ISO time without a zone is ambiguous
        ({"from": str(T0), "to": str(T0)}, "to"),  # an empty range
        ({"cursor": "!!!"}, "cursor"),
        ({"sort": "asc"}, "sort"),  # unknown parameter
    ],
)
def test_parse_bad_query(params: dict[str, str], name: str) -> None:
    with pytest.raises(ValueError, match=f"^{name}:"):
        parse_query(params)


@settings(max_examples=100)
@given(st.lists(st.tuples(st.integers(0, 50), st.binary(min_size=8, max_size=8)), max_size=40), st.integers(1, 7))
def test_paging_returns_every_event_once_in_order(items: list[tuple[int, bytes]], limit: int) -> None:
    events = [SecurityEvent(event_id(T0 + n, e), T0 + n, EventType.THREAT, "ip:1.2.3.4") for n, e in set(items)]
    seen: list[SecurityEvent] = []
    cursor = None
    while True:
        page = query_events(events, EventQuery(limit=limit, cursor=cursor))
        assert len(page.events) <= limit
        seen += page.events
        cursor = page.next_cursor
        if cursor is None:
            break
        assert decode_cursor(cursor) == page.events[-1].sort_key
    assert seen == sorted(events, key=lambda e: e.sort_key, reverse=True)


# --- summary -----------------------------------------------------------------------------------


def test_summary() -> None:
    events = [*EVENTS, ev(70)]  # the last one is outside the hour summarised
    summary = summarize(events, from_ms=T0, to_ms=T0 + 60 * MIN, bucket_ms=2 * MIN, top=2)
    assert summary.total == 5
    assert summary.by_type == {"rate_limited": 2, "threat": 1, "anomaly": 1, "blocked": 1}
    assert summary.top_identifiers == [("ip:203.0.113.7", 3), ("ip:198.51.100.1", 2)]
    assert summary.top_rules == [("auth", 3)]
    assert summary.top_routes == [("/api/auth/login", 3), ("/api/users/1", 1)]  # ties broken by name
    assert len(summary.buckets) == 30  # empty buckets included
    assert [b.total for b in summary.buckets[:3]] == [2, 2, 1]
    assert summary.buckets[1].counts == {"rate_limited": 0, "threat": 0, "anomaly": 1, "blocked": 1}
    data = json.loads(json.dumps(summary.to_json()))
    assert data["top_rules"] == [{"key": "auth", "count": 3}]
    assert data["buckets"][0] == {"start_ms": T0, "counts": summary.buckets[0].counts, "total": 2}


def test_summary_buckets_are_aligned() -> None:
    summary = summarize(EVENTS, from_ms=T0 + 30_000, to_ms=T0 + 3 * MIN, bucket_ms=MIN)
    assert [b.start_ms for b in summary.buckets] == [T0, T0 + MIN, T0 + 2 * MIN]
    assert summary.total == 2  # the event at T0 is before from_ms; [from, to) holds minutes 1 and 2


@pytest.mark.parametrize(
    "kw",
    [
        {"from_ms": T0, "to_ms": T0, "bucket_ms": MIN},  # empty range
        {"from_ms": T0, "to_ms": T0 + MIN, "bucket_ms": 0},
        {"from_ms": T0, "to_ms": T0 + 10**9, "bucket_ms": 1},  # too many buckets
    ],
)
def test_bad_summary(kw: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="summary"):
        summarize(EVENTS, **kw)


# --- combine: per-shard counts into one summary ------------------------------------------------


def _shard_counts(events: list[SecurityEvent], start: int, end: int, bucket: int, top: int) -> dict[str, object]:
    """What a RateLimiter shard's GROUP BY answers, computed in Python."""
    first = start - start % bucket
    mine = [e for e in events if start <= e.ts_ms < end]
    by_bucket: dict[tuple[int, str], int] = {}
    for e in mine:
        key = (first + (e.ts_ms - first) // bucket * bucket, e.type.value)
        by_bucket[key] = by_bucket.get(key, 0) + 1

    def grouped(values: list[str | None]) -> list[list[object]]:
        counts: dict[str, int] = {}
        for v in values:
            if v is not None:
                counts[v] = counts.get(v, 0) + 1
        return [[k, n] for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]

    return {
        "by_bucket": [[b, t, n] for (b, t), n in by_bucket.items()],
        "identifiers": grouped([e.identifier for e in mine]),
        "rules": grouped([e.rule_id for e in mine]),
        "routes": grouped([e.route for e in mine]),
    }


_SHARD_EVENTS = st.lists(
    st.tuples(
        st.integers(0, 300),
        st.sampled_from(list(EventType)),
        st.integers(0, 12),  # identifier number; identifier n lives in shard n % 3
        st.sampled_from(["auth", "api", None]),
        st.sampled_from(["/api/auth/*", "/api/*", None]),
    ),
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(_SHARD_EVENTS, st.sampled_from([MIN, 5 * MIN, 60 * MIN]))
def test_combined_shard_counts_equal_one_summary_of_every_event(
    raw: list[tuple[int, EventType, int, str | None, str | None]], bucket: int
) -> None:
    events = [
        ev(n, kind, identifier=f"ip:192.0.2.{who}", rule_id=rule, route=route) for n, kind, who, rule, route in raw
    ]
    start, end = T0 + 7 * MIN, T0 + 250 * MIN
    shards = [[e for e in events if int(e.identifier.rsplit(".", 1)[1]) % 3 == s] for s in range(3)]
    parts = [_shard_counts(shard, start, end, bucket, top=100) for shard in shards]
    combined = combine(parts, from_ms=start, to_ms=end, bucket_ms=bucket)
    assert combined == summarize(events, from_ms=start, to_ms=end, bucket_ms=bucket)


def test_combine_refuses_bad_spans() -> None:
    with pytest.raises(ValueError, match="from_ms < to_ms"):
        combine([], from_ms=T0, to_ms=T0, bucket_ms=MIN)
    with pytest.raises(ValueError, match="buckets"):
        combine([], from_ms=T0, to_ms=T0 + 10**9, bucket_ms=1)
