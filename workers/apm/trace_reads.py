"""Trace reads of pitchey-apm: ``GET /apm/traces/{trace_id}`` (the waterfall), ``GET /apm/traces``
(span search over the shards and the R2 archive), ``GET /apm/summary`` and ``GET /apm/services``
(from the shards' rollups), ``GET /apm/traces/stats``. Reads need a reader token."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from edgewatch.access import Role
from edgewatch.apm.traces.archive import read_trace
from edgewatch.apm.traces.messages import ShardSpanAnswer, TraceLookup, TraceShardStats
from edgewatch.apm.traces.query import parse_span_query
from edgewatch.apm.traces.rollup import MINUTE_MS, Rollup, RollupKey
from edgewatch.apm.traces.search import SpanSearchMerge, matching_spans
from edgewatch.apm.traces.shards import shard_of
from edgewatch.apm.traces.span import Span
from edgewatch.apm.traces.summary import apm_summary, service_map
from edgewatch.apm.traces.waterfall import trace_view
from edgewatch.codec import decode, encode, to_plain
from edgewatch.errors import NotFound, Unprocessable
from edgewatch.wire.params import time_range
from edgewatch_cf.app import Incoming, Reply, Routes
from edgewatch_cf.bindings import R2Port
from edgewatch_cf.clock import TEST_CLOCK_HEADER, request_now_ms
from edgewatch_cf.settings import stack_config
from trace_shards import trace_shard, trace_shard_count

routes = Routes()
DEFAULT_SUMMARY_MS = 3_600_000
MAX_SUMMARY_MS = 31 * 86_400_000


@routes.route("GET", "/apm/traces/stats", access=Role.VIEWER)
async def trace_stats(req: Incoming) -> Reply:
    shards = range(trace_shard_count(req.env))
    answers = await asyncio.gather(*(trace_shard(req.env, s).stats() for s in shards))
    return Reply({"shards": [to_plain(decode(TraceShardStats, str(a))) for a in answers]})


@routes.route("GET", "/apm/traces/{trace_id}", access=Role.VIEWER)
async def get_trace(req: Incoming) -> Reply:
    trace_id = req.params["trace_id"].lower()
    if len(trace_id) != 32 or any(c not in "0123456789abcdef" for c in trace_id) or trace_id == "0" * 32:
        raise Unprocessable("a trace id is 32 hex characters, not all zeros", details={"trace_id": trace_id[:40]})
    shard = shard_of(trace_id, trace_shard_count(req.env))
    lookup = decode(TraceLookup, str(await trace_shard(req.env, shard).trace(trace_id)))
    spans = [Span.from_json(item) for item in json.loads(lookup.spans_json)]
    bucket = R2Port(req.env.R2_BUCKET)

    async def scan(key: str) -> list[Span]:
        data = await bucket.get(key)
        return [] if data is None else read_trace(data, trace_id)

    for found in await asyncio.gather(*(scan(key) for key in lookup.candidates)):
        spans.extend(found)
    if not spans:
        raise NotFound(f"no trace {trace_id} is buffered or archived (or it was sampled out)")
    view = trace_view(trace_id, spans)
    view["objects"] = {"total": lookup.objects, "scanned": len(lookup.candidates)}
    return Reply(view)


@routes.route("GET", "/apm/traces", access=Role.VIEWER)
async def search_spans(req: Incoming) -> Reply:
    query = parse_span_query(req.query, request_now_ms(req.env, req.header(TEST_CLOCK_HEADER)))
    encoded = encode(query)
    shards = range(trace_shard_count(req.env))
    answers = await asyncio.gather(*(trace_shard(req.env, s).search(encoded) for s in shards))
    merge = SpanSearchMerge.of(query, [decode(ShardSpanAnswer, str(a)) for a in answers])
    bucket = R2Port(req.env.R2_BUCKET)

    async def scan(key: str) -> list[dict[str, Any]]:
        data = await bucket.get(key)
        return [] if data is None else matching_spans(query, data)

    while group := merge.next_group():
        found = await asyncio.gather(*(scan(c.key) for c in group))
        merge.add_scanned(group, list(found))
    return Reply(merge.page())


def _range(req: Incoming) -> tuple[int, int]:
    now = request_now_ms(req.env, req.header(TEST_CLOCK_HEADER))
    return time_range(
        req.query, now, default_ms=DEFAULT_SUMMARY_MS, max_ms=MAX_SUMMARY_MS,
        limit_text="the summary range is limited to 31 days",
    )  # fmt: skip


async def rollup_rows(env: Any, start: int, end: int) -> list[tuple[RollupKey, Rollup]]:
    first, last = start // MINUTE_MS, -(-end // MINUTE_MS)
    shards = range(trace_shard_count(env))
    answers = await asyncio.gather(*(trace_shard(env, s).rollups(first, last) for s in shards))
    return [(RollupKey.from_json(k), Rollup.from_json(r)) for a in answers for k, r in json.loads(str(a))]


@routes.route("GET", "/apm/summary", access=Role.VIEWER)
async def summary(req: Incoming) -> Reply:
    start, end = _range(req)
    apdex = stack_config(req.env).monitoring.apm.apdex_threshold_ms
    rows = await rollup_rows(req.env, start, end)
    return Reply(apm_summary(rows, start, end, apdex, req.query.get("service") or None))


@routes.route("GET", "/apm/services", access=Role.VIEWER)
async def services(req: Incoming) -> Reply:
    start, end = _range(req)
    return Reply(service_map(await rollup_rows(req.env, start, end), start, end))
