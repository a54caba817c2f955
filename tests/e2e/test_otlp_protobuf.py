"""OTLP/HTTP protobuf on real workerd, sent by the real OpenTelemetry Python SDK and its OTLP/HTTP
exporter (opentelemetry-exporter-otlp-proto-http, protobuf only), with and without gzip: logs through
Python logging's LoggingHandler and the SDK's logs API end up searchable, metrics queryable. Bad
protobuf is a 400, an unknown Content-Type a 415, and the answer to a protobuf request is protobuf."""

from __future__ import annotations

import gzip
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from google.rpc import status_pb2  # type: ignore[import-untyped]
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest, ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler, ReadableLogRecord
from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricExportResult, MetricsData, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from scripts.stack import Stack
from tests.e2e.conftest import INGEST_TOKEN, READ_TOKEN

AUTH = {"authorization": f"Bearer {INGEST_TOKEN}"}
READ = {"authorization": f"Bearer {READ_TOKEN}"}
PROTOBUF = {**AUTH, "content-type": "application/x-protobuf"}
COMPRESSIONS = [pytest.param(Compression.NoCompression, id="plain"), pytest.param(Compression.Gzip, id="gzip")]


def service_name() -> str:
    return f"otel-{uuid.uuid4().hex[:10]}"


def raw_post(stack: Stack, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(stack.base_url + path, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


class RecordingLogExporter(LogRecordExporter):
    """The SDK's OTLPLogExporter, unchanged, with each export's result kept for the test to check."""

    def __init__(self, inner: OTLPLogExporter) -> None:
        self.inner = inner
        self.results: list[LogRecordExportResult] = []

    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        result = self.inner.export(batch)
        self.results.append(result)
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()  # type: ignore[no-untyped-call]

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True


class RecordingMetricExporter(OTLPMetricExporter):
    """The SDK's OTLPMetricExporter with each export's result kept."""

    results: list[MetricExportResult]

    def export(
        self, metrics_data: MetricsData, timeout_millis: float | None = 10_000, **kwargs: Any
    ) -> MetricExportResult:
        result = super().export(metrics_data, timeout_millis, **kwargs)
        self.results = [*getattr(self, "results", []), result]
        return result


@pytest.mark.filterwarnings("ignore:.*LoggingHandler.*:DeprecationWarning")
@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_sdk_logs_over_protobuf_are_searchable(stack: Stack, compression: Compression) -> None:
    svc = service_name()
    exporter = RecordingLogExporter(
        OTLPLogExporter(endpoint=f"{stack.base_url}/v1/logs", headers=AUTH, compression=compression, timeout=30)
    )
    provider = LoggerProvider(resource=Resource.create({"service.name": svc, "deployment.environment": "e2e"}))
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    logger = logging.getLogger(f"e2e.{svc}")
    logger.propagate = False
    handler = LoggingHandler(level=logging.INFO, logger_provider=provider)
    logger.addHandler(handler)
    tracer = TracerProvider().get_tracer("e2e")
    try:
        with tracer.start_as_current_span("checkout") as span:
            logger.error("card declined ✓ for order %s", 42, extra={"order.id": 42, "retry": False})
        context = span.get_span_context()
        logger.warning("slow provider")
        provider.get_logger("e2e.api").emit(
            timestamp=time.time_ns(),
            severity_number=SeverityNumber.ERROR2,
            severity_text="ERROR",
            body={"event": "refund", "amount": 12.5},
            attributes={"refund.id": "r-1"},
        )
    finally:
        logger.removeHandler(handler)
        provider.shutdown()
    assert exporter.results == [LogRecordExportResult.SUCCESS] * 3

    status, found = stack.request("GET", "/logs/search?" + urllib.parse.urlencode({"service": svc}), headers=READ)
    assert status == 200, found
    matches = {m["message"]: m for m in found["matches"]}
    assert set(matches) == {"card declined ✓ for order 42", "slow provider", '{"event":"refund","amount":12.5}'}
    declined = matches["card declined ✓ for order 42"]
    assert declined["level"] == "error"
    assert declined["trace_id"] == format(context.trace_id, "032x")
    assert declined["span_id"] == format(context.span_id, "016x")
    assert declined["attributes"]["order.id"] == 42 and declined["attributes"]["retry"] is False
    assert declined["attributes"]["resource.deployment.environment"] == "e2e"
    assert matches["slow provider"]["level"] == "warn"
    refund = matches['{"event":"refund","amount":12.5}']
    assert refund["level"] == "error" and refund["attributes"]["refund.id"] == "r-1"
    by_trace = stack.request(
        "GET", "/logs/search?" + urllib.parse.urlencode({"trace_id": declined["trace_id"]}), headers=READ
    )
    assert [m["message"] for m in by_trace[1]["matches"]] == ["card declined ✓ for order 42"]


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_sdk_metrics_over_protobuf_are_queryable(stack: Stack, compression: Compression) -> None:
    svc = service_name()
    name = f"e2e_{uuid.uuid4().hex[:8]}"
    exporter = RecordingMetricExporter(
        endpoint=f"{stack.base_url}/v1/metrics", headers=AUTH, compression=compression, timeout=30
    )
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    provider = MeterProvider([reader], resource=Resource.create({"service.name": svc}))
    meter = provider.get_meter("e2e.meter")
    requests = meter.create_counter(f"{name}.requests")
    latency = meter.create_histogram(f"{name}.latency", unit="ms")
    requests.add(5, {"route": "/pay"})
    requests.add(2, {"route": "/pay"})
    for value in (3.0, 30.0, 300.0):
        latency.record(value, {"route": "/pay"})
    now = int(time.time() * 1000)
    provider.shutdown()  # one collection, exported once (a cumulative histogram exported twice would count twice)
    assert exporter.results == [MetricExportResult.SUCCESS]

    window = {"from": now - 600_000, "to": now + 600_000}
    total = query(stack, name=f"{name}_requests_total", agg="last", **window)
    [series] = total["series"]
    assert series["labels"] == {"route": "/pay", "service": svc}
    assert series["points"][-1][1] == 7.0
    count = query(stack, name=f"{name}_latency", agg="count", **window)
    assert sum(p[1] for s in count["series"] for p in s["points"]) == 3.0


def query(stack: Stack, **params: Any) -> dict[str, Any]:
    status, body = stack.request("GET", "/monitoring/metrics?" + urllib.parse.urlencode(params), headers=READ)
    assert status == 200, body
    result: dict[str, Any] = body
    return result


# -- the protocol's edges ----------------------------------------------------------------------------


def _logs_body(svc: str, severities: list[int]) -> bytes:
    message = ExportLogsServiceRequest()
    resource_logs = message.resource_logs.add()
    resource_logs.resource.attributes.add(key="service.name").value.string_value = svc
    scope = resource_logs.scope_logs.add()
    for i, severity in enumerate(severities):
        scope.log_records.add(severity_number=severity, time_unix_nano=time.time_ns()).body.string_value = f"r{i}"
    data: bytes = message.SerializeToString()
    return data


@pytest.mark.parametrize("path", ["/v1/logs", "/v1/metrics"])
def test_a_full_success_answers_an_empty_protobuf_response(stack: Stack, path: str) -> None:
    body = _logs_body(service_name(), [17]) if path == "/v1/logs" else ExportMetricsServiceRequest().SerializeToString()
    status, headers, answer = raw_post(stack, path, gzip.compress(body), {**PROTOBUF, "content-encoding": "gzip"})
    assert status == 200, answer
    assert headers["content-type"] == "application/x-protobuf"
    assert answer == b""  # an ExportLogsServiceResponse / ExportMetricsServiceResponse with nothing set


def test_a_partial_success_answers_a_protobuf_partial_success(stack: Stack) -> None:
    svc = service_name()
    status, headers, answer = raw_post(stack, "/v1/logs", _logs_body(svc, [17, 99, 13]), PROTOBUF)
    assert status == 200 and headers["content-type"] == "application/x-protobuf"
    response = ExportLogsServiceResponse.FromString(answer)
    assert response.partial_success.rejected_log_records == 1
    assert "log record 1: severityNumber 99 is out of range" in response.partial_success.error_message


def test_a_partial_success_keeps_the_good_records(stack: Stack) -> None:
    svc = service_name()
    status, _headers, _answer = raw_post(stack, "/v1/logs", _logs_body(svc, [17, 99, 13]), PROTOBUF)
    assert status == 200
    _status, found = stack.request("GET", "/logs/search?" + urllib.parse.urlencode({"service": svc}), headers=READ)
    assert sorted(m["message"] for m in found["matches"]) == ["r0", "r2"]


@pytest.mark.parametrize("path", ["/v1/logs", "/v1/metrics", "/v1/traces"])
@pytest.mark.parametrize(
    "case",
    [
        # (body, headers, status, a phrase of the error message)
        (b"\x0a\x05\x12\x03", PROTOBUF, 400, "is not a valid protobuf Export"),
        (gzip.compress(b"\x0a\x05\x12\x03"), {**PROTOBUF, "content-encoding": "gzip"}, 400, "runs past the end"),
        (b"\x0a\x05\x12\x03"[:2], {**PROTOBUF, "content-encoding": "gzip"}, 400, "not valid gzip"),
        (b"\x08" + b"\xff" * 11, PROTOBUF, 400, "a varint is longer than 10 bytes"),
        (b"\x00", {**AUTH, "content-type": "application/grpc"}, 415, "application/json, application/x-protobuf"),
        (b"\x00", {**AUTH, "content-type": "application/protobuf"}, 415, "application/x-protobuf"),
        (b"\x00", {"content-type": "application/x-protobuf"}, 401, ""),
    ],
)
def test_bad_protobuf_requests_get_a_clear_4xx(
    stack: Stack, path: str, case: tuple[bytes, dict[str, str], int, str]
) -> None:
    body, headers, status, phrase = case
    got, got_headers, raw = raw_post(stack, path, body, headers)
    assert got == status, raw
    if headers.get("content-type") == "application/x-protobuf":
        # OTLP/HTTP failures: a google.rpc.Status, in protobuf for a protobuf request.
        assert got_headers["content-type"].startswith("application/x-protobuf")
        refusal = status_pb2.Status.FromString(raw)
        assert refusal.code == {400: 3, 401: 16}[status] and phrase in refusal.message
    else:
        answer = json.loads(raw)
        assert phrase in answer["error"]["message"] and answer["message"] == answer["error"]["message"]
