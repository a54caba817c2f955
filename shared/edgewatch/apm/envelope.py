"""Sentry envelopes (``/envelope/``) and legacy store bodies (``/store/``), parsed after decompression.

An envelope is a JSON header line, then items: each a JSON header line (``type``, optionally
``length``, ``content_type``, ``filename``...) and a payload of ``length`` bytes, or, without a
length, up to the next newline. The newline after a payload and at the end are optional. Limits as
Sentry's: 1 MiB for an event or transaction item, 20 MiB for the whole envelope after
decompression, 100 sessions; beyond them 413. At most one event or transaction per envelope.
Item types other than ours (profiles, replays, check-ins, logs...) are skipped and counted.
Every malformed input raises ``EnvelopeError`` (400) or ``BodyError``; nothing else escapes.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .compression import BodyError, BodyProblem
from .dsn import Endpoint

MIB = 1024 * 1024


class ItemType(StrEnum):
    EVENT = "event"
    TRANSACTION = "transaction"
    SESSION = "session"
    SESSIONS = "sessions"
    CLIENT_REPORT = "client_report"
    ATTACHMENT = "attachment"


JSON_ITEMS = frozenset(
    {ItemType.EVENT, ItemType.TRANSACTION, ItemType.SESSION, ItemType.SESSIONS, ItemType.CLIENT_REPORT}
)

# The data category of each item type, as rate limits and client reports name them.
CATEGORY = {
    ItemType.EVENT: "error",
    ItemType.TRANSACTION: "transaction",
    ItemType.SESSION: "session",
    ItemType.SESSIONS: "session",
    ItemType.ATTACHMENT: "attachment",
    ItemType.CLIENT_REPORT: "internal",
}

ENVELOPE_TYPES = frozenset(
    {"application/x-sentry-envelope", "text/plain", "application/octet-stream", "application/json"}
)
STORE_TYPES = frozenset({"application/json", "text/plain", "application/octet-stream"})


@dataclass(frozen=True)
class Limits:
    envelope_bytes: int = 20 * MIB  # after decompression
    event_bytes: int = 1 * MIB  # an event or transaction item
    attachment_bytes: int = 20 * MIB
    session_items: int = 100
    items: int = 1000  # every item, skipped ones too


class EnvelopeError(BodyError):
    """Not an envelope (400), or over a limit (413); the message says where."""

    def __init__(self, message: str, problem: BodyProblem = BodyProblem.MALFORMED) -> None:
        super().__init__(problem, message)


@dataclass(frozen=True)
class Item:
    type: ItemType
    headers: dict[str, Any]
    payload: bytes
    data: dict[str, Any] | None = None  # the parsed payload of the JSON item types

    @property
    def category(self) -> str:
        return CATEGORY[self.type]


@dataclass
class Envelope:
    headers: dict[str, Any]
    items: list[Item] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # unknown item type -> count

    @property
    def event_id(self) -> str | None:
        value = self.headers.get("event_id")
        return value if isinstance(value, str) else None

    @property
    def dsn(self) -> str | None:
        value = self.headers.get("dsn")
        return value if isinstance(value, str) else None


def check_content_type(content_type: str | None, endpoint: Endpoint) -> None:
    """415 for a content type no SDK sends to this endpoint (none, text/plain and ours are fine)."""
    if content_type is None or not content_type.strip():
        return
    media = content_type.split(";", 1)[0].strip().lower()
    allowed = ENVELOPE_TYPES if endpoint is Endpoint.ENVELOPE else STORE_TYPES
    if media not in allowed:
        raise BodyError(
            BodyProblem.UNSUPPORTED_CONTENT_TYPE,
            f"Content-Type {media[:60]!r} is not accepted on /{endpoint}/ ({', '.join(sorted(allowed))} or none)",
        )


def json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise EnvelopeError(f"{what} is not valid JSON: {str(exc)[:80]}") from None
    if not isinstance(value, dict):
        raise EnvelopeError(f"{what} is not a JSON object")
    return value


def _line(data: bytes, start: int) -> tuple[bytes, int]:
    """The bytes from ``start`` to the next newline (or the end), and where the next line starts."""
    end = data.find(b"\n", start)
    if end < 0:
        return data[start:], len(data)
    return data[start:end], end + 1


def _payload_length(headers: dict[str, Any], where: str) -> int | None:
    length = headers.get("length")
    if length is None:
        return None
    if type(length) is not int or length < 0:
        raise EnvelopeError(f"{where}: length must be a non-negative integer")
    return length


def _item_limit(kind: ItemType, limits: Limits) -> int:
    if kind in (ItemType.EVENT, ItemType.TRANSACTION):
        return limits.event_bytes
    if kind is ItemType.ATTACHMENT:
        return limits.attachment_bytes
    return limits.envelope_bytes


class _Reader:
    def __init__(self, data: bytes, limits: Limits) -> None:
        self.data = data
        self.limits = limits
        self.pos = 0
        self.count = 0
        self.sessions = 0
        self.primary = 0  # event and transaction items

    def item(self, envelope: Envelope) -> None:
        line, after = _line(self.data, self.pos)
        self.count += 1
        where = f"item {self.count}"
        if self.count > self.limits.items:
            raise EnvelopeError(f"more than {self.limits.items} items", BodyProblem.TOO_LARGE)
        headers = json_object(line, f"{where} header")
        kind = headers.get("type")
        if not isinstance(kind, str) or not kind:
            raise EnvelopeError(f"{where} header has no type")
        length = _payload_length(headers, where)
        if length is None:
            payload, self.pos = _line(self.data, after)
        else:
            if after + length > len(self.data):
                raise EnvelopeError(f"{where}: length {length} runs past the end of the envelope")
            payload = self.data[after : after + length]
            self.pos = after + length
            if self.data[self.pos : self.pos + 1] == b"\n":
                self.pos += 1
        try:
            known = ItemType(kind)
        except ValueError:
            envelope.skipped[kind[:64]] = envelope.skipped.get(kind[:64], 0) + 1
            return
        envelope.items.append(self._known(known, headers, payload, where))

    def _known(self, kind: ItemType, headers: dict[str, Any], payload: bytes, where: str) -> Item:
        limit = _item_limit(kind, self.limits)
        if len(payload) > limit:
            raise EnvelopeError(f"{where}: {kind} of {len(payload)} bytes exceeds {limit}", BodyProblem.TOO_LARGE)
        if kind in (ItemType.EVENT, ItemType.TRANSACTION):
            self.primary += 1
            if self.primary > 1:
                raise EnvelopeError(f"{where}: an envelope carries at most one event or transaction")
        if kind is ItemType.SESSION:
            self.sessions += 1
            if self.sessions > self.limits.session_items:
                raise EnvelopeError(f"more than {self.limits.session_items} sessions", BodyProblem.TOO_LARGE)
        data = json_object(payload, f"{where} ({kind})") if kind in JSON_ITEMS else None
        return Item(kind, headers, payload, data)


def parse_envelope(data: bytes, limits: Limits | None = None) -> Envelope:
    limits = limits or Limits()
    if len(data) > limits.envelope_bytes:
        raise EnvelopeError(f"envelope exceeds {limits.envelope_bytes} bytes", BodyProblem.TOO_LARGE)
    line, start = _line(data, 0)
    if not line.strip():
        raise EnvelopeError("envelope is empty: its first line must be the envelope header")
    envelope = Envelope(json_object(line, "envelope header"))
    reader = _Reader(data, limits)
    reader.pos = start
    while reader.pos < len(data):
        if data[reader.pos : reader.pos + 1] == b"\n":  # blank lines between items
            reader.pos += 1
            continue
        reader.item(envelope)
    return envelope


def discarded_events(report: dict[str, Any]) -> dict[tuple[str, str], int]:
    """A client report's counts of what the SDK dropped: {(reason, category): quantity}.

    This is how a refusal shows up on the SDK side: sentry-python reports events it could not
    send (``network_error``, ``send_error``, ``ratelimit_backoff``...) in its next envelope.
    """
    out: dict[tuple[str, str], int] = {}
    entries = report.get("discarded_events")
    for entry in entries if isinstance(entries, list) else ():
        if not isinstance(entry, dict):
            continue
        reason, category, quantity = entry.get("reason"), entry.get("category"), entry.get("quantity")
        if isinstance(reason, str) and isinstance(category, str) and type(quantity) is int and quantity > 0:
            key = (reason[:64], category[:64])
            out[key] = out.get(key, 0) + quantity
    return out


def _store_json(body: bytes) -> bytes:
    """The store body as JSON: old SDKs (raven) sent base64 of zlib-compressed JSON."""
    head = body.lstrip()[:1]
    if head in (b"{", b""):
        return body
    try:
        packed = base64.b64decode(body, validate=False)
        return zlib.decompressobj().decompress(packed, 1 * MIB + 1)
    except (binascii.Error, ValueError, zlib.error):
        raise EnvelopeError("store body is neither JSON nor base64 zlib JSON") from None


def parse_store(body: bytes, limits: Limits | None = None) -> Envelope:
    """A legacy ``/store/`` body as an envelope of one event (or transaction) item."""
    limits = limits or Limits()
    payload = _store_json(body)
    if len(payload) > limits.event_bytes:
        raise EnvelopeError(f"event exceeds {limits.event_bytes} bytes", BodyProblem.TOO_LARGE)
    data = json_object(payload, "store body")
    kind = ItemType.TRANSACTION if data.get("type") == "transaction" else ItemType.EVENT
    headers: dict[str, Any] = {}
    if isinstance(data.get("event_id"), str):
        headers["event_id"] = data["event_id"]
    return Envelope(headers, [Item(kind, {"type": str(kind), "length": len(payload)}, payload, data)])
