from __future__ import annotations

from typing import Any

from edgewatch.apm.traces.sentry_spans import transaction_spans

TRACE = "771a43a4192642f0b136d5159a501700"


def transaction(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "transaction",
        "transaction": "GET /orders/{id}",
        "start_timestamp": 1767225600.0,
        "timestamp": 1767225600.25,
        "release": "web@1.2",
        "tags": {"service": "orders-api", "region": "eu"},
        "contexts": {"trace": {"trace_id": TRACE, "span_id": "8a4b7c3d2e1f0a9b", "op": "http.server", "status": "ok"}},
        "spans": [
            {
                "span_id": "1111111111111111",
                "parent_span_id": "8a4b7c3d2e1f0a9b",
                "op": "db.query",
                "description": "SELECT * FROM orders",
                "start_timestamp": "2026-01-01T00:00:00.010000Z",
                "timestamp": "2026-01-01T00:00:00.110000Z",
                "status": "internal_error",
                "data": {"db.system": "postgresql", "nested": {"x": 1}},
            },
            {"span_id": "nope", "start_timestamp": 1, "timestamp": 2},
        ],
    }
    data.update(over)
    return data


def test_a_transaction_becomes_a_server_root_and_its_children() -> None:
    converted = transaction_spans(transaction(), "7")
    root, child = converted.spans
    assert converted.skipped == 1
    assert (root.trace_id, root.parent_id, root.kind, root.name, root.service) == (
        TRACE, None, "server", "GET /orders/{id}", "orders-api"
    )  # fmt: skip
    assert root.duration_us == 250_000 and root.status == "ok" and root.attributes["sentry.release"] == "web@1.2"
    assert root.attributes["region"] == "eu" and root.attributes["sentry.project"] == "7"
    assert child.parent_id == root.span_id and child.kind == "client" and child.name == "SELECT * FROM orders"
    assert child.start_us - root.start_us == 10_000 and child.duration_us == 100_000
    assert child.is_error and child.status_message == "internal_error"
    assert child.attributes["db.system"] == "postgresql" and "nested" not in child.attributes


def test_without_a_trace_id_nothing_is_kept_and_the_service_falls_back() -> None:
    assert transaction_spans(transaction(contexts={}), "7").spans == []
    spans = transaction_spans(transaction(tags={}, server_name="web 1"), "7").spans
    assert spans[0].service == "web_1"
    assert transaction_spans(transaction(tags={}), "7").spans[0].service == "sentry-7"
