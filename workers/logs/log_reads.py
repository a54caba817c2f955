"""Reads of pitchey-logs: search (buffer shards, then the R2 archive), tail, and log-derived metrics."""

from __future__ import annotations

import asyncio
from typing import Any

from edgewatch.access import Role
from edgewatch.codec import decode, encode
from edgewatch.logs.counts import count_range, count_series
from edgewatch.logs.messages import MinuteCount, ShardSearchAnswer, TailAnswer
from edgewatch.logs.query import Query, parse_query
from edgewatch.logs.search import SearchMerge, matching_lines
from edgewatch.logs.tail import decode_tail_cursor, merge_tail
from edgewatch.wire.params import int_param
from edgewatch_cf.app import Incoming, Reply, Routes
from edgewatch_cf.bindings import R2Port
from edgewatch_cf.clock import now_ms
from log_shards import log_shard, log_shard_count

routes = Routes()


async def _scan(bucket: R2Port, query: Query, key: str) -> list[dict[str, Any]]:
    data = await bucket.get(key)
    return [] if data is None else matching_lines(query, data)


@routes.route("GET", "/logs/search", access=Role.VIEWER)
async def search_logs(req: Incoming) -> Reply:
    query = parse_query(req.query, now_ms())
    encoded = encode(query)
    shards = range(log_shard_count(req.env))
    answers = await asyncio.gather(*(log_shard(req.env, s).search(encoded) for s in shards))
    merge = SearchMerge.of(query, [decode(ShardSearchAnswer, str(a)) for a in answers])
    bucket = R2Port(req.env.R2_BUCKET)
    while group := merge.next_group():
        found = await asyncio.gather(*(_scan(bucket, query, c.key) for c in group))
        merge.add_scanned(group, list(found))
    return Reply(merge.page())


@routes.route("GET", "/logs/tail", access=Role.VIEWER)
async def tail_logs(req: Incoming) -> Reply:
    limit = int_param(req.query, "limit", 100, 1, 1000)
    since = decode_tail_cursor(req.query.get("since"))
    shards = range(log_shard_count(req.env))
    answers = await asyncio.gather(*(log_shard(req.env, s).tail(since.get(s, -1), limit) for s in shards))
    return Reply(merge_tail([decode(TailAnswer, str(a)) for a in answers]))


@routes.route("GET", "/logs/metrics", access=Role.VIEWER)
async def log_metrics(req: Incoming) -> Reply:
    span = count_range(req.query, now_ms())
    service = req.query.get("service") or None
    shards = range(log_shard_count(req.env))
    answers = await asyncio.gather(
        *(log_shard(req.env, s).counts(span.start_minute, span.end_minute, service) for s in shards)
    )
    rows = [row for a in answers for row in decode(list[MinuteCount], str(a))]
    return Reply({"from": span.start_minute, "to": span.end_minute, "series": count_series(rows)})
