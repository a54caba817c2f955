"""A protobuf wire-format decoder driven by field tables, producing the proto3 JSON mapping.

Messages are described by ``Message`` tables (field number, JSON name, kind); ``decode`` turns bytes
into the dict the proto3 JSON mapping gives (what ``google.protobuf.json_format.MessageToDict`` gives
with integer enums): 64-bit integers as decimal strings, 32-bit ones and enums as numbers, bytes as
base64 (or hex for the kinds marked so), non-finite doubles as "NaN" / "Infinity" / "-Infinity",
fields without presence left out when they hold their default. Protobuf's own rules hold: unknown
fields (and known ones sent with another wire type) are skipped, a repeated scalar may come packed
or not, a message field seen twice is merged, the last member of a oneof wins.

Anything malformed raises ``ProtobufError`` (a ValueError) naming the path, the message and the
field, never another exception.
"""

from __future__ import annotations

import base64
import math
import struct
from dataclasses import dataclass, field
from typing import Any

# Kinds. A kind fixes the wire type a field is read with.
STRING, BYTES, HEX, BOOL, INT32, ENUM, UINT32, SINT32, INT64, UINT64 = range(10)
FIXED32, FIXED64, SFIXED64, DOUBLE, MESSAGE = range(10, 15)

VARINT, I64, LEN, SGROUP, EGROUP, I32 = 0, 1, 2, 3, 4, 5
_WIRE = {STRING: LEN, BYTES: LEN, HEX: LEN, MESSAGE: LEN, FIXED32: I32, FIXED64: I64, SFIXED64: I64, DOUBLE: I64}
MAX_DEPTH = 100  # nested messages, as protobuf's own parsers allow by default

_u32 = struct.Struct("<I").unpack_from
_u64 = struct.Struct("<Q").unpack_from
_i64 = struct.Struct("<q").unpack_from
_f64 = struct.Struct("<d").unpack_from
_ZERO8 = b"\x00" * 8
_MASK64 = (1 << 64) - 1


class ProtobufError(ValueError):
    """Malformed protobuf bytes; ``str()`` names where: root.path (Message field N name): problem."""

    def __init__(self, problem: str, label: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path: list[str] = []
        self.where: str | None = label  # "Message field N name" of the innermost field

    def __str__(self) -> str:
        path = ".".join(self.path)
        where = f" ({self.where})" if self.where else ""
        return f"{path}{where}: {self.problem}"


@dataclass(eq=False)
class Message:
    """One message type: ``fields`` are (number, json name, kind, options); options may hold
    ``repeated``, ``presence`` (proto3 optional) and ``oneof`` (a group name); a MESSAGE field names
    its type with ``type``. Call ``link`` once every table exists."""

    name: str
    fields: list[tuple[int, str, int, dict[str, Any]]]
    by_tag: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    def link(self, types: dict[str, Message]) -> None:
        oneofs: dict[str, list[str]] = {}
        for _number, name, _kind, options in self.fields:
            if "oneof" in options:
                oneofs.setdefault(options["oneof"], []).append(name)
        for number, name, kind, options in self.fields:
            sub = types[options["type"]] if kind == MESSAGE else None
            repeated = bool(options.get("repeated"))
            group = options.get("oneof")
            presence = group is not None or bool(options.get("presence"))
            siblings = tuple(other for other in oneofs.get(group, ()) if other != name) if group else ()
            entry = (name, kind, sub, repeated, presence, siblings, False)
            wire = _WIRE.get(kind, VARINT)
            self.by_tag[number << 3 | wire] = entry
            if repeated and wire != LEN:  # a repeated scalar may also come packed
                self.by_tag[number << 3 | LEN] = (name, kind, sub, repeated, presence, siblings, True)
            self.labels[number] = f"{self.name} field {number} {name}"
            self.names[number] = name


def decode(data: bytes, message: Message) -> dict[str, Any]:
    """The message's proto3 JSON mapping; ProtobufError if the bytes are malformed."""
    out: dict[str, Any] = {}
    try:
        _message(bytes(data), 0, len(data), message, out, depth=0)
    except ProtobufError as exc:
        exc.path.insert(0, message.name)
        raise
    return out


def _message(buf: bytes, pos: int, end: int, spec: Message, out: dict[str, Any], *, depth: int) -> None:
    by_tag = spec.by_tag
    tag = 0
    try:
        while pos < end:
            tag = buf[pos]
            pos += 1
            if tag >= 0x80:
                tag, pos = _tag(buf, pos - 1, end)
            entry = by_tag.get(tag)
            if entry is None:
                pos = _skip(buf, pos, end, tag, depth)
                continue
            name, kind, sub, repeated, presence, siblings, packed = entry
            if kind == MESSAGE:
                stop, pos = _span(buf, pos, end)
                if depth >= MAX_DEPTH:
                    raise ProtobufError(f"messages are nested deeper than {MAX_DEPTH} levels")
                _message(buf, pos, stop, sub, _child(out, name, repeated, siblings), depth=depth + 1)
                pos = stop
            elif packed:
                stop, pos = _span(buf, pos, end)
                values = _packed(buf, pos, stop, kind)
                pos = stop
                if values:
                    out.setdefault(name, []).extend(values)
            else:
                value, pos, is_default = _scalar(buf, pos, end, kind)
                if repeated:
                    out.setdefault(name, []).append(value)
                    continue
                if siblings and out:
                    for other in siblings:
                        out.pop(other, None)
                if is_default and not presence:
                    out.pop(name, None)  # an explicit default is the same as an absent field
                else:
                    out[name] = value
    except ProtobufError as exc:
        _enter(exc, spec, tag, out)
        raise


def _child(out: dict[str, Any], name: str, repeated: bool, siblings: tuple[str, ...]) -> dict[str, Any]:
    """The dict a message field decodes into: a new list item, or the field's dict (merged when seen
    before, as protobuf merges a repeated singular message)."""
    child: dict[str, Any]
    if repeated:
        child = {}
        items = out.get(name)
        if items is None:
            out[name] = [child]
        else:
            items.append(child)
        return child
    if siblings and out:
        for other in siblings:
            out.pop(other, None)
    found = out.get(name)
    if found is None:
        out[name] = child = {}
        return child
    return found  # type: ignore[no-any-return]


def _enter(exc: ProtobufError, spec: Message, tag: int, out: dict[str, Any]) -> None:
    """Add this message's step to the error's path (and its field, for an error raised here)."""
    if exc.where == "a field tag" and not exc.path:
        return  # this message's own tag is bad: no field to name
    entry = spec.by_tag.get(tag)
    number = tag >> 3
    if exc.where is None:
        exc.where = spec.labels.get(number, f"{spec.name} field {number}")
    if entry is None:  # an unknown field, or a known one sent with another wire type
        exc.path.insert(0, spec.names.get(number, f"<field {number}>"))
        return
    name, kind, _sub, repeated = entry[:4]
    items = out.get(name)
    if kind == MESSAGE and repeated and type(items) is list:
        exc.path.insert(0, f"{name}[{len(items) - 1}]")
    else:
        exc.path.insert(0, name)


def _scalar(buf: bytes, pos: int, end: int, kind: int) -> tuple[Any, int, bool]:
    """(value, next position, whether it is the kind's default)."""
    if kind <= HEX:  # STRING, BYTES, HEX
        stop, pos = _span(buf, pos, end)
        raw = buf[pos:stop]
        if kind == HEX:
            return raw.hex(), stop, not raw
        if kind == BYTES:
            return base64.b64encode(raw).decode("ascii"), stop, not raw
        try:
            return raw.decode("utf-8"), stop, not raw
        except UnicodeDecodeError as exc:
            raise ProtobufError(f"the string is not valid UTF-8 (byte {exc.start} of {len(raw)})") from None
    if kind in (FIXED64, SFIXED64, DOUBLE):
        if pos + 8 > end:
            raise ProtobufError(f"a 64-bit value needs 8 bytes, {end - pos} are left")
        zero = buf[pos : pos + 8] == _ZERO8
        if kind == FIXED64:
            return str(_u64(buf, pos)[0]), pos + 8, zero
        if kind == SFIXED64:
            return str(_i64(buf, pos)[0]), pos + 8, zero
        return _double(_f64(buf, pos)[0]), pos + 8, zero
    if kind == FIXED32:
        if pos + 4 > end:
            raise ProtobufError(f"a 32-bit value needs 4 bytes, {end - pos} are left")
        number = _u32(buf, pos)[0]
        return number, pos + 4, number == 0
    if pos >= end:
        raise ProtobufError("a varint is cut off by the end of its message")
    number = buf[pos]
    if number < 0x80:
        pos += 1
    else:
        number, pos = _varint(buf, pos, end)
    value = _varint_value(number, kind)
    return value, pos, value in (0, "0")


def _varint_value(number: int, kind: int) -> Any:
    if kind in (INT32, ENUM):
        number &= 0xFFFFFFFF
        return number - (1 << 32) if number >= 1 << 31 else number
    if kind == INT64:
        return str(number - (1 << 64) if number >= 1 << 63 else number)
    if kind == UINT64:
        return str(number)
    if kind == BOOL:
        return number != 0
    if kind == UINT32:
        return number & 0xFFFFFFFF
    number &= 0xFFFFFFFF  # SINT32, zigzag
    return (number >> 1) ^ -(number & 1)


def _packed(buf: bytes, pos: int, stop: int, kind: int) -> list[Any]:
    """A packed run of numbers (strings and bytes are never packed: ``link`` makes no entry for them)."""
    if kind in (DOUBLE, FIXED64, SFIXED64):
        if (stop - pos) % 8:
            raise ProtobufError(f"a packed list of 64-bit values is {stop - pos} bytes, not a multiple of 8")
        count = (stop - pos) // 8
        code = {DOUBLE: "d", FIXED64: "Q", SFIXED64: "q"}[kind]
        numbers = struct.unpack_from(f"<{count}{code}", buf, pos)
        return [_double(n) for n in numbers] if kind == DOUBLE else [str(n) for n in numbers]
    if kind == FIXED32:
        if (stop - pos) % 4:
            raise ProtobufError(f"a packed list of 32-bit values is {stop - pos} bytes, not a multiple of 4")
        return list(struct.unpack_from(f"<{(stop - pos) // 4}I", buf, pos))
    values = []
    while pos < stop:
        number = buf[pos]
        if number < 0x80:
            pos += 1
        else:
            number, pos = _varint(buf, pos, stop)
        values.append(_varint_value(number, kind))
    return values


def _double(value: float) -> float | str:
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise ProtobufError("a varint is cut off by the end of its message")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & _MASK64, pos
        shift += 7
        if shift >= 64:
            raise ProtobufError("a varint is longer than 10 bytes")


def _tag(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    try:
        tag, pos = _varint(buf, pos, end)
    except ProtobufError as exc:
        exc.where = "a field tag"
        raise
    if tag > 0xFFFFFFFF:
        raise ProtobufError(f"field tag {tag} is out of range", "a field tag")
    return tag, pos


def _span(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """(end, start) of a length-delimited value whose length varint starts at pos."""
    if pos >= end:
        raise ProtobufError("a length is cut off by the end of its message")
    length = buf[pos]
    if length < 0x80:
        pos += 1
    else:
        length, pos = _varint(buf, pos, end)
    stop = pos + length
    if stop > end:
        raise ProtobufError(f"a length of {length} bytes runs past the end of its message ({end - pos} bytes left)")
    return stop, pos


def _skip(buf: bytes, pos: int, end: int, tag: int, depth: int) -> int:
    """Skip an unknown field (or a known one sent with another wire type)."""
    wire = tag & 7
    if tag >> 3 == 0:
        raise ProtobufError("field number 0 is not allowed", "a field tag")
    if wire == VARINT:
        return _varint(buf, pos, end)[1]
    if wire == I64:
        if pos + 8 > end:
            raise ProtobufError(f"a 64-bit value needs 8 bytes, {end - pos} are left")
        return pos + 8
    if wire == LEN:
        return _span(buf, pos, end)[0]
    if wire == I32:
        if pos + 4 > end:
            raise ProtobufError(f"a 32-bit value needs 4 bytes, {end - pos} are left")
        return pos + 4
    if wire == SGROUP:
        return _skip_group(buf, pos, end, tag >> 3, depth)
    if wire == EGROUP:
        raise ProtobufError("an end-group tag without its start-group")
    raise ProtobufError(f"wire type {wire} does not exist")


def _skip_group(buf: bytes, pos: int, end: int, number: int, depth: int) -> int:
    if depth >= MAX_DEPTH:
        raise ProtobufError(f"messages are nested deeper than {MAX_DEPTH} levels")
    while pos < end:
        tag, pos = _tag(buf, pos, end)
        if tag & 7 == EGROUP:
            if tag >> 3 != number:
                raise ProtobufError(f"group {number} is closed by an end-group tag of field {tag >> 3}")
            return pos
        pos = _skip(buf, pos, end, tag, depth + 1)
    raise ProtobufError(f"group {number} is not closed before the end of its message")
