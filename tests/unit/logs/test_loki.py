from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.errors import BadRequest, PayloadTooLarge
from edgewatch.logs.entry import MAX_ID_CHARS, MAX_MESSAGE_CHARS, LogEntry, ParsedBatch
from edgewatch.logs.loki import parse_loki_push
from tests.unit.logs.test_ingest import check_parser_outcome, json_values

NOW = 1_795_737_600_000
TS = "1570818238000000000"  # Loki's documentation example
TS_MS = 1570818238000


def push(*streams: tuple[Any, list[Any]]) -> bytes:
    return json.dumps({"streams": [{"stream": labels, "values": values} for labels, values in streams]}).encode()


def one(labels: Any, value: list[Any]) -> LogEntry:
    batch = parse_loki_push(push((labels, [value])), NOW)
    assert batch.errors == [], batch.errors
    assert len(batch.entries) == 1
    return batch.entries[0]


def test_documentation_example() -> None:
    # the curl example of Loki's HTTP API reference
    body = b'{"streams": [{ "stream": { "foo": "bar2" }, "values": [ [ "1570818238000000000", "fizzbuzz" ] ] }]}'
    batch = parse_loki_push(body, NOW)
    assert batch == ParsedBatch(
        [LogEntry(ts=TS_MS, level="info", message="fizzbuzz", service="unknown_service", attributes={"foo": "bar2"})],
        [],
        1,
    )


def test_labels_and_structured_metadata() -> None:
    entry = one(
        {"service_name": "checkout", "level": "warn", "env": "prod", "cluster": "eu-1"},
        [TS, "payment slow", {"trace_id": "0242ac120002", "span_id": "abc1", "user_id": "superUser123"}],
    )
    assert entry == LogEntry(
        ts=TS_MS,
        level="warn",
        message="payment slow",
        service="checkout",
        trace_id="0242ac120002",
        span_id="abc1",
        attributes={"env": "prod", "cluster": "eu-1", "user_id": "superUser123"},
    )


@pytest.mark.parametrize(
    ("labels", "service", "attributes"),
    [
        ({"service_name": "a", "service": "b", "app": "c", "job": "d"}, "a", {"service": "b", "app": "c", "job": "d"}),
        ({"service": "b", "app": "c", "job": "d"}, "b", {"app": "c", "job": "d"}),
        ({"app": "c", "job": "d"}, "c", {"job": "d"}),
        ({"job": "d"}, "d", {}),
        ({"service_name": "", "app": "c"}, "c", {"service_name": ""}),  # empty labels are skipped
        ({"env": "prod"}, "unknown_service", {"env": "prod"}),  # no service label at all
        ({}, "unknown_service", {}),
        (None, "unknown_service", {}),  # no stream object
        # a name our format does not allow is cleaned, and the label kept as it was
        ({"job": "namespace/api server"}, "namespace_api_server", {"job": "namespace/api server"}),
    ],
)
def test_service_from_labels(labels: Any, service: str, attributes: dict[str, str]) -> None:
    entry = one(labels, [TS, "line"])
    assert (entry.service, entry.attributes) == (service, attributes)


@pytest.mark.parametrize(
    ("labels", "value", "level", "attributes"),
    [
        ({}, [TS, "line"], "info", {}),  # the default
        ({"level": "error"}, [TS, "line"], "error", {}),
        ({"detected_level": "WARNING"}, [TS, "line"], "warn", {}),  # alias, any case
        ({"severity": "crit"}, [TS, "line"], "fatal", {}),
        ({"level": "debug", "severity": "error"}, [TS, "line"], "debug", {"severity": "error"}),  # level first
        ({"level": "chatty", "severity": "error"}, [TS, "line"], "error", {"level": "chatty"}),  # unknown: next
        ({"level": "chatty"}, [TS, "line"], "info", {"level": "chatty"}),  # unknown and nothing else
        ({}, [TS, "line", {"level": "warn"}], "warn", {}),  # structured metadata
        ({"level": "info"}, [TS, "line", {"level": "error"}], "error", {}),  # metadata beats labels
        ({"level": "warn"}, [TS, "line", {"level": "??"}], "warn", {"level": "??"}),  # unknown metadata level
        ({"level": "info"}, [TS, '{"level": "error", "message": "boom"}'], "error", {}),  # a JSON line beats both
        ({}, [TS, "line", {"level": "info"}], "info", {}),
    ],
)
def test_level(labels: dict[str, str], value: list[Any], level: str, attributes: dict[str, str]) -> None:
    entry = one(labels, value)
    assert (entry.level, entry.attributes) == (level, attributes)


@pytest.mark.parametrize(
    ("line", "message", "level", "attributes"),
    [
        ('{"level": "warn", "message": "disk full", "disk": "sda"}', "disk full", "warn", {"disk": "sda"}),
        ('{"msg": "short form", "n": 1}', "short form", "info", {"n": 1}),
        ('{"message": "m", "msg": "x"}', "m", "info", {"msg": "x"}),  # message wins over msg
        ('{"message": "m", "env": "line"}', "m", "info", {"env": "label"}),  # labels win a clash
        ('{"message": "m", "level": "loud"}', "m", "info", {"level": "loud"}),  # unknown level kept
        # no message key: the level is used, and the whole line stays the message
        ('{"level": "error", "err": "x"}', '{"level": "error", "err": "x"}', "error", {}),
        ('{"message": 5}', '{"message": 5}', "info", {}),  # a non-string message is not used
        ('{"message": "m"', '{"message": "m"', "info", {}),  # not valid JSON: a plain line
        ("[1, 2]", "[1, 2]", "info", {}),
        ("plain text", "plain text", "info", {}),
        ('{"message": "m", "n": NaN}', '{"message": "m", "n": NaN}', "info", {}),  # NaN is not JSON
        # too deep to split into attributes: the line is kept whole
        ('{"message": "m", "d": [[[[[[[[[1]]]]]]]]]}', '{"message": "m", "d": [[[[[[[[[1]]]]]]]]]}', "info", {}),
    ],
)
def test_json_lines(line: str, message: str, level: str, attributes: dict[str, Any]) -> None:
    labels = {"env": "label"} if '"env"' in line else {}
    entry = one(labels, [TS, line])
    expected = dict(attributes)
    if labels and "env" not in expected:
        expected["env"] = "label"
    assert (entry.message, entry.level, entry.attributes) == (message, level, expected)


@pytest.mark.parametrize(
    ("metadata", "trace_id", "span_id", "attributes"),
    [
        ({"trace_id": "t1"}, "t1", None, {}),
        ({"traceID": "t2"}, "t2", None, {}),  # Grafana's spelling
        ({"traceId": "t3", "spanID": "s3"}, "t3", "s3", {}),
        ({"trace_id": "t1", "traceID": "t2"}, "t1", None, {"traceID": "t2"}),  # the other spelling is kept
        ({"trace_id": ""}, None, None, {"trace_id": ""}),  # empty: not an id
        ({"pod": "p1"}, None, None, {"pod": "p1"}),
        ({}, None, None, {}),
    ],
)
def test_trace_ids_from_metadata(
    metadata: dict[str, str], trace_id: str | None, span_id: str | None, attributes: dict[str, str]
) -> None:
    entry = one({}, [TS, "line", metadata])
    assert (entry.trace_id, entry.span_id, entry.attributes) == (trace_id, span_id, attributes)


def test_metadata_overrides_a_label_of_the_same_name() -> None:
    assert one({"pod": "from-label"}, [TS, "line", {"pod": "from-metadata"}]).attributes == {"pod": "from-metadata"}


@pytest.mark.parametrize(
    ("ts", "expected"),
    [
        ("1570818238000000000", 1570818238000),
        ("1570818238123999999", 1570818238123),  # nanoseconds cut to milliseconds
        ("0", 0),
        ("999999", 0),
        ("9223372036854775807", 9223372036854),  # the largest int64, as Loki reads it (in 2262)
    ],
)
def test_timestamps(ts: str, expected: int) -> None:
    assert one({}, [ts, "line"]).ts == expected


@pytest.mark.parametrize(
    ("value", "phrase"),
    [
        (
            [1570818238000000000, "line"],
            'the timestamp must be a string of unix epoch nanoseconds such as "157',
        ),  # a number, as Loki refuses
        (["2026-11-26T12:00:00Z", "line"], "the timestamp must be a string of unix epoch nanoseconds"),
        (["-1", "line"], "the timestamp must be a string"),
        (["", "line"], "the timestamp must be a string"),
        (["١٢٣", "line"], "the timestamp must be a string"),  # Arabic-Indic digits
        (["9223372036854775808", "line"], "out of range for int64 nanoseconds"),  # 2**63
        (["1" * 40, "line"], "out of range"),
        ([TS], "an entry must be"),  # no line
        ([TS, "line", {}, "extra"], "an entry must be"),  # too long
        ({"ts": TS, "line": "x"}, "an entry must be"),  # the old /api/prom/push shape
        ("line", "an entry must be"),
        ([TS, 5], "the log line must be a string, not a number"),
        ([TS, None], "the log line must be a string, not null"),
        ([TS, "line", "meta"], "structured metadata must be an object of string values, not a string"),
        ([TS, "line", {"n": 1}], "structured metadata 'n' must be a string, not a number"),
        ([TS, "line", {"nested": {"a": "b"}}], "structured metadata 'nested' must be a string, not an object"),
        ([TS, "line", {"trace_id": "t" * (MAX_ID_CHARS + 1)}], "trace_id in structured metadata is longer than 128"),
    ],
)
def test_bad_entries(value: Any, phrase: str) -> None:
    batch = parse_loki_push(push(({}, [value])), NOW)
    assert batch.entries == []
    assert len(batch.errors) == 1
    assert phrase in batch.errors[0].error


def test_a_bad_entry_is_rejected_by_itself() -> None:
    body = push(
        ({"app": "a"}, [[TS, "first"], [123, "bad ts"], [TS, "third"]]),
        ({"app": "b"}, [[TS, "fourth", {"k": 1}], [TS, "fifth"]]),
    )
    batch = parse_loki_push(body, NOW)
    assert [(entry.service, entry.message) for entry in batch.entries] == [
        ("a", "first"),
        ("a", "third"),
        ("b", "fifth"),
    ]
    assert [error.index for error in batch.errors] == [1, 3]  # the index runs over all streams
    assert batch.total == 5


@pytest.mark.parametrize(
    "labels",
    [
        {"app": 5},  # label values are strings in Loki
        {"app": "a", "tags": ["x"]},
        ["app", "a"],
        '{app="a"}',  # the old /api/prom/push label string
    ],
)
def test_bad_labels_reject_every_entry_of_that_stream(labels: Any) -> None:
    batch = parse_loki_push(push((labels, [[TS, "x"], [TS, "y"]]), ({}, [[TS, "z"]])), NOW)
    assert [entry.message for entry in batch.entries] == ["z"]
    assert [error.index for error in batch.errors] == [0, 1]
    assert batch.errors[0].error == "stream labels must be an object of string values"


def test_long_line_is_truncated_and_marked() -> None:
    entry = one({}, [TS, "x" * (MAX_MESSAGE_CHARS + 1)])
    assert len(entry.message) == MAX_MESSAGE_CHARS
    assert entry.attributes == {"_truncated": True}


def test_too_many_labels_and_metadata_reject_the_entry() -> None:
    labels = {f"l{i}": "v" for i in range(150)}
    metadata = {f"m{i}": "v" for i in range(51)}
    batch = parse_loki_push(push((labels, [[TS, "x", metadata], [TS, "y"]])), NOW)
    assert [entry.message for entry in batch.entries] == ["y"]
    assert "more than 200 keys" in batch.errors[0].error


def test_lone_surrogate_rejects_its_entry() -> None:
    body = b'{"streams":[{"stream":{},"values":[["1","bad \\ud800"],["1","ok"]]}]}'
    batch = parse_loki_push(body, NOW)
    assert [entry.message for entry in batch.entries] == ["ok"]
    assert [error.index for error in batch.errors] == [0]


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        (b"", "empty body"),
        (b"streams", "not valid JSON"),
        (b"[]", 'Loki push body must be a JSON object with a "streams" array, not an array'),
        (b"{}", 'Loki push body needs a "streams" array, not null'),
        (b'{"streams": {}}', 'needs a "streams" array, not an object'),
        (b'{"streams": [1]}', "streams[0] must be an object, not a number"),
        (b'{"streams": [{"stream": {}}]}', "streams[0].values must be an array, not null"),
        (b'{"streams": [{"stream": {}, "values": {}}]}', "streams[0].values must be an array, not an object"),
        (b"\xff\x06\x00\x00sNaPpY", "not valid UTF-8"),  # a snappy protobuf push sent as JSON
    ],
)
def test_bad_bodies(body: bytes, phrase: str) -> None:
    with pytest.raises(BadRequest) as info:
        parse_loki_push(body, NOW)
    assert phrase in info.value.message


def test_empty_streams_is_an_empty_batch() -> None:
    assert parse_loki_push(b'{"streams": []}', NOW) == ParsedBatch([], [], 0)


def test_max_entries_counts_values_over_all_streams() -> None:
    body = push(({}, [[TS, "a"]] * 3), ({}, [[TS, "b"]] * 3))
    assert len(parse_loki_push(body, NOW, max_entries=6).entries) == 6
    with pytest.raises(PayloadTooLarge, match="6 log entries; the limit is 5"):
        parse_loki_push(body, NOW, max_entries=5)


# -- fuzzing ---------------------------------------------------------------------------------------

label_sets = st.dictionaries(
    st.sampled_from(["service_name", "app", "job", "level", "detected_level", "env"]) | st.text(max_size=5),
    st.sampled_from(["api", "warn", "my app", "", "ERROR"]) | st.text(max_size=8),
    max_size=4,
)
lines = st.text() | st.sampled_from(
    ['{"level": "error", "message": "m"}', '{"msg": 1}', "{", '{"message": "x", "a": {}}']
)
metadata = st.dictionaries(
    st.sampled_from(["trace_id", "traceID", "level", "span_id"]) | st.text(max_size=5),
    st.text(max_size=140) | json_values,
    max_size=3,
)
entries = st.one_of(
    st.tuples(st.text(alphabet="0123456789", max_size=22) | json_values, lines).map(list),
    st.tuples(st.text(alphabet="0123456789", max_size=22), lines, metadata | json_values).map(list),
    json_values,
)
loki_requests = st.fixed_dictionaries(
    {
        "streams": st.lists(
            st.fixed_dictionaries({"stream": label_sets | json_values, "values": st.lists(entries, max_size=4)}),
            max_size=3,
        )
    }
)


@given(st.binary(max_size=2000))
def test_fuzz_loki_bytes(body: bytes) -> None:
    check_parser_outcome(lambda b: parse_loki_push(b, NOW), body)


@given(json_values)
def test_fuzz_loki_json_values(value: Any) -> None:
    check_parser_outcome(lambda b: parse_loki_push(b, NOW), json.dumps(value).encode())


@given(loki_requests)
def test_fuzz_loki_shaped_requests(doc: dict[str, Any]) -> None:
    check_parser_outcome(lambda b: parse_loki_push(b, NOW, max_entries=10), json.dumps(doc).encode())
