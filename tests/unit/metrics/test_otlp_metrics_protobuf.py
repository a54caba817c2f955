"""OTLP metrics in protobuf, as the real OpenTelemetry SDK exports them, parse to the same points as
their OTLP/JSON equivalent; bad protobuf is a 400."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource

from edgewatch.errors import ApiError, BadRequest
from edgewatch.metrics.otlp import parse_otlp_metrics
from edgewatch.wire.otlp_body import OtlpEncoding
from tests.unit.wire.otlp_reference import reference
from tests.unit.wire.test_otlp_proto import metrics_request

NOW = 1_795_737_600_000
PROTOBUF = OtlpEncoding.PROTOBUF


def both(message: Any) -> tuple[Any, Any]:
    from_protobuf = parse_otlp_metrics(message.SerializeToString(), NOW, encoding=PROTOBUF)
    from_json = parse_otlp_metrics(json.dumps(reference(message)).encode(), NOW)
    return from_protobuf, from_json


@pytest.mark.parametrize("temporality", [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA])
def test_sdk_metrics_parse_as_their_json_equivalent(temporality: AggregationTemporality) -> None:
    from opentelemetry.sdk.metrics import Counter, Histogram, UpDownCounter

    reader = InMemoryMetricReader(
        preferred_temporality={
            Counter: temporality,
            Histogram: temporality,
            UpDownCounter: AggregationTemporality.CUMULATIVE,
        }
    )
    view = View(instrument_name="checkout.latency", aggregation=ExplicitBucketHistogramAggregation([10.0, 100.0]))
    provider = MeterProvider([reader], resource=Resource.create({"service.name": "checkout"}), views=[view])
    meter = provider.get_meter("checkout.meter")
    meter.create_counter("checkout.requests").add(3, {"route": "/pay"})
    for value in (5.0, 50.0, 500.0):
        meter.create_histogram("checkout.latency", unit="ms").record(value, {"route": "/pay"})
    meter.create_up_down_counter("checkout.inflight").add(-2)
    data = reader.get_metrics_data()
    assert data is not None
    message = encode_metrics(data)
    (points, errors), (json_points, json_errors) = both(message)
    assert (points, errors) == (json_points, json_errors) and errors == []
    by_name: dict[str, list[Any]] = {}
    for point in points:
        by_name.setdefault(point.name, []).append(point)
    requests = "checkout_requests" if temporality == AggregationTemporality.DELTA else "checkout_requests_total"
    [counter] = by_name[requests]
    assert counter.value == 3.0 and dict(counter.labels) == {"route": "/pay", "service": "checkout"}
    assert counter.kind == ("counter" if temporality == AggregationTemporality.DELTA else "gauge")
    assert sorted((p.value, p.weight) for p in by_name["checkout_latency"]) == [(7.5, 1.0), (55.0, 1.0), (300.0, 1.0)]
    assert [p.value for p in by_name["checkout_inflight"]] == [-2.0]
    provider.shutdown()


def test_bad_protobuf_is_a_400() -> None:
    message = ExportMetricsServiceRequest()
    message.resource_metrics.add().scope_metrics.add().metrics.add(name="x").gauge.data_points.add(as_double=1.0)
    body = message.SerializeToString()
    with pytest.raises(BadRequest, match="not a valid protobuf ExportMetricsServiceRequest"):
        parse_otlp_metrics(body[:-3], NOW, encoding=PROTOBUF)


RICH_BODY = metrics_request().SerializeToString()  # every kind of metric and data point


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=300))
def test_arbitrary_bytes_give_points_or_a_clear_api_error(body: bytes) -> None:
    try:
        parse_otlp_metrics(body, NOW, encoding=PROTOBUF)
    except ApiError as exc:
        assert exc.status in (400, 413) and exc.message


@settings(max_examples=300, deadline=None)
@given(cuts=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=3))
def test_mutated_rich_bodies_give_points_or_a_clear_api_error(cuts: list[tuple[int, int]]) -> None:
    data = bytearray(RICH_BODY)
    for where, value in cuts:
        data[where % len(data)] = value
    try:
        parse_otlp_metrics(bytes(data), NOW, encoding=PROTOBUF)
    except ApiError as exc:
        assert exc.status in (400, 413) and exc.message
