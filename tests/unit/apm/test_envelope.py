from __future__ import annotations

import base64
import json
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.apm.compression import BodyError, BodyProblem
from edgewatch.apm.dsn import Endpoint
from edgewatch.apm.envelope import (
    MIB,
    EnvelopeError,
    ItemType,
    Limits,
    check_content_type,
    discarded_events,
    parse_envelope,
    parse_store,
)

from .goldens import ALGOS, SCENARIOS, captured

HEADER = b'{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"https://k@h/42"}'
EVENT = b'{"message":"hello","level":"error"}'


def env(*parts: bytes) -> bytes:
    return b"\n".join(parts)


# -- what the real SDK sent ---------------------------------------------------------------------


@pytest.mark.parametrize("algo", ALGOS)
def test_every_sdk_request_parses(algo: str) -> None:
    requests = captured(algo)
    assert len(requests) == len(SCENARIOS)
    for request, scenario in zip(requests, SCENARIOS, strict=True):
        assert request.path == "/api/42/envelope/"
        assert request.headers["Content-Type"] == "application/x-sentry-envelope"
        assert request.headers.get("Content-Encoding") == (None if algo == "none" else algo)
        check_content_type(request.headers["Content-Type"], Endpoint.ENVELOPE)
        envelope = request.envelope()
        assert envelope.skipped == {}
        [item] = envelope.items
        assert item.type is (ItemType.TRANSACTION if scenario == "transaction" else ItemType.EVENT)
        assert item.data is not None
        assert item.data["event_id"] == envelope.event_id
        assert len(item.payload) == item.headers["length"]


def test_the_uncompressed_golden_ends_with_a_newline_and_parses_without_it() -> None:
    body = captured("none")[0].body
    assert body.endswith(b"\n")
    assert parse_envelope(body.rstrip(b"\n")).items[0].data == parse_envelope(body).items[0].data


# -- the format -----------------------------------------------------------------------------------


def test_items_with_and_without_length() -> None:
    parsed = parse_envelope(
        env(
            HEADER,
            b'{"type":"event","length":%d}' % len(EVENT),
            EVENT,
            b'{"type":"attachment","length":5,"filename":"a.txt"}',
            b"a\nb\nc",  # a length lets a payload hold newlines
            b'{"type":"session"}',
            b'{"sid":"s1","status":"ok"}',  # no length: up to the newline
            b'{"type":"client_report"}',
            b'{"timestamp":1,"discarded_events":[{"reason":"queue_overflow","category":"error","quantity":2}]}',
        )
    )
    assert [i.type for i in parsed.items] == [
        ItemType.EVENT,
        ItemType.ATTACHMENT,
        ItemType.SESSION,
        ItemType.CLIENT_REPORT,
    ]
    assert parsed.items[1].payload == b"a\nb\nc" and parsed.items[1].data is None
    assert parsed.items[2].data == {"sid": "s1", "status": "ok"}
    assert [i.category for i in parsed.items] == ["error", "attachment", "session", "internal"]
    assert parsed.event_id == "9ec79c33ec9942ab8353589fcb2e04dc"
    assert parsed.dsn == "https://k@h/42"


@pytest.mark.parametrize(
    ("body", "items", "skipped"),
    [
        # only a header: an empty envelope
        (HEADER, 0, {}),
        (HEADER + b"\n", 0, {}),
        # a length-0 payload
        (env(HEADER, b'{"type":"attachment","length":0}', b""), 1, {}),
        # unknown types are skipped and counted
        (env(HEADER, b'{"type":"profile","length":2}', b"{}", b'{"type":"replay_event"}', b"{}",
             b'{"type":"profile"}', b"x"), 0, {"profile": 2, "replay_event": 1}),
        # blank lines between items and at the end
        (env(HEADER, b"", b'{"type":"event"}', EVENT, b"", b""), 1, {}),
        # sessions (aggregates)
        (env(HEADER, b'{"type":"sessions"}', b'{"aggregates":[]}'), 1, {}),
    ],
)  # fmt: skip
def test_shapes(body: bytes, items: int, skipped: dict[str, int]) -> None:
    parsed = parse_envelope(body)
    assert (len(parsed.items), parsed.skipped) == (items, skipped)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"\n" + EVENT, "empty"),
        (b"not json\n", "envelope header is not valid JSON"),
        (b"[1]\n", "envelope header is not a JSON object"),
        (env(HEADER, b'{"length":2}', b"{}"), "item 1 header has no type"),
        (env(HEADER, b'{"type":7}', b"{}"), "has no type"),
        (env(HEADER, b'{"type":"event","length":-1}', b"{}"), "non-negative integer"),
        (env(HEADER, b'{"type":"event","length":"2"}', b"{}"), "non-negative integer"),
        (env(HEADER, b'{"type":"event","length":true}', b"{}"), "non-negative integer"),
        (env(HEADER, b'{"type":"event","length":99}', b"{}"), "runs past the end"),
        (env(HEADER, b'{"type":"event"}', b"{not json"), r"item 1 \(event\) is not valid JSON"),
        (env(HEADER, b'{"type":"event"}', b"[]"), "is not a JSON object"),
        (env(HEADER, b'{"type":"event"}', b'"\xff"'), "not valid JSON"),  # not UTF-8
        (env(HEADER, b'{"type":"event"}', b"[" * 100_000), "not valid JSON"),  # too deep for the parser
        (env(HEADER, b'{"type":"event"}', EVENT, b'{"type":"transaction"}', b"{}"), "at most one event"),
        (env(HEADER, b'{"type":"event"}'), "not valid JSON"),  # a header without its payload
    ],
)
def test_malformed_envelopes_are_400(body: bytes, message: str) -> None:
    with pytest.raises(EnvelopeError, match=message) as caught:
        parse_envelope(body)
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("body", "limits", "message"),
    [
        (env(HEADER, b'{"type":"event"}', b'{"m":"' + b"x" * 100 + b'"}'), Limits(event_bytes=100), "exceeds 100"),
        (env(HEADER, b'{"type":"transaction"}', b'{"m":"' + b"x" * 100 + b'"}'), Limits(event_bytes=100), "exceeds"),
        (env(HEADER, *[b'{"type":"session"}\n{}'] * 3), Limits(session_items=2), "more than 2 sessions"),
        (env(HEADER, *[b'{"type":"x"}\n{}'] * 4), Limits(items=3), "more than 3 items"),
        (env(HEADER, b'{"type":"attachment","length":10}', b"0123456789"), Limits(attachment_bytes=9), "exceeds 9"),
        (HEADER + b"\n" + b" " * 200, Limits(envelope_bytes=100), "envelope exceeds 100"),
    ],
)
def test_limits_are_413(body: bytes, limits: Limits, message: str) -> None:
    with pytest.raises(EnvelopeError, match=message) as caught:
        parse_envelope(body, limits)
    assert (caught.value.status, caught.value.problem) == (413, BodyProblem.TOO_LARGE)


def test_default_limits_are_sentrys() -> None:
    assert (Limits().event_bytes, Limits().envelope_bytes) == (1 * MIB, 20 * MIB)
    big = b'{"m":"' + b"x" * MIB + b'"}'
    with pytest.raises(EnvelopeError, match="exceeds 1048576"):
        parse_envelope(env(HEADER, b'{"type":"event"}', big))
    assert parse_envelope(env(HEADER, b'{"type":"attachment"}', big)).items[0].type is ItemType.ATTACHMENT


def test_client_reports() -> None:
    report = {
        "timestamp": 1,
        "discarded_events": [
            {"reason": "network_error", "category": "error", "quantity": 2},
            {"reason": "network_error", "category": "error", "quantity": 1},
            {"reason": "ratelimit_backoff", "category": "transaction", "quantity": 4},
            {"reason": "x", "category": "error", "quantity": -1},  # nonsense is ignored
            {"reason": "x", "category": "error", "quantity": True},
            "junk",
        ],
    }
    assert discarded_events(report) == {("network_error", "error"): 3, ("ratelimit_backoff", "transaction"): 4}
    assert discarded_events({"discarded_events": "no"}) == {}


# -- the legacy store endpoint ------------------------------------------------------------------


def test_store_bodies() -> None:
    event = {"event_id": "9ec79c33ec9942ab8353589fcb2e04dc", "message": "hi"}
    plain = parse_store(json.dumps(event).encode())
    assert plain.event_id == event["event_id"]
    assert plain.items[0].type is ItemType.EVENT and plain.items[0].data == event
    # raven's base64 of zlib JSON
    packed = base64.b64encode(zlib.compress(json.dumps(event).encode()))
    assert parse_store(packed).items[0].data == event
    assert parse_store(b'{"type":"transaction","spans":[]}').items[0].type is ItemType.TRANSACTION
    for bad in (b"[]", b"%%%", b"e30"):  # e30 is base64 of "{}" but not zlib
        with pytest.raises(EnvelopeError):
            parse_store(bad)
    with pytest.raises(EnvelopeError) as caught:
        parse_store(b'{"m":"' + b"x" * MIB + b'"}')
    assert caught.value.status == 413


# -- content types --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "endpoint", "ok"),
    [
        (None, Endpoint.ENVELOPE, True),  # @sentry/node sends none
        ("", Endpoint.ENVELOPE, True),
        ("application/x-sentry-envelope", Endpoint.ENVELOPE, True),
        ("text/plain;charset=UTF-8", Endpoint.ENVELOPE, True),  # @sentry/browser, no CORS preflight
        ("multipart/form-data; boundary=x", Endpoint.ENVELOPE, False),  # minidumps: not ours
        ("application/json", Endpoint.STORE, True),
        ("application/x-sentry-envelope", Endpoint.STORE, False),
        ("image/png", Endpoint.STORE, False),
    ],
)
def test_content_types(content_type: str | None, endpoint: Endpoint, ok: bool) -> None:
    if ok:
        check_content_type(content_type, endpoint)
    else:
        with pytest.raises(BodyError) as caught:
            check_content_type(content_type, endpoint)
        assert caught.value.status == 415


# -- fuzzing --------------------------------------------------------------------------------------

_LINES = st.sampled_from(
    [HEADER, b'{"type":"event"}', b'{"type":"event","length":3}', b'{"type":"session","length":0}',
     b'{"type":"attachment","length":4}', b'{"type":"x"}', EVENT, b"{}", b"", b"\xff", b'{"length":1}', b"[1]"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_only_raise_our_error(data: bytes) -> None:
    try:
        parse_envelope(data, Limits(items=20))
    except BodyError:
        pass
    try:
        parse_store(data)
    except BodyError:
        pass


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINES, max_size=12), st.booleans())
def test_envelope_like_bytes_only_raise_our_error(lines: list[bytes], newline: bool) -> None:
    data = b"\n".join(lines) + (b"\n" if newline else b"")
    try:
        parsed = parse_envelope(data, Limits(items=8))
    except BodyError:
        return
    assert all(item.data is not None or item.type is ItemType.ATTACHMENT for item in parsed.items)
