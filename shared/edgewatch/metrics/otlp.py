"""OTLP/HTTP metrics (an ExportMetricsServiceRequest, in JSON or protobuf) turned into metric points.

A protobuf body is first decoded to its OTLP/JSON document (edgewatch.wire.otlp_body), so the rules
below hold for both encodings.

Wire facts as for logs (opentelemetry-proto docs/specification.md, "JSON Protobuf Encoding"): 64-bit
integers (asInt, timeUnixNano, bucketCounts, count) are decimal strings, numbers accepted too; enums
(aggregationTemporality) are integers, their names accepted too; unknown fields are ignored. A partly
accepted request answers ``partialSuccess`` with ``rejectedDataPoints`` and an ``errorMessage``.

What each metric becomes (names made Prometheus names as the Prometheus exporter does: every
character outside ``[a-zA-Z0-9_:]`` becomes ``_``, and ``_`` is put before a leading digit):
- gauge: a gauge point per data point (asInt or asDouble).
- sum, monotonic, DELTA (1): a counter point; the value is the increment.
- sum, monotonic, CUMULATIVE (2): a *gauge* point named ``<name>_total``. The value is a running
  total since the stream's start; turning it into increments needs the previous value of the stream,
  state a stateless ingest does not keep, so the total is stored as the level it is (its last value and
  its change over time can be queried, not a per-window sum).
- sum, not monotonic (an UpDownCounter), CUMULATIVE: a gauge point (the current level). DELTA: rejected,
  since its values are changes, not levels, and this is what the Prometheus exporter refuses too.
- histogram: timing points, one per non-empty bucket, weighted by the bucket's count, at the bucket's
  midpoint. Buckets are (bounds[i-1], bounds[i]]; the open first bucket is represented by half its
  upper bound (or the bound itself when it is not positive), the open last bucket by its lower bound,
  except that a point's ``min`` / ``max``, when given, close them (the midpoint of [min, bounds[0]] and
  [bounds[-1], max]). A point without bounds (one bucket, (-inf, +inf)) is its mean, sum / count.
  CUMULATIVE histograms are taken as they come: their quantiles describe the stream since its start,
  and their count and sum add up across exports. An attribute ``quantile`` is refused on a histogram
  (the scrape writes timings as summaries, which use that label).
- summary: gauge points: ``<name>{quantile="0.99"}`` per quantile value, ``<name>_sum`` and
  ``<name>_count``, as the Prometheus exporter writes a summary.
- exponentialHistogram: rejected point by point, naming the problem.
Data point attributes become labels (keys made label names: other characters become ``_``, ``key_``
before a leading digit, ``key`` before a leading ``__``; keys that end up equal have their values
joined with ``;``, in the order of the original keys; non-string values are written as JSON). The
resource's service.name becomes the label ``service`` (cleaned as for logs, and winning over a point's
own ``service`` attribute); other resource and scope attributes are ignored. A point flagged
FLAG_NO_RECORDED_VALUE holds no value and gives no point.

A malformed envelope (resourceMetrics, scopeMetrics, metrics, a metric's data or its dataPoints of the
wrong type) is a BadRequest naming its path. A bad data point is a LineError; the index runs over all
data points of the request, in order.
"""

from __future__ import annotations

import json
import math
import re
from itertools import pairwise
from typing import Any

from ..errors import BadRequest, PayloadTooLarge
from ..wire.items import EntryError, LineError, json_type, show
from ..wire.names import clean_service
from ..wire.otlp_body import OtlpEncoding, otlp_document
from ..wire.otlp_values import envelope_array, envelope_object, int64, key_values
from .model import (
    MAX_LABEL_VALUE_CHARS,
    MAX_LABELS,
    MAX_NAME_CHARS,
    Labels,
    MetricKind,
    Point,
    check_label_value,
    check_timing_labels,
    valid_metric_name,
)

DELTA, CUMULATIVE = 1, 2
_TEMPORALITY_NAMES = {"AGGREGATION_TEMPORALITY_DELTA": DELTA, "AGGREGATION_TEMPORALITY_CUMULATIVE": CUMULATIVE}
_DATA_FIELDS = ("gauge", "sum", "histogram", "exponentialHistogram", "summary")
_FLAG_NO_RECORDED_VALUE = 1
_MAX_UINT64 = 2**64 - 1
_ERRORS_IN_MESSAGE = 5

_invalid_metric_chars = re.compile(r"[^a-zA-Z0-9_:]").sub
_invalid_label_chars = re.compile(r"[^a-zA-Z0-9_]").sub
_LABEL_NAMES: dict[str, str] = {}  # attribute key -> label name, for keys seen before
_LABEL_NAMES_MAX = 4096

# (service label or None, metric name, why all its points are rejected or None, data field, data, data points)
_Group = tuple[str | None, str, str | None, str, dict[str, Any], list[Any]]


def parse_otlp_metrics(
    body: bytes, now_ms: int, max_points: int = 50_000, encoding: OtlpEncoding = OtlpEncoding.JSON
) -> tuple[list[Point], list[LineError]]:
    document = otlp_document(body, encoding, "ExportMetricsServiceRequest")
    groups = _groups(document.request)
    total = sum(_point_bound(field, point) for _, _, _, field, _, points in groups for point in points)
    if total > max_points:
        raise PayloadTooLarge(
            f"request holds {total} metric points (each histogram bucket and summary quantile counts as one); "
            f"the limit is {max_points}"
        )
    check = document.may_hold_surrogates
    out: list[Point] = []
    errors: list[LineError] = []
    index = 0
    for service, name, problem, field, data, points in groups:
        convert = _CONVERTERS[field]
        for point in points:
            try:
                if problem is not None:
                    raise EntryError(problem)
                head = _head(point, service, now_ms, check)
                if head is not None:
                    out.extend(convert(name, data, point, *head))
            except EntryError as exc:
                errors.append(LineError(index, str(exc)))
            index += 1
    return out, errors


def otlp_metrics_response(errors: list[LineError]) -> dict[str, Any]:
    """The ExportMetricsServiceResponse body: empty on full success, else a partialSuccess."""
    if not errors:
        return {}
    shown = "; ".join(f"data point {error.index}: {error.error}" for error in errors[:_ERRORS_IN_MESSAGE])
    more = len(errors) - _ERRORS_IN_MESSAGE
    if more > 0:
        shown += f"; and {more} more"
    return {"partialSuccess": {"rejectedDataPoints": len(errors), "errorMessage": shown}}


# -- envelope --------------------------------------------------------------------------------------


def _groups(request: dict[str, Any]) -> list[_Group]:
    groups: list[_Group] = []
    for i, resource_metrics in enumerate(envelope_array(request.get("resourceMetrics"), "resourceMetrics")):
        path = f"resourceMetrics[{i}]"
        envelope_object(resource_metrics, path)
        service = _service(resource_metrics.get("resource"), path)
        for j, scope_metrics in enumerate(envelope_array(resource_metrics.get("scopeMetrics"), f"{path}.scopeMetrics")):
            scope_path = f"{path}.scopeMetrics[{j}]"
            envelope_object(scope_metrics, scope_path)
            for k, metric in enumerate(envelope_array(scope_metrics.get("metrics"), f"{scope_path}.metrics")):
                metric_path = f"{scope_path}.metrics[{k}]"
                envelope_object(metric, metric_path)
                present = [field for field in _DATA_FIELDS if metric.get(field) is not None]
                if len(present) > 1:
                    raise BadRequest(f"{metric_path} has {' and '.join(present)}; a metric holds exactly one")
                if not present:
                    continue  # no data (or a kind this version of OTLP does not know): nothing to take
                field = present[0]
                data = metric[field]
                envelope_object(data, f"{metric_path}.{field}")
                points = envelope_array(data.get("dataPoints"), f"{metric_path}.{field}.dataPoints")
                if points:
                    name, problem = _metric_name(metric.get("name"))
                    groups.append((service, name, problem or _data_problem(field, data), field, data, points))
    return groups


def _service(resource: Any, path: str) -> str | None:
    if resource is None:
        return None
    envelope_object(resource, f"{path}.resource")
    attributes = resource.get("attributes")
    if type(attributes) is not list:
        return None
    for item in attributes:  # only service.name is read, so the other attributes are not checked
        if type(item) is dict and item.get("key") == "service.name":
            value = item.get("value")
            name = value.get("stringValue") if type(value) is dict else None
            return clean_service(name) if type(name) is str and name else None
    return None


def _point_bound(field: str, point: Any) -> int:
    """How many Points a data point can give at most, counted before any is made."""
    if type(point) is dict:
        if field == "histogram" and type(buckets := point.get("bucketCounts")) is list:
            return max(1, len(buckets))
        if field == "summary":
            quantiles = point.get("quantileValues")
            return 2 + (len(quantiles) if type(quantiles) is list else 0)
    return 1


# -- metric level ----------------------------------------------------------------------------------


def _metric_name(name: Any) -> tuple[str, str | None]:
    """The metric's Prometheus name, or why none of its points can be taken."""
    if type(name) is not str:
        return "", f"metric name must be a string, not {json_type(name)}"
    if valid_metric_name(name):
        return name, None
    if not name:
        return "", "metric name is empty"
    cleaned = _invalid_metric_chars("_", name)
    if cleaned[0].isdigit():
        cleaned = "_" + cleaned
    if len(cleaned) > MAX_NAME_CHARS:
        return "", f"metric name {show(name)} is longer than {MAX_NAME_CHARS} characters"
    return cleaned, None


def _data_problem(field: str, data: dict[str, Any]) -> str | None:
    if field == "exponentialHistogram":
        return "exponentialHistogram is not supported; configure the exporter to send explicit-bucket histograms"
    if field != "sum":
        return None
    monotonic = data.get("isMonotonic")
    if monotonic is not None and type(monotonic) is not bool:
        return f"sum.isMonotonic must be true or false, not {show(monotonic)}"
    raw = data.get("aggregationTemporality")
    temporality = _temporality(raw)
    if temporality is None:
        return f"sum.aggregationTemporality must be 1 (DELTA) or 2 (CUMULATIVE), not {show(raw)}"
    if temporality == DELTA and not monotonic:
        return (
            "a non-monotonic sum with DELTA temporality holds changes, not levels; send it with CUMULATIVE temporality"
        )
    return None


def _temporality(value: Any) -> int | None:
    if type(value) is str:
        value = _TEMPORALITY_NAMES.get(value)
    return value if value in (DELTA, CUMULATIVE) and type(value) is int else None


# -- data points -----------------------------------------------------------------------------------
# Each converter turns one data point into its Points, all or none, or raises EntryError.


def _gauge(name: str, data: dict[str, Any], point: dict[str, Any], ts: int, labels: Labels) -> list[Point]:
    return [Point(name, "gauge", _number_value(point), ts, labels)]


def _sum(name: str, data: dict[str, Any], point: dict[str, Any], ts: int, labels: Labels) -> list[Point]:
    value = _number_value(point)
    kind: MetricKind = "gauge"
    if data.get("isMonotonic"):
        if _temporality(data.get("aggregationTemporality")) == DELTA:
            if value < 0:
                raise EntryError(f"a monotonic DELTA sum cannot be negative, not {show(value)}")
            kind = "counter"
        elif not name.endswith("_total"):
            name = _suffixed(name, "_total")
    return [Point(name, kind, value, ts, labels)]


def _histogram(name: str, data: dict[str, Any], point: dict[str, Any], ts: int, labels: Labels) -> list[Point]:
    if labels:
        check_timing_labels(labels)
    get = point.get
    counts = [_uint64(n, f"bucketCounts[{i}]") for i, n in enumerate(_list(get("bucketCounts"), "bucketCounts"))]
    bounds = [_double(b, f"explicitBounds[{i}]") for i, b in enumerate(_list(get("explicitBounds"), "explicitBounds"))]
    if counts and len(counts) != len(bounds) + 1:
        raise EntryError(
            f"bucketCounts has {len(counts)} entries; with {len(bounds)} explicitBounds it must have {len(bounds) + 1}"
        )
    if not counts and bounds:
        raise EntryError("explicitBounds is given without bucketCounts")
    if any(low >= high for low, high in pairwise(bounds)):
        raise EntryError("explicitBounds must be strictly increasing")
    low_end = _optional_double(get("min"), "min")
    high_end = _optional_double(get("max"), "max")
    total = _optional_double(get("sum"), "sum")
    count = 0 if get("count") is None else _uint64(get("count"), "count")

    if len(counts) <= 1:  # one bucket, (-inf, +inf): only the mean is known
        population = counts[0] if counts else count
        if not population:
            return []
        if total is None:
            raise EntryError("a histogram point without explicitBounds needs a sum (its values are unknown)")
        return [Point(name, "timing", total / population, ts, labels, float(population))]
    last = len(bounds)
    made: list[Point] = []
    for i, weight in enumerate(counts):
        if not weight:
            continue
        if i == 0:
            high = bounds[0]
            if low_end is not None and low_end <= high:
                value = low_end / 2 + high / 2
            else:
                value = high / 2 if high > 0 else high
        elif i == last:
            low = bounds[-1]
            value = low / 2 + high_end / 2 if high_end is not None and high_end > low else low
        else:
            value = bounds[i - 1] / 2 + bounds[i] / 2
        made.append(Point(name, "timing", value, ts, labels, float(weight)))
    return made


def _summary(name: str, data: dict[str, Any], point: dict[str, Any], ts: int, labels: Labels) -> list[Point]:
    made: list[Point] = []
    for i, item in enumerate(_list(point.get("quantileValues"), "quantileValues")):
        if type(item) is not dict:
            raise EntryError(f"quantileValues[{i}] must be an object, not {json_type(item)}")
        quantile = _double(item.get("quantile", 0.0), f"quantileValues[{i}].quantile")
        if not 0.0 <= quantile <= 1.0:
            raise EntryError(f"quantileValues[{i}].quantile must be within [0, 1], not {show(quantile)}")
        value = _double(item.get("value", 0.0), f"quantileValues[{i}].value")
        with_quantile = {**dict(labels), "quantile": _float_text(quantile)}
        if len(with_quantile) > MAX_LABELS:
            raise EntryError(
                f"attributes give {len(labels)} labels; a summary adds quantile, and the limit is {MAX_LABELS}"
            )
        made.append(Point(name, "gauge", value, ts, tuple(sorted(with_quantile.items()))))
    total = _optional_double(point.get("sum"), "sum")
    count = point.get("count")
    made.append(Point(_suffixed(name, "_sum"), "gauge", 0.0 if total is None else total, ts, labels))
    made.append(
        Point(_suffixed(name, "_count"), "gauge", 0.0 if count is None else float(_uint64(count, "count")), ts, labels)
    )
    return made


def _rejected(name: str, data: dict[str, Any], point: dict[str, Any], ts: int, labels: Labels) -> list[Point]:
    raise EntryError(_data_problem("exponentialHistogram", data) or "not supported")  # unreachable: rejected first


_CONVERTERS = {
    "gauge": _gauge,
    "sum": _sum,
    "histogram": _histogram,
    "exponentialHistogram": _rejected,
    "summary": _summary,
}


def _head(point: Any, service: str | None, now_ms: int, check: bool) -> tuple[int, Labels] | None:
    """The point's time and labels; None for a point flagged as holding no recorded value."""
    if type(point) is not dict:
        raise EntryError(f"a data point must be an object, not {json_type(point)}")
    flags = point.get("flags")
    if type(flags) is int and flags & _FLAG_NO_RECORDED_VALUE:
        return None
    nanos = point.get("timeUnixNano")
    ts = now_ms
    if nanos is not None:
        nanos = _uint64(nanos, "timeUnixNano")
        if nanos:
            ts = nanos // 1_000_000
    return ts, _labels(point.get("attributes"), service, check)


def _labels(attributes: Any, service: str | None, check: bool) -> Labels:
    merged: dict[str, str] = {}
    if attributes is not None:
        values = key_values(attributes, 1)
        for key in sorted(values) if len(values) > 1 else values:
            text = _label_text(values[key])
            if not text:
                continue
            label = _label_name(key)
            merged[label] = f"{merged[label]};{text}" if label in merged else text
    if service is not None:
        merged["service"] = service
    if len(merged) > MAX_LABELS:
        raise EntryError(f"attributes give {len(merged)} labels; the limit is {MAX_LABELS}")
    for label, text in merged.items():
        if len(text) > MAX_LABEL_VALUE_CHARS:
            raise EntryError(f"attribute {label} is longer than {MAX_LABEL_VALUE_CHARS} characters")
        if check:
            check_label_value(label, text)
    return tuple(sorted(merged.items()))


def _label_name(key: str) -> str:
    name = _LABEL_NAMES.get(key)
    if name is not None:
        return name
    if not key:
        raise EntryError("an attribute key is empty")
    name = _invalid_label_chars("_", key)
    if name[0].isdigit():
        name = "key_" + name
    elif name.startswith("__"):
        name = "key" + name
    if len(name) > MAX_NAME_CHARS:
        raise EntryError(f"attribute key {show(key)} is longer than {MAX_NAME_CHARS} characters")
    if len(_LABEL_NAMES) < _LABEL_NAMES_MAX:
        _LABEL_NAMES[key] = name
    return name


def _label_text(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if kind is float:
        return _float_text(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _float_text(value: float) -> str:
    """1.0 as "1", 0.5 as "0.5": how the Prometheus exporter writes a quantile or a double attribute."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _suffixed(name: str, suffix: str) -> str:
    name += suffix
    if len(name) > MAX_NAME_CHARS:
        raise EntryError(f"metric name {show(name)} is longer than {MAX_NAME_CHARS} characters")
    return name


# -- numbers ---------------------------------------------------------------------------------------


def _number_value(point: dict[str, Any]) -> float:
    as_int, as_double = point.get("asInt"), point.get("asDouble")
    if as_int is not None:
        if as_double is not None:
            raise EntryError("a data point holds one of asInt and asDouble, not both")
        return float(int64(as_int, "asInt"))
    if as_double is not None:
        return _double(as_double, "asDouble")
    raise EntryError("a number data point needs asInt or asDouble")


def _list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if type(value) is not list:
        raise EntryError(f"{field} must be an array, not {json_type(value)}")
    return value


def _uint64(value: Any, field: str) -> int:
    number: int
    kind = type(value)
    if kind is int:
        number = value
    elif kind is str and value.isascii() and value.isdigit():
        number = int(value) if len(value) <= 20 else _MAX_UINT64 + 1
    elif kind is float and value.is_integer():
        number = int(value)
    else:
        raise EntryError(
            f"{field} must be an unsigned 64-bit integer (a decimal string or a number), not {show(value)}"
        )
    if not 0 <= number <= _MAX_UINT64:
        raise EntryError(f"{field} {show(value)} is out of range for an unsigned 64-bit integer")
    return number


def _double(value: Any, field: str) -> float:
    """A finite double: a JSON number, or a decimal string as the protobuf JSON mapping allows."""
    kind = type(value)
    number: float
    if kind is float:
        number = value
    elif kind is int:
        try:
            number = float(value)
        except OverflowError:
            raise EntryError(f"{field} {show(value)} is out of range") from None
    elif kind is str and value.isascii() and "_" not in value:
        try:
            number = float(value)
        except ValueError:
            raise EntryError(f"{field} must be a number, not {show(value)}") from None
    else:
        raise EntryError(f"{field} must be a number, not {json_type(value)}")
    if not math.isfinite(number):
        raise EntryError(f"{field} {show(value)} is not a finite number")
    return number


def _optional_double(value: Any, field: str) -> float | None:
    return None if value is None else _double(value, field)
