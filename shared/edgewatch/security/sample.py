"""A request as the threat detector sees it, and the fields of it that get inspected.

``fields`` turns a ``RequestSample`` into decoded ``Field`` values, each with a location that says
where it came from: ``path``, ``query.<name>`` (and ``query.<name>#key`` for the name itself),
``header.user-agent``, ``header.referer``, ``header.x-forwarded-for``, ``body.$.a.b[0]`` for JSON
(``body.$.a#key`` for a key), ``body.<name>`` for URL-encoded and multipart forms (``body.<name>#filename``
for an upload's file name) and ``body`` for any other text. Locations are built from client input:
they are bounded and stripped of control characters, and a dashboard must still escape them.

Bounds, so that the work per request is bounded whatever the client sends:

- each value is inspected up to 8 KiB (``decode.MAX_VALUE_CHARS``);
- at most ``MAX_FIELDS`` (512) fields and ``MAX_TOTAL_CHARS`` (64 KiB of decoded text) per request;
- JSON bodies up to ``MAX_JSON_BYTES`` (1 MiB) are parsed and walked to ``MAX_JSON_DEPTH`` (32)
  levels; larger or invalid ones (nested too deep for the parser included) are read as text, in
  overlapping 8 KiB windows, like any other body.

Anything skipped sets ``Extraction.truncated``.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from itertools import islice
from typing import Any
from urllib.parse import unquote_plus

from .decode import MAX_VALUE_CHARS, Decoded, Evasion, decode

MAX_FIELDS = 512
MAX_TOTAL_CHARS = 65_536
MAX_JSON_BYTES = 1_048_576
MAX_JSON_DEPTH = 32
MAX_NAME_CHARS = 64
_WINDOW_OVERLAP = 256
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_IDENT = re.compile(r"[A-Za-z_][\w-]*\Z")
_BOUNDARY = re.compile(r"boundary=\"?([^\";]{1,200})")
_PART_NAME = re.compile(r"\bname=\"([^\"]{0,200})\"")
_PART_FILENAME = re.compile(r"\bfilename=\"([^\"]{0,1024})\"")
# Headers some scanners add to every request they send.
SCANNER_HEADERS = frozenset({"acunetix-aspect", "acunetix-product", "acunetix-user-agreement", "x-scanner", "x-wipp"})


class FieldKind(Enum):
    PATH = "path"
    QUERY = "query"
    QUERY_KEY = "query_key"
    BODY = "body"  # a JSON string value or a form value
    BODY_KEY = "body_key"
    BODY_TEXT = "body_text"  # a window of a body that is neither JSON nor a form
    USER_AGENT = "user_agent"
    REFERER = "referer"
    FORWARDED_FOR = "forwarded_for"  # an X-Forwarded-For element that is not an IP address
    SCANNER_HEADER = "scanner_header"  # the name of a header only scanners send


@dataclass(frozen=True, slots=True)
class RequestSample:
    method: str
    path: str
    query: str = ""  # the raw query string, with or without the leading "?"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | str | None = None
    content_type: str | None = None  # falls back to the Content-Type header


@dataclass(frozen=True, slots=True)
class Field:
    location: str
    kind: FieldKind
    text: str  # decoded, lower-cased
    evasions: frozenset[Evasion] = frozenset()


@dataclass(frozen=True, slots=True)
class Extraction:
    fields: tuple[Field, ...]
    truncated: bool


def _name(text: str) -> str:
    text = _CONTROL.sub("?", text)
    return text if len(text) <= MAX_NAME_CHARS else text[: MAX_NAME_CHARS - 1] + "…"


class _Collector:
    def __init__(self) -> None:
        self.fields: list[Field] = []
        self.chars = 0
        self.truncated = False

    @property
    def full(self) -> bool:
        return len(self.fields) >= MAX_FIELDS or self.chars >= MAX_TOTAL_CHARS

    def add(self, location: str, kind: FieldKind, raw: str, *, form: bool = False) -> None:
        if not raw:
            return
        if self.full:
            self.truncated = True
            return
        decoded: Decoded = decode(raw, form=form)
        self.truncated = self.truncated or decoded.truncated
        if decoded.text:
            self.fields.append(Field(location, kind, decoded.text, decoded.evasions))
            self.chars += len(decoded.text)

    def add_text(self, location: str, text: str, kind: FieldKind = FieldKind.BODY_TEXT) -> None:
        """A long text in overlapping windows, so a payload across a window boundary is still seen."""
        step = MAX_VALUE_CHARS - _WINDOW_OVERLAP
        for start in range(0, max(len(text), 1), step):
            if self.full:
                self.truncated = True
                return
            self.add(location, kind, text[start : start + MAX_VALUE_CHARS])
            if start + MAX_VALUE_CHARS >= len(text):
                return


def _pairs(encoded: str) -> Iterator[tuple[str, str]]:
    for part in encoded.split("&"):
        if part:
            name, _, value = part.partition("=")
            yield name, value


_BODY_KINDS = (FieldKind.BODY_KEY, FieldKind.BODY)


def _add_form(out: _Collector, prefix: str, encoded: str) -> None:
    for raw_name, value in _pairs(encoded):
        if out.full:
            out.truncated = True
            return
        name = _name(unquote_plus(raw_name[: MAX_NAME_CHARS * 4]))
        key_kind, value_kind = (FieldKind.QUERY_KEY, FieldKind.QUERY) if prefix == "query" else _BODY_KINDS
        out.add(f"{prefix}.{name}#key", key_kind, raw_name, form=True)
        out.add(f"{prefix}.{name}", value_kind, value, form=True)


def _json_location(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{_name(key)}" if _IDENT.match(key) else f"{parent}[{_name(json.dumps(key))}]"


def _add_json(out: _Collector, document: Any) -> None:
    stack: list[tuple[str, Any, int]] = [("body.$", document, 0)]
    while stack:
        location, node, depth = stack.pop()
        if out.full:
            out.truncated = True
            return
        if isinstance(node, str):
            out.add(location, FieldKind.BODY, node)
        elif isinstance(node, _Key):
            out.add(location, FieldKind.BODY_KEY, node.name)
        elif isinstance(node, dict | list):
            if depth >= MAX_JSON_DEPTH:
                out.truncated = True
                continue
            pairs: Iterable[tuple[str | int, Any]] = node.items() if isinstance(node, dict) else enumerate(node)
            items = list(islice(pairs, MAX_FIELDS + 1))
            if len(items) > MAX_FIELDS:
                out.truncated = True
            for key, child in reversed(items[:MAX_FIELDS]):
                child_location = _json_location(location, key)
                stack.append((child_location, child, depth + 1))
                if isinstance(key, str):
                    stack.append((f"{child_location}#key", _Key(key), depth + 1))


@dataclass(frozen=True, slots=True)
class _Key:
    name: str


def _media_type(content_type: str | None) -> tuple[str, str]:
    """The media type and its boundary parameter (empty when absent)."""
    media, _, params = (content_type or "").partition(";")
    boundary = _BOUNDARY.search(params)
    return media.strip().lower(), boundary.group(1) if boundary else ""


def _is_json(media: str) -> bool:
    return media in {"application/json", "text/json"} or media.endswith("+json")


def _add_multipart(out: _Collector, text: str, boundary: str) -> None:
    """Each part of a multipart/form-data body: its name, its file name and its content."""
    for part in text.split("--" + boundary)[1:]:
        head, _, content = part.partition("\r\n\r\n") if "\r\n\r\n" in part else part.partition("\n\n")
        name = _PART_NAME.search(head)
        location = f"body.{_name(name.group(1))}" if name else "body"
        if filename := _PART_FILENAME.search(head):
            out.add(f"{location}#filename", FieldKind.BODY, filename.group(1))
        out.add_text(location, content.removesuffix("\r\n").removesuffix("\n"), FieldKind.BODY)


def _add_body(out: _Collector, body: bytes | str, content_type: str | None) -> None:
    media, boundary = _media_type(content_type)
    first = body[:64].lstrip()[:1]
    if _is_json(media) or (not media and first in ("{", "[", b"{", b"[")):
        if len(body) <= MAX_JSON_BYTES:
            try:
                document = json.loads(body)
            except (ValueError, RecursionError):
                pass  # invalid JSON is still inspected, as text
            else:
                _add_json(out, document)
                return
        else:
            out.truncated = True
    if len(body) > MAX_TOTAL_CHARS:
        out.truncated = True
        body = body[:MAX_TOTAL_CHARS]
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    if media == "application/x-www-form-urlencoded":
        _add_form(out, "body", text)
    elif media == "multipart/form-data" and boundary:
        _add_multipart(out, text, boundary)
    else:
        out.add_text("body", text)


def _is_ip(text: str) -> bool:
    candidate = text.strip().strip("[]")
    if candidate.count(":") == 1:  # an IPv4 address with a port
        candidate = candidate.split(":", 1)[0]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


def fields(sample: RequestSample) -> Extraction:
    out = _Collector()
    out.add("path", FieldKind.PATH, sample.path)
    query = sample.query[1:] if sample.query.startswith("?") else sample.query
    if query:
        if len(query) > MAX_TOTAL_CHARS:
            out.truncated = True
        _add_form(out, "query", query[:MAX_TOTAL_CHARS])
    headers = {str(k).lower(): str(v) for k, v in sample.headers.items()}
    out.add("header.user-agent", FieldKind.USER_AGENT, headers.get("user-agent", ""))
    out.add("header.referer", FieldKind.REFERER, headers.get("referer", ""))
    for element in headers.get("x-forwarded-for", "").split(",")[:16]:
        if element.strip() and not _is_ip(element):
            out.add("header.x-forwarded-for", FieldKind.FORWARDED_FOR, element.strip())
    for name in sorted(SCANNER_HEADERS & headers.keys()):
        out.add(f"header.{name}", FieldKind.SCANNER_HEADER, name)
    if sample.body:
        _add_body(out, sample.body, sample.content_type or headers.get("content-type"))
    return Extraction(tuple(out.fields), out.truncated)
