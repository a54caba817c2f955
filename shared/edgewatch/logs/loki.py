"""Loki's JSON push API (POST /loki/api/v1/push) turned into log entries.

The body, per Loki's HTTP API reference::

    {"streams": [{"stream": {"<label>": "<value>"},
                  "values": [["<unix epoch nanoseconds, as a string>", "<log line>", {structured metadata}]]}]}

Structured metadata is optional, an object of string keys and string values. As in Loki, a numeric
timestamp is refused: it must be a string (a JSON number loses nanosecond precision in most clients),
and it must fit an int64 as Loki reads it.

Per entry, the most specific source wins:
- service: labels service_name, service, app, job (the first non-empty), else "unknown_service";
  names our format does not allow are cleaned (other characters become '_') and the original label kept;
- level: a JSON line's own "level", then structured metadata "level", then labels level,
  detected_level, severity; a source whose value maps to a level is consumed (not kept as an attribute)
  even when a more specific one wins; unknown spellings fall through and stay as attributes; the
  default is info;
- message: a line that is a JSON object with a string "message" (or "msg") yields that message and its
  other keys become attributes; any other line is the message as it is;
- trace_id / span_id: structured metadata trace_id / traceID / traceId and span_id / spanID / spanId.
Every other label and metadata pair becomes an attribute (metadata over labels over line keys).

A malformed envelope (streams or values of the wrong type) is a BadRequest naming its path; a bad entry
in values, or every entry of a stream with bad labels, is rejected by itself. The LineError index runs
over all values of the request in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import BadRequest, PayloadTooLarge
from ..wire.attributes import MAX_ATTRIBUTE_KEYS, check_attributes
from ..wire.body import decode_text
from ..wire.items import EntryError, LineError, json_type, show
from ..wire.jsondoc import may_hold_surrogates, parse_json
from ..wire.names import UNKNOWN_SERVICE, clean_service
from .entry import LEVEL_ALIASES, MAX_ID_CHARS, MAX_MESSAGE_CHARS, LogEntry, ParsedBatch
from .ingest import check_encodable

_SERVICE_LABELS = ("service_name", "service", "app", "job")
_LEVEL_LABELS = ("level", "detected_level", "severity")
_TRACE_KEYS = ("trace_id", "traceID", "traceId")
_SPAN_KEYS = ("span_id", "spanID", "spanId")
_MAX_NANOS = 2**63 - 1  # Loki reads the timestamp as an int64: 2262-04-11, well before MAX_TS_MS


@dataclass(slots=True)
class _Stream:
    service: str = UNKNOWN_SERVICE
    level: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    problem: str | None = None  # why every entry of the stream is rejected


def parse_loki_push(body: bytes, now_ms: int, max_entries: int = 10_000) -> ParsedBatch:
    text = decode_text(body)
    request = parse_json(text)
    if type(request) is not dict:
        raise BadRequest(f'Loki push body must be a JSON object with a "streams" array, not {json_type(request)}')
    streams = request.get("streams")
    if type(streams) is not list:
        raise BadRequest(f'Loki push body needs a "streams" array, not {json_type(streams)}')
    prepared: list[tuple[_Stream, list[Any]]] = []
    total = 0
    for i, stream in enumerate(streams):
        if type(stream) is not dict:
            raise BadRequest(f"streams[{i}] must be an object, not {json_type(stream)}")
        values = stream.get("values")
        if type(values) is not list:
            raise BadRequest(f"streams[{i}].values must be an array, not {json_type(values)}")
        total += len(values)
        prepared.append((_stream(stream.get("stream")), values))
    if total > max_entries:
        raise PayloadTooLarge(f"request has {total} log entries; the limit is {max_entries}")

    check = may_hold_surrogates(text)
    entries: list[LogEntry] = []
    errors: list[LineError] = []
    index = 0
    for context, values in prepared:
        for value in values:
            try:
                if context.problem is not None:
                    raise EntryError(context.problem)
                entry = _entry(value, context)
                if check:
                    check_encodable(entry)
                entries.append(entry)
            except EntryError as exc:
                errors.append(LineError(index, str(exc)))
            index += 1
    return ParsedBatch(entries, errors, total)


def _stream(labels: Any) -> _Stream:
    if labels is None:
        return _Stream()
    if type(labels) is not dict or any(type(value) is not str for value in labels.values()):
        return _Stream(problem="stream labels must be an object of string values")
    attributes: dict[str, str] = dict(labels)
    service = UNKNOWN_SERVICE
    for key in _SERVICE_LABELS:
        name = labels.get(key)
        if name:
            service = clean_service(name)
            if service == name:  # the label stays an attribute only when it had to be cleaned
                del attributes[key]
            break
    level = None
    for key in _LEVEL_LABELS:
        level = _alias(labels.get(key))
        if level is not None:
            del attributes[key]
            break
    return _Stream(service, level, attributes)


def _alias(value: Any) -> str | None:
    if type(value) is not str or not value:
        return None
    return LEVEL_ALIASES.get(value) or LEVEL_ALIASES.get(value.strip().lower())


def _entry(value: Any, stream: _Stream) -> LogEntry:
    if type(value) is not list or not 2 <= len(value) <= 3:
        raise EntryError(
            'an entry must be ["<unix epoch nanoseconds>", "<log line>"] with optional structured metadata'
        )
    ts = _timestamp(value[0])
    line = value[1]
    if type(line) is not str:
        raise EntryError(f"the log line must be a string, not {json_type(line)}")

    attributes: dict[str, Any] = dict(stream.attributes)
    level = stream.level
    trace_id = span_id = None
    if len(value) == 3:
        metadata = _metadata(value[2])
        trace_id = _pop_id(metadata, _TRACE_KEYS, "trace_id")
        span_id = _pop_id(metadata, _SPAN_KEYS, "span_id")
        meta_level = _alias(metadata.get("level"))
        if meta_level is not None:
            level = meta_level
            del metadata["level"]
        attributes.update(metadata)

    message = line
    if line[:1] == "{":
        message, level = _from_json_line(line, attributes, level)
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS]
        attributes["_truncated"] = True
    if len(attributes) > MAX_ATTRIBUTE_KEYS:
        raise EntryError(f"labels and structured metadata have more than {MAX_ATTRIBUTE_KEYS} keys in total")
    return LogEntry(ts, level or "info", message, stream.service, trace_id, span_id, None, None, attributes)


def _timestamp(value: Any) -> int:
    if type(value) is not str or not (value.isascii() and value.isdigit()) or len(value) > 40:
        raise EntryError(
            f'the timestamp must be a string of unix epoch nanoseconds such as "1570818238000000000", not {show(value)}'
        )
    nanos = int(value)
    if nanos > _MAX_NANOS:
        raise EntryError(f"the timestamp {show(value)} is out of range for int64 nanoseconds")
    return nanos // 1_000_000


def _metadata(value: Any) -> dict[str, str]:
    if type(value) is not dict:
        raise EntryError(f"structured metadata must be an object of string values, not {json_type(value)}")
    for key, item in value.items():
        if type(item) is not str:
            raise EntryError(f"structured metadata {show(key)} must be a string, not {json_type(item)}")
    return dict(value)


def _pop_id(metadata: dict[str, str], keys: tuple[str, ...], field_name: str) -> str | None:
    for key in keys:
        found = metadata.get(key)
        if found:
            if len(found) > MAX_ID_CHARS:
                raise EntryError(f"{field_name} in structured metadata is longer than {MAX_ID_CHARS} characters")
            del metadata[key]
            return found
    return None


def _from_json_line(line: str, attributes: dict[str, Any], level: str | None) -> tuple[str, str | None]:
    """(message, level) from a line that is a JSON object; the line unchanged when it is anything else."""
    try:
        parsed = parse_json(line)
    except BadRequest:
        return line, level
    if type(parsed) is not dict:
        return line, level
    line_level = _alias(parsed.get("level"))
    key = "message" if type(parsed.get("message")) is str else "msg" if type(parsed.get("msg")) is str else None
    if key is None:
        return line, line_level or level  # the whole line stays the message, so nothing is lost
    merged = dict(attributes)
    for name, item in parsed.items():
        if name == key or (name == "level" and line_level is not None) or name in merged:
            continue
        merged[name] = item
    try:
        check_attributes(merged)
    except EntryError:
        return line, line_level or level  # too big or deep to split: keep the line whole instead
    attributes.clear()
    attributes.update(merged)
    return parsed[key], line_level or level
