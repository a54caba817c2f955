"""edgewatch_cf.trace end to end on real workerd.

One request through the example platform API, the inventory example Worker (over a service
binding) and its StockCounter Durable Object (over RPC) is one trace in pitchey-apm with correct
parents, read back through ``GET /apm/traces/{id}``. The caller's ``traceparent`` is continued
when sampled and not recorded when not; the answer carries ``Server-Timing``. A second stack points
the examples' APM binding at a Worker without ``export_spans`` (every export fails: the requests
must not) and sets ``SELF_TRACE_SAMPLE_RATE=1``, so the stack's own Workers trace themselves.
"""

from __future__ import annotations

import itertools
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edgewatch.schedule import EVERY_MINUTE, JOBS
from scripts.stack import Stack

READ_TOKEN = "trace-client-read-01"
INGEST_TOKEN = "trace-client-ingest-01"
READ = {"authorization": f"Bearer {READ_TOKEN}"}
# The tail sampler keeps every trace, so what the tests read is never dropped by a flush.
CONFIG = {"apm": {"sampling": {"share": 1.0, "decisionWait": "1s", "maxWait": "1m"}, "buffer": {"shards": 2}}}
TIMING = re.compile(r'traceparent;desc="00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])"')


def _stack(root: Path, **options: Any) -> Stack:
    extra = options.pop("extra_vars", {})
    return Stack(
        persist_dir=root / "state",
        log_path=root / "wrangler.log",
        environment="test",
        dashboard_port=None,
        extra_vars={
            "READ_TOKENS": READ_TOKEN,
            "LOG_INGEST_TOKENS": json.dumps({INGEST_TOKEN: "*"}),
            "MONITORING_CONFIG_JSON": json.dumps(CONFIG),
            **extra,
        },
        **options,
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = _stack(tmp_path_factory.mktemp("trace-client")).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def self_tracing_stack(tmp_path_factory: pytest.TempPathFactory, stack: Stack) -> Iterator[Stack]:
    stack.stop()  # one stack at a time on two cores
    running = _stack(
        tmp_path_factory.mktemp("trace-self"),
        extra_vars={"SELF_TRACE_SAMPLE_RATE": "1"},
        example_apm_service="pitchey-security",  # no export_spans there: every example export fails
    ).start()
    yield running
    running.stop()


def http(
    stack: Stack, method: str, path: str, headers: dict[str, str] | None = None, body: bytes | None = None
) -> tuple[int, dict[str, str], Any]:
    req = urllib.request.Request(stack.base_url + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            status, got, raw = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        status, got, raw = err.code, err.headers, err.read()
    lowered = {k.lower(): ", ".join(got.get_all(k) or []) for k in set(got.keys())}
    try:
        return status, lowered, json.loads(raw) if raw else None
    except ValueError:
        return status, lowered, raw


def timing_of(headers: dict[str, str]) -> tuple[str, str]:
    """(trace id, span id) from the Server-Timing header of a sampled answer."""
    found = TIMING.search(headers.get("server-timing", ""))
    assert found is not None, headers
    assert found.group(3) == "01"
    return found.group(1), found.group(2)


def wait_trace(stack: Stack, trace_id: str, spans: int, timeout_s: float = 30.0) -> dict[str, Any]:
    """The trace once it has ``spans`` spans (exports arrive after the answers, in the background)."""
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        status, _, last = http(stack, "GET", f"/apm/traces/{trace_id}", READ)
        if status == 200 and last["span_count"] >= spans:
            assert last["span_count"] == spans, last
            return dict(last)
        time.sleep(0.5)
    raise AssertionError(f"trace {trace_id} did not reach {spans} spans: {last}")


def absent(stack: Stack, trace_id: str, settle_s: float = 4.0) -> bool:
    time.sleep(settle_s)  # long enough for a background export to have landed
    return http(stack, "GET", f"/apm/traces/{trace_id}", READ)[0] == 404


def new_ids() -> tuple[str, str]:
    return uuid.uuid4().hex, uuid.uuid4().hex[:16]


def test_one_request_through_two_workers_and_a_durable_object_is_one_trace(stack: Stack) -> None:
    sku = f"sku-{uuid.uuid4().hex[:6]}"
    status, headers, body = http(stack, "GET", f"/api/orders/{sku}")
    assert status == 200, body
    assert body == {"order": sku, "stock": {"sku": sku, "reserved": 1}}
    trace_id, root_id = timing_of(headers)
    view = wait_trace(stack, trace_id, 5)
    shape = [(s["depth"], s["service"], s["kind"], s["name"]) for s in view["spans"]]
    assert shape == [
        (0, "platform-api", "server", "GET /api/orders/{id}"),
        (1, "platform-api", "client", "GET inventory-api"),
        (2, "inventory-api", "server", "GET /stock/{sku}"),
        (3, "inventory-api", "client", "inventory-counter.reserve"),
        (4, "inventory-counter", "server", "StockCounter.reserve"),
    ]
    spans = view["spans"]
    assert spans[0]["span_id"] == root_id and spans[0]["parent_id"] is None
    for parent, child in itertools.pairwise(spans):
        assert child["parent_id"] == parent["span_id"], (parent, child)
    assert view["services"] == ["inventory-api", "inventory-counter", "platform-api"]
    root, client, served, _, counter = (s["attributes"] for s in spans)
    assert root["http.request.method"] == "GET" and root["url.path"] == f"/api/orders/{sku}"
    assert root["http.route"] == "/api/orders/{id}" and root["http.response.status_code"] == 200
    assert root["otel.scope.name"] == "edgewatch_cf.trace"
    assert client["peer.service"] == "inventory-api" and client["http.response.status_code"] == 200
    assert served["url.path"] == f"/stock/{sku}" and counter["rpc.method"] == "reserve"
    assert all(s["status"] == "unset" for s in spans)
    assert all(s["offset_ms"] >= 0 for s in spans)


def test_a_failing_callee_marks_its_spans_and_the_callers(stack: Stack) -> None:
    status, headers, _ = http(stack, "GET", "/api/orders/fail")
    assert status == 503
    trace_id, _ = timing_of(headers)
    view = wait_trace(stack, trace_id, 3)
    assert [(s["name"], s["status"]) for s in view["spans"]] == [
        ("GET /api/orders/{id}", "error"),
        ("GET inventory-api", "error"),
        ("GET /stock/{sku}", "error"),
    ]
    assert view["spans"][2]["status_message"] == "HTTP 503"


def test_an_exception_is_an_event_of_the_server_span(stack: Stack) -> None:
    status, headers, body = http(stack, "GET", "/api/boom", {"x-order-id": "7"})
    assert status == 500, body
    trace_id, _ = timing_of(headers)
    (span,) = wait_trace(stack, trace_id, 1)["spans"]
    assert span["status"] == "error" and span["status_message"] == "OrderError: order 7 has no lines"
    assert span["attributes"]["http.response.status_code"] == 500
    assert span["attributes"]["sentry.event_id"] == body["error"]["request_id"]
    (event,) = span["events"]
    assert event["name"] == "exception" and event["attributes"]["exception.type"] == "OrderError"


def test_a_sampled_traceparent_is_continued(stack: Stack) -> None:
    trace_id, caller = new_ids()
    headers = {"traceparent": f"00-{trace_id}-{caller}-01", "tracestate": "vendor=abc"}
    status, answer, _ = http(stack, "GET", "/api/orders/sku-continued", headers)
    assert status == 200
    assert timing_of(answer)[0] == trace_id
    view = wait_trace(stack, trace_id, 5)
    root = view["spans"][0]
    assert root["name"] == "GET /api/orders/{id}" and root["parent_id"] == caller
    assert {s["span_id"] for s in view["spans"]}.isdisjoint({caller})


def test_an_unsampled_traceparent_is_not_recorded_anywhere(stack: Stack) -> None:
    trace_id, caller = new_ids()
    status, answer, body = http(stack, "GET", "/api/orders/sku-quiet", {"traceparent": f"00-{trace_id}-{caller}-00"})
    assert status == 200 and body["stock"]["reserved"] == 1
    assert "server-timing" not in answer  # nothing recorded, nothing to join
    assert absent(stack, trace_id)


def test_an_invalid_traceparent_starts_a_new_trace(stack: Stack) -> None:
    status, answer, _ = http(stack, "GET", "/api/ping", {"traceparent": f"00-{'0' * 32}-{'1' * 16}-01"})
    assert status == 200
    trace_id, _ = timing_of(answer)
    assert trace_id != "0" * 32
    (span,) = wait_trace(stack, trace_id, 1)["spans"]
    assert span["parent_id"] is None and span["name"] == "GET /api/ping"


def test_the_stack_does_not_trace_itself_unless_asked(stack: Stack) -> None:
    trace_id, caller = new_ids()
    status, answer, _ = http(stack, "GET", "/logs/health", {"traceparent": f"00-{trace_id}-{caller}-01"})
    assert status in (200, 503)
    assert "server-timing" not in answer
    assert absent(stack, trace_id)


def test_a_failing_export_never_fails_the_request(self_tracing_stack: Stack) -> None:
    stack = self_tracing_stack
    status, headers, body = http(stack, "GET", "/api/orders/sku-broken")
    assert status == 200 and body["stock"]["reserved"] == 1
    trace_id, _ = timing_of(headers)
    deadline = time.monotonic() + 20
    stats: dict[str, int] = {}
    while time.monotonic() < deadline:
        stats = http(stack, "GET", "/api/_trace/stats")[2]
        if stats["export_failures"] >= 1:
            break
        time.sleep(0.5)
    assert stats["export_failures"] >= 1 and stats["batches_exported"] == 0, stats
    assert absent(stack, trace_id, settle_s=0)


def test_the_stack_traces_its_own_workers_when_the_rate_is_one(self_tracing_stack: Stack) -> None:
    stack = self_tracing_stack
    trace_id, caller = new_ids()
    status, answer, _ = http(stack, "GET", "/logs/health", {"traceparent": f"00-{trace_id}-{caller}-01"})
    assert status in (200, 503)
    assert timing_of(answer)[0] == trace_id
    (span,) = wait_trace(stack, trace_id, 1)["spans"]
    assert (span["service"], span["kind"], span["name"], span["parent_id"]) == (
        "pitchey-logs",
        "server",
        "GET /logs/health",
        caller,
    )
    assert span["attributes"]["resource.deployment.environment"] == "test"
    # pitchey-apm traces its own reads, stored in-process.
    status, answer, _ = http(stack, "GET", "/apm/health")
    own_trace, _ = timing_of(answer)
    (apm_span,) = wait_trace(stack, own_trace, 1)["spans"]
    assert apm_span["service"] == "pitchey-apm" and apm_span["name"] == "GET /apm/health"


def test_pitchey_apm_never_traces_its_own_span_ingest(self_tracing_stack: Stack) -> None:
    stack = self_tracing_stack
    header_trace, caller = new_ids()
    body_trace, span_id = new_ids()
    now = time.time_ns()
    request = {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "shipper"}}]},
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": body_trace,
                                "spanId": span_id,
                                "name": "work",
                                "kind": 1,
                                "startTimeUnixNano": str(now),
                                "endTimeUnixNano": str(now + 1000),
                            }
                        ]
                    }
                ],
            }
        ]
    }
    headers = {
        "content-type": "application/json",
        "authorization": f"Bearer {INGEST_TOKEN}",
        "traceparent": f"00-{header_trace}-{caller}-01",
    }
    status, answer, _ = http(stack, "POST", "/v1/traces", headers, json.dumps(request).encode())
    assert status == 200
    assert "server-timing" not in answer
    assert wait_trace(stack, body_trace, 1)["spans"][0]["name"] == "work"
    assert absent(stack, header_trace)


def test_a_cron_is_one_trace_across_the_workers_that_run_its_jobs(self_tracing_stack: Stack) -> None:
    stack = self_tracing_stack
    scheduled_ms = int(time.time() * 1000)
    assert stack.trigger_cron(EVERY_MINUTE, scheduled_ms)["outcome"] == "ok"
    query = urllib.parse.urlencode({"service": "pitchey-monitoring", "name": f"cron {EVERY_MINUTE}"})
    deadline = time.monotonic() + 30
    roots: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not roots:
        found = http(stack, "GET", f"/apm/traces?{query}", READ)[2]
        roots = [s for s in found["spans"] if s["attributes"].get("faas.time_ms") == scheduled_ms]
        time.sleep(0.5)
    (root,) = roots
    jobs = list(JOBS[EVERY_MINUTE])
    remote = [job for job in jobs if job.concern != "monitoring"]
    # The root, a span per local job, and a client and a server span per remote job.
    view = wait_trace(stack, root["trace_id"], 1 + (len(jobs) - len(remote)) + 2 * len(remote))
    by_id = {s["span_id"]: s for s in view["spans"]}
    served = [s for s in view["spans"] if s["name"].startswith("job ") and s["kind"] == "server"]
    assert sorted((s["service"], s["name"]) for s in served) == sorted(
        (f"pitchey-{job.concern}", f"job {job.name}") for job in remote
    )
    for span in served:
        client = by_id[span["parent_id"]]
        assert client["kind"] == "client" and client["service"] == "pitchey-monitoring"
        assert client["parent_id"] == view["spans"][0]["span_id"] == root["span_id"]
