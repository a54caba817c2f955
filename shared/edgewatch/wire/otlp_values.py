"""OTLP/JSON common values (opentelemetry-proto common.proto): envelopes, KeyValue lists, AnyValue,
64-bit integers as decimal strings or numbers. Shared by the logs, metrics and traces parsers."""

from __future__ import annotations

import binascii
import math
from typing import Any

from ..errors import BadRequest
from .attributes import MAX_ATTRIBUTE_DEPTH
from .items import EntryError, json_type, show

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def envelope_array(value: Any, path: str) -> list[Any]:
    """An OTLP envelope list (resourceLogs, scopeMetrics, ...): missing is empty, any other type a 400."""
    if value is None:
        return []
    if type(value) is not list:
        raise BadRequest(f"{path} must be an array, not {json_type(value)}")
    return value


def envelope_object(value: Any, path: str) -> None:
    if type(value) is not dict:
        raise BadRequest(f"{path} must be an object, not {json_type(value)}")


def key_values(items: Any, depth: int) -> dict[str, Any]:
    """A KeyValue list ([{"key": ..., "value": AnyValue}]) as a dict; a repeated key keeps the last."""
    if items is None:
        return {}
    if type(items) is not list:
        raise EntryError(f"attributes must be an array of {{key, value}} objects, not {json_type(items)}")
    out: dict[str, Any] = {}
    for item in items:
        if type(item) is not dict:
            raise EntryError(f"an attribute must be a {{key, value}} object, not {json_type(item)}")
        key = item.get("key")
        if type(key) is not str:
            raise EntryError(f"an attribute key must be a string, not {json_type(key)}")
        value = item.get("value")
        out[key] = None if value is None else any_value(value, depth)
    return out


def any_value(value: Any, depth: int) -> Any:
    """An AnyValue as plain JSON data; bytesValue stays its base64 text, an empty AnyValue is None.

    ``depth`` is the nesting level the value sits at (1: directly in the attributes object).
    """
    if type(value) is not dict:
        raise EntryError(f'a value must be an AnyValue object such as {{"stringValue": ...}}, not {json_type(value)}')
    get = value.get
    if (text := get("stringValue")) is not None:
        if type(text) is not str:
            raise EntryError(f"stringValue must be a string, not {json_type(text)}")
        return text
    if (number := get("intValue")) is not None:
        return int64(number)
    if (flag := get("boolValue")) is not None:
        if type(flag) is not bool:
            raise EntryError(f"boolValue must be true or false, not {show(flag)}")
        return flag
    if (double := get("doubleValue")) is not None:
        return _double(double)
    if (kvlist := get("kvlistValue")) is not None:
        return key_values(_values(kvlist, "kvlistValue", depth), depth + 1)
    if (array := get("arrayValue")) is not None:
        values = _array_values(_values(array, "arrayValue", depth))
        return [None if item is None else any_value(item, depth + 1) for item in values]
    if (data := get("bytesValue")) is not None:
        if type(data) is not str:
            raise EntryError(f"bytesValue must be a base64 string, not {json_type(data)}")
        try:
            binascii.a2b_base64(data, strict_mode=True)
        except ValueError:  # binascii.Error, or plain ValueError for non-ASCII text
            raise EntryError(f"bytesValue {show(data)} is not valid base64") from None
        return data
    return None


def _values(container: Any, field: str, depth: int) -> Any:
    """The ``values`` of an arrayValue / kvlistValue, which opens one more level of nesting."""
    if type(container) is not dict:
        raise EntryError(f"{field} must be an object with a values array, not {json_type(container)}")
    if depth + 1 > MAX_ATTRIBUTE_DEPTH:
        raise EntryError(f"a value is nested deeper than {MAX_ATTRIBUTE_DEPTH} levels")
    return container.get("values")


def _array_values(values: Any) -> list[Any]:
    if values is None:
        return []
    if type(values) is not list:
        raise EntryError(f"arrayValue.values must be an array, not {json_type(values)}")
    return values


def int64(value: Any, field: str = "intValue") -> int:
    """An OTLP/JSON 64-bit integer, given as a decimal string (the proto3 JSON mapping) or a number."""
    number: int
    kind = type(value)
    if kind is int:
        number = value
    elif kind is str and value.isascii() and (value.isdigit() or (value[:1] == "-" and value[1:].isdigit())):
        # A longer digit string cannot fit in 64 bits (save leading zeros): refuse it unparsed.
        number = int(value) if len(value) <= 25 else _INT64_MAX + 1
    elif kind is float and value.is_integer():
        number = int(value)
    else:
        raise EntryError(f"{field} must be a 64-bit integer (a decimal string or a number), not {show(value)}")
    if not _INT64_MIN <= number <= _INT64_MAX:
        raise EntryError(f"{field} {show(value)} does not fit in 64 bits")
    return number


def _double(value: Any) -> float | str:
    if isinstance(value, float):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            raise EntryError(f"doubleValue {show(value)} is out of range") from None
    if isinstance(value, str):
        if value in ("NaN", "Infinity", "-Infinity"):
            return value  # kept as text: JSON has no such numbers
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if math.isfinite(number) and value.isascii() and "_" not in value:
            return number
    raise EntryError(f"doubleValue must be a number, not {show(value)}")
