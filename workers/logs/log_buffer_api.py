"""The LogBuffer shards seen from the Worker: their stats, the flush cron job, and the test
environment's fault injection."""

from __future__ import annotations

import asyncio

from edgewatch.access import Role
from edgewatch.codec import decode, to_plain
from edgewatch.errors import NotFound
from edgewatch.logs.messages import FlushReport, ShardStats
from edgewatch.wire.params import int_param
from edgewatch_cf.app import Incoming, Open, Reply, Routes
from edgewatch_cf.faults import enabled as faults_enabled
from edgewatch_cf.faults import set_fault
from log_shards import log_shard, log_shard_count
from retention_job import last_retention_report

routes = Routes()
MAX_FAULT_COUNT = 1_000_000


@routes.route("GET", "/logs/stats", access=Role.VIEWER)
async def buffer_stats(req: Incoming) -> Reply:
    shards = await asyncio.gather(*(log_shard(req.env, s).stats() for s in range(log_shard_count(req.env))))
    stats = [to_plain(decode(ShardStats, str(s))) for s in shards]
    return Reply({"shards": stats, "retention": await last_retention_report(req.env)})


@routes.route("PUT", "/logs/_test/faults/{name}", access=Open("the test environment only"))
async def put_fault(req: Incoming) -> Reply:
    if not faults_enabled(req.env):
        raise NotFound("fault injection exists only in the test environment")
    count = int_param(req.query, "count", 1, -MAX_FAULT_COUNT, MAX_FAULT_COUNT)
    await set_fault(req.env, req.params["name"], count)
    return Reply({"fault": req.params["name"], "count": count})


@routes.job("flush")
async def flush_all(env, scheduled_ms):
    reports = await asyncio.gather(*(log_shard(env, s).flush_now("cron") for s in range(log_shard_count(env))))
    decoded = [decode(FlushReport, str(r)) for r in reports]
    failed = [r for r in decoded if not r.ok]
    if failed:
        raise RuntimeError(f"{len(failed)} shard(s) could not flush: {failed[0].error}")
    return {"objects": sum(len(r.objects) for r in decoded)}
