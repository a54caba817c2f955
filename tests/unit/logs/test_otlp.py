from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.errors import BadRequest, PayloadTooLarge
from edgewatch.logs.entry import MAX_MESSAGE_CHARS, LogEntry, ParsedBatch
from edgewatch.logs.otlp import otlp_response, parse_otlp_logs
from edgewatch.wire.items import LineError
from tests.unit.logs.test_ingest import assert_valid_batch, check_parser_outcome, json_values

NOW = 1_795_737_600_000
TRACE = "5B8EFFF798038103D269B633813FC60C"
SPAN = "EEE19B7EC3C1B174"

# The logs example of opentelemetry-proto (examples/logs.json): numbers for 64-bit ints, upper-case
# hex ids, severityText without severityNumber, scope attributes, every AnyValue kind but bytes.
SPEC_EXAMPLE = {
    "resourceLogs": [
        {
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "my.service"}}]},
            "scopeLogs": [
                {
                    "scope": {
                        "name": "my.library",
                        "version": "1.0.0",
                        "attributes": [{"key": "my.scope.attribute", "value": {"stringValue": "some scope attribute"}}],
                    },
                    "logRecords": [
                        {
                            "timeUnixNano": 1544712660300000000,
                            "observedTimeUnixNano": 1544712660300000000,
                            "severityText": "Information",
                            "traceId": TRACE,
                            "spanId": SPAN,
                            "body": {"stringValue": "Example log record"},
                            "attributes": [
                                {"key": "string.attribute", "value": {"stringValue": "some string"}},
                                {"key": "boolean.attribute", "value": {"boolValue": True}},
                                {"key": "int.attribute", "value": {"intValue": 10}},
                                {"key": "double.attribute", "value": {"doubleValue": 637.704}},
                                {
                                    "key": "array.attribute",
                                    "value": {
                                        "arrayValue": {"values": [{"stringValue": "many"}, {"stringValue": "values"}]}
                                    },
                                },
                                {
                                    "key": "map.attribute",
                                    "value": {
                                        "kvlistValue": {
                                            "values": [{"key": "some.map.key", "value": {"stringValue": "some value"}}]
                                        }
                                    },
                                },
                            ],
                        }
                    ],
                }
            ],
        }
    ]
}


def request(*records: Any, resource: Any = None, scope: Any = None) -> bytes:
    scope_logs: dict[str, Any] = {"logRecords": list(records)}
    if scope is not None:
        scope_logs["scope"] = scope
    resource_logs: dict[str, Any] = {"scopeLogs": [scope_logs]}
    if resource is not None:
        resource_logs["resource"] = resource
    return json.dumps({"resourceLogs": [resource_logs]}).encode()


def one(record: dict[str, Any], **kwargs: Any) -> LogEntry:
    batch = parse_otlp_logs(request(record, **kwargs), NOW)
    assert batch.errors == [], batch.errors
    assert len(batch.entries) == 1
    return batch.entries[0]


def rejected(record: dict[str, Any]) -> str:
    batch = parse_otlp_logs(request(record), NOW)
    assert batch.entries == []
    assert len(batch.errors) == 1
    return batch.errors[0].error


def test_spec_example() -> None:
    batch = parse_otlp_logs(json.dumps(SPEC_EXAMPLE).encode(), NOW)
    assert batch.errors == []
    assert batch.entries == [
        LogEntry(
            ts=1544712660300,
            level="info",
            message="Example log record",
            service="my.service",
            trace_id=TRACE.lower(),
            span_id=SPAN.lower(),
            attributes={
                "otel.scope.name": "my.library",
                "otel.scope.version": "1.0.0",
                "string.attribute": "some string",
                "boolean.attribute": True,
                "int.attribute": 10,
                "double.attribute": 637.704,
                "array.attribute": ["many", "values"],
                "map.attribute": {"some.map.key": "some value"},
            },
        )
    ]


# -- time ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"timeUnixNano": "1795737600123456789"}, 1795737600123),  # 64-bit int as a JSON string
        ({"timeUnixNano": 1795737600123456789}, 1795737600123),  # ... or as a JSON number
        ({"timeUnixNano": 1.7957376e18}, 1795737600000),  # a number with an exponent, integral
        ({"timeUnixNano": "0", "observedTimeUnixNano": "1795737600999000000"}, 1795737600999),  # 0: use observed
        ({"observedTimeUnixNano": 1795737600999000000}, 1795737600999),  # missing: use observed
        ({"timeUnixNano": 0, "observedTimeUnixNano": 0}, NOW),  # neither: the server's clock
        ({}, NOW),
        ({"timeUnixNano": "999999"}, 0),  # under a millisecond after the epoch
        ({"timeUnixNano": "18446744073709551615"}, 18446744073709),  # the largest fixed64 (in 2554)
    ],
)
def test_time(record: dict[str, Any], expected: int) -> None:
    assert one(record).ts == expected


@pytest.mark.parametrize(
    ("record", "phrase"),
    [
        ({"timeUnixNano": "17957376e9"}, "timeUnixNano must be unix epoch nanoseconds"),  # not digits
        ({"timeUnixNano": "-1"}, "timeUnixNano must be unix epoch nanoseconds"),  # fixed64 is unsigned
        ({"timeUnixNano": ""}, "timeUnixNano must be"),
        ({"timeUnixNano": True}, "timeUnixNano must be"),
        ({"timeUnixNano": 1.5}, "timeUnixNano must be"),  # not integral
        ({"timeUnixNano": -5}, "timeUnixNano -5 is out of range"),
        ({"timeUnixNano": "18446744073709551616"}, "out of range for a fixed64"),  # 2**64
        ({"timeUnixNano": 10**30}, "out of range for a fixed64"),
        ({"observedTimeUnixNano": "soon"}, "observedTimeUnixNano must be"),
    ],
)
def test_invalid_time_rejects_the_record(record: dict[str, Any], phrase: str) -> None:
    assert phrase in rejected(record)


# -- severity --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "level"),
    [
        (1, "debug"),  # TRACE band starts
        (4, "debug"),  # TRACE4
        (5, "debug"),  # DEBUG band starts
        (8, "debug"),
        (9, "info"),  # INFO band starts
        (12, "info"),
        (13, "warn"),  # WARN band starts
        (16, "warn"),
        (17, "error"),  # ERROR band starts
        (20, "error"),
        (21, "fatal"),  # FATAL band starts
        (24, "fatal"),  # FATAL4, the highest
    ],
)
def test_severity_band_boundaries(number: int, level: str) -> None:
    # severityText disagrees on purpose: a set severityNumber wins
    assert one({"severityNumber": number, "severityText": "WARN"}).level == level


@pytest.mark.parametrize(
    ("record", "level"),
    [
        ({}, "info"),  # nothing at all
        ({"severityNumber": 0}, "info"),  # SEVERITY_NUMBER_UNSPECIFIED
        ({"severityNumber": 0, "severityText": "ERROR"}, "error"),  # unspecified: the text decides
        ({"severityText": "Warning"}, "warn"),  # alias, any case
        ({"severityText": "crit"}, "fatal"),
        ({"severityText": "loud"}, "info"),  # unknown text
        ({"severityText": 5}, "info"),  # text of the wrong type is ignored
    ],
)
def test_severity_without_number(record: dict[str, Any], level: str) -> None:
    assert one(record).level == level


@pytest.mark.parametrize(
    ("number", "phrase"),
    [
        (25, "severityNumber 25 is out of range 0-24"),
        (-1, "severityNumber -1 is out of range"),
        (100, "out of range"),
        ("9", "severityNumber must be an integer 0-24"),  # enums are integers in OTLP/JSON
        ("SEVERITY_NUMBER_INFO", "must be an integer"),  # enum names must not be used
        (9.0, "must be an integer"),
        (True, "must be an integer"),
    ],
)
def test_invalid_severity_rejects_the_record(number: Any, phrase: str) -> None:
    assert phrase in rejected({"severityNumber": number})


# -- body and attributes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"stringValue": "hello"}, "hello"),
        ({"stringValue": ""}, ""),
        ({"boolValue": False}, "false"),  # non-string bodies are JSON-encoded
        ({"intValue": "-9223372036854775808"}, "-9223372036854775808"),  # int64 min, as a string
        ({"intValue": 42}, "42"),
        ({"doubleValue": 1.5}, "1.5"),
        ({"doubleValue": 2}, "2.0"),
        ({"doubleValue": "NaN"}, "NaN"),  # JSON has no NaN: kept as text
        ({"arrayValue": {"values": [{"stringValue": "a"}, {"intValue": "1"}, {}]}}, '["a",1,null]'),
        ({"arrayValue": {}}, "[]"),
        ({"kvlistValue": {"values": [{"key": "k", "value": {"stringValue": "é"}}]}}, '{"k":"é"}'),
        ({"bytesValue": "aGVsbG8="}, "aGVsbG8="),  # bytes stay base64
        ({}, ""),  # an empty AnyValue
    ],
)
def test_body(body: dict[str, Any], message: str) -> None:
    assert one({"body": body}).message == message


def test_missing_body_is_an_empty_message() -> None:
    assert one({"severityNumber": 9}).message == ""


def test_long_body_is_truncated_and_marked() -> None:
    entry = one({"body": {"stringValue": "x" * (MAX_MESSAGE_CHARS + 1)}})
    assert len(entry.message) == MAX_MESSAGE_CHARS
    assert entry.attributes["_truncated"] is True


@pytest.mark.parametrize(
    ("value", "decoded"),
    [
        ({"stringValue": "s"}, "s"),
        ({"intValue": "9223372036854775807"}, 2**63 - 1),  # int64 max
        ({"intValue": 7}, 7),
        ({"doubleValue": "1.25"}, 1.25),  # doubles may be strings in proto3 JSON
        ({"doubleValue": "-Infinity"}, "-Infinity"),
        ({"boolValue": True}, True),
        ({"arrayValue": {"values": []}}, []),
        ({"kvlistValue": {"values": []}}, {}),
        ({"kvlistValue": {}}, {}),
        ({"kvlistValue": {"values": [{"key": "a", "value": {"intValue": 1}}, {"key": "a"}]}}, {"a": None}),  # last wins
        ({"stringValue": "s", "intValue": 1}, "s"),  # two kinds set: the first known one is used
        ({"futureValue": 1}, None),  # unknown kinds are ignored
    ],
)
def test_attribute_values(value: dict[str, Any], decoded: Any) -> None:
    entry = one({"attributes": [{"key": "k", "value": value}]})
    assert entry.attributes == {"k": decoded}


@pytest.mark.parametrize(
    ("record", "phrase"),
    [
        ({"attributes": {"k": "v"}}, "attributes must be an array of {key, value} objects, not an object"),
        ({"attributes": ["k"]}, "an attribute must be a {key, value} object"),
        ({"attributes": [{"key": 1, "value": {}}]}, "an attribute key must be a string, not a number"),
        ({"attributes": [{"key": "k", "value": "v"}]}, "must be an AnyValue object"),
        ({"attributes": [{"key": "k", "value": {"stringValue": 1}}]}, "stringValue must be a string"),
        ({"attributes": [{"key": "k", "value": {"boolValue": "true"}}]}, "boolValue must be true or false"),
        ({"attributes": [{"key": "k", "value": {"intValue": "9223372036854775808"}}]}, "does not fit in 64 bits"),
        ({"attributes": [{"key": "k", "value": {"intValue": "1.5"}}]}, "intValue must be a 64-bit integer"),
        ({"attributes": [{"key": "k", "value": {"intValue": "٣"}}]}, "intValue must be a 64-bit integer"),  # Arabic 3
        ({"attributes": [{"key": "k", "value": {"doubleValue": "fast"}}]}, "doubleValue must be a number"),
        ({"attributes": [{"key": "k", "value": {"doubleValue": "1e999"}}]}, "doubleValue must be a number"),
        ({"attributes": [{"key": "k", "value": {"doubleValue": 10**400}}]}, "doubleValue 1000"),
        ({"attributes": [{"key": "k", "value": {"bytesValue": "not base64!"}}]}, "is not valid base64"),
        ({"attributes": [{"key": "k", "value": {"bytesValue": "\x80"}}]}, "is not valid base64"),  # non-ASCII (fuzz)
        ({"attributes": [{"key": "k", "value": {"arrayValue": []}}]}, "arrayValue must be an object"),
        ({"attributes": [{"key": "k", "value": {"arrayValue": {"values": {}}}}]}, "arrayValue.values must be"),
        ({"body": {"kvlistValue": {"values": [1]}}}, "an attribute must be a {key, value} object"),
    ],
)
def test_invalid_attributes_reject_the_record(record: dict[str, Any], phrase: str) -> None:
    assert phrase in rejected(record)


def nested_kvlist(depth: int) -> dict[str, Any]:
    """An AnyValue holding kvlists such that the attributes object is `depth` levels deep."""
    value: dict[str, Any] = {"stringValue": "leaf"}
    for _ in range(depth - 1):
        value = {"kvlistValue": {"values": [{"key": "n", "value": value}]}}
    return value


def test_attribute_depth_limit() -> None:
    assert one({"attributes": [{"key": "k", "value": nested_kvlist(8)}]})  # 8 levels: fine
    assert "nested deeper than 8 levels" in rejected({"attributes": [{"key": "k", "value": nested_kvlist(9)}]})


def test_very_deep_value_is_rejected_not_a_crash() -> None:
    assert "nested deeper" in rejected({"body": nested_kvlist(150)})  # 600 JSON levels


def test_too_many_attributes_reject_the_record() -> None:
    attributes = [{"key": f"k{i}", "value": {"intValue": i}} for i in range(201)]
    assert "more than 200 keys" in rejected({"attributes": attributes})


# -- ids -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "ids"),
    [
        ({"traceId": TRACE, "spanId": SPAN}, (TRACE.lower(), SPAN.lower())),  # hex is case-insensitive
        ({"traceId": "", "spanId": ""}, (None, None)),  # empty: no id
        ({"traceId": "0" * 32, "spanId": "0" * 16}, (None, None)),  # all zeros: invalid ids mean none
        ({}, (None, None)),
    ],
)
def test_ids(record: dict[str, Any], ids: tuple[str | None, str | None]) -> None:
    entry = one(record)
    assert (entry.trace_id, entry.span_id) == ids


@pytest.mark.parametrize(
    ("record", "phrase"),
    [
        ({"traceId": "W47/95gDgQPSabYzgT/GDA=="}, "traceId must be 32 hex characters"),  # base64, not hex
        ({"traceId": TRACE[:-1]}, "traceId must be 32 hex characters"),  # too short
        ({"traceId": TRACE + "0"}, "traceId must be 32 hex characters"),  # too long
        ({"traceId": "g" * 32}, "traceId must be 32 hex characters"),  # not hex
        ({"traceId": "5B8EFFF7 8038103D269B633813FC60C"}, "traceId must be 32 hex"),  # a space inside
        ({"traceId": 5}, "traceId must be 32 hex characters"),
        ({"spanId": SPAN[:8]}, "spanId must be 16 hex characters"),
        ({"spanId": "é" * 16}, "spanId must be 16 hex characters"),
    ],
)
def test_invalid_ids_reject_the_record(record: dict[str, Any], phrase: str) -> None:
    assert phrase in rejected(record)


def test_invalid_trace_id_rejects_only_its_record() -> None:
    records = [
        {"body": {"stringValue": "first"}, "traceId": TRACE},
        {"body": {"stringValue": "bad"}, "traceId": "not-hex"},
        {"body": {"stringValue": "last"}},
    ]
    batch = parse_otlp_logs(request(*records), NOW)
    assert [entry.message for entry in batch.entries] == ["first", "last"]
    assert [error.index for error in batch.errors] == [1]
    assert batch.total == 3


# -- resource and scope ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "service", "attributes"),
    [
        (None, "unknown_service", {}),  # no resource
        ({}, "unknown_service", {}),  # no attributes
        ({"attributes": [{"key": "service.name", "value": {"stringValue": "checkout"}}]}, "checkout", {}),
        (
            {
                "attributes": [
                    {"key": "service.name", "value": {"stringValue": "checkout"}},
                    {"key": "host.name", "value": {"stringValue": "h1"}},
                    {"key": "process.pid", "value": {"intValue": "42"}},
                ]
            },
            "checkout",
            {"resource.host.name": "h1", "resource.process.pid": 42},
        ),
        (
            # a name our format does not allow is cleaned; the original stays as an attribute
            {"attributes": [{"key": "service.name", "value": {"stringValue": "my service/v2"}}]},
            "my_service_v2",
            {"resource.service.name": "my service/v2"},
        ),
        (
            {"attributes": [{"key": "service.name", "value": {"intValue": 5}}]},  # not a string
            "unknown_service",
            {"resource.service.name": 5},
        ),
        (
            {"attributes": [{"key": "service.name", "value": {"stringValue": ""}}]},
            "unknown_service",
            {"resource.service.name": ""},
        ),
        ({"droppedAttributesCount": 3, "futureField": {}}, "unknown_service", {}),  # unknown fields ignored
    ],
)
def test_resource(resource: Any, service: str, attributes: dict[str, Any]) -> None:
    entry = one({}, resource=resource)
    assert (entry.service, entry.attributes) == (service, attributes)


def test_scope_name_and_version() -> None:
    entry = one({"attributes": [{"key": "a", "value": {"intValue": 1}}]}, scope={"name": "lib", "version": "2"})
    assert entry.attributes == {"otel.scope.name": "lib", "otel.scope.version": "2", "a": 1}


def test_bad_resource_attributes_reject_all_records_of_that_resource() -> None:
    body = json.dumps(
        {
            "resourceLogs": [
                {
                    "resource": {"attributes": [{"key": "service.name", "value": {"intValue": "x"}}]},
                    "scopeLogs": [{"logRecords": [{}, {}]}],
                },
                {"scopeLogs": [{"logRecords": [{"body": {"stringValue": "fine"}}]}]},
            ]
        }
    ).encode()
    batch = parse_otlp_logs(body, NOW)
    assert [entry.message for entry in batch.entries] == ["fine"]
    assert [error.index for error in batch.errors] == [0, 1]
    assert batch.errors[0].error.startswith("resourceLogs[0].resource.attributes: intValue")


def test_record_index_runs_over_all_resources_and_scopes() -> None:
    bad = {"severityNumber": 99}
    body = json.dumps(
        {
            "resourceLogs": [
                {"scopeLogs": [{"logRecords": [{}, bad]}, {"logRecords": []}, {"logRecords": [bad]}]},
                {"scopeLogs": [{"logRecords": [{}, {}, bad]}]},
            ]
        }
    ).encode()
    batch = parse_otlp_logs(body, NOW)
    assert [error.index for error in batch.errors] == [1, 2, 5]
    assert batch.total == 6
    assert len(batch.entries) == 3


@pytest.mark.parametrize(
    ("doc", "phrase"),
    [
        ({}, None),  # an empty request is a success with nothing in it
        ({"resourceLogs": []}, None),
        ({"resourceLogs": [{}]}, None),  # no scopeLogs
        ({"resourceLogs": [{"scopeLogs": [{}]}]}, None),  # no logRecords
        ({"resourceSpans": [{}]}, None),  # a trace request: unknown fields, so empty
        ({"resourceLogs": {}}, "resourceLogs must be an array, not an object"),
        ({"resourceLogs": [1]}, "resourceLogs[0] must be an object, not a number"),
        ({"resourceLogs": [{"resource": []}]}, "resourceLogs[0].resource must be an object"),
        ({"resourceLogs": [{"scopeLogs": {}}]}, "resourceLogs[0].scopeLogs must be an array"),
        ({"resourceLogs": [{"scopeLogs": [[]]}]}, "resourceLogs[0].scopeLogs[0] must be an object"),
        ({"resourceLogs": [{"scopeLogs": [{"logRecords": {}}]}]}, "resourceLogs[0].scopeLogs[0].logRecords must be"),
        ({"resourceLogs": [{"scopeLogs": [{"scope": "lib", "logRecords": [{}]}]}]}, ".scope must be an object"),
    ],
)
def test_envelope(doc: dict[str, Any], phrase: str | None) -> None:
    body = json.dumps(doc).encode()
    if phrase is None:
        assert parse_otlp_logs(body, NOW) == ParsedBatch([], [], 0)
    else:
        with pytest.raises(BadRequest) as info:
            parse_otlp_logs(body, NOW)
        assert phrase in info.value.message


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        (b"", "empty body"),
        (b"[]", "OTLP body must be a JSON object (ExportLogsServiceRequest), not an array"),
        (b"resourceLogs", "not valid JSON"),
        (b'{"resourceLogs": [}', "not valid JSON"),
        (b"\x0a\x0b\x12", "not valid JSON"),  # binary protobuf sent to the JSON endpoint
    ],
)
def test_unparseable_bodies(body: bytes, phrase: str) -> None:
    with pytest.raises(BadRequest) as info:
        parse_otlp_logs(body, NOW)
    assert phrase in info.value.message


def test_max_entries_counts_records_over_all_scopes() -> None:
    body = json.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": [{}] * 3}, {"logRecords": [{}] * 3}]}]})
    assert len(parse_otlp_logs(body.encode(), NOW, max_entries=6).entries) == 6
    with pytest.raises(PayloadTooLarge, match="7 log records; the limit is 5"):
        body = json.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": [{}] * 3}, {"logRecords": [{}] * 4}]}]})
        parse_otlp_logs(body.encode(), NOW, max_entries=5)


def test_lone_surrogate_rejects_its_record() -> None:
    body = b'{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"\\udfff"}},{}]}]}]}'
    batch = parse_otlp_logs(body, NOW)
    assert [error.index for error in batch.errors] == [0]
    assert len(batch.entries) == 1


# -- otlp_response ---------------------------------------------------------------------------------


def test_full_success_is_an_empty_response() -> None:
    assert otlp_response(ParsedBatch([LogEntry(1, "info", "m", "s")], [], 1)) == {}


def test_partial_success_shape() -> None:
    batch = parse_otlp_logs(request({}, {"severityNumber": 25}, {"traceId": "x"}), NOW)
    response = otlp_response(batch)
    assert response == {
        "partialSuccess": {
            "rejectedLogRecords": 2,
            "errorMessage": (
                "log record 1: severityNumber 25 is out of range 0-24; "
                "log record 2: traceId must be 32 hex characters (OTLP/JSON uses hex, not base64), not 'x'"
            ),
        }
    }
    assert isinstance(response["partialSuccess"]["rejectedLogRecords"], int)
    json.dumps(response)  # it is the JSON response body as it is


def test_partial_success_message_names_the_first_few() -> None:
    batch = ParsedBatch([], [LineError(i, f"problem {i}") for i in range(8)], 8)
    message = otlp_response(batch)["partialSuccess"]["errorMessage"]
    assert message.startswith("log record 0: problem 0; log record 1: problem 1")
    assert "log record 4: problem 4; and 3 more" in message
    assert "problem 5" not in message


# -- fuzzing ---------------------------------------------------------------------------------------

any_values = st.recursive(
    st.fixed_dictionaries({}, optional={"stringValue": json_values, "intValue": json_values})
    | st.fixed_dictionaries({}, optional={"boolValue": json_values, "doubleValue": json_values})
    | st.fixed_dictionaries({}, optional={"bytesValue": st.text() | json_values}),
    lambda children: (
        st.fixed_dictionaries(
            {},
            optional={
                "arrayValue": st.fixed_dictionaries({}, optional={"values": st.lists(children, max_size=3)}),
                "kvlistValue": st.fixed_dictionaries(
                    {},
                    optional={
                        "values": st.lists(st.fixed_dictionaries({"key": st.text(max_size=5), "value": children}))
                    },
                ),
            },
        )
        | json_values
    ),
    max_leaves=10,
)
key_value_lists = st.lists(
    st.fixed_dictionaries({"key": st.text(max_size=8) | json_values, "value": any_values}), max_size=4
)
records = st.fixed_dictionaries(
    {},
    optional={
        "timeUnixNano": st.integers() | st.text(alphabet="0123456789", max_size=22) | json_values,
        "observedTimeUnixNano": st.integers(min_value=0) | json_values,
        "severityNumber": st.integers(min_value=-2, max_value=26) | json_values,
        "severityText": st.sampled_from(["INFO", "warning", "nope"]) | json_values,
        "body": any_values,
        "attributes": key_value_lists | json_values,
        "traceId": st.text(alphabet="0123456789abcdefABCDEF", min_size=30, max_size=33) | json_values,
        "spanId": st.text(alphabet="0123456789abcdef", min_size=15, max_size=17) | json_values,
    },
)
otlp_requests = st.fixed_dictionaries(
    {
        "resourceLogs": st.lists(
            st.fixed_dictionaries(
                {
                    "scopeLogs": st.lists(
                        st.fixed_dictionaries({"logRecords": st.lists(records, max_size=4)}), max_size=2
                    )
                },
                optional={"resource": st.fixed_dictionaries({"attributes": key_value_lists})},
            ),
            max_size=2,
        )
    }
)


@given(st.binary(max_size=2000))
def test_fuzz_otlp_bytes(body: bytes) -> None:
    check_parser_outcome(lambda b: parse_otlp_logs(b, NOW), body)


@given(json_values)
def test_fuzz_otlp_json_values(value: Any) -> None:
    check_parser_outcome(lambda b: parse_otlp_logs(b, NOW), json.dumps(value).encode())


@given(otlp_requests)
def test_fuzz_otlp_shaped_requests(doc: dict[str, Any]) -> None:
    body = json.dumps(doc).encode()
    check_parser_outcome(lambda b: parse_otlp_logs(b, NOW, max_entries=12), body)
    try:
        batch = parse_otlp_logs(body, NOW, max_entries=12)
    except (BadRequest, PayloadTooLarge):
        return
    assert_valid_batch(batch)
    response = otlp_response(batch)
    assert (response == {}) == (batch.rejected == 0)
    json.dumps(response)
