"""A finished batch as an OTLP/JSON ExportTraceServiceRequest: one resource per service (its
``service.name`` and the given resource attributes), the scope ``edgewatch_cf.trace``, hex ids,
times as decimal strings of epoch nanoseconds, kinds and status codes as OTLP's integers, and
integer attributes as strings (``intValue`` is 64-bit)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ... import __version__
from .recorder import SpanRecord

SCOPE_NAME = "edgewatch_cf.trace"
_KINDS = {"unspecified": 0, "internal": 1, "server": 2, "client": 3, "producer": 4, "consumer": 5}
_STATUS = {"unset": 0, "ok": 1, "error": 2}
SDK_ATTRIBUTES = {"telemetry.sdk.name": "edgewatch_cf.trace", "telemetry.sdk.language": "python"}


def any_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, list | tuple):
        return {"arrayValue": {"values": [any_value(v) for v in value]}}
    if isinstance(value, Mapping):
        return {"kvlistValue": {"values": key_values(value)}}
    return {"stringValue": str(value)}


def key_values(attributes: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"key": str(key), "value": any_value(value)} for key, value in attributes.items() if value is not None]


def otlp_span(record: SpanRecord) -> dict[str, Any]:
    span: dict[str, Any] = {
        "traceId": record.trace_id,
        "spanId": record.span_id,
        "name": record.name,
        "kind": _KINDS[record.kind],
        "startTimeUnixNano": str(record.start_ns),
        "endTimeUnixNano": str(max(record.end_ns, record.start_ns)),
    }
    if record.parent_id:
        span["parentSpanId"] = record.parent_id
    if record.tracestate:
        span["traceState"] = record.tracestate
    if record.attributes:
        span["attributes"] = key_values(record.attributes)
    if record.events:
        span["events"] = [
            {
                "timeUnixNano": str(event["time_ns"]),
                "name": event["name"],
                **({"attributes": key_values(event["attributes"])} if event.get("attributes") else {}),
            }
            for event in record.events
        ]
    if record.status != "unset":
        status: dict[str, Any] = {"code": _STATUS[record.status]}
        if record.status_message:
            status["message"] = record.status_message
        span["status"] = status
    return span


def export_request(spans: Iterable[SpanRecord], resource: Mapping[str, Any] | None = None) -> dict[str, Any]:
    by_service: dict[str, list[SpanRecord]] = {}
    for record in spans:
        by_service.setdefault(record.service, []).append(record)
    shared = {**SDK_ATTRIBUTES, "telemetry.sdk.version": __version__, **(resource or {})}
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": key_values({"service.name": service, **shared})},
                "scopeSpans": [
                    {"scope": {"name": SCOPE_NAME, "version": __version__}, "spans": [otlp_span(r) for r in records]}
                ],
            }
            for service, records in by_service.items()
        ]
    }


def export_json(spans: Iterable[SpanRecord], resource: Mapping[str, Any] | None = None) -> str:
    return json.dumps(export_request(spans, resource), separators=(",", ":"))
