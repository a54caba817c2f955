"""OTLP/HTTP logs (an ExportLogsServiceRequest, in JSON or protobuf) turned into log entries.

A protobuf body is first decoded to its OTLP/JSON document (edgewatch.wire.otlp_body), so the rules
below hold for both encodings.

Wire facts, from the OTLP specification (opentelemetry-proto, docs/specification.md, "JSON Protobuf
Encoding" and "Partial Success"):
- traceId and spanId are case-insensitive hex strings, not base64 as in the generic protobuf mapping;
- enum fields such as severityNumber are integers;
- 64-bit integers (timeUnixNano, intValue) are decimal strings, but numbers must be accepted too;
- unknown fields are ignored;
- a request accepted only in part answers 200 with ``partialSuccess`` holding ``rejectedLogRecords``
  and an ``errorMessage``; a fully accepted one leaves ``partialSuccess`` unset.

A malformed envelope (resourceLogs, scopeLogs or logRecords of the wrong type) is a BadRequest naming
its path, since its records cannot even be counted. A bad record, or bad resource/scope attributes, are
rejected record by record; the LineError index runs over all records of the request in order.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import PayloadTooLarge
from ..wire.attributes import check_attributes
from ..wire.items import EntryError, LineError, json_type, show
from ..wire.otlp_body import OtlpEncoding, otlp_document
from ..wire.otlp_ids import hex_id, unix_nanos
from ..wire.otlp_resource import scope_groups
from ..wire.otlp_values import any_value, key_values
from .entry import LEVEL_ALIASES, MAX_MESSAGE_CHARS, LogEntry, ParsedBatch
from .ingest import check_encodable

# severityNumber 1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR, 21-24 FATAL
_SEVERITY_BANDS = ("debug", "debug", "info", "warn", "error", "fatal")
_ERRORS_IN_MESSAGE = 5


def parse_otlp_logs(
    body: bytes, now_ms: int, max_entries: int = 10_000, encoding: OtlpEncoding = OtlpEncoding.JSON
) -> ParsedBatch:
    document = otlp_document(body, encoding, "ExportLogsServiceRequest")
    groups = scope_groups(document.request, "resourceLogs", "scopeLogs", "logRecords")
    total = sum(len(records) for _, _, _, records in groups)
    if total > max_entries:
        raise PayloadTooLarge(f"request has {total} log records; the limit is {max_entries}")

    check = document.may_hold_surrogates
    entries: list[LogEntry] = []
    errors: list[LineError] = []
    index = 0
    for service, shared, problem, records in groups:
        for record in records:
            try:
                if problem is not None:
                    raise EntryError(problem)
                entry = _entry(record, service, shared, now_ms)
                if check:
                    check_encodable(entry)
                entries.append(entry)
            except EntryError as exc:
                errors.append(LineError(index, str(exc)))
            index += 1
    return ParsedBatch(entries, errors, total)


def otlp_response(batch: ParsedBatch) -> dict[str, Any]:
    """The ExportLogsServiceResponse body: empty on full success, else a partialSuccess."""
    if not batch.errors:
        return {}
    shown = "; ".join(f"log record {error.index}: {error.error}" for error in batch.errors[:_ERRORS_IN_MESSAGE])
    more = len(batch.errors) - _ERRORS_IN_MESSAGE
    if more > 0:
        shown += f"; and {more} more"
    return {"partialSuccess": {"rejectedLogRecords": len(batch.errors), "errorMessage": shown}}


# -- records ---------------------------------------------------------------------------------------


def _entry(record: Any, service: str, shared: dict[str, Any], now_ms: int) -> LogEntry:
    if type(record) is not dict:
        raise EntryError(f"log record must be an object, not {json_type(record)}")
    get = record.get
    nanos = unix_nanos(get("timeUnixNano"), "timeUnixNano") or unix_nanos(
        get("observedTimeUnixNano"), "observedTimeUnixNano"
    )
    ts = nanos // 1_000_000 if nanos else now_ms
    level = _level(get("severityNumber"), get("severityText"))

    body = get("body")
    value = None if body is None else any_value(body, 1)
    if value is None:
        message = ""
    elif type(value) is str:
        message = value
    else:
        message = json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    trace_id = hex_id(get("traceId"), 32, "traceId")
    span_id = hex_id(get("spanId"), 16, "spanId")

    own = get("attributes")
    attributes = dict(shared) if own is None else {**shared, **key_values(own, 1)}
    if attributes:
        check_attributes(attributes)
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS]
        attributes["_truncated"] = True
    return LogEntry(ts, level, message, service, trace_id, span_id, None, None, attributes)


def _level(number: Any, text: Any) -> str:
    if number is None:
        number = 0
    elif type(number) is not int:
        raise EntryError(f"severityNumber must be an integer 0-24, not {show(number)}")
    if 1 <= number <= 24:
        return _SEVERITY_BANDS[(number - 1) // 4]
    if number != 0:
        raise EntryError(f"severityNumber {number} is out of range 0-24")
    if type(text) is str:
        return LEVEL_ALIASES.get(text.strip().lower(), "info")
    return "info"
