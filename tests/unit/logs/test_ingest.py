from __future__ import annotations

import gzip
import json
import math
import tracemalloc
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.errors import ApiError, BadRequest, PayloadTooLarge, UnsupportedMediaType
from edgewatch.logs.entry import LEVELS, MAX_ID_CHARS, MAX_MESSAGE_CHARS, LogEntry, ParsedBatch
from edgewatch.logs.ingest import normalize_entry, parse_native
from edgewatch.wire.attributes import MAX_ATTRIBUTE_DEPTH, MAX_ATTRIBUTE_KEYS
from edgewatch.wire.body import check_content_type, decode_body
from edgewatch.wire.items import EntryError
from edgewatch.wire.names import MAX_SERVICE_CHARS, valid_service
from edgewatch.wire.timestamps import MAX_TS_MS, epoch_ms

NOW = 1_795_737_600_000  # 2026-11-26T00:00:00Z
SEED = {"level": "info", "message": "Test log entry", "service": "test", "timestamp": 1795737600000}
FUZZ_STATUSES = {400, 413, 415, 422}


def body_of(value: Any) -> bytes:
    return json.dumps(value).encode()


def ok(**fields: Any) -> dict[str, Any]:
    """A valid entry with the given fields changed (a None value removes the field)."""
    entry: dict[str, Any] = {"level": "info", "message": "m"}
    entry.update(fields)
    return {key: value for key, value in entry.items() if value is not None}


def assert_valid_batch(batch: ParsedBatch) -> None:
    """What every parser promises about a batch it returns, whatever the input was."""
    assert isinstance(batch, ParsedBatch)
    assert len(batch.entries) + len(batch.errors) == batch.total
    indexes = [error.index for error in batch.errors]
    assert indexes == sorted(set(indexes))
    assert all(0 <= index < batch.total for index in indexes)
    assert all(error.error for error in batch.errors)
    for entry in batch.entries:
        assert entry.level in LEVELS
        assert valid_service(entry.service), entry.service
        assert 0 <= entry.ts <= MAX_TS_MS
        assert isinstance(entry.message, str)
        assert len(entry.message) <= MAX_MESSAGE_CHARS
        for ident in (entry.trace_id, entry.span_id, entry.request_id, entry.user_id):
            assert ident is None or (isinstance(ident, str) and 0 < len(ident) <= MAX_ID_CHARS)
        assert isinstance(entry.attributes, dict)
        # Every accepted entry can be stored: strict JSON, UTF-8 encodable.
        json.dumps(entry.to_json(), ensure_ascii=False, allow_nan=False).encode("utf-8")


def assert_api_error(exc: ApiError) -> None:
    assert exc.status in FUZZ_STATUSES
    assert exc.message


# -- decode_body -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding",
    [
        None,  # no header
        "",  # empty header
        "identity",
        "IDENTITY",  # case-insensitive
    ],
)
def test_identity_body_passes_through(encoding: str | None) -> None:
    assert decode_body(b"abc", encoding, 3) == b"abc"


@pytest.mark.parametrize("encoding", [None, "identity"])
def test_identity_body_over_the_limit_is_too_large(encoding: str | None) -> None:
    with pytest.raises(PayloadTooLarge, match="limit is 3 bytes"):
        decode_body(b"abcd", encoding, 3)


@pytest.mark.parametrize(
    "encoding",
    [
        "gzip",
        "GZIP",  # case-insensitive
        "x-gzip",  # the old alias
        " gzip ",  # surrounding whitespace
    ],
)
def test_gzip_round_trip(encoding: str) -> None:
    payload = body_of([SEED] * 100)
    assert decode_body(gzip.compress(payload), encoding, len(payload)) == payload


def test_gzip_output_limit_is_inclusive() -> None:
    payload = b"x" * 1000
    assert decode_body(gzip.compress(payload), "gzip", 1000) == payload  # exactly the limit
    with pytest.raises(PayloadTooLarge, match="999 bytes"):
        decode_body(gzip.compress(payload), "gzip", 999)  # one byte over


def test_gzip_bomb_is_refused_without_inflating_it() -> None:
    bomb = gzip.compress(bytes(50_000_000), compresslevel=9)  # 50 MB of zeros in ~50 KB
    assert len(bomb) < 100_000
    limit = 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(PayloadTooLarge):
            decode_body(bomb, "gzip", limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * limit  # it stopped near the limit instead of building 50 MB


def test_concatenated_gzip_members_are_one_body() -> None:
    body = gzip.compress(b'{"level":"info",') + gzip.compress(b'"message":"m"}')
    assert decode_body(body, "gzip", 100) == b'{"level":"info","message":"m"}'


def test_concatenated_members_share_the_limit() -> None:
    body = gzip.compress(b"a" * 60) + gzip.compress(b"b" * 60)
    with pytest.raises(PayloadTooLarge):
        decode_body(body, "gzip", 100)


def test_empty_gzip_body_is_empty() -> None:
    assert decode_body(b"", "gzip", 100) == b""


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        (b'{"level":"info"}', "not valid gzip"),  # plain JSON sent with Content-Encoding: gzip
        (gzip.compress(b"hello world" * 10)[:-12], "truncated"),  # cut inside the deflate data
        (gzip.compress(b"hello")[:5], "truncated"),  # cut inside the header
        (b"\x1f\x8b\x08\x00" + b"\xff" * 20, "not valid gzip"),  # a gzip magic, then garbage
        (gzip.compress(b"hello") + b"trailing junk", "not valid gzip"),  # garbage after a member
    ],
)
def test_corrupt_gzip_is_bad_request(body: bytes, phrase: str) -> None:
    with pytest.raises(BadRequest, match=phrase):
        decode_body(body, "gzip", 1000)


def test_trailing_zero_padding_after_gzip_is_tolerated() -> None:
    assert decode_body(gzip.compress(b"abc") + bytes(8), "gzip", 100) == b"abc"


@pytest.mark.parametrize("encoding", ["br", "deflate", "zstd", "gzip, br"])
def test_unsupported_encoding_is_named(encoding: str) -> None:
    with pytest.raises(UnsupportedMediaType) as info:
        decode_body(b"abc", encoding, 100)
    assert repr(encoding) in info.value.message
    assert info.value.status == 415


# -- check_content_type ----------------------------------------------------------------------------

JSON_TYPES = ("application/json", "application/x-ndjson")


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",  # parameters are ignored
        "Application/JSON",  # media types are case-insensitive
        "  application/x-ndjson ;charset=UTF-8",  # whitespace around the type
    ],
)
def test_allowed_content_types(content_type: str) -> None:
    check_content_type(content_type, JSON_TYPES)


@pytest.mark.parametrize(
    "content_type",
    [
        None,  # missing header
        "",  # empty header
        "text/plain",
        "application/jsonx",  # a prefix is not a match
        "application/x-protobuf",  # OTLP binary, which we do not take
        "charset=utf-8",  # parameters without a type
    ],
)
def test_refused_content_types_name_the_allowed_ones(content_type: str | None) -> None:
    with pytest.raises(UnsupportedMediaType) as info:
        check_content_type(content_type, JSON_TYPES)
    assert "application/json, application/x-ndjson" in info.value.message


# -- parse_native: body shapes ---------------------------------------------------------------------


def test_seed_example() -> None:
    batch = parse_native(body_of(SEED), NOW)
    assert batch.errors == []
    assert batch.total == 1
    assert batch.entries == [LogEntry(ts=1795737600000, level="info", message="Test log entry", service="test")]


def test_array_with_one_bad_entry_keeps_the_others() -> None:
    body = body_of([ok(message="a"), ok(level="loud"), ok(message="c"), "not an object"])
    batch = parse_native(body, NOW)
    assert [entry.message for entry in batch.entries] == ["a", "c"]
    assert [error.index for error in batch.errors] == [1, 3]
    assert "level 'loud' is not one of debug, info, warn, error, fatal" in batch.errors[0].error
    assert "must be a JSON object, not a string" in batch.errors[1].error
    assert batch.total == 4


def test_ndjson_with_a_broken_middle_line() -> None:
    lines = [json.dumps(ok(message="first")), '{"level": "info", "message": ', json.dumps(ok(message="last"))]
    batch = parse_native("\n".join(lines).encode(), NOW)
    assert [entry.message for entry in batch.entries] == ["first", "last"]
    assert len(batch.errors) == 1
    assert batch.errors[0].index == 1
    assert batch.errors[0].error.startswith("not valid JSON")
    assert batch.total == 3


@pytest.mark.parametrize(
    ("text", "messages", "errors"),
    [
        # blank lines (and whitespace-only lines) are ignored and do not count as entries
        ('{"level":"info","message":"a"}\n\n   \n{"level":"info","message":"b"}\n', ["a", "b"], []),
        # CRLF line ends
        ('{"level":"info","message":"a"}\r\n{"level":"info","message":"b"}\r\n', ["a", "b"], []),
        # indented lines
        ('  {"level":"info","message":"a"}\n\t{"level":"info","message":"b"}', ["a", "b"], []),
        # two objects on one line: that line alone is rejected
        ('{"level":"info","message":"a"} {"level":"info","message":"x"}\n{"level":"info","message":"b"}', ["b"], [0]),
        # a valid JSON line that is not an object (not first: a body starting with "[" is an array)
        ('{"level":"info","message":"a"}\n[1, 2]\n{"level":"info","message":"b"}', ["a", "b"], [1]),
        # an object that fails validation, in NDJSON
        ('{"level":"info"}\n{"level":"info","message":"b"}', ["b"], [0]),
        # NaN is not JSON, in one line only
        ('{"level":"info","message":"a","n":NaN}\n{"level":"info","message":"b"}', ["b"], [0]),
    ],
)
def test_ndjson_lines(text: str, messages: list[str], errors: list[int]) -> None:
    batch = parse_native(text.encode(), NOW)
    assert [entry.message for entry in batch.entries] == messages
    assert [error.index for error in batch.errors] == errors
    assert batch.total == len(messages) + len(errors)


def test_single_object_with_surrounding_whitespace() -> None:
    batch = parse_native(b"\n  " + body_of(SEED) + b"  \n", NOW)
    assert len(batch.entries) == 1


def test_pretty_printed_object_is_one_entry() -> None:
    batch = parse_native(json.dumps(SEED, indent=2).encode(), NOW)
    assert [entry.message for entry in batch.entries] == ["Test log entry"]


def test_byte_order_mark_is_ignored() -> None:
    assert len(parse_native(b"\xef\xbb\xbf" + body_of(SEED), NOW).entries) == 1


def test_empty_array_is_an_empty_batch() -> None:
    assert parse_native(b"[]", NOW) == ParsedBatch([], [], 0)


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        (b"", "empty body"),
        (b" \n\t\r ", "empty body"),  # JSON whitespace only
        (b"\xff\xfe{}", "not valid UTF-8 (invalid byte at offset 0)"),
        (b'{"message": "caf\xe9"}', "not valid UTF-8"),  # Latin-1, not UTF-8
        (b"hello", "not valid JSON: Expecting value at line 1 column 1 (char 0)"),
        (b'{"level": "info",}', "not valid JSON: Expecting property name"),  # trailing comma
        (b'[{"level": "info"}', "not valid JSON"),  # unterminated array: no NDJSON fallback
        (b"[1,\n2", "not valid JSON"),  # starts like an array, so never NDJSON
        (b"garbage\nmore garbage", "not valid JSON: Expecting value at line 1 column 1"),  # no line is JSON
        (b"1\n2\n3", "not valid JSON: Extra data at line 2"),  # JSON lines, but none is an object
        (b'"just a string"', "must be a JSON object, an array of objects or NDJSON, not a string"),
        (b"42", "not a number"),
        (b"null", "not null"),
        (b'{"level": "info", "message": "m", "n": NaN}', "NaN is not valid JSON"),
        (b'[{"n": -Infinity}]', "-Infinity is not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'[{"n": ' + b"9" * 5000 + b"}]", "a number has too many digits"),
    ],
)
def test_unparseable_bodies_are_bad_requests(body: bytes, phrase: str) -> None:
    with pytest.raises(BadRequest) as info:
        parse_native(body, NOW)
    assert phrase in info.value.message


def test_json_error_details_give_the_position() -> None:
    with pytest.raises(BadRequest) as info:
        parse_native(b'{"level": "info", oops}', NOW)
    assert info.value.details == {"line": 1, "column": 19, "position": 18}


@pytest.mark.parametrize(
    ("make_body", "limit", "too_large"),
    [
        (lambda n: body_of([ok()] * n), 5, False),  # array at the limit
        (lambda n: body_of([ok()] * (n + 1)), 5, True),  # array one over
        (lambda n: "\n".join([json.dumps(ok())] * n).encode(), 5, False),  # NDJSON at the limit
        (lambda n: "\n".join([json.dumps(ok())] * (n + 1)).encode(), 5, True),  # NDJSON one over
        (lambda n: ("\n\n".join([json.dumps(ok())] * n) + "\n\n").encode(), 5, False),  # blank lines do not count
        (lambda n: body_of(ok()), 1, False),  # a single object at a limit of 1
    ],
)
def test_max_entries(make_body: Any, limit: int, too_large: bool) -> None:
    body = make_body(limit)
    if too_large:
        with pytest.raises(PayloadTooLarge, match=f"limit is {limit}"):
            parse_native(body, NOW, max_entries=limit)
    else:
        assert len(parse_native(body, NOW, max_entries=limit).entries) == limit


def test_lone_surrogate_escape_rejects_only_that_entry() -> None:
    body = b'[{"level":"info","message":"bad \\ud800 here"},{"level":"info","message":"ok \\ud83d\\ude00"}]'
    batch = parse_native(body, NOW)
    assert [entry.message for entry in batch.entries] == ["ok \U0001f600"]  # a proper pair is fine
    assert batch.errors[0].index == 0
    assert "surrogate" in batch.errors[0].error


def test_lone_surrogate_in_an_attribute_key_of_ndjson() -> None:
    text = '{"level":"info","message":"a","attributes":{"\\udc00":1}}\n{"level":"info","message":"b"}'
    batch = parse_native(text.encode(), NOW)
    assert [entry.message for entry in batch.entries] == ["b"]
    assert [error.index for error in batch.errors] == [0]


def test_default_service_applies_to_entries_without_one() -> None:
    batch = parse_native(body_of([ok(), ok(service="api")]), NOW, default_service="web")
    assert [entry.service for entry in batch.entries] == ["web", "api"]


# -- normalize_entry: fields -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"level": "info"}, "info"),
        ({"level": "WARNING"}, "warn"),  # alias, any case
        ({"level": "Err"}, "error"),
        ({"level": " debug "}, "debug"),  # surrounding whitespace
        ({"level": "trace"}, "debug"),
        ({"level": "critical"}, "fatal"),
        ({"level": "notice"}, "info"),
    ],
)
def test_levels(fields: dict[str, Any], expected: str) -> None:
    assert normalize_entry(ok(**fields), NOW, None).level == expected


@pytest.mark.parametrize(
    ("entry", "phrase"),
    [
        ({"message": "m"}, "level is required: one of debug, info, warn, error, fatal"),
        ({"level": None, "message": "m"}, "level is required"),  # null counts as missing
        (ok(level="verbose"), "level 'verbose' is not one of debug, info, warn, error, fatal"),
        (ok(level=""), "level '' is not one of"),
        (ok(level=3), "level must be a string, not a number"),
        (ok(level=["info"]), "level must be a string, not an array"),
        (ok(level="x" * 10_000), "level 'xxxx"),  # echoed, but cut short
        ({"level": "info"}, "message is required"),
        (ok(message=None), "message is required"),
        (ok(message=5), "message must be a string, not a number"),
        (ok(message={"text": "hi"}), "message must be a string, not an object"),
        (ok(service="my service"), "service 'my service' must be 1-64 characters"),
        (ok(service=""), "service '' must be"),
        (ok(service="x" * (MAX_SERVICE_CHARS + 1)), "must be 1-64 characters"),
        (ok(service="café"), "must be 1-64 characters"),  # ASCII only
        (ok(service=7), "service 7 must be"),
        (ok(timestamp=True), "timestamp must be epoch milliseconds (a number) or an RFC 3339 string, not a boolean"),
        (ok(timestamp=[1]), "not an array"),
        (ok(timestamp=math.nan), "finite"),
        (ok(timestamp=math.inf), "finite"),
        (ok(timestamp=-1), "out of range"),  # negative seconds
        (ok(timestamp=-1_000_000_000_000), "out of range"),
        (ok(timestamp=MAX_TS_MS + 1), "out of range"),  # past the year 9999
        (ok(timestamp=10**400), "out of range"),
        (ok(timestamp=1e300), "out of range"),
        (ok(trace_id=True), "trace_id must be a string or an integer, not a boolean"),
        (ok(traceId=1.5), "trace_id must be a string or an integer, not a number"),
        (ok(request_id="r" * (MAX_ID_CHARS + 1)), "request_id is longer than 128 characters"),
        (ok(userId={"id": 1}), "user_id must be a string or an integer, not an object"),
        (ok(span_id=10**200), "span_id is longer than 128"),
        (ok(attributes=[1, 2]), "attributes must be a JSON object, not an array"),
        (ok(attributes="a=b"), "attributes must be a JSON object, not a string"),
        ([1], "entry must be a JSON object, not an array"),
        (None, "entry must be a JSON object, not null"),
    ],
)
def test_invalid_fields(entry: Any, phrase: str) -> None:
    with pytest.raises(EntryError) as info:
        normalize_entry(entry, NOW, None)
    assert phrase in str(info.value)
    assert len(str(info.value)) < 300  # untrusted values are echoed only in part


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, NOW),  # missing: the server's clock
        ({"timestamp": 1795737600000}, 1795737600000),  # epoch ms
        ({"timestamp": 1795737600}, 1795737600000),  # epoch seconds
        ({"timestamp": 1795737600.25}, 1795737600250),  # fractional seconds
        ({"timestamp": 1795737600123.9}, 1795737600123),  # fractional ms are dropped
        ({"timestamp": 99_999_999_999}, 99_999_999_999_000),  # largest value read as seconds
        ({"timestamp": 100_000_000_000}, 100_000_000_000),  # smallest value read as milliseconds
        ({"timestamp": 99_999_999_999.0}, 99_999_999_999_000),  # the same boundary for floats
        ({"timestamp": 100_000_000_000.0}, 100_000_000_000),
        ({"timestamp": 0}, 0),  # the epoch itself
        ({"timestamp": MAX_TS_MS}, MAX_TS_MS),  # the last millisecond of 9999
        ({"ts": 1795737600000}, 1795737600000),  # alias
        ({"time": 1795737600}, 1795737600000),  # alias, in seconds
        ({"timestamp": None, "ts": 5}, 5000),  # a null field falls through to the alias
        ({"timestamp": "2026-11-26T00:00:00Z"}, 1795651200000),
        ({"timestamp": "2026-11-26t00:00:00z"}, 1795651200000),  # lower-case t and z (RFC 3339 5.6)
        ({"timestamp": "2026-11-26 00:00:00Z"}, 1795651200000),  # space separator (RFC 3339 5.6 note)
        ({"timestamp": "2026-11-26T12:00:00+01:00"}, 1795651200000 + 11 * 3_600_000),
        ({"timestamp": "2026-11-26T12:00:00-05:30"}, 1795651200000 + 17 * 3_600_000 + 30 * 60_000),
        ({"timestamp": "2026-11-26T00:00:00.5Z"}, 1795651200500),
        ({"timestamp": "2026-11-26T00:00:00.123456789Z"}, 1795651200123),  # nanoseconds cut to ms
        ({"timestamp": "2026-11-26T00:00:00.000001+00:00"}, 1795651200000),
        ({"timestamp": "2016-12-31T23:59:60Z"}, 1483228800000),  # a leap second
        ({"timestamp": "1970-01-01T00:00:00Z"}, 0),
        ({"timestamp": "1970-01-01T01:00:00+01:00"}, 0),
        ({"timestamp": "2024-02-29T00:00:00Z"}, 1709164800000),  # leap day
    ],
)
def test_timestamps(fields: dict[str, Any], expected: int) -> None:
    assert normalize_entry(ok(**fields), NOW, None).ts == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (99_999_999_999, 99_999_999_999_000),  # below the boundary: seconds
        (100_000_000_000, 100_000_000_000),  # at the boundary: milliseconds
        (99_999_999_999.5, 99_999_999_999_500),
        (100_000_000_000.5, 100_000_000_000),
    ],
)
def test_epoch_ms_boundary(value: float, expected: int) -> None:
    # normalize_entry takes a fast path for common millisecond ints; this checks the general rule
    assert epoch_ms(value, "timestamp") == expected


@pytest.mark.parametrize(
    ("value", "phrase"),
    [
        ("2026-11-26T12:00:00", "has no time zone"),  # naive
        ("2026-11-26T12:00:00.123", "has no time zone"),  # naive with a fraction
        ("2026-11-26", "not an RFC 3339 time"),  # a date only
        ("2026-11-26T12:00Z", "not an RFC 3339 time"),  # no seconds
        ("2026-02-30T00:00:00Z", "not an RFC 3339 time"),  # no such day
        ("2026-13-01T00:00:00Z", "not an RFC 3339 time"),  # no such month
        ("2026-11-26T24:00:00Z", "not an RFC 3339 time"),  # hour 24
        ("2026-11-26T12:60:00Z", "not an RFC 3339 time"),
        ("2026-11-26T12:00:00+2400", "not an RFC 3339 time"),  # offset without a colon
        ("2026-11-26T12:00:00+24:00", "not an RFC 3339 time"),
        ("2026-11-26T12:00:00.Z", "not an RFC 3339 time"),  # a dot without digits
        ("2026-11-26T12:00:00 UTC", "not an RFC 3339 time"),
        ("\uff12\uff10\uff12\uff16-11-26T12:00:00Z", "not an RFC 3339 time"),  # full-width digits
        ("1969-12-31T23:59:59Z", "out of range"),  # before the epoch
        ("1795737600000", "not an RFC 3339 time"),  # digits in a string are not a number
        ("", "not an RFC 3339 time"),
        ("yesterday", "not an RFC 3339 time"),
    ],
)
def test_invalid_rfc3339(value: str, phrase: str) -> None:
    with pytest.raises(EntryError, match="timestamp") as info:
        normalize_entry(ok(timestamp=value), NOW, None)
    assert phrase in str(info.value)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"service": "api"}, "api"),
        ({"service": "A-z_0.9"}, "A-z_0.9"),  # every allowed kind of character
        ({"service": "s" * MAX_SERVICE_CHARS}, "s" * MAX_SERVICE_CHARS),  # at the length limit
        ({}, "web"),  # the default service passed in
        ({"service": None}, "web"),  # null counts as missing
    ],
)
def test_service(fields: dict[str, Any], expected: str) -> None:
    assert normalize_entry(ok(**fields), NOW, "web").service == expected


def test_service_falls_back_to_default() -> None:
    assert normalize_entry(ok(), NOW, None).service == "default"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"trace_id": "abc", "span_id": "def"}, ("abc", "def", None, None)),
        ({"traceId": "abc", "spanId": "def"}, ("abc", "def", None, None)),  # camelCase
        ({"request_id": 42, "user_id": 7}, (None, None, "42", "7")),  # integers become strings
        ({"requestId": "r", "userId": "u"}, (None, None, "r", "u")),
        ({"trace_id": ""}, (None, None, None, None)),  # empty means none
        ({"user_id": "u" * MAX_ID_CHARS}, (None, None, None, "u" * MAX_ID_CHARS)),  # at the limit
    ],
)
def test_ids(fields: dict[str, Any], expected: tuple[str | None, ...]) -> None:
    entry = normalize_entry(ok(**fields), NOW, None)
    assert (entry.trace_id, entry.span_id, entry.request_id, entry.user_id) == expected
    assert entry.attributes == {}


@pytest.mark.parametrize(
    ("entry", "attributes"),
    [
        (ok(attributes={"a": 1}), {"a": 1}),
        (ok(attributes={}), {}),
        (ok(attributes=None), {}),  # null attributes: none
        (ok(region="eu", code=3), {"region": "eu", "code": 3}),  # unknown keys move in
        (ok(attributes={"region": "us"}, region="eu"), {"region": "us"}),  # attributes win on a clash
        (ok(attributes={"a": 1}, b=[1, {"c": 2}]), {"a": 1, "b": [1, {"c": 2}]}),
        (ok(message="a", msg="b"), {"msg": "b"}),  # an alias shadowed by its field is kept
        (ok(timestamp=5, ts=6, time=7), {"ts": 6, "time": 7}),
        (ok(trace_id="t", traceId="T"), {"traceId": "T"}),
        (ok(trace_id=None, span_id=None), {}),  # null known fields are dropped
        ({"level": "info", "message": "m", "extra": None}, {"extra": None}),  # an unknown key keeps its null
        ({"level": "info", "msg": "m", "message": None}, {}),  # msg used, null message dropped
    ],
)
def test_attributes_and_leftover_keys(entry: dict[str, Any], attributes: dict[str, Any]) -> None:
    assert normalize_entry(entry, NOW, None).attributes == attributes


def nested(depth: int) -> dict[str, Any]:
    """An attributes object `depth` levels deep, counting itself."""
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"n": value}
    return value


@pytest.mark.parametrize(
    ("attributes", "error"),
    [
        (nested(MAX_ATTRIBUTE_DEPTH), None),  # at the depth limit
        (nested(MAX_ATTRIBUTE_DEPTH + 1), "nested deeper than 8 levels"),
        ({"a": [[[[[[[1]]]]]]]}, None),  # lists nest too: 8 levels with the object
        ({"a": [[[[[[[[1]]]]]]]]}, "nested deeper than 8 levels"),
        ({"a": [[[[[[[[]]]]]]]]}, "nested deeper than 8 levels"),  # an empty container still nests
        ({f"k{i}": i for i in range(MAX_ATTRIBUTE_KEYS)}, None),  # at the key limit
        ({f"k{i}": i for i in range(MAX_ATTRIBUTE_KEYS + 1)}, "more than 200 keys"),
        ({"a": {f"k{i}": i for i in range(MAX_ATTRIBUTE_KEYS)}}, "more than 200 keys"),  # counted when nested
        ({"a": [{"x": 1}] * MAX_ATTRIBUTE_KEYS}, "more than 200 keys"),  # and inside lists (201 with "a")
    ],
)
def test_attribute_limits(attributes: dict[str, Any], error: str | None) -> None:
    if error is None:
        assert normalize_entry(ok(attributes=attributes), NOW, None).attributes == attributes
    else:
        with pytest.raises(EntryError, match=error):
            normalize_entry(ok(attributes=attributes), NOW, None)


def test_leftover_keys_count_toward_the_key_limit() -> None:
    entry = ok(**{f"k{i}": i for i in range(MAX_ATTRIBUTE_KEYS + 1)})
    with pytest.raises(EntryError, match="more than 200 keys"):
        normalize_entry(entry, NOW, None)


def test_long_message_is_truncated_and_marked() -> None:
    entry = normalize_entry(ok(message="x" * (MAX_MESSAGE_CHARS + 10), attributes={"a": 1}), NOW, None)
    assert entry.message == "x" * MAX_MESSAGE_CHARS
    assert entry.attributes == {"a": 1, "_truncated": True}


def test_message_at_the_limit_is_kept_whole() -> None:
    entry = normalize_entry(ok(message="x" * MAX_MESSAGE_CHARS), NOW, None)
    assert len(entry.message) == MAX_MESSAGE_CHARS
    assert entry.attributes == {}


def test_truncation_does_not_touch_the_callers_attributes() -> None:
    attributes = {"a": 1}
    normalize_entry(ok(message="x" * (MAX_MESSAGE_CHARS + 1), attributes=attributes), NOW, None)
    assert attributes == {"a": 1}


def test_full_entry() -> None:
    entry = normalize_entry(
        {
            "level": "ERROR",
            "msg": "payment failed",
            "service": "billing",
            "time": "2026-11-26T12:00:00.250Z",
            "traceId": "4bf92f3577b34da6a3ce929d0e0e4736",
            "spanId": "00f067aa0ba902b7",
            "requestId": "req-1",
            "userId": 99,
            "attributes": {"amount": 12.5},
            "host": "h1",
        },
        NOW,
        None,
    )
    assert entry == LogEntry(
        ts=1795694400250,
        level="error",
        message="payment failed",
        service="billing",
        trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
        span_id="00f067aa0ba902b7",
        request_id="req-1",
        user_id="99",
        attributes={"amount": 12.5, "host": "h1"},
    )


# -- fuzzing ---------------------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=25,
)
# Entries built from our own field names with values of any JSON type, so fuzzing reaches past the
# first type check; the value pools mix plausible and hostile values.
field_values = {
    "level": st.sampled_from(["info", "WARN", "err", "verbose", ""]) | json_values,
    "message": st.text() | json_values,
    "msg": st.text() | json_values,
    "service": st.sampled_from(["api", "my service", "", "s" * 65]) | json_values,
    "timestamp": st.integers() | st.floats() | st.sampled_from(["2026-11-26T12:00:00Z", "2026-11-26T12:00:00"]),
    "ts": json_values,
    "trace_id": st.text() | st.integers() | json_values,
    "spanId": json_values,
    "attributes": json_values,
    "extra": json_values,
}
entry_like = st.fixed_dictionaries({}, optional=field_values)


def check_parser_outcome(parse: Any, body: bytes) -> None:
    try:
        batch = parse(body)
    except ApiError as exc:
        assert_api_error(exc)
    else:
        assert_valid_batch(batch)


@given(st.binary(max_size=2000))
def test_fuzz_native_bytes(body: bytes) -> None:
    check_parser_outcome(lambda b: parse_native(b, NOW), body)


@given(json_values)
def test_fuzz_native_json_values(value: Any) -> None:
    check_parser_outcome(lambda b: parse_native(b, NOW), json.dumps(value).encode())


@given(st.lists(entry_like, max_size=8), st.booleans())
def test_fuzz_native_entry_shaped(entries: list[dict[str, Any]], as_ndjson: bool) -> None:
    text = "\n".join(json.dumps(entry) for entry in entries) if as_ndjson else json.dumps(entries)
    body = text.encode()
    check_parser_outcome(lambda b: parse_native(b, NOW, max_entries=5), body)


@given(st.binary(max_size=300), st.sampled_from([None, "gzip", "identity", "br"]))
def test_fuzz_decode_body(body: bytes, encoding: str | None) -> None:
    try:
        decode_body(body, encoding, 1000)
    except ApiError as exc:
        assert_api_error(exc)


valid_entries = st.fixed_dictionaries(
    {
        "level": st.sampled_from(LEVELS),
        "message": st.text(max_size=50),
        "service": st.text(alphabet="abcXYZ019._-", min_size=1, max_size=MAX_SERVICE_CHARS),
        "timestamp": st.integers(min_value=100_000_000_000, max_value=MAX_TS_MS),
    },
    optional={
        "trace_id": st.text(alphabet="0123456789abcdef", min_size=1, max_size=32),
        "attributes": st.dictionaries(st.text(max_size=8), json_scalars, max_size=5),
    },
)


@settings(max_examples=50)
@given(st.lists(valid_entries, min_size=1, max_size=10))
def test_valid_entries_round_trip(entries: list[dict[str, Any]]) -> None:
    batch = parse_native(json.dumps(entries).encode(), NOW)
    assert batch.errors == []
    for raw, entry in zip(entries, batch.entries, strict=True):
        assert (entry.level, entry.message, entry.service, entry.ts) == (
            raw["level"],
            raw["message"],
            raw["service"],
            raw["timestamp"],
        )
        assert entry.trace_id == raw.get("trace_id")
        assert entry.attributes == raw.get("attributes", {})
