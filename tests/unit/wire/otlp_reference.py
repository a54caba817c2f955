"""The reference our decoder is held to: the real protobuf library's proto3 JSON mapping
(MessageToDict with integer enums) with trace and span ids as hex, as OTLP/JSON writes them."""

from __future__ import annotations

import base64
from typing import Any

from google.protobuf.json_format import MessageToDict  # type: ignore[import-untyped]
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from edgewatch.wire.otlp_proto import LOGS_REQUEST, METRICS_REQUEST, TRACES_REQUEST
from edgewatch.wire.protobuf import Message

ID_FIELDS = frozenset({"traceId", "spanId", "parentSpanId"})
CLASSES: dict[str, tuple[Any, Message]] = {
    "ExportLogsServiceRequest": (ExportLogsServiceRequest, LOGS_REQUEST),
    "ExportMetricsServiceRequest": (ExportMetricsServiceRequest, METRICS_REQUEST),
    "ExportTraceServiceRequest": (ExportTraceServiceRequest, TRACES_REQUEST),
}


def hex_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: base64.b64decode(v).hex() if k in ID_FIELDS else hex_ids(v) for k, v in value.items()}
    if isinstance(value, list):
        return [hex_ids(v) for v in value]
    return value


def reference(message: Any) -> dict[str, Any]:
    """The OTLP/JSON document of a protobuf message, as the real library maps it."""
    return hex_ids(MessageToDict(message, use_integers_for_enums=True))  # type: ignore[no-any-return]


def set_value(target: Any, value: Any) -> None:
    """Fill an AnyValue from plain data (tuples become arrayValue, dicts kvlistValue)."""
    if isinstance(value, bool):
        target.bool_value = value
    elif isinstance(value, int):
        target.int_value = value
    elif isinstance(value, float):
        target.double_value = value
    elif isinstance(value, bytes):
        target.bytes_value = value
    elif isinstance(value, str):
        target.string_value = value
    elif isinstance(value, tuple):
        target.array_value.SetInParent()
        for item in value:
            set_value(target.array_value.values.add(), item)
    elif isinstance(value, dict):
        target.kvlist_value.SetInParent()
        for key, item in value.items():
            set_value(target.kvlist_value.values.add(key=key).value, item)
    else:
        raise TypeError(value)


def add_attributes(target: Any, values: dict[str, Any]) -> None:
    for key, value in values.items():
        set_value(target.add(key=key).value, value)
