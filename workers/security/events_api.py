"""Reading the security events: one page across every shard, and the summary of a range (the
shards' GROUP BY counts, or the matching events when the summary is filtered)."""

from __future__ import annotations

import json
from typing import Any

from edgewatch.access import Role
from edgewatch.codec import encode
from edgewatch.security.api_input import plan_summary, shard_page_params
from edgewatch.security.events import SecurityEvent, combine, parse_query, query_events, summarize
from edgewatch.security.messages import ShardCounts
from edgewatch_cf.app import Incoming, Reply, Routes
from edgewatch_cf.clock import now_ms
from edgewatch_cf.json_body import parsed
from limiter_shard import ask_every_shard

SHARD_TOP = 100
DAY_MS = 86_400_000  # each shard's top identifiers, rules and routes in a summary
routes = Routes()


async def all_events(env: Any, params: dict[str, str]) -> list[SecurityEvent]:
    pages = await ask_every_shard(env, list[SecurityEvent], lambda stub: stub.events(encode(params)))
    return [event for page in pages for event in page]


@routes.route("GET", "/security/events", access=Role.VIEWER)
async def events(req: Incoming) -> Reply:
    query = parsed(parse_query, req.query)
    page = query_events(await all_events(req.env, shard_page_params(req.query, query)), query)
    return Reply(page.to_json())


@routes.route("GET", "/security/summary", access=Role.VIEWER)
async def summary(req: Incoming) -> Reply:
    now = now_ms()
    plan = parsed(lambda query: plan_summary(query, now), req.query)
    start, end, bucket = plan.from_ms, plan.to_ms, plan.bucket_ms
    if plan.filtered:
        found = await all_events(req.env, plan.shard_params())
        return Reply(summarize(found, from_ms=start, to_ms=end, bucket_ms=bucket).to_json())
    return Reply(await counted_summary(req.env, start, end, bucket))


async def counted_summary(env: Any, start: int, end: int, bucket: int) -> dict[str, Any]:
    """The unfiltered summary of [start, end): each shard's GROUP BY counts, added up."""
    parts = await ask_every_shard(env, ShardCounts, lambda stub: stub.aggregate(start, end, bucket, SHARD_TOP))
    return combine(parts, from_ms=start, to_ms=end, bucket_ms=bucket).to_json()


async def report_summary(env: Any, from_ms: int, to_ms: int) -> str:
    """RPC for reports: the summary of a period in daily buckets, as JSON text."""
    return json.dumps(await counted_summary(env, int(from_ms), int(to_ms), DAY_MS))
