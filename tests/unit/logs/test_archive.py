from __future__ import annotations

import gzip
import json

import pytest

from edgewatch.logs.archive import build_object, decode_lines, hour_start, key_hour, key_service, object_key
from edgewatch.logs.bloom import BloomFilter
from edgewatch.logs.entry import LogEntry

T0 = 1_795_737_600_000  # 2026-11-27T00:00:00Z


def line(ts: int, level: str = "info", message: str = "hello", **extra: object) -> str:
    entry = LogEntry(ts=ts, level=level, message=message, service="api", **extra)  # type: ignore[arg-type]
    data = entry.to_json()
    data["id"] = f"000:{ts:012d}"
    return json.dumps(data)


def test_key_layout_is_service_and_hour() -> None:
    assert object_key("api", T0 + 59 * 60_000, "u1") == "logs/api/2026/11/27/00/u1.ndjson.gz"
    assert hour_start(T0 + 3_599_999) == T0
    assert key_hour("logs/api/2026/11/27/00/u1.ndjson.gz") == T0
    assert key_service("logs/api/2026/11/27/00/u1.ndjson.gz") == "api"


@pytest.mark.parametrize(
    "key",
    [
        "logs/api/2026/11/26/u1.ndjson.gz",  # no hour
        "logs/api/2026/13/26/20/u1.ndjson.gz",  # month 13
        "other/api/2026/11/26/20/u1.ndjson.gz",  # not under logs/
        "logs/api/2026/11/26/xx/u1.ndjson.gz",  # hour not a number
    ],
)
def test_foreign_keys_have_no_hour(key: str) -> None:
    assert key_hour(key) is None


def test_build_object_round_trips_and_summarises() -> None:
    lines = [
        line(T0 + 1000, "info", "user login ok", request_id="req-1"),
        line(T0 + 2000, "error", "payment declined", user_id="u-9", attributes={"route": "/pay"}),
    ]
    built = build_object("api", "u1", lines)
    assert built.key == "logs/api/2026/11/27/00/u1.ndjson.gz"
    assert decode_lines(built.data) == [json.loads(x) for x in lines]
    assert gzip.decompress(built.data).decode().count("\n") == 2
    s = built.summary
    assert (s.min_ts, s.max_ts, s.count) == (T0 + 1000, T0 + 2000, 2)
    assert s.levels == {"info": 1, "error": 1}
    assert s.stored_bytes == len(built.data)
    assert s.raw_bytes == sum(len(x) + 1 for x in lines)
    bloom = BloomFilter.decode(s.bloom)
    for term in ("request_id=req-1", "user_id=u-9", "attr.route=/pay", "w:payment", "w:login"):
        assert term in bloom, term


def test_build_object_needs_entries() -> None:
    with pytest.raises(ValueError):
        build_object("api", "u1", [])
