"""OTLP protobuf bodies made by the real opentelemetry-proto classes (and the real OpenTelemetry SDK's
encoder) decode to exactly the OTLP/JSON document the real protobuf library maps them to; the
protobuf answers decode with the real response classes."""

from __future__ import annotations

import math
from typing import Any

import pytest
from google.protobuf.message import DecodeError  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest, ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from edgewatch.wire.otlp_proto import (
    LOGS_REQUEST,
    MESSAGES,
    METRICS_REQUEST,
    TRACES_REQUEST,
    decode_request,
    encode_export_response,
)
from edgewatch.wire.protobuf import ProtobufError
from tests.unit.wire.otlp_reference import add_attributes, reference, set_value

T0 = 1_764_000_000_123_456_789
TRACE = bytes.fromhex("5b8efff798038103d269b633813fc60c")
SPAN = bytes.fromhex("eee19b7ec3c1b174")

# Every AnyValue kind, the edges of int64 and double, empty and non-ASCII strings, nesting.
EVERY_VALUE: dict[str, Any] = {
    "s": "héllo ✓ 𝄞",
    "empty": "",
    "t": True,
    "f": False,
    "zero": 0,
    "neg": -(2**63),
    "big": 2**63 - 1,
    "d": 0.1,
    "d0": 0.0,
    "negzero": -0.0,
    "nan": math.nan,
    "inf": math.inf,
    "ninf": -math.inf,
    "raw": b"\x00\xff\x10",
    "noraw": b"",
    "arr": (1, "two", 3.0, False, ()),
    "kv": {"inner": {"deeper": ("x", {"k": 1})}, "e": {}},
}


def logs_request() -> Any:
    request = ExportLogsServiceRequest()
    resource_logs = request.resource_logs.add(schema_url="https://opentelemetry.io/schemas/1.26.0")
    add_attributes(resource_logs.resource.attributes, {"service.name": "checkout", "host.name": "web-1"})
    resource_logs.resource.dropped_attributes_count = 2
    scope_logs = resource_logs.scope_logs.add()
    scope_logs.scope.name = "app.payments"
    scope_logs.scope.version = "1.0"
    add_attributes(scope_logs.scope.attributes, {"scope.attr": 1})
    full = scope_logs.log_records.add(
        time_unix_nano=T0,
        observed_time_unix_nano=2**64 - 1,
        severity_number=17,
        severity_text="ERROR",
        dropped_attributes_count=1,
        flags=0xFFFFFFFF,
        trace_id=TRACE,
        span_id=SPAN,
        event_name="payment.failed",
    )
    full.body.string_value = "payment failed"
    add_attributes(full.attributes, EVERY_VALUE)
    scope_logs.log_records.add()  # an empty record
    bodied = scope_logs.log_records.add(severity_number=9)
    set_value(bodied.body, {"structured": ("a", 1)})
    request.resource_logs.add()  # an empty resource
    return request


def metrics_request() -> Any:
    request = ExportMetricsServiceRequest()
    resource_metrics = request.resource_metrics.add()
    add_attributes(resource_metrics.resource.attributes, {"service.name": "checkout"})
    scope = resource_metrics.scope_metrics.add()
    scope.scope.name = "meter"
    gauge = scope.metrics.add(name="temp", description="a gauge", unit="Cel")
    gauge.gauge.data_points.add(as_double=-3.5, time_unix_nano=T0, flags=1)
    gauge.gauge.data_points.add(as_int=-(2**63), time_unix_nano=T0)
    gauge.gauge.data_points.add(as_double=0.0)  # a oneof member holding its default is still there
    add_attributes(gauge.metadata, {"m": "v"})
    total = scope.metrics.add(name="requests")
    total.sum.aggregation_temporality = 1
    total.sum.is_monotonic = True
    point = total.sum.data_points.add(as_int=42, start_time_unix_nano=T0 - 10, time_unix_nano=T0)
    add_attributes(point.attributes, {"route": "/api", "code": 200})
    exemplar = point.exemplars.add(as_double=1.5, time_unix_nano=T0, trace_id=TRACE, span_id=SPAN)
    add_attributes(exemplar.filtered_attributes, {"user": "u1"})
    point.exemplars.add(as_int=7)
    histogram = scope.metrics.add(name="latency")
    histogram.histogram.aggregation_temporality = 2
    hp = histogram.histogram.data_points.add(count=10, sum=55.5, min=0.0, max=99.0, time_unix_nano=T0)
    hp.explicit_bounds.extend([0.0, 5.0, math.inf])
    hp.bucket_counts.extend([1, 2, 3, 2**64 - 1])
    histogram.histogram.data_points.add(count=0)  # sum, min and max unset
    exponential = scope.metrics.add(name="exp")
    ep = exponential.exponential_histogram.data_points.add(scale=-3, zero_count=2, zero_threshold=1e-9, sum=0.0)
    ep.positive.offset = -5
    ep.positive.bucket_counts.extend([0, 1, 2**64 - 1])
    ep.negative.SetInParent()
    summary = scope.metrics.add(name="rpc")
    sp = summary.summary.data_points.add(count=3, sum=6.0, time_unix_nano=T0)
    sp.quantile_values.add(quantile=0.5, value=2.0)
    sp.quantile_values.add(quantile=0.0, value=0.0)
    scope.metrics.add(name="nodata")
    return request


def traces_request() -> Any:
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    add_attributes(resource_spans.resource.attributes, {"service.name": "api"})
    scope = resource_spans.scope_spans.add(schema_url="s")
    scope.scope.name = "flask"
    root = scope.spans.add(
        trace_id=TRACE,
        span_id=SPAN,
        trace_state="vendor=1",
        flags=0x301,
        name="GET /items/{id}",
        kind=2,
        start_time_unix_nano=T0,
        end_time_unix_nano=T0 + 5_000_000,
        dropped_attributes_count=1,
        dropped_events_count=2,
        dropped_links_count=3,
    )
    add_attributes(root.attributes, {"http.request.method": "GET", "http.response.status_code": 500})
    event = root.events.add(time_unix_nano=T0 + 1, name="exception", dropped_attributes_count=1)
    add_attributes(event.attributes, {"exception.type": "ValueError"})
    link = root.links.add(trace_id=bytes(16), span_id=bytes(range(8)), trace_state="x", flags=1)
    add_attributes(link.attributes, {"link": True})
    root.status.code = 2
    root.status.message = "boom"
    child = scope.spans.add(trace_id=TRACE, span_id=bytes(range(1, 9)), parent_span_id=SPAN, name="db", kind=3)
    child.status.SetInParent()  # an empty status
    return request


CASES = [
    pytest.param(logs_request, LOGS_REQUEST, id="logs"),
    pytest.param(metrics_request, METRICS_REQUEST, id="metrics"),
    pytest.param(traces_request, TRACES_REQUEST, id="traces"),
]


@pytest.mark.parametrize(("build", "table"), CASES)
def test_real_encodings_decode_to_the_otlp_json_mapping(build: Any, table: Any) -> None:
    message = build()
    assert decode_request(message.SerializeToString(), table) == reference(message)


def test_the_mapping_is_otlp_json_hex_ids_string_int64_number_enums() -> None:
    doc = decode_request(logs_request().SerializeToString(), LOGS_REQUEST)
    record = doc["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]
    assert record["traceId"] == "5b8efff798038103d269b633813fc60c" and record["spanId"] == "eee19b7ec3c1b174"
    assert record["timeUnixNano"] == str(T0) and record["observedTimeUnixNano"] == str(2**64 - 1)
    assert record["severityNumber"] == 17 and record["flags"] == 0xFFFFFFFF
    values = {a["key"]: a["value"] for a in record["attributes"]}
    assert values["neg"] == {"intValue": str(-(2**63))}
    assert values["empty"] == {"stringValue": ""} and values["zero"] == {"intValue": "0"}
    assert values["raw"] == {"bytesValue": "AP8Q"} and values["nan"] == {"doubleValue": "NaN"}
    assert values["inf"] == {"doubleValue": "Infinity"} and values["ninf"] == {"doubleValue": "-Infinity"}
    assert doc["resourceLogs"][0]["scopeLogs"][0]["logRecords"][1] == {}
    assert doc["resourceLogs"][1] == {}


def test_a_real_sdk_trace_export_decodes() -> None:
    """Spans made by the OpenTelemetry SDK and encoded by its OTLP exporter's own encoder."""
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanKind, Status, StatusCode

    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "checkout"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("checkout.web", "1.2")
    with tracer.start_as_current_span("GET /cart", kind=SpanKind.SERVER, attributes={"http.status_code": 500}) as root:
        with tracer.start_as_current_span("SELECT cart", kind=SpanKind.CLIENT) as child:
            child.add_event("retry", {"attempt": 2})
        root.set_status(Status(StatusCode.ERROR, "db down"))
    spans = memory.get_finished_spans()
    message = encode_spans(spans)
    doc = decode_request(message.SerializeToString(), TRACES_REQUEST)
    assert doc == reference(message)
    [resource_spans] = doc["resourceSpans"]
    decoded = {s["name"]: s for s in resource_spans["scopeSpans"][0]["spans"]}
    server, client = decoded["GET /cart"], decoded["SELECT cart"]
    assert server["kind"] == 2 and client["kind"] == 3 and server["status"] == {"code": 2, "message": "db down"}
    assert client["parentSpanId"] == server["spanId"] == format(root.get_span_context().span_id, "016x")
    assert client["traceId"] == format(root.get_span_context().trace_id, "032x")
    assert int(client["endTimeUnixNano"]) >= int(client["startTimeUnixNano"])
    assert client["events"][0]["attributes"] == [{"key": "attempt", "value": {"intValue": "2"}}]
    provider.shutdown()


def test_unknown_fields_are_skipped_and_known_fields_read_around_them() -> None:
    """Forward compatibility: every wire type, as a field this version of OTLP does not know."""
    known = ExportLogsServiceRequest()
    known.resource_logs.add().scope_logs.add().log_records.add(severity_number=9, severity_text="INFO")
    record = known.resource_logs[0].scope_logs[0].log_records[0].SerializeToString()
    unknown = b"\xa8\x06\x96\x01" + b"\xb1\x06" + bytes(8) + b"\xba\x06\x03abc" + b"\xc5\x06" + bytes(4)
    unknown += b"\xcb\x06\x08\x01\xcc\x06"  # a group (field 105) holding a varint field
    record_bytes = unknown + record + unknown
    scope = b"\x12" + bytes([len(record_bytes)]) + record_bytes
    body = b"\x0a" + bytes([len(scope) + 2]) + b"\x12" + bytes([len(scope)]) + scope
    assert decode_request(body, LOGS_REQUEST) == reference(known)
    assert reference(ExportLogsServiceRequest.FromString(body)) == reference(known)


def test_packed_and_unpacked_repeated_scalars_are_the_same() -> None:
    point = b"\x31" + (5).to_bytes(8, "little") + b"\x31" + (6).to_bytes(8, "little")  # unpacked bucketCounts
    point += b"\x32\x08" + (7).to_bytes(8, "little")  # and a packed run appended to them
    histogram = b"\x0a" + bytes([len(point)]) + point
    metric = b"\x4a" + bytes([len(histogram)]) + histogram
    scope = b"\x12" + bytes([len(metric)]) + metric
    body = b"\x0a" + bytes([len(scope) + 2]) + b"\x12" + bytes([len(scope)]) + scope
    doc = decode_request(body, METRICS_REQUEST)
    point_doc = doc["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["histogram"]["dataPoints"][0]
    assert point_doc == {"bucketCounts": ["5", "6", "7"]}
    assert doc == reference(ExportMetricsServiceRequest.FromString(body))


def test_a_message_field_seen_twice_is_merged_and_the_last_oneof_member_wins() -> None:
    first, second = ExportLogsServiceRequest(), ExportLogsServiceRequest()
    add_attributes(first.resource_logs.add().resource.attributes, {"a": 1})
    rl = second.resource_logs.add()
    rl.resource.dropped_attributes_count = 3
    rl.scope_logs.add().log_records.add().body.string_value = "x"
    merged = ExportLogsServiceRequest.FromString(first.SerializeToString() + second.SerializeToString())
    # Concatenated messages merge: two resourceLogs here (repeated), each read as protobuf reads it.
    body = first.SerializeToString() + second.SerializeToString()
    assert decode_request(body, LOGS_REQUEST) == reference(merged)
    value = b"\x0a\x01a" + b"\x18\x05" + b"\x32\x02\x0a\x00"  # stringValue, then intValue, then kvlistValue
    record = b"\x2a" + bytes([len(value)]) + value
    scope = b"\x12" + bytes([len(record)]) + record
    body = b"\x0a" + bytes([len(scope) + 2]) + b"\x12" + bytes([len(scope)]) + scope
    doc = decode_request(body, LOGS_REQUEST)
    assert doc["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["body"] == {"kvlistValue": {"values": [{}]}}
    assert doc == reference(ExportLogsServiceRequest.FromString(body))


def _len(data: bytes) -> bytes:
    n, out = len(data), bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _wrap(tag: int, payload: bytes) -> bytes:
    return bytes([tag]) + _len(payload) + payload


def _in_record(record: bytes) -> bytes:
    """An ExportLogsServiceRequest holding one resourceLogs, one scopeLogs and this LogRecord."""
    return _wrap(0x0A, _wrap(0x12, _wrap(0x12, record)))


def _in_histogram_point(point: bytes) -> bytes:
    """An ExportMetricsServiceRequest holding one histogram metric with this data point."""
    return _wrap(0x0A, _wrap(0x12, _wrap(0x12, _wrap(0x4A, _wrap(0x0A, point)))))


LOGS = "ExportLogsServiceRequest.resourceLogs[0].scopeLogs[0].logRecords[0]"
RESOURCE_LOGS = "ExportLogsServiceRequest.resourceLogs (ExportLogsServiceRequest field 1 resourceLogs): "
RESOURCE_SPANS = "ExportTraceServiceRequest.resourceSpans (ExportTraceServiceRequest field 1 resourceSpans): "


@pytest.mark.parametrize(
    ("body", "table", "message"),
    [
        # (bytes, request type, the whole error text: path (message field N name): problem)
        (
            _in_record(b"\x4a\x08" + bytes(4)),
            LOGS_REQUEST,
            f"{LOGS}.traceId (LogRecord field 9 traceId): a length of 8 bytes runs past the end of its message"
            " (4 bytes left)",
        ),
        (
            _in_record(b"\x1a\x02\xc3\x28"),
            LOGS_REQUEST,
            f"{LOGS}.severityText (LogRecord field 3 severityText): the string is not valid UTF-8 (byte 0 of 2)",
        ),
        (
            _in_record(b"\x09" + bytes(3)),
            LOGS_REQUEST,
            f"{LOGS}.timeUnixNano (LogRecord field 1 timeUnixNano): a 64-bit value needs 8 bytes, 3 are left",
        ),
        (
            _in_record(b"\x2a\x02\x18\xff"),
            LOGS_REQUEST,
            f"{LOGS}.body.intValue (AnyValue field 3 intValue): a varint is cut off by the end of its message",
        ),
        (
            _in_record(b"\xa8\x06"),
            LOGS_REQUEST,
            f"{LOGS}.<field 101> (LogRecord field 101): a varint is cut off by the end of its message",
        ),
        (
            _in_histogram_point(b"\x32\x03abc"),
            METRICS_REQUEST,
            "ExportMetricsServiceRequest.resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0]"
            ".bucketCounts (HistogramDataPoint field 6 bucketCounts): a packed list of 64-bit values is 3 bytes,"
            " not a multiple of 8",
        ),
        (
            b"\x0a\x05\x12\x03",
            LOGS_REQUEST,
            f"{RESOURCE_LOGS}a length of 5 bytes runs past the end of its message (2 bytes left)",
        ),
        (
            b"\x80",
            LOGS_REQUEST,
            "ExportLogsServiceRequest (a field tag): a varint is cut off by the end of its message",
        ),
        (
            b"\x08" + b"\xff" * 10 + b"\x01",
            TRACES_REQUEST,
            f"{RESOURCE_SPANS}a varint is longer than 10 bytes",
        ),
        (b"\x00", LOGS_REQUEST, "ExportLogsServiceRequest (a field tag): field number 0 is not allowed"),
        (
            b"\x0c",
            LOGS_REQUEST,
            f"{RESOURCE_LOGS}an end-group tag without its start-group",
        ),
        (
            b"\x0f",
            LOGS_REQUEST,
            f"{RESOURCE_LOGS}wire type 7 does not exist",
        ),
        (
            b"\x0b\x08\x01",
            LOGS_REQUEST,
            f"{RESOURCE_LOGS}group 1 is not closed before the end of its message",
        ),
    ],
)
def test_malformed_bytes_raise_a_value_error_naming_message_and_field(body: bytes, table: Any, message: str) -> None:
    with pytest.raises(ProtobufError) as caught:
        decode_request(body, table)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == message
    cls: dict[Any, Any] = {LOGS_REQUEST: ExportLogsServiceRequest, METRICS_REQUEST: ExportMetricsServiceRequest}
    with pytest.raises(DecodeError):  # the real library refuses them too
        cls.get(table, ExportTraceServiceRequest).FromString(body)


def test_nesting_deeper_than_protobuf_allows_is_refused() -> None:
    value = b""
    for _ in range(120):  # AnyValue -> arrayValue -> values -> AnyValue ...
        inner = b"\x0a" + _len(value) + value
        value = b"\x2a" + _len(inner) + inner
    record = b"\x2a" + _len(value) + value
    scope = b"\x12" + _len(record) + record
    resource = b"\x12" + _len(scope) + scope
    body = b"\x0a" + _len(resource) + resource
    with pytest.raises(ProtobufError, match="nested deeper than 100"):
        decode_request(body, LOGS_REQUEST)


@pytest.mark.parametrize(
    ("response", "cls", "expected"),
    [
        ({}, ExportLogsServiceResponse, {}),
        (
            {"partialSuccess": {"rejectedLogRecords": 3, "errorMessage": "log record 1: bad ✓"}},
            ExportLogsServiceResponse,
            {"partialSuccess": {"rejectedLogRecords": "3", "errorMessage": "log record 1: bad ✓"}},
        ),
        (
            {"partialSuccess": {"rejectedDataPoints": 100_000, "errorMessage": "x" * 300}},
            ExportMetricsServiceResponse,
            {"partialSuccess": {"rejectedDataPoints": "100000", "errorMessage": "x" * 300}},
        ),
        (
            {"partialSuccess": {"rejectedSpans": 0, "errorMessage": "a warning"}},
            ExportTraceServiceResponse,
            {"partialSuccess": {"errorMessage": "a warning"}},
        ),
    ],
)
def test_export_responses_decode_with_the_real_classes(response: Any, cls: Any, expected: Any) -> None:
    data = encode_export_response(response)
    assert (data == b"") == (response == {})
    assert reference(cls.FromString(data)) == expected


# -- generated requests ------------------------------------------------------------------------------

_text = st.text(max_size=12)
_leaf = st.one_of(
    _text,
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.binary(max_size=8),
)
_value = st.recursive(
    _leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=3).map(tuple), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=8,
)
_records = st.lists(
    st.fixed_dictionaries(
        {
            "time_unix_nano": st.integers(0, 2**64 - 1),
            "severity_number": st.integers(0, 24),
            "severity_text": _text,
            "trace_id": st.sampled_from([b"", TRACE, b"\x01\x02"]),
            "span_id": st.sampled_from([b"", SPAN]),
            "flags": st.integers(0, 2**32 - 1),
        }
    ).flatmap(lambda fields: st.tuples(st.just(fields), _value, st.dictionaries(_text, _value, max_size=4))),
    max_size=5,
)


@settings(max_examples=150, deadline=None)
@given(records=_records, service=_text)
def test_generated_log_requests_match_the_real_library(records: list[Any], service: str) -> None:
    message = ExportLogsServiceRequest()
    resource_logs = message.resource_logs.add()
    add_attributes(resource_logs.resource.attributes, {"service.name": service})
    scope = resource_logs.scope_logs.add()
    for fields, body, attributes in records:
        record = scope.log_records.add(**fields)
        set_value(record.body, body)
        add_attributes(record.attributes, attributes)
    assert decode_request(message.SerializeToString(), LOGS_REQUEST) == reference(message)


def test_every_request_message_is_served() -> None:
    assert {"ExportLogsServiceRequest", "ExportMetricsServiceRequest", "ExportTraceServiceRequest"} <= set(MESSAGES)
