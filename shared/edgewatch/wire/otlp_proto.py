"""OTLP/HTTP protobuf bodies as the OTLP/JSON documents the JSON parsers take, and the protobuf
Export*ServiceResponse answers.

The field tables follow opentelemetry-proto (common, resource, trace, logs, metrics v1 and the
collector services; profiles are not served). Decoding gives exactly the OTLP/JSON mapping
(docs/specification.md, "JSON Protobuf Encoding"): camelCase keys, traceId / spanId / parentSpanId as
lower-case hex, 64-bit integers as decimal strings, enums as numbers, AnyValue as
``{"stringValue": ...}``, bytesValue as base64. So one parser per signal reads JSON and protobuf.
"""

from __future__ import annotations

from typing import Any

from .protobuf import (
    BOOL,
    BYTES,
    DOUBLE,
    ENUM,
    FIXED32,
    FIXED64,
    HEX,
    INT32,
    INT64,
    MESSAGE,
    SFIXED64,
    SINT32,
    STRING,
    UINT32,
    UINT64,
    Message,
    decode,
)

_R: dict[str, Any] = {"repeated": True}
_OPT: dict[str, Any] = {"presence": True}


def _msg(name: str, repeated: bool = False) -> dict[str, Any]:
    return {"type": name, "repeated": repeated}


def _one(group: str, type_name: str | None = None) -> dict[str, Any]:
    return {"oneof": group} if type_name is None else {"oneof": group, "type": type_name}


_KVS = _msg("KeyValue", repeated=True)
_TABLES = [
    # common/v1/common.proto
    Message(
        "AnyValue",
        [
            (1, "stringValue", STRING, _one("value")),
            (2, "boolValue", BOOL, _one("value")),
            (3, "intValue", INT64, _one("value")),
            (4, "doubleValue", DOUBLE, _one("value")),
            (5, "arrayValue", MESSAGE, _one("value", "ArrayValue")),
            (6, "kvlistValue", MESSAGE, _one("value", "KeyValueList")),
            (7, "bytesValue", BYTES, _one("value")),
            (8, "stringValueStrindex", INT32, _one("value")),
        ],
    ),
    Message("ArrayValue", [(1, "values", MESSAGE, _msg("AnyValue", repeated=True))]),
    Message("KeyValueList", [(1, "values", MESSAGE, _KVS)]),
    Message(
        "KeyValue",
        [(1, "key", STRING, {}), (2, "value", MESSAGE, _msg("AnyValue")), (3, "keyStrindex", INT32, {})],
    ),
    Message(
        "InstrumentationScope",
        [
            (1, "name", STRING, {}),
            (2, "version", STRING, {}),
            (3, "attributes", MESSAGE, _KVS),
            (4, "droppedAttributesCount", UINT32, {}),
        ],
    ),
    Message(
        "EntityRef",
        [
            (1, "schemaUrl", STRING, {}),
            (2, "type", STRING, {}),
            (3, "idKeys", STRING, _R),
            (4, "descriptionKeys", STRING, _R),
        ],
    ),
    # resource/v1/resource.proto
    Message(
        "Resource",
        [
            (1, "attributes", MESSAGE, _KVS),
            (2, "droppedAttributesCount", UINT32, {}),
            (3, "entityRefs", MESSAGE, _msg("EntityRef", repeated=True)),
        ],
    ),
    # trace/v1/trace.proto and collector/trace/v1/trace_service.proto
    Message("ExportTraceServiceRequest", [(1, "resourceSpans", MESSAGE, _msg("ResourceSpans", repeated=True))]),
    Message(
        "ResourceSpans",
        [
            (1, "resource", MESSAGE, _msg("Resource")),
            (2, "scopeSpans", MESSAGE, _msg("ScopeSpans", repeated=True)),
            (3, "schemaUrl", STRING, {}),
        ],
    ),
    Message(
        "ScopeSpans",
        [
            (1, "scope", MESSAGE, _msg("InstrumentationScope")),
            (2, "spans", MESSAGE, _msg("Span", repeated=True)),
            (3, "schemaUrl", STRING, {}),
        ],
    ),
    Message(
        "Span",
        [
            (1, "traceId", HEX, {}),
            (2, "spanId", HEX, {}),
            (3, "traceState", STRING, {}),
            (4, "parentSpanId", HEX, {}),
            (16, "flags", FIXED32, {}),
            (5, "name", STRING, {}),
            (6, "kind", ENUM, {}),
            (7, "startTimeUnixNano", FIXED64, {}),
            (8, "endTimeUnixNano", FIXED64, {}),
            (9, "attributes", MESSAGE, _KVS),
            (10, "droppedAttributesCount", UINT32, {}),
            (11, "events", MESSAGE, _msg("Span.Event", repeated=True)),
            (12, "droppedEventsCount", UINT32, {}),
            (13, "links", MESSAGE, _msg("Span.Link", repeated=True)),
            (14, "droppedLinksCount", UINT32, {}),
            (15, "status", MESSAGE, _msg("Status")),
        ],
    ),
    Message(
        "Span.Event",
        [
            (1, "timeUnixNano", FIXED64, {}),
            (2, "name", STRING, {}),
            (3, "attributes", MESSAGE, _KVS),
            (4, "droppedAttributesCount", UINT32, {}),
        ],
    ),
    Message(
        "Span.Link",
        [
            (1, "traceId", HEX, {}),
            (2, "spanId", HEX, {}),
            (3, "traceState", STRING, {}),
            (4, "attributes", MESSAGE, _KVS),
            (5, "droppedAttributesCount", UINT32, {}),
            (6, "flags", FIXED32, {}),
        ],
    ),
    Message("Status", [(2, "message", STRING, {}), (3, "code", ENUM, {})]),
    # logs/v1/logs.proto and collector/logs/v1/logs_service.proto
    Message("ExportLogsServiceRequest", [(1, "resourceLogs", MESSAGE, _msg("ResourceLogs", repeated=True))]),
    Message(
        "ResourceLogs",
        [
            (1, "resource", MESSAGE, _msg("Resource")),
            (2, "scopeLogs", MESSAGE, _msg("ScopeLogs", repeated=True)),
            (3, "schemaUrl", STRING, {}),
        ],
    ),
    Message(
        "ScopeLogs",
        [
            (1, "scope", MESSAGE, _msg("InstrumentationScope")),
            (2, "logRecords", MESSAGE, _msg("LogRecord", repeated=True)),
            (3, "schemaUrl", STRING, {}),
        ],
    ),
    Message(
        "LogRecord",
        [
            (1, "timeUnixNano", FIXED64, {}),
            (11, "observedTimeUnixNano", FIXED64, {}),
            (2, "severityNumber", ENUM, {}),
            (3, "severityText", STRING, {}),
            (5, "body", MESSAGE, _msg("AnyValue")),
            (6, "attributes", MESSAGE, _KVS),
            (7, "droppedAttributesCount", UINT32, {}),
            (8, "flags", FIXED32, {}),
            (9, "traceId", HEX, {}),
            (10, "spanId", HEX, {}),
            (12, "eventName", STRING, {}),
        ],
    ),
    # metrics/v1/metrics.proto and collector/metrics/v1/metrics_service.proto
    Message("ExportMetricsServiceRequest", [(1, "resourceMetrics", MESSAGE, _msg("ResourceMetrics", repeated=True))]),
    Message(
        "ResourceMetrics",
        [
            (1, "resource", MESSAGE, _msg("Resource")),
            (2, "scopeMetrics", MESSAGE, _msg("ScopeMetrics", repeated=True)),
            (3, "schemaUrl", STRING, {}),
        ],
    ),
    Message(
        "ScopeMetrics",
        [
            (1, "scope", MESSAGE, _msg("InstrumentationScope")),
            (2, "metrics", MESSAGE, _msg("Metric", repeated=True)),
            (3, "schemaUrl", STRING, {}),
        ],
    ),
    Message(
        "Metric",
        [
            (1, "name", STRING, {}),
            (2, "description", STRING, {}),
            (3, "unit", STRING, {}),
            (5, "gauge", MESSAGE, _one("data", "Gauge")),
            (7, "sum", MESSAGE, _one("data", "Sum")),
            (9, "histogram", MESSAGE, _one("data", "Histogram")),
            (10, "exponentialHistogram", MESSAGE, _one("data", "ExponentialHistogram")),
            (11, "summary", MESSAGE, _one("data", "Summary")),
            (12, "metadata", MESSAGE, _KVS),
        ],
    ),
    Message("Gauge", [(1, "dataPoints", MESSAGE, _msg("NumberDataPoint", repeated=True))]),
    Message(
        "Sum",
        [
            (1, "dataPoints", MESSAGE, _msg("NumberDataPoint", repeated=True)),
            (2, "aggregationTemporality", ENUM, {}),
            (3, "isMonotonic", BOOL, {}),
        ],
    ),
    Message(
        "Histogram",
        [
            (1, "dataPoints", MESSAGE, _msg("HistogramDataPoint", repeated=True)),
            (2, "aggregationTemporality", ENUM, {}),
        ],
    ),
    Message(
        "ExponentialHistogram",
        [
            (1, "dataPoints", MESSAGE, _msg("ExponentialHistogramDataPoint", repeated=True)),
            (2, "aggregationTemporality", ENUM, {}),
        ],
    ),
    Message("Summary", [(1, "dataPoints", MESSAGE, _msg("SummaryDataPoint", repeated=True))]),
    Message(
        "NumberDataPoint",
        [
            (7, "attributes", MESSAGE, _KVS),
            (2, "startTimeUnixNano", FIXED64, {}),
            (3, "timeUnixNano", FIXED64, {}),
            (4, "asDouble", DOUBLE, _one("value")),
            (6, "asInt", SFIXED64, _one("value")),
            (5, "exemplars", MESSAGE, _msg("Exemplar", repeated=True)),
            (8, "flags", UINT32, {}),
        ],
    ),
    Message(
        "HistogramDataPoint",
        [
            (9, "attributes", MESSAGE, _KVS),
            (2, "startTimeUnixNano", FIXED64, {}),
            (3, "timeUnixNano", FIXED64, {}),
            (4, "count", FIXED64, {}),
            (5, "sum", DOUBLE, _OPT),
            (6, "bucketCounts", FIXED64, _R),
            (7, "explicitBounds", DOUBLE, _R),
            (8, "exemplars", MESSAGE, _msg("Exemplar", repeated=True)),
            (10, "flags", UINT32, {}),
            (11, "min", DOUBLE, _OPT),
            (12, "max", DOUBLE, _OPT),
        ],
    ),
    Message(
        "ExponentialHistogramDataPoint",
        [
            (1, "attributes", MESSAGE, _KVS),
            (2, "startTimeUnixNano", FIXED64, {}),
            (3, "timeUnixNano", FIXED64, {}),
            (4, "count", FIXED64, {}),
            (5, "sum", DOUBLE, _OPT),
            (6, "scale", SINT32, {}),
            (7, "zeroCount", FIXED64, {}),
            (8, "positive", MESSAGE, _msg("ExponentialHistogramDataPoint.Buckets")),
            (9, "negative", MESSAGE, _msg("ExponentialHistogramDataPoint.Buckets")),
            (10, "flags", UINT32, {}),
            (11, "exemplars", MESSAGE, _msg("Exemplar", repeated=True)),
            (12, "min", DOUBLE, _OPT),
            (13, "max", DOUBLE, _OPT),
            (14, "zeroThreshold", DOUBLE, {}),
        ],
    ),
    Message("ExponentialHistogramDataPoint.Buckets", [(1, "offset", SINT32, {}), (2, "bucketCounts", UINT64, _R)]),
    Message(
        "SummaryDataPoint",
        [
            (7, "attributes", MESSAGE, _KVS),
            (2, "startTimeUnixNano", FIXED64, {}),
            (3, "timeUnixNano", FIXED64, {}),
            (4, "count", FIXED64, {}),
            (5, "sum", DOUBLE, {}),
            (6, "quantileValues", MESSAGE, _msg("SummaryDataPoint.ValueAtQuantile", repeated=True)),
            (8, "flags", UINT32, {}),
        ],
    ),
    Message("SummaryDataPoint.ValueAtQuantile", [(1, "quantile", DOUBLE, {}), (2, "value", DOUBLE, {})]),
    Message(
        "Exemplar",
        [
            (7, "filteredAttributes", MESSAGE, _KVS),
            (2, "timeUnixNano", FIXED64, {}),
            (3, "asDouble", DOUBLE, _one("value")),
            (6, "asInt", SFIXED64, _one("value")),
            (4, "spanId", HEX, {}),
            (5, "traceId", HEX, {}),
        ],
    ),
]
MESSAGES = {table.name: table for table in _TABLES}
for _table in _TABLES:
    _table.link(MESSAGES)

TRACES_REQUEST = MESSAGES["ExportTraceServiceRequest"]
LOGS_REQUEST = MESSAGES["ExportLogsServiceRequest"]
METRICS_REQUEST = MESSAGES["ExportMetricsServiceRequest"]


def decode_request(body: bytes, message: Message) -> dict[str, Any]:
    """An Export*ServiceRequest as its OTLP/JSON document; ProtobufError (a ValueError) if malformed."""
    return decode(body, message)


def encode_export_response(response: dict[str, Any]) -> bytes:
    """An Export{Trace,Logs,Metrics}ServiceResponse from its JSON form: ``{}`` (full success) is no
    bytes; ``{"partialSuccess": {"rejected<Items>": n, "errorMessage": text}}`` is field 1 holding
    the rejected count (field 1, int64) and the message (field 2)."""
    partial = response.get("partialSuccess")
    if partial is None:
        return b""
    inner = b""
    rejected = next((int(v) for k, v in partial.items() if k.startswith("rejected")), 0)
    if rejected:
        inner += b"\x08" + _varint(rejected & (2**64 - 1))
    message = str(partial.get("errorMessage") or "").encode("utf-8")
    if message:
        inner += b"\x12" + _varint(len(message)) + message
    return b"\x0a" + _varint(len(inner)) + inner


def encode_status(code: int, message: str) -> bytes:
    """A google.rpc.Status: code (field 1, int32) and message (field 2); no details."""
    data = message.encode("utf-8")
    out = b"\x08" + _varint(code) if code else b""
    return out + (b"\x12" + _varint(len(data)) + data if data else b"")


def _varint(number: int) -> bytes:
    out = bytearray()
    while number >= 0x80:
        out.append(number & 0x7F | 0x80)
        number >>= 7
    out.append(number)
    return bytes(out)
