"""Deterministic, realistic traces for the trace benchmarks, as OTLP/JSON and as OTLP protobuf."""

from __future__ import annotations

import json
import random
from typing import Any

SERVICES = ("frontend", "api", "auth", "pitches", "billing")
ROUTES = ("/api/pitches", "/api/auth/login", "/api/users/:id", "/api/search", "/api/billing/charge")


def _kv(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": str(value)}}


def trace(rng: random.Random, start_ms: int, spans: int, order_id: str) -> dict[str, list[dict[str, Any]]]:
    """One trace: a server root and ``spans - 1`` children (client, db and internal spans), per service."""
    trace_id = f"{rng.getrandbits(128):032x}"
    route = rng.choice(ROUTES)
    start = start_ms * 1_000_000
    root_ms = rng.choice((12, 30, 45, 80, 150, 400, 2500))
    error = rng.random() < 0.02
    root_id = f"{rng.getrandbits(64):016x}"
    out: dict[str, list[dict[str, Any]]] = {}
    root_service = rng.choice(SERVICES)
    out.setdefault(root_service, []).append(
        {
            "traceId": trace_id,
            "spanId": root_id,
            "name": f"GET {route}",
            "kind": 2,
            "startTimeUnixNano": str(start),
            "endTimeUnixNano": str(start + root_ms * 1_000_000),
            "attributes": [_kv("http.route", route), _kv("http.request.method", "GET"), _kv("order.id", order_id),
                           _kv("http.response.status_code", 500 if error else 200)],
            "status": {"code": 2, "message": "upstream failed"} if error else {},
        }
    )  # fmt: skip
    for i in range(spans - 1):
        offset = rng.randrange(max(1, root_ms * 800_000))
        took = rng.randrange(1, max(2, root_ms // 3)) * 1_000_000
        kind = rng.choice((1, 3, 3))
        service = root_service if kind == 1 else rng.choice(SERVICES)
        out.setdefault(service, []).append(
            {
                "traceId": trace_id,
                "spanId": f"{rng.getrandbits(64):016x}",
                "parentSpanId": root_id,
                "name": rng.choice(("SELECT pitches", "GET /internal/user", "render", "cache.get", "POST /charge")),
                "kind": kind,
                "startTimeUnixNano": str(start + offset),
                "endTimeUnixNano": str(start + offset + took),
                "attributes": [_kv("db.system", "d1")] if i % 3 == 0 else [_kv("peer.service", rng.choice(SERVICES))],
            }
        )
    return out


def span_request(
    n_spans: int, seed: int, start_ms: int, spans_per_trace: int = 5, span_ms: int = 1000
) -> dict[str, Any]:
    """An ExportTraceServiceRequest of ``n_spans`` spans, traces starting over ``span_ms`` from ``start_ms``."""
    rng = random.Random(seed)
    by_service: dict[str, list[dict[str, Any]]] = {}
    traces = max(1, n_spans // spans_per_trace)
    for t in range(traces):
        made = trace(rng, start_ms + (span_ms * t) // traces, spans_per_trace, f"order-{seed}-{t}")
        for service, spans in made.items():
            by_service.setdefault(service, []).extend(spans)
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [_kv("service.name", service)]},
                "scopeSpans": [{"scope": {"name": "bench"}, "spans": spans}],
            }
            for service, spans in sorted(by_service.items())
        ]
    }


def trace_ids(request: dict[str, Any]) -> list[str]:
    return sorted({s["traceId"] for rs in request["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]})


def as_protobuf(request: dict[str, Any]) -> bytes:
    from google.protobuf.json_format import ParseDict  # type: ignore[import-untyped]
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    def b64_ids(value: Any) -> Any:
        import base64

        if isinstance(value, dict):
            return {
                k: base64.b64encode(bytes.fromhex(v)).decode()
                if k in ("traceId", "spanId", "parentSpanId")
                else b64_ids(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [b64_ids(v) for v in value]
        return value

    message = ParseDict(b64_ids(json.loads(json.dumps(request))), ExportTraceServiceRequest())
    data: bytes = message.SerializeToString()
    return data
