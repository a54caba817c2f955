"""Which TraceStore shard holds a trace (every span of a trace goes to one shard, by its id), and
the batch a request's spans become for each shard: one row per trace, so a shard writes a row
per trace and batch, not per span."""

from __future__ import annotations

import json

from .messages import AppendSpans
from .span import Span


def shard_of(trace_id: str, shards: int) -> int:
    return int(trace_id[-8:], 16) % shards


def shard_batches(spans: list[Span], shards: int, batch_id: str | None) -> dict[int, AppendSpans]:
    traces: dict[str, list[Span]] = {}
    for span in spans:
        traces.setdefault(span.trace_id, []).append(span)
    rows: dict[int, list[list[object]]] = {}
    counts: dict[int, int] = {}
    for trace_id, group in traces.items():
        shard = shard_of(trace_id, shards)
        has_root = int(any(span.is_root for span in group))
        body = json.dumps([span.to_json() for span in group], ensure_ascii=False, separators=(",", ":"))
        rows.setdefault(shard, []).append([trace_id, len(group), has_root, body])
        counts[shard] = counts.get(shard, 0) + len(group)
    return {
        shard: AppendSpans(batch_id, counts[shard], json.dumps(group, separators=(",", ":")))
        for shard, group in rows.items()
    }
