from __future__ import annotations

import pytest

from edgewatch.errors import Unprocessable
from edgewatch.logs.archive import build_object
from edgewatch.logs.entry import LogEntry
from edgewatch.logs.query import Cursor, Query, parse_phrases, parse_query

NOW = 1_795_737_600_000


def entry(message: str = "hello world", **kw: object) -> LogEntry:
    base: dict[str, object] = {"ts": NOW - 1000, "level": "info", "message": message, "service": "api"}
    base.update(kw)
    return LogEntry(**base)  # type: ignore[arg-type]


def q(**params: str) -> Query:
    return parse_query(params, NOW)


@pytest.mark.parametrize(
    ("params", "e", "expected"),
    [
        ({}, entry(), True),  # everything in the last 24 h
        ({"q": "world"}, entry(), True),
        ({"q": "WORLD"}, entry(), True),  # case-insensitive
        ({"q": "wor"}, entry(), False),  # whole words only
        ({"q": '"hello world"'}, entry(), True),
        ({"q": '"world hello"'}, entry(), False),  # phrase order matters
        ({"q": "hello missing"}, entry(), False),  # every term must match
        ({"q": "checkout"}, entry(attributes={"route": "/checkout"}), True),  # attribute values are searched
        ({"level": "warn"}, entry(level="info"), False),
        ({"level": "warn"}, entry(level="error"), True),
        ({"service": "api,web"}, entry(service="web"), True),
        ({"service": "web"}, entry(), False),
        ({"request_id": "r1"}, entry(request_id="r1"), True),
        ({"request_id": "r1"}, entry(request_id="r2"), False),
        ({"trace_id": "abc"}, entry(), False),
        ({"attr.route": "/pay"}, entry(attributes={"route": "/pay"}), True),
        ({"attr.http.status": "500"}, entry(attributes={"http": {"status": 500}}), True),  # nested path
        ({"attr.ok": "true"}, entry(attributes={"ok": True}), True),
        ({"from": str(NOW - 500)}, entry(), False),  # before the range
        ({"to": str(NOW - 1000)}, entry(), False),  # 'to' is exclusive
    ],
)
def test_matches(params: dict[str, str], e: LogEntry, expected: bool) -> None:
    assert q(**params).matches(e, "000:1") is expected


def test_cursor_returns_only_older_entries() -> None:
    query = q(cursor=Cursor(NOW - 1000, "000:5").encode())
    assert query.matches(entry(ts=NOW - 1000), "000:4")
    assert not query.matches(entry(ts=NOW - 1000), "000:5")
    assert not query.matches(entry(ts=NOW - 999), "000:1")


@pytest.mark.parametrize(
    ("params", "phrase"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"level": "loud"}, "level"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-11-26T10:00:00"}, "timezone"),
        ({"from": str(NOW), "to": str(NOW - 1)}, "before"),
        ({"cursor": "!!!"}, "cursor"),
        ({"colour": "red"}, "unknown search parameter"),
    ],
)
def test_bad_parameters_are_422(params: dict[str, str], phrase: str) -> None:
    with pytest.raises(Unprocessable) as caught:
        parse_query(params, NOW)
    assert phrase in caught.value.message


def test_rfc3339_times() -> None:
    query = q(**{"from": "2026-11-26T23:00:00Z", "to": "2026-11-27T00:00:00+00:00"})
    assert (query.start_ms, query.end_ms) == (NOW - 3_600_000, NOW)


def test_phrases() -> None:
    assert parse_phrases('timeout "db pool" req-42') == (("timeout",), ("db", "pool"), ("req", "42"))


def test_json_round_trip() -> None:
    query = q(q='"a b" c', level="error", service="x", request_id="r", **{"attr.k": "v"})
    assert Query.from_json(query.to_json()) == query


def test_objects_are_skipped_by_index() -> None:
    lines = []
    for i, rid in enumerate(["r-1", "r-2"]):
        data = entry(ts=NOW - 10_000 + i, request_id=rid, message="charge ok").to_json()
        data["id"] = f"000:{i}"
        import json

        lines.append(json.dumps(data))
    summary = build_object("api", "u", lines).summary
    assert q(request_id="r-1").may_match_object(summary)
    assert not q(request_id="r-404").may_match_object(summary)
    assert q(q="charge").may_match_object(summary)
    assert not q(q="refund").may_match_object(summary)
    assert not q(level="error").may_match_object(summary)  # only info inside
    assert not q(service="web").may_match_object(summary)
    assert not q(to=str(NOW - 20_000)).may_match_object(summary)
    assert q(**{"attr.http.status": "500"}).may_match_object(summary)  # nested paths cannot prune
