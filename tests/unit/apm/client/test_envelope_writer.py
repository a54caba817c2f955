from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from edgewatch.apm import ItemType, discarded_events, parse_envelope
from edgewatch.apm.client.envelope_writer import event_envelope, report_envelope, serialise

NOW = 1_800_000_000_123
DSN = "https://key@sentry.example/1"


def test_an_event_envelope_is_read_back_by_our_own_ingest_parser() -> None:
    event = {"event_id": "a" * 32, "message": "two\nlines", "level": "error"}
    body = event_envelope(event, dsn=DSN, now_ms=NOW, discarded={("ratelimit_backoff", "error"): 3})
    parsed = parse_envelope(body)
    assert parsed.headers == {
        "event_id": "a" * 32,
        "dsn": DSN,
        "sent_at": "2027-01-15T08:00:00.123Z",
        "sdk": {"name": "edgewatch.python", "version": "0.1.0"},
    }
    event_item, report = parsed.items
    assert event_item.type is ItemType.EVENT and event_item.data == event
    assert event_item.headers["length"] == len(event_item.payload)
    assert report.type is ItemType.CLIENT_REPORT and report.data is not None
    assert discarded_events(report.data) == {("ratelimit_backoff", "error"): 3}


def test_no_client_report_when_nothing_was_dropped() -> None:
    body = event_envelope({"event_id": "b" * 32}, dsn=DSN, now_ms=NOW)
    assert len(body.splitlines()) == 3


def test_a_report_envelope_has_no_event_id() -> None:
    parsed = parse_envelope(report_envelope({("sample_rate", "error"): 2}, dsn=DSN, now_ms=NOW))
    assert "event_id" not in parsed.headers and [i.type for i in parsed.items] == [ItemType.CLIENT_REPORT]


def test_serialise_is_line_oriented_json() -> None:
    body = serialise({"x": 1}, [({"type": "attachment"}, b"raw")])
    assert body == b'{"x":1}\n{"type":"attachment","length":3}\nraw\n'


@given(st.dictionaries(st.text(max_size=10), st.text(max_size=30), max_size=5))
def test_any_event_round_trips(extra: dict[str, str]) -> None:
    event = {**extra, "event_id": "c" * 32}
    (item,) = parse_envelope(event_envelope(event, dsn=DSN, now_ms=NOW)).items
    assert item.data == json.loads(json.dumps(event))
