"""One trace laid out for a waterfall: its spans in tree order (each after its parent, siblings by
start time) with depth and offset from the trace's start, plus what a reader asks first: the
services, the error spans, the root and its duration, and where the trace's logs are.

A span whose parent is not in the trace (not received, or sampled out upstream) is an orphan: it
is shown at depth 0 after the rooted tree, marked ``orphan``. Spans received twice (a retried
export) are shown once. A cycle in parent ids, which only a broken producer makes, cannot loop:
each span is placed at most once and the rest are shown as orphans.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .span import Span


def unique_spans(spans: list[Span]) -> list[Span]:
    """The spans with a repeated span id kept once (the last received wins)."""
    return list({span.span_id: span for span in spans}.values())


def tree_order(spans: list[Span]) -> list[tuple[Span, int, bool]]:
    """(span, depth, orphan) in depth-first order."""
    by_id = {span.span_id: span for span in spans}
    children: dict[str | None, list[Span]] = {}
    tops: list[Span] = []
    for span in spans:
        parent = span.parent_id
        if parent is None or parent not in by_id or parent == span.span_id:
            tops.append(span)
        else:
            children.setdefault(parent, []).append(span)
    order_key = _order_key
    for group in children.values():
        group.sort(key=order_key)
    tops.sort(key=lambda s: (s.parent_id is not None, *order_key(s)))
    placed: set[str] = set()
    out: list[tuple[Span, int, bool]] = []

    def walk(top: Span, orphan: bool) -> None:
        stack = [(top, 0)]
        while stack:
            span, depth = stack.pop()
            if span.span_id in placed:
                continue
            placed.add(span.span_id)
            out.append((span, depth, orphan and depth == 0))
            for child in reversed(children.get(span.span_id, [])):
                stack.append((child, depth + 1))

    for top in tops:
        walk(top, top.parent_id is not None)
    for span in sorted(spans, key=order_key):  # only spans caught in a parent cycle are left
        if span.span_id not in placed:
            walk(span, True)
    return out


def _order_key(span: Span) -> tuple[int, str]:
    return (span.start_us, span.span_id)


def trace_view(trace_id: str, spans: list[Span]) -> dict[str, Any]:
    spans = unique_spans(spans)
    if not spans:
        return {"trace_id": trace_id, "spans": [], "span_count": 0}
    start = min(span.start_us for span in spans)
    end = max(span.end_us for span in spans)
    ordered = tree_order(spans)
    root = next((span for span, _, orphan in ordered if span.is_root), None)
    rows = []
    for span, depth, orphan in ordered:
        row = span.to_json()
        row["depth"] = depth
        row["offset_ms"] = (span.start_us - start) / 1000
        row["duration_ms"] = span.duration_us / 1000
        row["start_ms"] = span.start_us / 1000
        if orphan:
            row["orphan"] = True
        rows.append(row)
    services = sorted({span.service for span in spans})
    errors = [
        {"span_id": s.span_id, "service": s.service, "name": s.name, "message": s.status_message}
        for s, _, _ in ordered
        if s.is_error
    ]
    return {
        "trace_id": trace_id,
        "root": None if root is None else {"span_id": root.span_id, "service": root.service, "name": root.name},
        "start_ms": start / 1000,
        "duration_ms": (end - start) / 1000,
        "span_count": len(spans),
        "services": services,
        "errors": errors,
        "orphans": sum(1 for _, _, orphan in ordered if orphan),
        "logs": f"/logs/search?trace_id={quote(trace_id)}&from={start // 1000 - 60_000}&to={end // 1000 + 60_000}",
        "spans": rows,
    }
