from __future__ import annotations

import random

from edgewatch.apm.tracing import RandomIds, Trace, TraceContext, decide


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000_000_000_000

    def __call__(self) -> int:
        self.now += 1_000_000
        return self.now


def trace(parent: TraceContext | None = None, rate: float = 1.0) -> Trace:
    ids = RandomIds(random.Random(1))
    return Trace(decide(parent, rate, ids.trace_id()), "shop", Clock(), ids)


def test_a_root_server_span_and_a_client_child() -> None:
    t = trace()
    server = t.start("GET /orders/:id", "server", attributes={"http.route": "/orders/:id"})
    client = t.start("GET inventory", "client", parent=server)
    client.end()
    server.end()
    records = t.take()
    assert [r.name for r in records] == ["GET inventory", "GET /orders/:id"]
    assert records[1].parent_id is None and records[0].parent_id == records[1].span_id
    assert {r.trace_id for r in records} == {t.trace_id}
    assert all(r.end_ns > r.start_ns for r in records)
    assert records[1].attributes == {"http.route": "/orders/:id"}
    assert t.take() == []  # a batch is taken once


def test_a_continued_trace_keeps_the_callers_ids_and_tracestate() -> None:
    parent = TraceContext("a" * 32, "b" * 16, 1, "vendor=x")
    t = trace(parent, rate=0.0)
    span = t.start("GET", "server")
    assert span.context.traceparent() == f"00-{'a' * 32}-{span.record.span_id}-01"
    span.end()
    (record,) = t.take()
    assert record.parent_id == "b" * 16 and record.tracestate == "vendor=x"


def test_an_unsampled_trace_records_nothing_but_still_propagates() -> None:
    t = trace(TraceContext("a" * 32, "b" * 16, 0))
    span = t.start("GET", "server", attributes={"k": "v"})
    span.set_attribute("x", 1)
    span.record_exception(RuntimeError("no"))
    span.end()
    assert t.take() == [] and span.record.attributes == {} and span.record.events == []
    assert span.context.traceparent().endswith("-00")


def test_exceptions_become_an_event_and_the_error_status() -> None:
    t = trace()
    span = t.start("GET", "server")
    span.record_exception(KeyError("order"))
    span.end()
    (record,) = t.take()
    assert record.status == "error" and record.status_message == "KeyError: 'order'"
    (event,) = record.events
    assert event["name"] == "exception"
    assert event["attributes"]["exception.type"] == "KeyError"


def test_spans_over_the_limit_are_counted_not_kept() -> None:
    ids = RandomIds(random.Random(2))
    t = Trace(decide(None, 1.0, ids.trace_id()), "shop", Clock(), ids, max_spans=2)
    for _ in range(3):
        t.start("x").end()
    assert len(t.take()) == 2 and t.dropped == 1


def test_ending_twice_keeps_one_span_and_attributes_after_end_are_ignored() -> None:
    t = trace()
    span = t.start("x")
    span.end()
    span.end()
    span.set_attribute("late", True)
    (record,) = t.take()
    assert "late" not in record.attributes
