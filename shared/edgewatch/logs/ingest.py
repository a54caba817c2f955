"""Log ingest: body decoding, content checks, and our own JSON/NDJSON format.

The native body is one JSON object, a JSON array of objects, or NDJSON (one object per line; blank
lines are ignored). Every entry is checked by itself: a bad one becomes a LineError with its 0-based
index among the entries, and the rest of the batch is kept.

Timestamps (``timestamp``, or ``ts`` / ``time``) are epoch milliseconds, with one heuristic: a number
below 100_000_000_000 is read as epoch *seconds* (as milliseconds it would be before 1973-03-03, and
as seconds it covers every date up to the year 5138). RFC 3339 strings need a time zone
("2026-11-26T12:00:00Z", "2026-11-26T13:00:00.250+01:00"); naive strings are rejected because their
meaning depends on the sender's clock.

The helpers below (``decode_text``, ``parse_json``, ``check_attributes`` ...) are shared with the OTLP
and Loki parsers, so every format answers bad input the same way.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Callable
from datetime import date
from typing import Any

from ..errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from .entry import (
    LEVEL_ALIASES,
    LEVELS,
    MAX_ID_CHARS,
    MAX_MESSAGE_CHARS,
    MAX_SERVICE_CHARS,
    LineError,
    LogEntry,
    ParsedBatch,
)

SECONDS_BELOW = 100_000_000_000  # a numeric timestamp below this is epoch seconds, not milliseconds
MAX_TS_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z: dates past it break calendar code downstream
MAX_ATTRIBUTE_DEPTH = 8  # the attributes object itself is depth 1
MAX_ATTRIBUTE_KEYS = 200  # keys counted over all nested objects
DEFAULT_SERVICE = "default"
UNKNOWN_SERVICE = "unknown_service"  # OpenTelemetry's name for a resource without service.name

JSON_WHITESPACE = " \t\n\r"
GZIP_ENCODINGS = frozenset({"gzip", "x-gzip"})
SERVICE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
_SERVICE_CHAR_SET = frozenset(SERVICE_CHARS)
_ALLOWED_LEVELS = ", ".join(LEVELS)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class EntryError(ValueError):
    """One entry is invalid; the message names the field and the problem."""


class _NotJson(ValueError):
    """A JSON extension Python accepts but JSON does not (NaN, Infinity)."""


def _reject_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


# -- body ------------------------------------------------------------------------------------------


def decode_body(body: bytes, content_encoding: str | None, max_bytes: int) -> bytes:
    """The body with its Content-Encoding undone, never longer than ``max_bytes``."""
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("", "identity"):
        if len(body) > max_bytes:
            raise PayloadTooLarge(f"body is {len(body)} bytes; the limit is {max_bytes} bytes")
        return body
    if encoding in GZIP_ENCODINGS:
        return _gunzip(body, max_bytes)
    raise UnsupportedMediaType(
        f"Content-Encoding {show(content_encoding)} is not supported; send gzip or no Content-Encoding"
    )


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    # Each call inflates at most the bytes still allowed plus one, so a zip bomb costs at most
    # max_bytes + 1 of memory before it is refused. Concatenated gzip members are one valid stream.
    parts: list[bytes] = []
    produced = 0
    data = body
    while data:
        inflater = zlib.decompressobj(wbits=31)
        try:
            part = inflater.decompress(data, max_bytes + 1 - produced)
        except zlib.error as exc:
            raise BadRequest(f"body is not valid gzip ({exc})") from None
        produced += len(part)
        if produced > max_bytes:
            raise PayloadTooLarge(f"body decompresses to more than the limit of {max_bytes} bytes")
        if not inflater.eof:
            # Output stayed below the cap, so all input was read: the stream ended early.
            raise BadRequest("body is not valid gzip (the stream is truncated)")
        parts.append(part)
        data = inflater.unused_data
        if not data.strip(b"\x00"):  # trailing zero padding is tolerated, as gzip(1) does
            break
    return b"".join(parts)


def check_content_type(content_type: str | None, allowed: tuple[str, ...]) -> None:
    """Accept only the listed media types; parameters such as charset are ignored."""
    wanted = ", ".join(allowed)
    if not content_type or not content_type.strip():
        raise UnsupportedMediaType(f"Content-Type is missing; send one of: {wanted}")
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in {item.lower() for item in allowed}:
        raise UnsupportedMediaType(f"Content-Type {show(content_type)} is not supported; send one of: {wanted}")


def decode_text(body: bytes) -> str:
    """The body as text: UTF-8 (a leading byte-order mark is dropped), not blank."""
    if not body:
        raise BadRequest("empty body")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"body is not valid UTF-8 (invalid byte at offset {exc.start})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip(JSON_WHITESPACE):
        raise BadRequest("empty body")
    return text


def parse_json(text: str) -> Any:
    """One JSON document, or BadRequest saying where it breaks."""
    try:
        return _DECODER.decode(text)
    except (ValueError, RecursionError) as exc:
        raise json_error(exc) from None


def json_error(exc: ValueError | RecursionError) -> BadRequest:
    if isinstance(exc, json.JSONDecodeError):
        return BadRequest(
            f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno} (char {exc.pos})",
            details={"line": exc.lineno, "column": exc.colno, "position": exc.pos},
        )
    return BadRequest(f"body is not valid JSON: {_json_problem(exc)}")


def _json_problem(exc: ValueError | RecursionError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at column {exc.colno}"
    if isinstance(exc, RecursionError):
        return "it is nested too deeply"
    if isinstance(exc, _NotJson):
        return str(exc)
    return "a number has too many digits"  # int() refuses more than 4300 digits


def may_hold_surrogates(text: str) -> bool:
    """Whether decoding ``text`` can yield a lone UTF-16 surrogate: only a \\uD800-\\uDFFF escape can.

    A one-character search runs at memchr speed, so bodies without any backslash skip the scan; the
    regex is ~3x faster than two substring searches for "\\ud" / "\\uD" over a large body.
    """
    return "\\" in text and _SURROGATE_ESCAPE.search(text) is not None


def check_encodable(entry: LogEntry) -> None:
    """Refuse an entry that cannot be written as UTF-8 (it holds a lone surrogate)."""
    try:
        json.dumps(entry.to_json(), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise EntryError("entry contains an unpaired UTF-16 surrogate escape (\\ud800-\\udfff)") from None


# -- shared field checks ---------------------------------------------------------------------------


def show(value: object, limit: int = 60) -> str:
    """A short repr of untrusted input for error messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def batch_items(data: Any, what: str) -> list[Any]:
    """The items of a batch body: a JSON array, {"metrics": [...]}, or one object (a batch of one).

    Shared by the metric and Web Vitals parsers; ``what`` names the items in the error message.
    """
    if type(data) is list:
        return data
    if type(data) is dict:
        if "metrics" in data and "name" not in data:
            metrics = data["metrics"]
            if type(metrics) is not list:
                raise BadRequest(f"metrics must be an array of {what}, not {json_type(metrics)}")
            return metrics
        return [data]
    raise BadRequest(f'body must be a JSON object, an array of objects or {{"metrics": [...]}}, not {json_type(data)}')


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def valid_service(name: str) -> bool:
    # strip(SERVICE_CHARS) leaves nothing exactly when every character is allowed
    return 0 < len(name) <= MAX_SERVICE_CHARS and not name.strip(SERVICE_CHARS)


def clean_service(name: str, fallback: str = UNKNOWN_SERVICE) -> str:
    """A service name from a foreign format made valid: other characters become '_', cut to length."""
    if valid_service(name):
        return name
    cleaned = "".join(char if char in _SERVICE_CHAR_SET else "_" for char in name[:MAX_SERVICE_CHARS])
    return cleaned or fallback


def check_attributes(attributes: dict[str, Any]) -> None:
    if _count_keys(attributes, 1) > MAX_ATTRIBUTE_KEYS:
        raise EntryError(f"attributes have more than {MAX_ATTRIBUTE_KEYS} keys in total")


def _count_keys(value: dict[str, Any] | list[Any], depth: int) -> int:
    if depth > MAX_ATTRIBUTE_DEPTH:
        raise EntryError(f"attributes are nested deeper than {MAX_ATTRIBUTE_DEPTH} levels")
    if type(value) is dict:
        count = len(value)
        children: Any = value.values()
    else:
        count = 0
        children = value
    for child in children:
        kind = type(child)
        if kind is dict or kind is list:
            count += _count_keys(child, depth + 1)
            if count > MAX_ATTRIBUTE_KEYS:
                break
    return count


def epoch_ms(value: object, field: str) -> int:
    """A timestamp in epoch milliseconds from a number (ms, or seconds below SECONDS_BELOW) or RFC 3339."""
    ms: int | float
    if isinstance(value, bool):
        raise EntryError(f"{field} must be epoch milliseconds (a number) or an RFC 3339 string, not a boolean")
    if isinstance(value, int):
        ms = value if value >= SECONDS_BELOW else value * 1000
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise EntryError(f"{field} must be a finite number")
        ms = value if value >= SECONDS_BELOW else round(value * 1000)
    elif isinstance(value, str):
        return _rfc3339_ms(value, field)
    else:
        raise EntryError(f"{field} must be epoch milliseconds (a number) or an RFC 3339 string, not {json_type(value)}")
    if not 0 <= ms <= MAX_TS_MS:
        raise EntryError(f"{field} {show(value)} is out of range (1970 to 9999)")
    return int(ms)


def _rfc3339_ms(text: str, field: str) -> int:
    # YYYY-MM-DD[T ]HH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), parsed by position: no regex, and the same
    # answer on every Python (datetime.fromisoformat's accepted set grew between 3.10 and 3.11).
    size = len(text)
    bad = EntryError(f"{field} {show(text)} is not an RFC 3339 time with a time zone, such as 2026-11-26T12:00:00Z")
    if (
        size < 19
        or size > 40
        or not text.isascii()
        or text[4] != "-"
        or text[7] != "-"
        or text[10] not in "Tt "
        or text[13] != ":"
        or text[16] != ":"
    ):
        raise bad
    fields = (text[0:4], text[5:7], text[8:10], text[11:13], text[14:16], text[17:19])
    if not all(part.isdigit() for part in fields):
        raise bad
    year, month, day, hour, minute, second = (int(part) for part in fields)
    if hour > 23 or minute > 59 or second > 60:  # 60: a leap second
        raise bad
    fraction_ms = 0
    index = 19
    if text[index : index + 1] == ".":
        end = index + 1
        while end < size and text[end].isdigit():
            end += 1
        if end == index + 1:
            raise bad
        fraction_ms = int(text[index + 1 : end][:3].ljust(3, "0"))
        index = end
    zone = text[index:]
    if zone in ("Z", "z"):
        offset_min = 0
    elif len(zone) == 6 and zone[0] in "+-" and zone[3] == ":" and zone[1:3].isdigit() and zone[4:6].isdigit():
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            raise bad
        offset_min = (hours * 60 + minutes) * (1 if zone[0] == "+" else -1)
    elif not zone:
        raise EntryError(f"{field} {show(text)} has no time zone; add Z or an offset such as +01:00")
    else:
        raise bad
    try:
        days = date(year, month, day).toordinal() - _EPOCH_ORDINAL
    except ValueError:
        raise bad from None
    seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60
    ms = seconds * 1000 + fraction_ms
    if not 0 <= ms <= MAX_TS_MS:
        raise EntryError(f"{field} {show(text)} is out of range (1970 to 9999)")
    return ms


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
            value = _DECODER.decode(stripped)
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
    raw_decode = _DECODER.raw_decode  # decode() would run two regex scans per line for whitespace
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
                raise EntryError(f"not valid JSON: {_json_problem(exc)}") from None
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
