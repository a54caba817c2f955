"""How edgewatch_cf.trace sends a finished batch: one OTLP/JSON ExportTraceServiceRequest per unit
of work, handed to ``ctx.waitUntil`` so the answer to the user is never delayed, through the
``export_spans`` RPC of pitchey-apm's service binding (``APM`` unless configured otherwise), or an
exporter of one's own. Every failure (no binding, an RPC error, spans the ingest rejected) is
swallowed, counted in this isolate's ``export_stats()`` and logged once per kind; it never fails
the request."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from edgewatch.apm.tracing import Trace, export_json

from .console import Console

# (env, otlp_json, batch_id) -> the OTLP response JSON
Exporter = Callable[[Any, str, str], Awaitable[str]]

_STATS = {
    "batches_exported": 0,
    "spans_exported": 0,
    "export_failures": 0,
    "spans_rejected": 0,
    "spans_dropped": 0,
}
_LOGGED: set[str] = set()
console = Console("edgewatch_cf.trace")


def export_stats() -> dict[str, int]:
    """This isolate's counts since it started."""
    return dict(_STATS)


def binding_exporter(name: str) -> Exporter:
    async def send(env: Any, otlp_json: str, batch_id: str) -> str:
        binding = getattr(env, name, None)
        if binding is None:
            raise LookupError(f"no service binding {name!r} to pitchey-apm")
        return str(await binding.export_spans(otlp_json, batch_id))

    return send


def _count_failure(kind: str, detail: str) -> None:
    _STATS["export_failures"] += 1
    if kind not in _LOGGED:  # a broken binding would otherwise log on every request
        _LOGGED.add(kind)
        console.warn("trace_export_failed", kind=kind, error=detail[:500])


async def send_batch(env: Any, exporter: Exporter, otlp_json: str, batch_id: str, spans: int) -> bool:
    try:
        answer = await exporter(env, otlp_json, batch_id)
    except Exception as exc:
        _count_failure(type(exc).__name__, f"{type(exc).__name__}: {exc}")
        return False
    rejected = 0
    try:
        partial = (json.loads(answer or "{}") or {}).get("partialSuccess") or {}
        rejected = int(partial.get("rejectedSpans") or 0)
    except (ValueError, TypeError, AttributeError):
        pass
    _STATS["batches_exported"] += 1
    _STATS["spans_exported"] += spans - rejected
    if rejected:
        _STATS["spans_rejected"] += rejected
        _count_failure("rejected", str(answer))
    return True


def export_trace(
    trace: Trace, env: Any, ctx: Any, exporter: Exporter, resource: dict[str, Any] | None = None
) -> asyncio.Future[bool] | None:
    """Schedule the export of what ``trace`` recorded; nothing when it recorded nothing."""
    spans = trace.take()
    _STATS["spans_dropped"] += trace.dropped
    trace.dropped = 0
    if not spans:
        return None
    batch_id = f"{trace.trace_id}-{spans[-1].span_id}"  # the same batch retried is stored once
    future = asyncio.ensure_future(send_batch(env, exporter, export_json(spans, resource), batch_id, len(spans)))
    wait_until = getattr(ctx, "waitUntil", None)
    if wait_until is not None:
        wait_until(future)
    return future
