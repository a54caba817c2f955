"""Spans for the traces core's tests."""

from __future__ import annotations

from typing import Any

from edgewatch.apm.traces.span import Span

T0_US = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z


def span(
    span_id: str,
    parent: str | None = None,
    *,
    trace: str = "a" * 32,
    start_ms: float = 0,
    ms: float = 10,
    service: str = "web",
    name: str | None = None,
    kind: str = "internal",
    status: str = "unset",
    **attributes: Any,
) -> Span:
    return Span(
        trace,
        span_id.rjust(16, "0"),
        None if parent is None else parent.rjust(16, "0"),
        service,
        name or f"op-{span_id}",
        kind,
        T0_US + int(start_ms * 1000),
        int(ms * 1000),
        status,
        "",
        {k.replace("_", "."): v for k, v in attributes.items()},
    )
