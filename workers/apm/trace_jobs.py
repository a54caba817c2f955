"""The trace jobs: ``flush`` (every 5 minutes: decide ready traces and archive the kept ones,
besides each shard's own alarm) and ``trace_retention`` (daily: delete archived traces and
rollups older than ``monitoring.apm.retention``, then verify what is left)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from edgewatch.apm.traces.archive import PREFIX
from edgewatch.apm.traces.messages import TraceFlushReport
from edgewatch.apm.traces.retention import TraceRetention
from edgewatch.apm.traces.rollup import MINUTE_MS
from edgewatch.codec import decode, encode, to_plain
from edgewatch.errors import NotFound
from edgewatch.health import CheckResult
from edgewatch.logs import RetentionReport, retention_problems
from edgewatch.wire.params import flag_param, int_param
from edgewatch_cf.app import Incoming, Open, Reply, Routes
from edgewatch_cf.bindings import KVPort, R2Port
from edgewatch_cf.clock import now_ms
from edgewatch_cf.faults import enabled as faults_enabled
from edgewatch_cf.faults import set_fault
from edgewatch_cf.settings import stack_config
from trace_shards import trace_shard, trace_shard_count

REPORT_KEY = "apm:trace-retention:last"
DELETE_BATCH = 1000
MAX_FAULT_COUNT = 1_000_000
routes = Routes()


@routes.job("flush")
async def flush_traces(env: Any, scheduled_ms: int) -> dict[str, int]:
    shards = range(trace_shard_count(env))
    answers = await asyncio.gather(*(trace_shard(env, s).flush_now("cron") for s in shards))
    reports = [decode(TraceFlushReport, str(a)) for a in answers]
    failed = [r for r in reports if not r.ok]
    if failed:
        raise RuntimeError(f"{len(failed)} trace shard(s) could not flush: {failed[0].error}")
    return {
        "objects": sum(len(r.objects) for r in reports),
        "kept": sum(r.kept for r in reports),
        "dropped": sum(r.dropped for r in reports),
        "waiting": sum(r.waiting for r in reports),
    }


@routes.job("trace_retention")
async def trace_retention(env: Any, scheduled_ms: int) -> dict[str, Any]:
    policy = TraceRetention(stack_config(env).monitoring.apm.retention_ms)
    as_of = int(scheduled_ms)
    bucket = R2Port(env.R2_BUCKET)
    report = RetentionReport(now_ms(), as_of)
    expired = [key for key in await bucket.all_keys(PREFIX) if policy.expired(key, as_of)]
    for start in range(0, len(expired), DELETE_BATCH):
        chunk = expired[start : start + DELETE_BATCH]
        try:
            await env.R2_BUCKET.delete(chunk)
        except Exception as exc:
            report.errors.append(f"delete failed: {type(exc).__name__}: {exc}")
            continue
        report.deleted += len(chunk)
    shards = range(trace_shard_count(env))
    oldest_minute = (as_of - policy.keep_ms) // MINUTE_MS
    for shard in shards:
        if report.deleted:
            await trace_shard(env, shard).forget_objects(encode(expired))
        await trace_shard(env, shard).forget_rollups(oldest_minute)
    policy.verify(await bucket.all_keys(PREFIX), as_of, report)
    result = report.to_json()
    await KVPort(env.KV).put(REPORT_KEY, json.dumps(result))
    return result


@routes.health_check
async def trace_retention_check(env: Any) -> CheckResult:
    raw = await KVPort(env.KV).get(REPORT_KEY)
    if raw is None:
        return CheckResult("trace_retention", "retention", True, 0.0, None)
    problems = retention_problems(RetentionReport.from_json(json.loads(raw)), now_ms())
    return CheckResult("trace_retention", "retention", not problems, 0.0, "; ".join(problems) or None)


@routes.route("PUT", "/apm/_test/faults/{name}", access=Open("the test environment only"))
async def put_fault(req: Incoming) -> Reply:
    if not faults_enabled(req.env):
        raise NotFound("fault injection exists only in the test environment")
    count = int_param(req.query, "count", 1, 0, MAX_FAULT_COUNT)
    await set_fault(req.env, req.params["name"], count)
    return Reply({"fault": req.params["name"], "count": count})


@routes.route("POST", "/apm/_test/flush", access=Open("the test environment only"))
async def test_flush(req: Incoming) -> Reply:
    """Flush every shard now; ``?force=true`` decides every buffered trace without waiting."""
    if not faults_enabled(req.env):
        raise NotFound("a forced flush exists only in the test environment")
    force = flag_param(req.query, "force")
    shards = range(trace_shard_count(req.env))
    answers = await asyncio.gather(*(trace_shard(req.env, s).flush_now("test", force) for s in shards))
    return Reply({"shards": [to_plain(decode(TraceFlushReport, str(a))) for a in answers]})
