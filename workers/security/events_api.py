"""Reading the security events: one page across every shard, and the summary of a range (the
shards' GROUP BY counts, or the matching events when the summary is filtered)."""

from __future__ import annotations

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

SHARD_TOP = 100  # each shard's top identifiers, rules and routes in a summary
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
    parts = await ask_every_shard(req.env, ShardCounts, lambda stub: stub.aggregate(start, end, bucket, SHARD_TOP))
    return Reply(combine(parts, from_ms=start, to_ms=end, bucket_ms=bucket).to_json())
