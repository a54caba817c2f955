"""The encoder's output is read back by the ingest's own OTLP parser: the batch a Worker exports
is the batch pitchey-apm stores."""

from __future__ import annotations

import json

from edgewatch.apm.traces.otlp_traces import parse_otlp_traces
from edgewatch.apm.tracing import SCOPE_NAME, SpanRecord, export_json, export_request

START = 1_700_000_000_123_456_789


def records() -> list[SpanRecord]:
    root = SpanRecord(
        "a" * 32, "b" * 16, None, "platform-api", "GET /orders/:id", "server", START, START + 5_000_000,
        {"http.request.method": "GET", "http.response.status_code": 503, "ratio": 0.5, "cached": False},
        [{"name": "exception", "time_ns": START + 1_000, "attributes": {"exception.type": "E"}}],
        "error", "E: boom",
    )  # fmt: skip
    child = SpanRecord("a" * 32, "c" * 16, "b" * 16, "platform-api", "GET inventory", "client", START + 10, START + 20)
    other = SpanRecord("a" * 32, "d" * 16, "c" * 16, "inventory-api", "GET", "server", START + 11, START + 19)
    return [root, child, other]


def test_shape_of_the_request() -> None:
    body = export_request(records(), {"deployment.environment": "test"})
    assert [rs["resource"]["attributes"][0] for rs in body["resourceSpans"]] == [
        {"key": "service.name", "value": {"stringValue": "platform-api"}},
        {"key": "service.name", "value": {"stringValue": "inventory-api"}},
    ]
    scope = body["resourceSpans"][0]["scopeSpans"][0]
    assert scope["scope"]["name"] == SCOPE_NAME == "edgewatch_cf.trace"
    root = scope["spans"][0]
    assert root["startTimeUnixNano"] == str(START) and root["kind"] == 2 and "parentSpanId" not in root
    assert root["status"] == {"code": 2, "message": "E: boom"}
    attrs = {a["key"]: a["value"] for a in root["attributes"]}
    assert attrs["http.response.status_code"] == {"intValue": "503"}
    assert attrs["ratio"] == {"doubleValue": 0.5} and attrs["cached"] == {"boolValue": False}
    assert scope["spans"][1]["kind"] == 3 and scope["spans"][1]["parentSpanId"] == "b" * 16


def test_the_ingest_parser_reads_every_span_back() -> None:
    parsed = parse_otlp_traces(export_json(records(), {"deployment.environment": "test"}).encode())
    assert parsed.errors == [] and len(parsed.spans) == 3
    root, child, other = parsed.spans
    assert (root.service, root.kind, root.status, root.parent_id) == ("platform-api", "server", "error", None)
    assert root.start_us == START // 1000 and root.duration_us == 5_000
    assert root.attributes["http.response.status_code"] == 503
    assert root.attributes["otel.scope.name"] == "edgewatch_cf.trace"
    assert root.attributes["resource.deployment.environment"] == "test"
    assert root.events[0]["name"] == "exception"
    assert (child.kind, child.parent_id) == ("client", "b" * 16)
    assert (other.service, other.parent_id) == ("inventory-api", "c" * 16)


def test_json_is_compact_and_parses() -> None:
    text = export_json(records())
    assert " " not in text.replace("GET /orders", "").replace("GET inventory", "").replace("E: boom", "")
    assert json.loads(text)["resourceSpans"]
