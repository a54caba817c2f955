"""Distributed tracing end to end on real workerd, fed by the real OpenTelemetry Python SDK and its
OTLP/HTTP exporter (protobuf, gzip), across two services with W3C context propagation.

A stack of its own ("test" environment) whose tail sampler keeps no share of the ordinary traces
(``share`` 0), so what it keeps is exactly the error traces and the slow ones; its decision wait is
one second. ``POST /apm/_test/flush`` runs the shards' flush now (``force`` decides every trace).
"""

from __future__ import annotations

import gzip
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.rpc import status_pb2  # type: ignore[import-untyped]
from opentelemetry import context as otel_context
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.propagate import extract, inject
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.trace import SpanKind, Status, StatusCode

from scripts.stack import Stack

READ_TOKEN = "apm-trace-read-01"
INGEST_TOKEN = "apm-trace-ingest-01"
SENTRY_KEY = "0123456789abcdef0123456789abcdef"
READ = {"authorization": f"Bearer {READ_TOKEN}"}
INGEST = {"authorization": f"Bearer {INGEST_TOKEN}"}
CONFIG = {
    "apm": {
        "apdexThresholdMs": 100,
        "sampling": {"share": 0.0, "slowRootMs": 1500, "decisionWait": "1s", "maxWait": "1m"},
        "buffer": {"shards": 2},
    },
    # A rule on the per-endpoint series the traces feed to the metrics store (its Slack webhook
    # goes nowhere: the test reads the rule's state, not the notification).
    "alerting": {
        "channels": {"slack": {"enabled": True, "webhook": "http://127.0.0.1:9/hook"}},
        "rules": [
            {"name": "APM errors", "condition": "apm_error_rate > 0.2", "severity": "warning", "channels": ["slack"]}
        ],
    },
}


@pytest.fixture(scope="module")
def trace_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("apm-traces")
    stack = Stack(
        persist_dir=root / "state",
        log_path=root / "wrangler.log",
        environment="test",
        dashboard_port=None,
        example_api=False,
        extra_vars={
            "READ_TOKENS": READ_TOKEN,
            "LOG_INGEST_TOKENS": json.dumps({INGEST_TOKEN: "*"}),
            "MONITORING_CONFIG_JSON": json.dumps(CONFIG),
            "SENTRY_PROJECT_KEYS": f"1:{SENTRY_KEY}",
        },
    )
    stack.start()
    yield stack
    stack.stop()


def http(
    stack: Stack, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    req = urllib.request.Request(stack.base_url + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            status, got, raw = resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        status, got, raw = err.code, dict(err.headers), err.read()
    lowered = {k.lower(): v for k, v in got.items()}
    try:
        return status, lowered, json.loads(raw) if raw else None
    except ValueError:
        return status, lowered, raw


class Recording(OTLPSpanExporter):
    """The SDK's exporter, unchanged, with each export's result kept."""

    results: list[SpanExportResult]

    def export(self, spans: Any) -> SpanExportResult:
        result = super().export(spans)
        self.results.append(result)
        return result


def provider(stack: Stack, service: str) -> tuple[TracerProvider, Recording]:
    exporter = Recording(
        endpoint=f"{stack.base_url}/v1/traces", headers=INGEST, compression=Compression.Gzip, timeout=30
    )
    exporter.results = []
    tracer_provider = TracerProvider(resource=Resource.create({"service.name": service, "deployment.environment": "t"}))
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    return tracer_provider, exporter


def hex_trace(span: Any) -> str:
    return f"{span.get_span_context().trace_id:032x}"


def request_through_two_services(stack: Stack, front: str, back: str, *, fail: bool = False, slow_ms: int = 0) -> str:
    """A server span in ``front`` calling ``back`` over HTTP (a client span, the traceparent carried
    in headers as the SDK's propagator writes it), ``back`` serving it with a server span and a
    database child. Returns the trace id."""
    front_provider, front_exporter = provider(stack, front)
    back_provider, back_exporter = provider(stack, back)
    ft, bt = front_provider.get_tracer("shop"), back_provider.get_tracer("inventory")
    start = time.time_ns()
    with ft.start_as_current_span(
        "GET /api/orders/:id",
        kind=SpanKind.SERVER,
        attributes={"http.route": "/api/orders/:id", "http.request.method": "GET", "user.email": "ann@example.com"},
        start_time=start,
        end_on_exit=False,
    ) as root:
        with ft.start_as_current_span("GET inventory", kind=SpanKind.CLIENT) as client:
            headers: dict[str, str] = {}
            inject(headers)
            token = otel_context.attach(extract(headers))
            try:
                with bt.start_as_current_span(
                    "GET /stock",
                    kind=SpanKind.SERVER,
                    attributes={"http.route": "/stock", "http.request.method": "GET"},
                ) as served:
                    with bt.start_as_current_span("SELECT stock", kind=SpanKind.CLIENT, attributes={"db.system": "d1"}):
                        pass
                    if fail:
                        served.set_status(Status(StatusCode.ERROR, "out of stock"))
                        served.record_exception(RuntimeError("out of stock"))
            finally:
                otel_context.detach(token)
            client.set_attribute("peer.service", back)
        root.end(end_time=start + slow_ms * 1_000_000 + 5_000_000)
    for p in (front_provider, back_provider):
        p.force_flush()
        p.shutdown()
    assert front_exporter.results and all(r is SpanExportResult.SUCCESS for r in front_exporter.results)
    assert back_exporter.results and all(r is SpanExportResult.SUCCESS for r in back_exporter.results)
    return hex_trace(root)


def flush(stack: Stack, force: bool = True) -> list[dict[str, Any]]:
    status, _, body = http(stack, "POST", f"/apm/_test/flush?force={'true' if force else 'false'}")
    assert status == 200, body
    return list(body["shards"])


def get_trace(stack: Stack, trace_id: str) -> tuple[int, Any]:
    status, _, body = http(stack, "GET", f"/apm/traces/{trace_id}", headers=READ)
    return status, body


def names() -> tuple[str, str]:
    tag = uuid.uuid4().hex[:8]
    return f"shop-{tag}", f"inventory-{tag}"


def test_sdk_protobuf_export_is_one_trace_across_two_services_in_tree_order(trace_stack: Stack) -> None:
    front, back = names()
    trace_id = request_through_two_services(trace_stack, front, back, fail=True)
    # Readable while buffered, before any decision.
    status, view = get_trace(trace_stack, trace_id)
    assert status == 200, view
    assert view["span_count"] == 4 and view["services"] == sorted([front, back])
    assert [(s["name"], s["depth"]) for s in view["spans"]] == [
        ("GET /api/orders/:id", 0),
        ("GET inventory", 1),
        ("GET /stock", 2),
        ("SELECT stock", 3),
    ]
    by_name = {s["name"]: s for s in view["spans"]}
    assert by_name["GET inventory"]["parent_id"] == by_name["GET /api/orders/:id"]["span_id"]
    assert by_name["GET /stock"]["parent_id"] == by_name["GET inventory"]["span_id"]
    assert by_name["GET /api/orders/:id"]["kind"] == "server" and by_name["GET inventory"]["kind"] == "client"
    assert all(s["offset_ms"] >= 0 for s in view["spans"]) and view["spans"][0]["offset_ms"] == 0
    assert by_name["GET /stock"]["status"] == "error" and by_name["GET /stock"]["status_message"] == "out of stock"
    assert by_name["GET /stock"]["events"][0]["name"] == "exception"
    assert [e["name"] for e in view["errors"]] == ["GET /stock"]
    assert view["logs"].startswith(f"/logs/search?trace_id={trace_id}&from=")
    # The scrubber ran on attributes before storage.
    email = by_name["GET /api/orders/:id"]["attributes"]["user.email"]
    assert "ann@example.com" not in email
    assert by_name["GET /api/orders/:id"]["attributes"]["resource.deployment.environment"] == "t"

    flush(trace_stack)
    status, archived = get_trace(trace_stack, trace_id)
    assert status == 200, archived
    assert archived["objects"]["scanned"] >= 1
    assert [s["span_id"] for s in archived["spans"]] == [s["span_id"] for s in view["spans"]]


def test_tail_sampling_keeps_errors_and_slow_roots_and_drops_the_rest(trace_stack: Stack) -> None:
    front, back = names()
    ok_trace = request_through_two_services(trace_stack, front, back)
    error_trace = request_through_two_services(trace_stack, front, back, fail=True)
    slow_trace = request_through_two_services(trace_stack, front, back, slow_ms=2000)
    # Not forced: the roots arrived less than the decision wait ago on a fast machine, or just
    # more; either way, once a second has passed an unforced flush decides all three.
    time.sleep(1.2)
    reports = flush(trace_stack, force=False)
    assert not any(r["waiting"] for r in reports), reports
    assert get_trace(trace_stack, ok_trace)[0] == 404
    for kept in (error_trace, slow_trace):
        status, view = get_trace(trace_stack, kept)
        assert status == 200 and view["span_count"] == 4, view
    stats = http(trace_stack, "GET", "/apm/traces/stats", headers=READ)[2]
    decided: dict[str, int] = {}
    for shard in stats["shards"]:
        for verdict, n in shard["decisions"].items():
            decided[verdict] = decided.get(verdict, 0) + n
    assert decided.get("drop", 0) >= 1 and decided.get("keep_error", 0) >= 1 and decided.get("keep_slow", 0) >= 1


def test_summary_and_service_map_count_every_decided_trace(trace_stack: Stack) -> None:
    front, back = names()
    for fail in (False, False, True):
        request_through_two_services(trace_stack, front, back, fail=fail)
    flush(trace_stack)
    status, _, summary = http(trace_stack, "GET", f"/apm/summary?service={back}", headers=READ)
    assert status == 200, summary
    (stock,) = [e for e in summary["endpoints"] if e["endpoint"] == "GET /stock"]
    assert stock["requests"] == 3 and stock["errors"] == 1 and abs(stock["error_rate"] - 1 / 3) < 1e-4
    assert stock["p95_ms"] is not None and 0 <= stock["apdex"] <= 1
    assert {s["service"] for s in summary["services"]} == {back}
    status, _, front_summary = http(trace_stack, "GET", f"/apm/summary?service={front}", headers=READ)
    (orders,) = front_summary["endpoints"]
    assert orders["endpoint"] == "GET /api/orders/:id" and orders["requests"] == 3
    status, _, graph = http(trace_stack, "GET", "/apm/services", headers=READ)
    assert status == 200
    edges = {(e["from"], e["to"]): e for e in graph["edges"]}
    assert edges[(front, back)]["calls"] == 3
    assert edges[(back, "d1")]["calls"] == 3
    assert {front, back} <= set(graph["services"])
    # The same counts reach the metrics store as the per-endpoint series alert rules can read.
    labels = f"service={back},endpoint=GET /stock"
    for name, agg, expected in [
        ("apm_requests", "sum", 3),
        ("apm_errors", "sum", 1),
        ("apm_request_duration_ms", "count", 3),
    ]:
        query = urllib.parse.urlencode({"name": name, "agg": agg, "labels": labels, "step": "3600"})
        status, _, answer = http(trace_stack, "GET", f"/monitoring/metrics?{query}", headers=READ)
        assert status == 200, answer
        (series,) = answer["series"]
        assert sum(v for _, v in series["points"] if v is not None) == expected, (name, series)
    stats = http(trace_stack, "GET", "/apm/traces/stats", headers=READ)[2]
    assert all(s["metrics_pending"] == 0 for s in stats["shards"]), stats
    status, _, scrape = http(trace_stack, "GET", "/metrics", headers=READ)
    assert status == 200
    text = scrape.decode() if isinstance(scrape, bytes) else str(scrape)
    assert "apm_requests" in text and f'service="{back}"' in text
    # An alert rule reads them: the back service's error rate (1/3) is over 0.2. The cron of the next
    # minute evaluates the window that ends at its start, which holds this minute's points.
    next_minute = int(time.time() * 1000) // 60_000 * 60_000 + 60_000
    outcome = trace_stack.trigger_cron("* * * * *", next_minute)
    assert outcome.get("outcome") == "ok", outcome
    status, _, alerts = http(trace_stack, "GET", "/alerts", headers={**READ, "x-edgewatch-test-now": str(next_minute)})
    assert status == 200, alerts
    firing = [a for a in alerts["alerts"] if a["labels"].get("alertname") == "APM errors"]
    assert any(a["labels"].get("service") == back for a in firing), alerts


def test_span_search_over_buffer_and_archive_with_skipped_objects(trace_stack: Stack) -> None:
    front, back = names()
    error_trace = request_through_two_services(trace_stack, front, back, fail=True)
    flush(trace_stack)  # archived: the search must find it in R2
    buffered_trace = request_through_two_services(trace_stack, front, back, fail=True)
    status, _, found = http(trace_stack, "GET", f"/apm/traces?service={back}&status=error", headers=READ)
    assert status == 200, found
    assert {s["trace_id"] for s in found["spans"]} == {error_trace, buffered_trace}
    assert all(s["name"] == "GET /stock" for s in found["spans"])
    assert found["objects"]["scanned"] >= 1 and found["buffered_matches"] == 1
    starts = [s["start_us"] for s in found["spans"]]
    assert starts == sorted(starts, reverse=True)
    # An attribute no object holds: every archived object is skipped by the index.
    status, _, none = http(trace_stack, "GET", "/apm/traces?attr.http.route=/never-served", headers=READ)
    assert status == 200 and none["count"] == 0
    assert none["objects"]["total"] >= 1 and none["objects"]["scanned"] == 0
    assert none["objects"]["skipped_by_index"] == none["objects"]["total"]
    # Paging: one span per page, the cursor reaches the older one.
    first = http(trace_stack, "GET", f"/apm/traces?service={back}&status=error&limit=1", headers=READ)[2]
    second = http(
        trace_stack, "GET", f"/apm/traces?service={back}&status=error&limit=1&cursor={first['cursor']}", headers=READ
    )[2]
    assert [first["spans"][0]["trace_id"], second["spans"][0]["trace_id"]] == [buffered_trace, error_trace]
    status, _, bad = http(trace_stack, "GET", "/apm/traces?status=broken", headers=READ)
    assert status == 422 and "status" in bad["error"]["message"]
    assert http(trace_stack, "GET", "/apm/traces")[0] == 401


def test_r2_failure_keeps_spans_buffered_until_a_flush_succeeds(trace_stack: Stack) -> None:
    front, back = names()
    trace_id = request_through_two_services(trace_stack, front, back, fail=True)
    # Every R2 write fails (KV counts are not atomic across shards: a count covers them all).
    assert http(trace_stack, "PUT", "/apm/_test/faults/r2_put?count=1000")[0] == 200
    reports = flush(trace_stack)
    assert not any(r["ok"] for r in reports if r["decided"] or r["objects"]), reports
    assert all("injected R2 put failure" in r["error"] for r in reports if not r["ok"])
    status, view = get_trace(trace_stack, trace_id)
    assert status == 200 and view["span_count"] == 4 and view["objects"]["scanned"] == 0
    stats = http(trace_stack, "GET", "/apm/traces/stats", headers=READ)[2]
    assert any(s["failing_since_ms"] for s in stats["shards"])
    assert http(trace_stack, "PUT", "/apm/_test/faults/r2_put?count=0")[0] == 200
    assert all(r["ok"] for r in flush(trace_stack))
    status, view = get_trace(trace_stack, trace_id)
    assert status == 200 and view["span_count"] == 4 and view["objects"]["scanned"] >= 1
    stats = http(trace_stack, "GET", "/apm/traces/stats", headers=READ)[2]
    assert not any(s["failing_since_ms"] for s in stats["shards"])


def _otlp_json(spans: list[dict[str, Any]], service: str) -> bytes:
    document = {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
                "scopeSpans": [{"scope": {"name": "hand"}, "spans": spans}],
            }
        ]
    }
    return json.dumps(document).encode()


def test_json_export_partial_success_and_bad_bodies(trace_stack: Stack) -> None:
    service = f"json-{uuid.uuid4().hex[:8]}"
    trace_id = uuid.uuid4().hex
    now = time.time_ns()
    good = {
        "traceId": trace_id.upper(),  # hex is case-insensitive
        "spanId": "00f067aa0ba902b7",
        "name": "GET /json",
        "kind": 2,
        "startTimeUnixNano": now,  # a number, as the JS SDK sends
        "endTimeUnixNano": str(now + 3_000_000),  # a string, as the Python SDK's JSON would
        "status": {"code": 2, "message": "boom"},
    }
    bad = {**good, "traceId": "not-hex", "spanId": "1111111111111111"}
    backwards = {**good, "spanId": "2222222222222222", "endTimeUnixNano": now - 1}
    headers = {**INGEST, "content-type": "application/json"}
    status, _, answer = http(trace_stack, "POST", "/v1/traces", _otlp_json([good, bad, backwards], service), headers)
    assert status == 200, answer
    assert answer["partialSuccess"]["rejectedSpans"] == 2
    assert "span 1: traceId" in answer["partialSuccess"]["errorMessage"]
    assert "span 2: the span ends" in answer["partialSuccess"]["errorMessage"]
    status, view = get_trace(trace_stack, trace_id)
    assert status == 200 and view["span_count"] == 1 and view["spans"][0]["duration_ms"] == 3.0

    gz = {**headers, "content-encoding": "gzip"}
    assert http(trace_stack, "POST", "/v1/traces", gzip.compress(_otlp_json([good], service)), gz)[0] == 200
    status, _, err = http(trace_stack, "POST", "/v1/traces", b"{not json", headers)
    assert status == 400 and err["code"] == 3 and err["message"] == err["error"]["message"]
    status, _, err = http(trace_stack, "POST", "/v1/traces", b'{"resourceSpans": 3}', headers)
    assert status == 400 and "resourceSpans" in err["error"]["message"]
    protobuf = {**INGEST, "content-type": "application/x-protobuf"}
    status, got, err = http(trace_stack, "POST", "/v1/traces", b"\x0a\xff\xff\xff\xff\x0f", protobuf)
    assert status == 400 and got["content-type"].startswith("application/x-protobuf")
    refusal = status_pb2.Status.FromString(err)  # OTLP/HTTP: a google.rpc.Status in the request's encoding
    assert refusal.code == 3 and "protobuf" in refusal.message
    status, _, err = http(trace_stack, "POST", "/v1/traces", b"{}", {**INGEST, "content-type": "text/csv"})
    assert status == 415
    status, _, err = http(
        trace_stack, "POST", "/v1/traces", _otlp_json([good], service), {"content-type": "application/json"}
    )
    assert status in (401, 403)
    assert http(trace_stack, "GET", "/apm/traces/xyz", headers=READ)[0] == 422
    assert http(trace_stack, "GET", f"/apm/traces/{uuid.uuid4().hex}", headers=READ)[0] == 404


def test_protobuf_answer_is_protobuf_with_partial_success(trace_stack: Stack) -> None:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add()
    span.trace_id = uuid.uuid4().bytes
    span.span_id = b"\x01" * 8
    span.name = "ok"
    span.start_time_unix_nano = time.time_ns()
    span.end_time_unix_nano = span.start_time_unix_nano + 1000
    broken = request.resource_spans[0].scope_spans[0].spans.add()
    broken.CopyFrom(span)
    broken.span_id = b""  # no span id: rejected
    headers = {**INGEST, "content-type": "application/x-protobuf"}
    status, got, raw = http(trace_stack, "POST", "/v1/traces", request.SerializeToString(), headers)
    assert status == 200 and got["content-type"].startswith("application/x-protobuf")
    answer = ExportTraceServiceResponse.FromString(raw)
    assert answer.partial_success.rejected_spans == 1
    assert "spanId is required" in answer.partial_success.error_message


def test_retention_deletes_archived_traces_and_verifies(trace_stack: Stack) -> None:
    front, back = names()
    trace_id = request_through_two_services(trace_stack, front, back, fail=True)
    flush(trace_stack)
    assert get_trace(trace_stack, trace_id)[0] == 200
    later = int(time.time() * 1000) + 9 * 86_400_000  # past the 7 d default retention
    outcome = trace_stack.trigger_cron("0 0 * * *", later)
    assert outcome.get("outcome") == "ok", outcome
    assert get_trace(trace_stack, trace_id)[0] == 404
    status, _, health = http(trace_stack, "GET", "/apm/health")
    assert status == 200, health


def test_sentry_sdk_transactions_become_spans_of_one_trace(trace_stack: Stack) -> None:
    import sentry_sdk

    sentry_sdk.init(
        dsn=f"http://{SENTRY_KEY}@{trace_stack.base_url.split('://', 1)[1]}/apm/1",
        traces_sample_rate=1.0,
        release="orders@2.0",
        transport_queue_size=10,
        # gzip: with the brotli module importable the SDK would send brotli, which the Worker refuses (415).
        _experiments={"transport_compression_algo": "gzip"},  # type: ignore[typeddict-item]
    )
    try:
        with sentry_sdk.start_transaction(op="http.server", name="GET /orders/{id}") as txn:
            sentry_sdk.set_tag("service", "orders-sentry")
            with sentry_sdk.start_span(op="db.query", name="SELECT order") as db:
                db.set_status("internal_error")
                time.sleep(0.01)
        trace_id = txn.trace_id
    finally:
        sentry_sdk.flush(timeout=10)
        sentry_sdk.get_client().close()
    deadline = time.time() + 20
    while True:
        status, view = get_trace(trace_stack, trace_id)
        if status == 200 or time.time() > deadline:
            break
        time.sleep(0.3)
    assert status == 200, view
    assert [(s["name"], s["kind"], s["depth"]) for s in view["spans"]] == [
        ("GET /orders/{id}", "server", 0),
        ("SELECT order", "client", 1),
    ]
    assert view["services"] == ["orders-sentry"]
    assert view["spans"][0]["attributes"]["sentry.release"] == "orders@2.0"
    assert [e["name"] for e in view["errors"]] == ["SELECT order"]


def test_opentelemetry_js_sdk_json_export(trace_stack: Stack) -> None:
    import subprocess

    from scripts.toolchain import ROOT, node_binary

    service = f"js-{uuid.uuid4().hex[:8]}"
    script = ROOT / "tests" / "e2e" / "js" / "otel_trace_export.mjs"
    done = subprocess.run(
        [str(node_binary()), str(script), trace_stack.base_url, INGEST_TOKEN, service],
        capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["codes"] == [0, 0], result  # ExportResultCode.SUCCESS for each span
    status, view = get_trace(trace_stack, result["trace_id"])
    assert status == 200, view
    root, child = view["spans"]
    assert (root["name"], root["kind"], root["depth"]) == ("POST /checkout", "server", 0)
    assert root["attributes"]["retries"] == 2 and root["attributes"]["cached"] is False
    assert (child["name"], child["kind"], child["status"], child["depth"]) == ("charge card", "client", "error", 1)
    assert child["status_message"] == "card declined" and child["events"][0]["attributes"] == {"attempt": 1}
    assert view["services"] == [service]
