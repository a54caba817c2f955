"""The one codec for Durable Object and service RPC payloads.

A payload is a dataclass (or a type with ``to_json``/``from_json``); it crosses the RPC boundary
as compact JSON text, which is cheaper through the JS bridge than a converted object tree. The
decoder is driven by the dataclass's type hints: nested dataclasses, enums, lists, tuples, dicts
and optional fields come back as their types, so an adapter never indexes a bare dict or a
positional list. Decoders are built once per type and cached.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar, Union, get_args, get_origin, overload

T = TypeVar("T")
Decoder = Callable[[Any], Any]

_DECODERS: dict[object, Decoder] = {}


class CodecError(ValueError):
    """A payload does not have the shape of its type."""


def to_plain(value: Any) -> Any:
    """A payload as JSON-ready data: dataclasses become objects by field name, enums their values."""
    to_json = getattr(value, "to_json", None)
    if to_json is not None and not isinstance(value, type):
        return to_json()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Fields outside __init__ (caches such as a compiled regex) are derived, not part of the wire form.
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [to_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    return value


def encode(value: Any) -> str:
    return json.dumps(to_plain(value), separators=(",", ":"))


@overload
def decode(kind: type[T], text: str) -> T: ...


@overload
def decode(kind: object, text: str) -> Any: ...  # a union such as ``Detail | None``


def decode(kind: object, text: str) -> Any:
    return decoder_for(kind)(json.loads(text))


@overload
def from_plain(kind: type[T], data: Any) -> T: ...


@overload
def from_plain(kind: object, data: Any) -> Any: ...


def from_plain(kind: object, data: Any) -> Any:
    return decoder_for(kind)(data)


def decoder_for(kind: Any) -> Decoder:
    found = _DECODERS.get(kind)
    if found is None:
        found = _DECODERS[kind] = _build(kind)
    return found


def _build(kind: Any) -> Decoder:
    if kind is Any or kind is object:
        return _same
    origin = get_origin(kind)
    if origin is Union or origin is types.UnionType:
        return _optional(kind)
    if origin is list:
        (item,) = get_args(kind) or (Any,)
        item_decoder = decoder_for(item)
        return lambda data: [item_decoder(x) for x in _expect(data, list, kind)]
    if origin is tuple:
        return _tuple(kind)
    if origin is dict:
        _key, value = get_args(kind) or (str, Any)
        value_decoder = decoder_for(value)
        return lambda data: {k: value_decoder(v) for k, v in _expect(data, dict, kind).items()}
    if origin is typing.Literal:
        return _same
    if isinstance(kind, type):
        from_json = getattr(kind, "from_json", None)
        if from_json is not None:
            return typing.cast(Decoder, from_json)
        if issubclass(kind, enum.Enum):
            return kind
        if dataclasses.is_dataclass(kind):
            return _dataclass(kind)
        if kind is float:
            return lambda data: float(_expect(data, int | float, kind))
        if kind in (int, str, bool):
            return lambda data: _expect(data, kind, kind)
    raise TypeError(f"the codec cannot decode {kind!r}")


def _same(data: Any) -> Any:
    return data


def _expect(data: Any, kind: Any, named: object) -> Any:
    if not isinstance(data, kind):
        raise CodecError(f"expected {named}, got {type(data).__name__}")
    return data


def _optional(kind: Any) -> Decoder:
    members = [a for a in get_args(kind) if a is not type(None)]
    if len(members) != 1:
        raise TypeError(f"the codec decodes X | None unions only, not {kind!r}")
    inner = decoder_for(members[0])
    return lambda data: None if data is None else inner(data)


def _tuple(kind: Any) -> Decoder:
    args = get_args(kind)
    if len(args) == 2 and args[1] is Ellipsis:
        item = decoder_for(args[0])
        return lambda data: tuple(item(x) for x in _expect(data, list, kind))
    decoders = [decoder_for(a) for a in args]
    return lambda data: tuple(d(x) for d, x in zip(decoders, _expect(data, list, kind), strict=True))


def _dataclass(kind: type[Any]) -> Decoder:
    hints = typing.get_type_hints(kind)
    fields = [(f.name, f.init) for f in dataclasses.fields(kind)]
    # Decoders of fields are looked up lazily: a dataclass may refer to itself.
    names = [name for name, init in fields if init]

    def decode_one(data: Any) -> Any:
        obj = _expect(data, dict, kind)
        args = {}
        for name in names:
            if name in obj:
                args[name] = decoder_for(hints[name])(obj[name])
        try:
            return kind(**args)
        except TypeError as exc:
            raise CodecError(f"{kind.__name__}: {exc}") from None

    return decode_one
