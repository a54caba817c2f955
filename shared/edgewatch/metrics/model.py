"""Metric points, series keys, and our own JSON ingest format (``POST /monitoring/metrics``).

A Point is one observation: a counter increment, a gauge level, or a timing (a latency, a size: any
value whose distribution matters). Every ingest format (ours, OTLP) is turned into Points; windows
summarise them per series, and a series is identified by its key, ``name{a="x",b="y"}``, written the
way Prometheus writes a series (labels sorted by name, values escaped).

The body is one JSON object, a JSON array of objects, or ``{"metrics": [...]}``. Each item::

    {"name": "http_requests", "type": "counter", "value": 1, "labels": {"route": "/a"}, "timestamp": ...}

- ``name``: a Prometheus metric name, ``[a-zA-Z_:][a-zA-Z0-9_:]*``, at most 200 characters;
- ``type``: counter | gauge | timing ("count" is read as counter; "timer", "histogram" and "summary"
  as timing; case does not matter);
- ``value``: a finite number (not a boolean). A counter value is an increment, so it is never negative.
  A timing may give ``values`` (a list of numbers) instead: several observations of one series;
- ``labels``: an object of label name to string, number or boolean (turned into text: true/false,
  JSON numbers as Python prints them). Names are ``[a-zA-Z_][a-zA-Z0-9_]*`` and do not start with
  ``__`` (reserved by Prometheus); at most 20 labels, names and values at most 200 characters. A label
  whose value is "" is dropped: Prometheus treats ``a=""`` as no label ``a`` at all. A timing cannot
  have the label ``quantile``: the scrape writes a timing as a summary, which uses that label itself;
- ``timestamp`` (or ``ts``): as for logs, epoch milliseconds (below 1e11: seconds) or RFC 3339 with a
  time zone; the default is the time of receipt.
Other keys (``unit``, ``help`` ...) are ignored. A bad item becomes a LineError (its 0-based index and
why) and the others are kept; a body that is not JSON, not an object or array, or holds no item at all
is a BadRequest, and more than ``max_points`` points (``values`` count one each) a PayloadTooLarge.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import BadRequest, PayloadTooLarge
from ..wire.body import decode_text
from ..wire.items import EntryError, LineError, batch_items, json_type, show
from ..wire.jsondoc import may_hold_surrogates, parse_json
from ..wire.timestamps import MAX_TS_MS, SECONDS_BELOW, epoch_ms

MetricKind = Literal["counter", "gauge", "timing"]
Labels = tuple[tuple[str, str], ...]

MAX_NAME_CHARS = 200  # metric names and label names
MAX_LABELS = 20
MAX_LABEL_VALUE_CHARS = 200

_metric_name = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*").fullmatch
_label_name = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*").fullmatch

KIND_ALIASES: dict[str, MetricKind] = {
    "counter": "counter",
    "count": "counter",
    "gauge": "gauge",
    "timing": "timing",
    "timer": "timing",
    "histogram": "timing",
    "summary": "timing",
}
_KINDS_TEXT = "counter, gauge or timing"


@dataclass(frozen=True, slots=True)
class Point:
    name: str
    kind: MetricKind
    value: float
    ts: int  # epoch milliseconds
    labels: Labels  # sorted by label name, names unique, no empty values
    weight: float = 1.0  # how many observations of ``value`` this point stands for (histogram buckets)


def valid_metric_name(name: str) -> bool:
    return len(name) <= MAX_NAME_CHARS and _metric_name(name) is not None


def valid_label_name(name: str) -> bool:
    return len(name) <= MAX_NAME_CHARS and _label_name(name) is not None and not name.startswith("__")


# -- series keys -----------------------------------------------------------------------------------


def escape_label_value(value: str) -> str:
    """A label value as Prometheus writes it between double quotes."""
    if "\\" in value or '"' in value or "\n" in value:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return value


def series_key(name: str, labels: Labels) -> str:
    """``name{a="x",b="y"}`` with the labels sorted by name; just ``name`` without labels."""
    if not labels:
        return name
    inner = ",".join(f'{key}="{escape_label_value(value)}"' for key, value in sorted(labels))
    return f"{name}{{{inner}}}"


_UNESCAPES = {"\\": "\\", '"': '"', "n": "\n"}
_escape = re.compile(r"\\(.)", re.DOTALL)


def _unescape_match(match: re.Match[str]) -> str:
    char = match.group(1)
    if char not in _UNESCAPES:
        raise ValueError(f"unknown escape \\{char} in a label value")
    return _UNESCAPES[char]


def parse_series_key(key: str) -> tuple[str, Labels]:
    """The inverse of series_key; a ValueError for any text series_key cannot have written."""
    brace = key.find("{")
    name = key if brace < 0 else key[:brace]
    if not valid_metric_name(name):
        raise ValueError(f"series key {show(key)} does not start with a metric name")
    if brace < 0:
        return name, ()
    end = len(key) - 1
    if key[end] != "}":
        raise ValueError(f"series key {show(key)} does not end with }}")
    labels: list[tuple[str, str]] = []
    index = brace + 1
    while index < end:
        equals = key.find("=", index, end)
        if equals < 0 or key[equals + 1 : equals + 2] != '"':
            raise ValueError(f'series key {show(key)} has a label that is not name="value"')
        label = key[index:equals]
        if not _label_name(label):
            raise ValueError(f"series key {show(key)} has an invalid label name {show(label)}")
        start = quote = equals + 2
        while True:  # the closing quote is the first one preceded by an even number of backslashes
            quote = key.find('"', quote, end)
            if quote < 0:
                raise ValueError(f"series key {show(key)} has an unterminated label value")
            slashes = 0
            while key[quote - 1 - slashes] == "\\":
                slashes += 1
            if slashes % 2 == 0:
                break
            quote += 1
        raw = key[start:quote]
        labels.append((label, _escape.sub(_unescape_match, raw) if "\\" in raw else raw))
        index = quote + 1
        if index < end:
            if key[index] != "," or index + 1 == end:
                raise ValueError(f"series key {show(key)} has text after a label value")
            index += 1
    return name, tuple(labels)


# -- the JSON ingest format ------------------------------------------------------------------------

# Names seen valid: a batch repeats a handful of them, and a set lookup beats the regex.
_GOOD_NAMES: set[str] = set()
_GOOD_LABELS: set[str] = set()
_GOOD_MAX = 4096


def parse_points(body: bytes, now_ms: int, max_points: int = 10_000) -> tuple[list[Point], list[LineError]]:
    text = decode_text(body)
    items = _items(parse_json(text))
    if not items:
        raise BadRequest("the body holds no metrics")
    total = sum(
        len(values) if type(item) is dict and type(values := item.get("values")) is list else 1 for item in items
    )
    if total > max_points:
        raise PayloadTooLarge(f"body has {total} metric points; the limit is {max_points}")
    check = may_hold_surrogates(text)
    points: list[Point] = []
    errors: list[LineError] = []
    for index, item in enumerate(items):
        try:
            _add_points(item, now_ms, check, points)
        except EntryError as exc:
            errors.append(LineError(index, str(exc)))
    return points, errors


def _items(data: Any) -> list[Any]:
    return batch_items(data, "metric objects")


def _add_points(item: Any, now_ms: int, check: bool, out: list[Point]) -> None:
    """Append the item's points to ``out``, all or none."""
    if type(item) is not dict:
        raise EntryError(f"a metric must be a JSON object, not {json_type(item)}")
    get = item.get
    name = get("name")
    if type(name) is not str or (name not in _GOOD_NAMES and not _new_name(name)):
        raise EntryError(_name_problem(name))

    raw = get("type")
    kind = KIND_ALIASES.get(raw) if type(raw) is str else None
    if kind is None:
        kind = _kind(raw)

    raw = get("timestamp")
    if raw is None:
        raw = get("ts")
    if raw is None:
        ts = now_ms
    else:
        ts = raw if type(raw) is int and SECONDS_BELOW <= raw <= MAX_TS_MS else epoch_ms(raw, "timestamp")

    raw = get("labels")
    labels = () if raw is None else _labels(raw, check)
    if kind == "timing" and labels:
        check_timing_labels(labels)

    value = get("value")
    values = get("values")
    if values is None:
        if value is None:
            raise EntryError("value is required (a number)")
        number = value if type(value) is float and value - value == 0.0 else _number(value, "value")
        if kind == "counter" and number < 0:
            raise EntryError(
                f"counter value {show(value)} is negative; a counter value is an increment (use a gauge for a level)"
            )
        out.append(Point(name, kind, float(number), ts, labels))
        return
    if value is not None:
        raise EntryError("give value or values, not both")
    if kind != "timing":
        raise EntryError(f"values (several observations) is only accepted for timings, not for a {kind}")
    if type(values) is not list or not values:
        raise EntryError(f"values must be a non-empty array of numbers, not {show(values)}")
    numbers = [
        float(item) if type(item) is float and item - item == 0.0 else _number(item, f"values[{position}]")
        for position, item in enumerate(values)
    ]
    out.extend(Point(name, kind, number, ts, labels) for number in numbers)


def _new_name(name: str) -> bool:
    if not valid_metric_name(name):
        return False
    if len(_GOOD_NAMES) < _GOOD_MAX:
        _GOOD_NAMES.add(name)
    return True


def _name_problem(name: object) -> str:
    if name is None:
        return "name is required (a metric name such as http_requests)"
    if type(name) is not str:
        return f"name must be a string, not {json_type(name)}"
    if len(name) > MAX_NAME_CHARS:
        return f"name is longer than {MAX_NAME_CHARS} characters"
    return f"name {show(name)} is not a metric name: a letter, '_' or ':', then letters, digits, '_' or ':'"


def _kind(raw: object) -> MetricKind:
    if raw is None:
        raise EntryError(f"type is required: {_KINDS_TEXT}")
    if type(raw) is not str:
        raise EntryError(f"type must be a string ({_KINDS_TEXT}), not {json_type(raw)}")
    kind = KIND_ALIASES.get(raw.strip().lower())
    if kind is None:
        raise EntryError(f"type {show(raw)} is not {_KINDS_TEXT} (or an alias: count, timer, histogram, summary)")
    return kind


def _number(value: object, field: str) -> float:
    if type(value) is int:
        try:
            return float(value)
        except OverflowError:
            raise EntryError(f"{field} {show(value)} is out of range") from None
    if type(value) is float:  # here only an infinity: the JSON decoder turns 1e999 into inf
        raise EntryError(f"{field} {show(value)} is out of range; it must be a finite number")
    raise EntryError(f"{field} must be a number, not {json_type(value)}")


def _labels(raw: object, check: bool) -> Labels:
    if type(raw) is not dict:
        raise EntryError(f"labels must be a JSON object of label name to value, not {json_type(raw)}")
    if not raw:
        return ()
    if len(raw) > MAX_LABELS:
        raise EntryError(f"labels has {len(raw)} labels; the limit is {MAX_LABELS}")
    out: list[tuple[str, str]] = []
    for key, value in raw.items():
        if key not in _GOOD_LABELS and not _new_label(key):
            raise EntryError(_label_name_problem(key))
        kind = type(value)
        if kind is str:
            text = value
        elif kind is bool:
            text = "true" if value else "false"
        elif kind is int:
            text = str(value)
        elif kind is float and math.isfinite(value):
            text = repr(value)
        else:
            raise EntryError(f"label {key} must be a string, a number or a boolean, not {show(value)}")
        if len(text) > MAX_LABEL_VALUE_CHARS:
            raise EntryError(f"label {key} is longer than {MAX_LABEL_VALUE_CHARS} characters")
        if check:
            check_label_value(key, text)
        if text:
            out.append((key, text))
    out.sort()
    return tuple(out)


def check_timing_labels(labels: Labels) -> None:
    """A timing is scraped as a summary, whose own label ``quantile`` a label of the series would clash with."""
    for key, _ in labels:
        if key == "quantile":
            raise EntryError("label quantile is reserved for timings: /metrics writes their quantiles with it")


def check_label_value(key: str, text: str) -> None:
    """Refuse a value that cannot be written as UTF-8 (it holds a lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise EntryError(f"label {key} contains an unpaired UTF-16 surrogate escape (\\ud800-\\udfff)") from None


def _new_label(name: str) -> bool:
    if not valid_label_name(name):
        return False
    if len(_GOOD_LABELS) < _GOOD_MAX:
        _GOOD_LABELS.add(name)
    return True


def _label_name_problem(name: str) -> str:
    if len(name) > MAX_NAME_CHARS:
        return f"label name {show(name)} is longer than {MAX_NAME_CHARS} characters"
    if name.startswith("__"):
        return f"label name {show(name)} starts with '__', which Prometheus reserves"
    return f"label name {show(name)} is not a label name: a letter or '_', then letters, digits or '_'"
