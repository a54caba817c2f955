from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.errors import ApiError, BadRequest, PayloadTooLarge
from edgewatch.metrics.model import MAX_LABELS, Point, parse_series_key, series_key, valid_label_name, valid_metric_name
from edgewatch.metrics.otlp import otlp_metrics_response, parse_otlp_metrics
from edgewatch.wire.items import LineError
from edgewatch.wire.timestamps import MAX_TS_MS
from tests.unit.metrics.test_model import json_values

NOW = 1_795_737_600_000
NS = 1544712660300000000  # the time of the opentelemetry-proto examples
MS = NS // 1_000_000
SERVICE = (("service", "my.service"),)

# The metrics example of opentelemetry-proto (examples/metrics.json, with the histogram as fixed in
# opentelemetry-proto#510): numbers for 64-bit ints, scope attributes (ignored), a delta counter, a
# gauge, and a delta histogram with min and max.
SPEC_EXAMPLE = {
    "resourceMetrics": [
        {
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "my.service"}}]},
            "scopeMetrics": [
                {
                    "scope": {
                        "name": "my.library",
                        "version": "1.0.0",
                        "attributes": [{"key": "my.scope.attribute", "value": {"stringValue": "some scope attribute"}}],
                    },
                    "metrics": [
                        {
                            "name": "my.counter",
                            "unit": "1",
                            "description": "I am a Counter",
                            "sum": {
                                "aggregationTemporality": 1,
                                "isMonotonic": True,
                                "dataPoints": [
                                    {
                                        "asDouble": 5,
                                        "startTimeUnixNano": NS,
                                        "timeUnixNano": NS,
                                        "attributes": [
                                            {"key": "my.counter.attr", "value": {"stringValue": "some value"}}
                                        ],
                                    }
                                ],
                            },
                        },
                        {
                            "name": "my.gauge",
                            "unit": "1",
                            "description": "I am a Gauge",
                            "gauge": {
                                "dataPoints": [
                                    {
                                        "asDouble": 10,
                                        "timeUnixNano": NS,
                                        "attributes": [
                                            {"key": "my.gauge.attr", "value": {"stringValue": "some value"}}
                                        ],
                                    }
                                ]
                            },
                        },
                        {
                            "name": "my.histogram",
                            "unit": "1",
                            "description": "I am a Histogram",
                            "histogram": {
                                "aggregationTemporality": 1,
                                "dataPoints": [
                                    {
                                        "startTimeUnixNano": NS,
                                        "timeUnixNano": NS,
                                        "count": 2,
                                        "sum": 2,
                                        "bucketCounts": [1, 1],
                                        "explicitBounds": [1],
                                        "min": 0,
                                        "max": 2,
                                        "attributes": [
                                            {"key": "my.histogram.attr", "value": {"stringValue": "some value"}}
                                        ],
                                    }
                                ],
                            },
                        },
                    ],
                }
            ],
        }
    ]
}


def test_spec_example() -> None:
    points, errors = parse_otlp_metrics(json.dumps(SPEC_EXAMPLE).encode(), NOW)
    assert errors == []
    hist_labels = (("my_histogram_attr", "some value"), *SERVICE)
    assert points == [
        Point("my_counter", "counter", 5.0, MS, (("my_counter_attr", "some value"), *SERVICE)),
        Point("my_gauge", "gauge", 10.0, MS, (("my_gauge_attr", "some value"), *SERVICE)),
        # (-inf, 1] closed by min 0: 0.5; (1, +inf) closed by max 2: 1.5
        Point("my_histogram", "timing", 0.5, MS, hist_labels, 1.0),
        Point("my_histogram", "timing", 1.5, MS, hist_labels, 1.0),
    ]


def request(*metrics: dict[str, Any], service: str | None = None) -> bytes:
    resource_metrics: dict[str, Any] = {"scopeMetrics": [{"metrics": list(metrics)}]}
    if service is not None:
        resource_metrics["resource"] = {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]}
    return json.dumps({"resourceMetrics": [resource_metrics]}).encode()


def gauge(*points: dict[str, Any], name: str = "g") -> dict[str, Any]:
    return {"name": name, "gauge": {"dataPoints": list(points)}}


def parse(*metrics: dict[str, Any], service: str | None = None) -> tuple[list[Point], list[LineError]]:
    return parse_otlp_metrics(request(*metrics, service=service), NOW)


def only(metric: dict[str, Any]) -> list[Point]:
    points, errors = parse(metric)
    assert errors == []
    return points


def problem(metric: dict[str, Any]) -> str:
    points, errors = parse(metric)
    assert points == []
    [error] = errors
    return error.error


# -- numbers, times ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("point", "value", "ts"),
    [
        ({"asDouble": 0.75, "timeUnixNano": str(NS)}, 0.75, MS),  # ns as a decimal string
        ({"asDouble": 0.75, "timeUnixNano": NS}, 0.75, MS),  # ns as a number
        ({"asDouble": 0.75, "timeUnixNano": "0"}, 0.75, NOW),  # 0: unspecified, the time of receipt
        ({"asDouble": 0.75}, 0.75, NOW),  # missing: the time of receipt
        ({"asInt": "42"}, 42.0, NOW),  # asInt as a string
        ({"asInt": -7}, -7.0, NOW),  # asInt as a number
        ({"asInt": "-9223372036854775808"}, float(-(2**63)), NOW),  # the smallest int64
        ({"asDouble": "1.5"}, 1.5, NOW),  # a double as a string (protobuf JSON allows it)
        ({"asDouble": 3}, 3.0, NOW),  # an integral double
        ({"asDouble": 1e300}, 1e300, NOW),  # a large one
        ({"asDouble": 1.0, "flags": 0}, 1.0, NOW),  # no flags
    ],
)
def test_number_points(point: dict[str, Any], value: float, ts: int) -> None:
    assert only(gauge(point)) == [Point("g", "gauge", value, ts, ())]


@pytest.mark.parametrize(
    ("point", "message"),
    [
        ({}, "needs asInt or asDouble"),  # no value
        ({"asInt": 1, "asDouble": 1.0}, "not both"),  # both
        ({"asInt": "1.5"}, "64-bit integer"),  # not an integer
        ({"asInt": True}, "64-bit integer"),  # a boolean
        ({"asInt": "9223372036854775808"}, "does not fit in 64 bits"),  # int64 max + 1
        ({"asDouble": "NaN"}, "not a finite number"),  # valid protobuf JSON, but not storable
        ({"asDouble": "Infinity"}, "not a finite number"),
        ({"asDouble": "fast"}, "must be a number"),
        ({"asDouble": [1]}, "must be a number, not an array"),
        ({"asDouble": 1, "timeUnixNano": "-1"}, "unsigned 64-bit"),  # a negative time
        ({"asDouble": 1, "timeUnixNano": "18446744073709551616"}, "out of range"),  # 2**64
        ({"asDouble": 1, "timeUnixNano": 1.5}, "unsigned 64-bit"),
        ("point", "must be an object"),  # not an object
    ],
)
def test_bad_number_points(point: Any, message: str) -> None:
    assert message in problem(gauge(point))


def test_a_point_without_a_recorded_value_gives_nothing() -> None:
    # FLAG_NO_RECORDED_VALUE (1) marks a stream that ended: no value and no error.
    assert only(gauge({"flags": 1}, {"asInt": 3, "flags": 2})) == [Point("g", "gauge", 3.0, NOW, ())]


def test_times_past_2262_fit() -> None:
    # fixed64 nanoseconds reach 2554; milliseconds of that still fit our range
    [point] = only(gauge({"asInt": 1, "timeUnixNano": str(2**64 - 1)}))
    assert point.ts == (2**64 - 1) // 1_000_000 <= MAX_TS_MS


# -- sums ------------------------------------------------------------------------------------------


def a_sum(temporality: Any, monotonic: Any, value: float = 3, name: str = "reqs") -> dict[str, Any]:
    data: dict[str, Any] = {"dataPoints": [{"asDouble": value}]}
    if temporality is not None:
        data["aggregationTemporality"] = temporality
    if monotonic is not None:
        data["isMonotonic"] = monotonic
    return {"name": name, "sum": data}


@pytest.mark.parametrize(
    ("metric", "name", "kind"),
    [
        (a_sum(1, True), "reqs", "counter"),  # monotonic DELTA: an increment
        (a_sum("AGGREGATION_TEMPORALITY_DELTA", True), "reqs", "counter"),  # the enum by name
        (a_sum(2, True), "reqs_total", "gauge"),  # monotonic CUMULATIVE: a running total, kept as a level
        (a_sum(2, True, name="reqs_total"), "reqs_total", "gauge"),  # _total is not added twice
        (a_sum("AGGREGATION_TEMPORALITY_CUMULATIVE", True), "reqs_total", "gauge"),
        (a_sum(2, False), "reqs", "gauge"),  # an UpDownCounter, CUMULATIVE: its level
        (a_sum(2, None), "reqs", "gauge"),  # isMonotonic defaults to false
        (a_sum(2, False, value=-4), "reqs", "gauge"),  # and can go below zero
    ],
)
def test_sums(metric: dict[str, Any], name: str, kind: str) -> None:
    [point] = only(metric)
    assert (point.name, point.kind) == (name, kind)


@pytest.mark.parametrize(
    ("metric", "message"),
    [
        (a_sum(1, False), "non-monotonic sum with DELTA"),  # changes, not levels
        (a_sum(None, True), "must be 1 (DELTA) or 2 (CUMULATIVE), not None"),  # UNSPECIFIED
        (a_sum(0, True), "must be 1 (DELTA) or 2 (CUMULATIVE), not 0"),
        (a_sum(3, True), "must be 1 (DELTA) or 2 (CUMULATIVE)"),
        (a_sum(True, True), "must be 1 (DELTA) or 2 (CUMULATIVE)"),  # a boolean is not 1
        (a_sum("DELTA", True), "must be 1 (DELTA) or 2 (CUMULATIVE)"),  # only the full enum name
        (a_sum(1, "yes"), "isMonotonic must be true or false"),
        (a_sum(1, True, value=-1), "cannot be negative"),  # a monotonic increment
        (a_sum(2, True, name="n" * 195), "longer than 200"),  # no room for _total
    ],
)
def test_bad_sums(metric: dict[str, Any], message: str) -> None:
    assert message in problem(metric)


# -- histograms ------------------------------------------------------------------------------------


def histogram(**point: Any) -> dict[str, Any]:
    return {"name": "lat", "histogram": {"aggregationTemporality": 2, "dataPoints": [point]}}


@pytest.mark.parametrize(
    ("point", "values"),
    [
        # buckets (-inf,1] (1,5] (5,10] (10,+inf): first = upper / 2, middle = midpoint, last = lower bound
        ({"bucketCounts": ["2", "3", "0", "1"], "explicitBounds": [1, 5, 10]}, [(0.5, 2), (3.0, 3), (10.0, 1)]),
        # the same with counts as numbers, and empty buckets skipped
        ({"bucketCounts": [0, 0, 4, 0], "explicitBounds": [1, 5, 10]}, [(7.5, 4)]),
        # min and max close the open buckets
        (
            {"bucketCounts": [1, 0, 0, 1], "explicitBounds": [1, 5, 10], "min": 0.2, "max": 30},
            [(0.6, 1), (20.0, 1)],
        ),
        # a min above the first bound or a max below the last (inconsistent input) is not used
        ({"bucketCounts": [1, 1], "explicitBounds": [1], "min": 3, "max": 0.5}, [(0.5, 1), (1.0, 1)]),
        # a first bound at or below zero: the bound itself (half of it would fall outside the bucket)
        ({"bucketCounts": [1, 1], "explicitBounds": [-4]}, [(-4.0, 1), (-4.0, 1)]),
        ({"bucketCounts": [1, 0], "explicitBounds": [0]}, [(0.0, 1)]),
        # no bounds: one bucket (-inf, +inf), known only by its mean
        ({"bucketCounts": ["4"], "sum": 10}, [(2.5, 4)]),
        ({"count": "4", "sum": 10}, [(2.5, 4)]),
        # an empty population gives nothing
        ({"count": 0}, []),
        ({"bucketCounts": [0, 0], "explicitBounds": [1]}, []),
        ({}, []),
        # counts as large as uint64 allows
        ({"bucketCounts": ["0", str(2**64 - 1)], "explicitBounds": [1]}, [(1.0, float(2**64 - 1))]),
    ],
)
def test_histograms(point: dict[str, Any], values: list[tuple[float, float]]) -> None:
    points = only(histogram(**point))
    assert all(p.name == "lat" and p.kind == "timing" for p in points)
    assert [(p.value, p.weight) for p in points] == values


@pytest.mark.parametrize(
    ("point", "message"),
    [
        ({"bucketCounts": [1, 1, 1], "explicitBounds": [1]}, "must have 2"),  # the unfixed spec example
        ({"bucketCounts": [1], "explicitBounds": [1]}, "must have 2"),
        ({"explicitBounds": [1]}, "without bucketCounts"),
        ({"bucketCounts": [1, 1, 1], "explicitBounds": [5, 1]}, "strictly increasing"),
        ({"bucketCounts": [1, 1, 1], "explicitBounds": [1, 1]}, "strictly increasing"),
        ({"bucketCounts": [-1, 1], "explicitBounds": [1]}, "bucketCounts[0]"),
        ({"bucketCounts": ["x", 1], "explicitBounds": [1]}, "bucketCounts[0]"),
        ({"bucketCounts": [1, 1], "explicitBounds": ["Infinity"]}, "not a finite number"),
        ({"bucketCounts": "1,1", "explicitBounds": [1]}, "bucketCounts must be an array"),
        ({"bucketCounts": [1, 1], "explicitBounds": [1], "min": "low"}, "min must be a number"),
        ({"count": 3}, "needs a sum"),  # a population without any value to place it at
        ({"count": -3}, "unsigned 64-bit"),
        # timings are scraped as summaries, which use the label quantile themselves
        ({"count": 1, "sum": 1, "attributes": [{"key": "quantile", "value": {"stringValue": "x"}}]}, "reserved"),
    ],
)
def test_bad_histograms(point: dict[str, Any], message: str) -> None:
    assert message in problem(histogram(**point))


def test_exponential_histograms_are_rejected_point_by_point() -> None:
    metric = {"name": "e", "exponentialHistogram": {"aggregationTemporality": 1, "dataPoints": [{}, {}]}}
    points, errors = parse(metric, gauge({"asInt": 1}))
    assert points == [Point("g", "gauge", 1.0, NOW, ())]
    assert [e.index for e in errors] == [0, 1]
    assert all("exponentialHistogram is not supported" in e.error for e in errors)


# -- summaries -------------------------------------------------------------------------------------


def test_summaries_become_quantile_gauges_with_sum_and_count() -> None:
    metric = {
        "name": "rpc.duration",
        "summary": {
            "dataPoints": [
                {
                    "count": "10",
                    "sum": 12.5,
                    "quantileValues": [
                        {"quantile": 0.5, "value": 1},
                        {"quantile": 0.99, "value": 4.5},
                        {"quantile": 1, "value": 9},
                    ],
                    "attributes": [{"key": "method", "value": {"stringValue": "GET"}}],
                }
            ]
        },
    }
    method = (("method", "GET"),)
    assert only(metric) == [
        Point("rpc_duration", "gauge", 1.0, NOW, (("method", "GET"), ("quantile", "0.5"))),
        Point("rpc_duration", "gauge", 4.5, NOW, (("method", "GET"), ("quantile", "0.99"))),
        Point("rpc_duration", "gauge", 9.0, NOW, (("method", "GET"), ("quantile", "1"))),
        Point("rpc_duration_sum", "gauge", 12.5, NOW, method),
        Point("rpc_duration_count", "gauge", 10.0, NOW, method),
    ]


@pytest.mark.parametrize(
    ("point", "message"),
    [
        ({"quantileValues": [{"quantile": 1.5, "value": 1}]}, "within [0, 1]"),
        ({"quantileValues": [{"quantile": 0.5, "value": "NaN"}]}, "not a finite number"),
        ({"quantileValues": [3]}, "quantileValues[0] must be an object"),
        ({"quantileValues": {}}, "quantileValues must be an array"),
        (
            {
                "quantileValues": [{"quantile": 0.5, "value": 1}],
                "attributes": [{"key": f"k{i}", "value": {"intValue": i}} for i in range(MAX_LABELS)],
            },
            "a summary adds quantile",
        ),
    ],
)
def test_bad_summaries(point: dict[str, Any], message: str) -> None:
    assert message in problem({"name": "s", "summary": {"dataPoints": [point]}})


# -- names and labels ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("http.server.duration", "http_server_duration"),  # dots
        ("process.runtime/gc-count", "process_runtime_gc_count"),  # '/' and '-'
        ("ns:metric_1", "ns:metric_1"),  # already a Prometheus name
        ("1st.metric", "_1st_metric"),  # a leading digit
        ("größe", "gr__e"),  # non-ASCII letters
    ],
)
def test_metric_names_become_prometheus_names(name: str, want: str) -> None:
    [point] = only(gauge({"asInt": 1}, name=name))
    assert point.name == want


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "metric name is empty"),
        (None, "metric name must be a string, not null"),
        (7, "metric name must be a string, not a number"),
        ("m" * 201, "longer than 200"),
    ],
)
def test_bad_metric_names_reject_every_point(name: Any, message: str) -> None:
    points, errors = parse({"name": name, "gauge": {"dataPoints": [{"asInt": 1}, {"asInt": 2}]}})
    assert points == []
    assert [e.index for e in errors] == [0, 1]
    assert all(message in e.error for e in errors)


def kv(key: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"key": key, "value": value}


@pytest.mark.parametrize(
    ("attributes", "labels"),
    [
        ([kv("http.method", {"stringValue": "GET"})], (("http_method", "GET"),)),  # '.' -> '_'
        ([kv("2xx", {"stringValue": "y"})], (("key_2xx", "y"),)),  # a leading digit
        ([kv("__meta", {"stringValue": "y"})], (("key__meta", "y"),)),  # a reserved prefix
        ([kv("_ok", {"stringValue": "y"})], (("_ok", "y"),)),  # one underscore is fine
        ([kv("code", {"intValue": "200"})], (("code", "200"),)),  # non-strings as JSON
        ([kv("ok", {"boolValue": True})], (("ok", "true"),)),
        ([kv("ratio", {"doubleValue": 0.25}), kv("whole", {"doubleValue": 2.0})], (("ratio", "0.25"), ("whole", "2"))),
        ([kv("tags", {"arrayValue": {"values": [{"stringValue": "a"}, {"intValue": 1}]}})], (("tags", '["a",1]'),)),
        ([kv("m", {"kvlistValue": {"values": [kv("k", {"stringValue": "v"})]}})], (("m", '{"k":"v"}'),)),
        ([kv("empty", {}), kv("blank", {"stringValue": ""})], ()),  # no value: no label
        # keys that clean to the same name: values joined with ';' in the order of the original keys
        ([kv("a_b", {"stringValue": "2"}), kv("a.b", {"stringValue": "1"})], (("a_b", "1;2"),)),
        ([kv("a", {"stringValue": "1"}), kv("a", {"stringValue": "2"})], (("a", "2"),)),  # a repeated key: the last
    ],
)
def test_attributes_become_labels(attributes: list[dict[str, Any]], labels: tuple[tuple[str, str], ...]) -> None:
    [point] = only(gauge({"asInt": 1, "attributes": attributes}))
    assert point.labels == labels


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ([kv("", {"stringValue": "x"})], "attribute key is empty"),
        ([kv("k", {"stringValue": "v" * 201})], "longer than 200"),
        ([kv("k" * 201, {"stringValue": "v"})], "longer than 200"),
        ([kv(f"k{i}", {"intValue": i}) for i in range(MAX_LABELS + 1)], f"the limit is {MAX_LABELS}"),
        ("x", "attributes must be an array"),
        ([kv("k", {"intValue": "x"})], "intValue"),
        ([kv("k", {"stringValue": 5})], "stringValue must be a string"),
    ],
)
def test_bad_attributes(attributes: Any, message: str) -> None:
    assert message in problem(gauge({"asInt": 1, "attributes": attributes}))


def test_service_name_becomes_the_service_label() -> None:
    metric = gauge({"asInt": 1, "attributes": [kv("service", {"stringValue": "mine"}), kv("a", {"stringValue": "1"})]})
    [point] = parse(metric, service="checkout")[0]
    assert point.labels == (("a", "1"), ("service", "checkout"))  # the resource's wins
    [point] = parse(metric, service="my service/v2")[0]
    assert dict(point.labels)["service"] == "my_service_v2"  # cleaned as for logs


def test_other_resource_attributes_are_ignored() -> None:
    body = {
        "resourceMetrics": [
            {
                "resource": {"attributes": [kv("host.name", {"stringValue": "h1"}), {"bad": "entry"}]},
                "scopeMetrics": [{"metrics": [gauge({"asInt": 1})]}],
            }
        ]
    }
    assert parse_otlp_metrics(json.dumps(body).encode(), NOW) == ([Point("g", "gauge", 1.0, NOW, ())], [])


def test_a_lone_surrogate_in_an_attribute_is_rejected() -> None:
    body = request(gauge({"asInt": 1, "attributes": [kv("k", {"stringValue": "PLACEHOLDER"})]}, {"asInt": 2}))
    body = body.replace(b"PLACEHOLDER", b"\\udc00")
    points, errors = parse_otlp_metrics(body, NOW)
    assert [e.index for e in errors] == [0]
    assert "surrogate" in errors[0].error
    assert [p.value for p in points] == [2.0]


# -- envelope and body -----------------------------------------------------------------------------


def test_indexes_run_over_all_points_of_the_request() -> None:
    body = {
        "resourceMetrics": [
            {"scopeMetrics": [{"metrics": [gauge({"asInt": 1}, {}), a_sum(1, False)]}]},
            {"scopeMetrics": [{"metrics": [gauge({"asDouble": "x"}, {"asInt": 4})]}, {"metrics": []}]},
        ]
    }
    points, errors = parse_otlp_metrics(json.dumps(body).encode(), NOW)
    assert [p.value for p in points] == [1.0, 4.0]
    assert [e.index for e in errors] == [1, 2, 3]


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (b"", BadRequest, "empty body"),
        (b"{", BadRequest, "not valid JSON"),
        (b"[]", BadRequest, "must be a JSON object"),
        (b'{"resourceMetrics": {}}', BadRequest, "resourceMetrics must be an array"),
        (b'{"resourceMetrics": [3]}', BadRequest, "resourceMetrics[0] must be an object"),
        (b'{"resourceMetrics": [{"resource": 1}]}', BadRequest, "resourceMetrics[0].resource must be an object"),
        (b'{"resourceMetrics": [{"scopeMetrics": "x"}]}', BadRequest, "resourceMetrics[0].scopeMetrics must be"),
        (
            b'{"resourceMetrics": [{"scopeMetrics": [{"metrics": [{"name": "a", "gauge": []}]}]}]}',
            BadRequest,
            "resourceMetrics[0].scopeMetrics[0].metrics[0].gauge must be an object",
        ),
        (
            b'{"resourceMetrics": [{"scopeMetrics": [{"metrics": [{"name": "a", "gauge": {"dataPoints": {}}}]}]}]}',
            BadRequest,
            "metrics[0].gauge.dataPoints must be an array",
        ),
        (
            b'{"resourceMetrics": [{"scopeMetrics": [{"metrics": [{"name": "a", "gauge": {}, "sum": {}}]}]}]}',
            BadRequest,
            "has gauge and sum; a metric holds exactly one",
        ),
    ],
)
def test_bad_envelopes(body: bytes, error: type[ApiError], message: str) -> None:
    with pytest.raises(error) as info:
        parse_otlp_metrics(body, NOW)
    assert message in info.value.message


def test_empty_requests_and_metrics_without_data_give_nothing() -> None:
    assert parse_otlp_metrics(b"{}", NOW) == ([], [])
    assert parse_otlp_metrics(b'{"resourceMetrics": []}', NOW) == ([], [])
    assert parse(
        {"name": "x", "unit": "s"},  # no data at all
        {"name": "y", "gauge": {"dataPoints": []}},  # no points
        {"name": "z", "someFutureKind": {"dataPoints": [{}]}},  # a kind unknown to us is ignored
    ) == ([], [])


def test_the_limit_counts_histogram_buckets_and_summary_quantiles() -> None:
    hist = histogram(bucketCounts=[1, 1, 1], explicitBounds=[1, 2])
    assert len(parse_otlp_metrics(request(hist), NOW, max_points=3)[0]) == 3
    with pytest.raises(PayloadTooLarge):
        parse_otlp_metrics(request(hist), NOW, max_points=2)
    summary = {"name": "s", "summary": {"dataPoints": [{"quantileValues": [{"quantile": 0.5, "value": 1}]}]}}
    assert len(parse_otlp_metrics(request(summary), NOW, max_points=3)[0]) == 3
    with pytest.raises(PayloadTooLarge):
        parse_otlp_metrics(request(summary, gauge({"asInt": 1})), NOW, max_points=3)


# -- the response ----------------------------------------------------------------------------------


def test_response_on_full_success_is_empty() -> None:
    assert otlp_metrics_response([]) == {}


def test_response_names_the_first_errors_and_counts_all() -> None:
    errors = [LineError(i, f"bad {i}") for i in range(7)]
    body = otlp_metrics_response(errors)
    assert body["partialSuccess"]["rejectedDataPoints"] == 7
    message = body["partialSuccess"]["errorMessage"]
    assert message.startswith("data point 0: bad 0; data point 1: bad 1")
    assert "data point 4: bad 4; and 2 more" in message
    assert "bad 5" not in message


# -- fuzzing ---------------------------------------------------------------------------------------

any_values = st.fixed_dictionaries(
    {},
    optional={
        "stringValue": st.text(max_size=5) | json_values,
        "intValue": st.integers() | st.text(max_size=5),
        "doubleValue": st.floats() | st.text(max_size=5),
        "boolValue": json_values,
    },
)
attributes = st.lists(
    st.fixed_dictionaries(
        {"key": st.sampled_from(["quantile", "a.b"]) | st.text(max_size=6) | json_values, "value": any_values}
    ),
    max_size=4,
)
numbers = st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | st.text(max_size=8) | json_values
data_points = st.fixed_dictionaries(
    {},
    optional={
        "asInt": numbers,
        "asDouble": numbers,
        "timeUnixNano": numbers,
        "flags": numbers,
        "attributes": attributes | json_values,
        "bucketCounts": st.lists(numbers, max_size=5) | json_values,
        "explicitBounds": st.lists(numbers, max_size=4) | json_values,
        "count": numbers,
        "sum": numbers,
        "min": numbers,
        "max": numbers,
        "quantileValues": st.lists(st.fixed_dictionaries({"quantile": numbers, "value": numbers}), max_size=3)
        | json_values,
    },
)
metric_data = st.fixed_dictionaries(
    {"dataPoints": st.lists(data_points | json_values, max_size=3)},
    optional={
        "aggregationTemporality": st.sampled_from([0, 1, 2, "AGGREGATION_TEMPORALITY_DELTA"]) | json_values,
        "isMonotonic": st.booleans() | json_values,
    },
)
metrics = st.fixed_dictionaries(
    {"name": st.sampled_from(["a.b", "x_total", "", "9", "ok"]) | json_values},
    optional=dict.fromkeys(("gauge", "sum", "histogram", "exponentialHistogram", "summary"), metric_data),
)
requests = st.fixed_dictionaries(
    {
        "resourceMetrics": st.lists(
            st.fixed_dictionaries(
                {
                    "scopeMetrics": st.lists(
                        st.fixed_dictionaries({"metrics": st.lists(metrics, max_size=3)}), max_size=2
                    )
                },
                optional={"resource": st.fixed_dictionaries({"attributes": attributes})},
            ),
            max_size=2,
        )
    }
)


def assert_valid_outcome(body: bytes, max_points: int = 50_000) -> None:
    """A 4xx ApiError, or points that can be stored and a response that can be sent."""
    try:
        points, errors = parse_otlp_metrics(body, NOW, max_points)
    except ApiError as exc:
        assert 400 <= exc.status < 500
        assert exc.message
        return
    indexes = [error.index for error in errors]
    assert indexes == sorted(set(indexes))
    assert len(points) <= max_points
    json.dumps(otlp_metrics_response(errors))
    for point in points:
        assert valid_metric_name(point.name)
        assert point.kind in ("counter", "gauge", "timing")
        assert math.isfinite(point.value) and math.isfinite(point.weight) and point.weight > 0
        assert point.kind != "counter" or point.value >= 0
        assert 0 <= point.ts <= MAX_TS_MS
        names = [name for name, _ in point.labels]
        assert names == sorted(set(names)) and len(names) <= MAX_LABELS
        assert point.kind != "timing" or "quantile" not in names
        for name, value in point.labels:
            assert valid_label_name(name) and 0 < len(value) <= 200
            value.encode("utf-8")
        assert parse_series_key(series_key(point.name, point.labels)) == (point.name, point.labels)


@given(st.binary(max_size=400))
def test_fuzz_bytes(body: bytes) -> None:
    assert_valid_outcome(body)


@given(json_values)
def test_fuzz_json_values(value: Any) -> None:
    assert_valid_outcome(json.dumps(value).encode())


@given(requests)
def test_fuzz_otlp_shaped(value: Any) -> None:
    assert_valid_outcome(json.dumps(value).encode(), max_points=6)
