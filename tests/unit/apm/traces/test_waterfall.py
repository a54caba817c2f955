from __future__ import annotations

from edgewatch.apm.traces.waterfall import trace_view, tree_order

from .spans import span


def test_tree_order_puts_children_after_parents_and_siblings_by_start() -> None:
    spans = [
        span("3", "1", start_ms=5),
        span("1", start_ms=0, ms=50),
        span("2", "1", start_ms=1),
        span("4", "2", start_ms=2),
    ]
    assert [(s.span_id[-1], depth, orphan) for s, depth, orphan in tree_order(spans)] == [
        ("1", 0, False),
        ("2", 1, False),
        ("4", 2, False),
        ("3", 1, False),
    ]


def test_orphans_and_cycles_are_shown_once_at_depth_zero_after_the_tree() -> None:
    spans = [span("1"), span("9", "8", start_ms=1), span("a", "b"), span("b", "a")]
    order = [(s.span_id[-1], depth, orphan) for s, depth, orphan in tree_order(spans)]
    assert order[0] == ("1", 0, False)
    assert ("9", 0, True) in order
    assert sorted(o[0] for o in order) == ["1", "9", "a", "b"]  # every span once, even in a cycle


def test_view_offsets_services_errors_duplicates_and_log_link() -> None:
    spans = [
        span("1", ms=100, service="web", kind="server"),
        span("2", "1", start_ms=10, ms=20, service="db", status="error"),
        span("2", "1", start_ms=10, ms=20, service="db", status="error"),  # a retried export
    ]
    view = trace_view("a" * 32, spans)
    assert view["span_count"] == 2 and view["services"] == ["db", "web"]
    assert [(s["depth"], s["offset_ms"], s["duration_ms"]) for s in view["spans"]] == [(0, 0.0, 100.0), (1, 10.0, 20.0)]
    assert view["root"]["span_id"] == "0" * 15 + "1" and view["duration_ms"] == 100.0
    assert [e["span_id"][-1] for e in view["errors"]] == ["2"] and view["orphans"] == 0
    assert view["logs"].startswith("/logs/search?trace_id=" + "a" * 32 + "&from=")
