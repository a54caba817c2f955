"""OTLP/HTTP traces (an ExportTraceServiceRequest, in JSON or protobuf) turned into spans.

The wire rules are the logs parser's (edgewatch.logs.otlp): hex ids, 64-bit integers as decimal
strings or numbers, enums as integers (their names are taken too), unknown fields ignored, and a
request accepted in part answers ``partialSuccess`` with ``rejectedSpans``. A span is rejected, with
the reason, when its traceId or spanId is missing or malformed, its name is not a string, its kind
or status code is out of range, or it ends before it starts.

Sampling: an exporter sends only the spans its SDK recorded, so every span here was sampled by its
producer. OTLP's ``flags`` cannot say otherwise in practice: the Python SDK sends only the
"has is_remote" bits (0x100/0x300) and leaves the W3C trace flags out, so reading its low byte as
"not sampled" would drop every span. The sampled flag is respected where it is carried, in the
``traceparent`` our edgewatch_cf.trace client reads at the head of a request.
"""

from __future__ import annotations

import json
from typing import Any

from ...errors import PayloadTooLarge
from ...wire.attributes import check_attributes
from ...wire.items import EntryError, LineError, json_type, show
from ...wire.otlp_body import OtlpEncoding, otlp_document
from ...wire.otlp_ids import hex_id, unix_nanos
from ...wire.otlp_resource import scope_groups
from ...wire.otlp_values import key_values
from .span import KINDS, STATUSES, ParsedSpans, Span

MAX_NAME_CHARS = 1_000
MAX_STATUS_MESSAGE_CHARS = 2_000
MAX_EVENTS = 128
MAX_LINKS = 128
_ERRORS_IN_MESSAGE = 5
_KIND_NAMES = {f"SPAN_KIND_{kind.upper()}": i for i, kind in enumerate(KINDS)}
_STATUS_NAMES = {f"STATUS_CODE_{status.upper()}": i for i, status in enumerate(STATUSES)}


def parse_otlp_traces(body: bytes, max_spans: int = 10_000, encoding: OtlpEncoding = OtlpEncoding.JSON) -> ParsedSpans:
    document = otlp_document(body, encoding, "ExportTraceServiceRequest")
    groups = scope_groups(document.request, "resourceSpans", "scopeSpans", "spans")
    total = sum(len(spans) for _, _, _, spans in groups)
    if total > max_spans:
        raise PayloadTooLarge(f"request has {total} spans; the limit is {max_spans}")
    spans: list[Span] = []
    errors: list[LineError] = []
    index = 0
    check = document.may_hold_surrogates
    for service, shared, problem, records in groups:
        for record in records:
            try:
                if problem is not None:
                    raise EntryError(problem)
                span = _span(record, service, shared)
                if check:
                    _check_encodable(span)
                spans.append(span)
            except EntryError as exc:
                errors.append(LineError(index, str(exc)))
            index += 1
    return ParsedSpans(spans, errors, total)


def otlp_traces_response(parsed: ParsedSpans) -> dict[str, Any]:
    """The ExportTraceServiceResponse body: empty on full success, else a partialSuccess."""
    if not parsed.errors:
        return {}
    shown = "; ".join(f"span {error.index}: {error.error}" for error in parsed.errors[:_ERRORS_IN_MESSAGE])
    more = len(parsed.errors) - _ERRORS_IN_MESSAGE
    if more > 0:
        shown += f"; and {more} more"
    return {"partialSuccess": {"rejectedSpans": len(parsed.errors), "errorMessage": shown}}


def _span(record: Any, service: str, shared: dict[str, Any]) -> Span:
    if type(record) is not dict:
        raise EntryError(f"span must be an object, not {json_type(record)}")
    get = record.get
    trace_id = hex_id(get("traceId"), 32, "traceId")
    span_id = hex_id(get("spanId"), 16, "spanId")
    if trace_id is None:
        raise EntryError("traceId is required (32 hex characters, not all zeros)")
    if span_id is None:
        raise EntryError("spanId is required (16 hex characters, not all zeros)")
    parent_id = hex_id(get("parentSpanId"), 16, "parentSpanId")
    _uint(get("flags"), "flags", 2**32 - 1)
    name = get("name", "")
    if type(name) is not str:
        raise EntryError(f"name must be a string, not {show(name)}")
    kind = KINDS[_enum(get("kind"), "kind", _KIND_NAMES)]
    start = unix_nanos(get("startTimeUnixNano"), "startTimeUnixNano")
    end = unix_nanos(get("endTimeUnixNano"), "endTimeUnixNano")
    if not start:
        raise EntryError("startTimeUnixNano is required")
    if end < start:
        raise EntryError(f"the span ends ({end}) before it starts ({start})")
    status, message = _status(get("status"))
    own = get("attributes")
    attributes = dict(shared) if own is None else {**shared, **key_values(own, 1)}
    if attributes:
        check_attributes(attributes)
    start_us = start // 1000
    return Span(
        trace_id,
        span_id,
        parent_id,
        service,
        name[:MAX_NAME_CHARS] or "(unnamed)",
        kind,
        start_us,
        end // 1000 - start_us,
        status,
        message,
        attributes,
        _events(get("events")),
        _links(get("links")),
    )


def _check_encodable(span: Span) -> None:
    try:
        json.dumps(span.to_json(), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise EntryError("span contains an unpaired UTF-16 surrogate escape (\\ud800-\\udfff)") from None


def _uint(value: Any, field: str, limit: int) -> int:
    if value is None:
        return 0
    if type(value) is int and 0 <= value <= limit:
        return value
    raise EntryError(f"{field} must be an unsigned integer, not {show(value)}")


def _enum(value: Any, field: str, names: dict[str, int]) -> int:
    if value is None:
        return 0
    if type(value) is str and value in names:
        return names[value]
    if type(value) is int and 0 <= value < len(names):
        return value
    raise EntryError(f"{field} must be one of 0-{len(names) - 1} or {', '.join(names)}, not {show(value)}")


def _status(value: Any) -> tuple[str, str]:
    if value is None:
        return "unset", ""
    if type(value) is not dict:
        raise EntryError(f"status must be an object, not {json_type(value)}")
    code = STATUSES[_enum(value.get("code"), "status.code", _STATUS_NAMES)]
    message = value.get("message") or ""
    if type(message) is not str:
        raise EntryError(f"status.message must be a string, not {show(message)}")
    return code, message[:MAX_STATUS_MESSAGE_CHARS]


def _events(value: Any) -> list[dict[str, Any]]:
    events = []
    for i, event in enumerate(envelope_list(value, "events")[:MAX_EVENTS]):
        if type(event) is not dict:
            raise EntryError(f"events[{i}] must be an object, not {json_type(event)}")
        name = event.get("name", "")
        if type(name) is not str:
            raise EntryError(f"events[{i}].name must be a string, not {show(name)}")
        item: dict[str, Any] = {
            "name": name[:MAX_NAME_CHARS],
            "time_us": unix_nanos(event.get("timeUnixNano"), f"events[{i}].timeUnixNano") // 1000,
        }
        attributes = key_values(event.get("attributes"), 1)
        if attributes:
            check_attributes(attributes)
            item["attributes"] = attributes
        events.append(item)
    return events


def _links(value: Any) -> list[dict[str, Any]]:
    links = []
    for i, link in enumerate(envelope_list(value, "links")[:MAX_LINKS]):
        if type(link) is not dict:
            raise EntryError(f"links[{i}] must be an object, not {json_type(link)}")
        trace_id = hex_id(link.get("traceId"), 32, f"links[{i}].traceId")
        span_id = hex_id(link.get("spanId"), 16, f"links[{i}].spanId")
        if trace_id and span_id:
            links.append({"trace_id": trace_id, "span_id": span_id})
    return links


def envelope_list(value: Any, field: str) -> list[Any]:
    """A span's repeated field: absent is empty; anything but a list rejects the span."""
    if value is None:
        return []
    if type(value) is not list:
        raise EntryError(f"{field} must be an array, not {json_type(value)}")
    return value
