"""Log ingest: body decoding, content checks, and our own JSON/NDJSON format.

The native body is one JSON object, a JSON array of objects, or NDJSON (one object per line; blank
lines are ignored). Every entry is checked by itself: a bad one becomes a LineError with its 0-based
index among the entries, and the rest of the batch is kept.

Timestamps (``timestamp``, or ``ts`` / ``time``) are epoch milliseconds, with one heuristic: a number
below 100_000_000_000 is read as epoch *seconds* (as milliseconds it would be before 1973-03-03, and
as seconds it covers every date up to the year 5138). RFC 3339 strings need a time zone
("2026-11-26T12:00:00Z", "2026-11-26T13:00:00.250+01:00"); naive strings are rejected because their
meaning depends on the sender's clock.

Bodies, JSON, timestamps and attribute bounds come from ``edgewatch.wire``, shared with the OTLP and
Loki parsers and the other concerns, so every format answers bad input the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..errors import BadRequest, PayloadTooLarge
from ..wire.attributes import MAX_ATTRIBUTE_KEYS, check_attributes
from ..wire.body import JSON_WHITESPACE, decode_text
from ..wire.items import EntryError, LineError, json_type, show
from ..wire.jsondoc import DECODER, json_error, json_problem, may_hold_surrogates, parse_json
from ..wire.names import MAX_SERVICE_CHARS, valid_service
from ..wire.timestamps import MAX_TS_MS, SECONDS_BELOW, epoch_ms
from .entry import LEVEL_ALIASES, LEVELS, MAX_ID_CHARS, MAX_MESSAGE_CHARS, LogEntry, ParsedBatch

DEFAULT_SERVICE = "default"

_ALLOWED_LEVELS = ", ".join(LEVELS)


def check_encodable(entry: LogEntry) -> None:
    """Refuse an entry that cannot be written as UTF-8 (it holds a lone surrogate)."""
    try:
        json.dumps(entry.to_json(), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise EntryError("entry contains an unpaired UTF-16 surrogate escape (\\ud800-\\udfff)") from None


def _identifier(value: object, field: str) -> str | None:
    if isinstance(value, str):
        text = value
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        raise EntryError(f"{field} must be a string or an integer, not {json_type(value)}")
    if len(text) > MAX_ID_CHARS:
        raise EntryError(f"{field} is longer than {MAX_ID_CHARS} characters")
    return text or None


# -- the native format -----------------------------------------------------------------------------

# Each field with the keys it is read from, in order of preference. A null value counts as absent.
_FIELD_KEYS: tuple[tuple[str, ...], ...] = (
    ("level",),
    ("message", "msg"),
    ("service",),
    ("timestamp", "ts", "time"),
    ("trace_id", "traceId"),
    ("span_id", "spanId"),
    ("request_id", "requestId"),
    ("user_id", "userId"),
    ("attributes",),
)
_KNOWN_KEYS = frozenset(key for keys in _FIELD_KEYS for key in keys)
_CONTAINERS = frozenset({dict, list})
# Service names seen valid: a batch repeats a handful of them, and a set lookup beats re-checking.
_GOOD_SERVICES: set[str] = set()
_GOOD_SERVICES_MAX = 1024
_ID_KEYS = (("trace_id", "traceId"), ("span_id", "spanId"), ("request_id", "requestId"), ("user_id", "userId"))


def normalize_entry(obj: object, now_ms: int, default_service: str | None) -> LogEntry:
    """One native entry checked and normalized; unknown top-level keys move into attributes.

    Hot path: each check has an inline fast case for well-formed input and defers to a helper that
    either handles the rarer spelling or raises the precise EntryError.
    """
    if type(obj) is not dict:
        raise EntryError(f"entry must be a JSON object, not {json_type(obj)}")
    get = obj.get
    used = 2  # level and message are required; every other field read adds one

    raw = get("level")
    level = LEVEL_ALIASES.get(raw) if type(raw) is str else None
    if level is None:
        level = _level(raw)

    message = get("message")
    if message is None and (message := get("msg")) is None:
        raise EntryError("message is required (a string; 'msg' is accepted too)")
    if type(message) is not str:
        raise EntryError(f"message must be a string, not {json_type(message)}")

    service = get("service")
    if service is None:
        service = default_service or DEFAULT_SERVICE
    elif type(service) is str and (service in _GOOD_SERVICES or _new_service(service)):
        used += 1
    else:
        raise EntryError(
            f"service {show(service)} must be 1-{MAX_SERVICE_CHARS} characters of A-Z, a-z, 0-9, '.', '_', '-'"
        )

    raw = get("timestamp")
    if raw is None and (raw := get("ts")) is None:
        raw = get("time")
    if raw is None:
        ts = now_ms
    else:
        used += 1
        ts = raw if type(raw) is int and SECONDS_BELOW <= raw <= MAX_TS_MS else epoch_ms(raw, "timestamp")

    attributes = get("attributes")
    if attributes is not None:
        used += 1
        if type(attributes) is not dict:
            raise EntryError(f"attributes must be a JSON object, not {json_type(attributes)}")

    if len(obj) > used:  # optional ids, or keys to keep as attributes
        (trace_id, span_id, request_id, user_id), found = _ids(get)
        if len(obj) > used + found:
            attributes = _with_leftovers(obj, attributes)
    else:
        trace_id = span_id = request_id = user_id = None
    if attributes:
        if len(attributes) > MAX_ATTRIBUTE_KEYS:
            raise EntryError(f"attributes have more than {MAX_ATTRIBUTE_KEYS} keys in total")
        for value in attributes.values():
            if type(value) in _CONTAINERS:  # flat attributes (the usual case) need no walk
                check_attributes(attributes)
                break
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS]
        attributes = dict(attributes) if attributes else {}
        attributes["_truncated"] = True

    # Positional on purpose: keyword construction of this slots dataclass costs twice as much.
    return LogEntry(ts, level, message, service, trace_id, span_id, request_id, user_id, attributes or {})


def _ids(get: Callable[[str], Any]) -> tuple[tuple[str | None, str | None, str | None, str | None], int]:
    """The four optional ids, and how many keys held them."""
    found = 0
    ids: list[str | None] = [None, None, None, None]
    for slot, (key, alias) in enumerate(_ID_KEYS):
        raw = get(key)
        if raw is None:
            raw = get(alias)
        if raw is not None:
            found += 1
            ids[slot] = _identifier(raw, key)
    return (ids[0], ids[1], ids[2], ids[3]), found


def _new_service(name: str) -> bool:
    if not valid_service(name):
        return False
    if len(_GOOD_SERVICES) < _GOOD_SERVICES_MAX:
        _GOOD_SERVICES.add(name)
    return True


def _level(value: object) -> str:
    if type(value) is not str:
        if value is None:
            raise EntryError(f"level is required: one of {_ALLOWED_LEVELS}")
        raise EntryError(f"level must be a string, not {json_type(value)}")
    level = LEVEL_ALIASES.get(value) or LEVEL_ALIASES.get(value.strip().lower())
    if level is None:
        raise EntryError(f"level {show(value)} is not one of {_ALLOWED_LEVELS} (or an alias such as warning, err)")
    return level


def _with_leftovers(obj: dict[str, Any], attributes: dict[str, Any] | None) -> dict[str, Any]:
    """Attributes plus every top-level key no field used (an alias shadowed by its field included)."""
    consumed = set()
    for keys in _FIELD_KEYS:
        for key in keys:
            if obj.get(key) is not None:
                consumed.add(key)
                break
    merged = dict(attributes) if attributes else {}
    for key, value in obj.items():
        if key in consumed or (value is None and key in _KNOWN_KEYS) or key in merged:
            continue
        merged[key] = value
    return merged


def parse_native(
    body: bytes, now_ms: int, default_service: str | None = None, max_entries: int = 10_000
) -> ParsedBatch:
    text = decode_text(body)
    stripped = text.strip(JSON_WHITESPACE)
    normalize = _normalize_encodable if may_hold_surrogates(stripped) else normalize_entry
    if stripped[0] == "[":
        items = parse_json(stripped)
        if len(items) > max_entries:
            raise PayloadTooLarge(f"batch has {len(items)} entries; the limit is {max_entries}")
    else:
        try:
            value = DECODER.decode(stripped)
        except (ValueError, RecursionError) as exc:
            if "\n" not in stripped:
                raise json_error(exc) from None
            return _parse_ndjson(
                stripped,
                normalize,
                now_ms=now_ms,
                default_service=default_service,
                max_entries=max_entries,
                whole_error=json_error(exc),
            )
        if type(value) is not dict:
            raise BadRequest(f"body must be a JSON object, an array of objects or NDJSON, not {json_type(value)}")
        items = [value]

    entries: list[LogEntry] = []
    errors: list[LineError] = []
    for index, item in enumerate(items):
        try:
            entries.append(normalize(item, now_ms, default_service))
        except EntryError as exc:
            errors.append(LineError(index, str(exc)))
    return ParsedBatch(entries, errors, len(items))


def _parse_ndjson(
    text: str,
    normalize: Callable[[object, int, str | None], LogEntry],
    *,
    now_ms: int,
    default_service: str | None,
    max_entries: int,
    whole_error: BadRequest,
) -> ParsedBatch:
    lines = text.split("\n")
    if len(lines) > max_entries:
        count = sum(1 for line in lines if line.strip(JSON_WHITESPACE))
        if count > max_entries:
            raise PayloadTooLarge(f"batch has {count} entries; the limit is {max_entries}")
    raw_decode = DECODER.raw_decode  # decode() would run two regex scans per line for whitespace
    entries: list[LogEntry] = []
    errors: list[LineError] = []
    index = 0
    objects = 0
    for line in lines:
        if line[:1] != "{" and not (line := line.strip(JSON_WHITESPACE)):
            continue  # blank lines are ignored
        try:
            try:
                item, end = raw_decode(line)
            except (ValueError, RecursionError) as exc:
                raise EntryError(f"not valid JSON: {json_problem(exc)}") from None
            if end != len(line) and line[end:].strip(JSON_WHITESPACE):
                raise EntryError(f"not valid JSON: extra data after the value at column {end + 1}")
            if type(item) is dict:
                objects += 1
            entries.append(normalize(item, now_ms, default_service))
        except EntryError as exc:
            errors.append(LineError(index, str(exc)))
        index += 1
    if not objects:  # no line is even a JSON object: the body is simply not what we accept
        raise whole_error
    return ParsedBatch(entries, errors, index)


def _normalize_encodable(obj: object, now_ms: int, default_service: str | None) -> LogEntry:
    entry = normalize_entry(obj, now_ms, default_service)
    check_encodable(entry)
    return entry
