"""The daily retention job: delete expired archive objects, then verify by listing what is left;
and the health check that reads its last report."""

from __future__ import annotations

import json
from typing import Any

from edgewatch.codec import encode
from edgewatch.health import CheckResult
from edgewatch.logs.archive import PREFIX
from edgewatch.logs.retention import RetentionPolicy, RetentionReport, retention_problems, verify
from edgewatch_cf.app import Routes
from edgewatch_cf.bindings import KVPort, R2Port
from edgewatch_cf.clock import now_ms
from edgewatch_cf.settings import stack_config
from log_shards import log_shard, log_shard_count

REPORT_KEY = "logs:retention:last"
DELETE_BATCH = 1000
routes = Routes()


async def apply_retention(env: Any, policy: RetentionPolicy, as_of_ms: int) -> dict[str, Any]:
    bucket = R2Port(env.R2_BUCKET)
    report = RetentionReport(now_ms(), as_of_ms)
    expired = [key for key in await bucket.all_keys(PREFIX) if policy.expired(key, as_of_ms)]
    for start in range(0, len(expired), DELETE_BATCH):
        chunk = expired[start : start + DELETE_BATCH]
        try:
            await env.R2_BUCKET.delete(chunk)
        except Exception as exc:
            report.errors.append(f"delete failed: {type(exc).__name__}: {exc}")
            continue
        report.deleted += len(chunk)
    if report.deleted:
        for shard in range(log_shard_count(env)):
            await log_shard(env, shard).forget_objects(encode(expired))
    verify(policy, await bucket.all_keys(PREFIX), as_of_ms, report)
    result = report.to_json()
    await KVPort(env.KV).put(REPORT_KEY, json.dumps(result))
    return result


async def last_retention_report(env: Any) -> dict[str, Any] | None:
    raw = await KVPort(env.KV).get(REPORT_KEY)
    return None if raw is None else dict(json.loads(raw))


async def retention_state(env: Any) -> str:
    """RPC for reports: ``{"retention", "overrides", "last_run": <the last report> | null}``."""
    logging = stack_config(env).monitoring.logging
    body = {"retention": logging.retention, "overrides": dict(logging.retention_overrides)}
    return json.dumps({**body, "last_run": await last_retention_report(env)})


@routes.job("retention")
async def retention(env, scheduled_ms):
    logging = stack_config(env).monitoring.logging
    policy = RetentionPolicy.from_config(logging.retention, logging.retention_overrides)
    return await apply_retention(env, policy, int(scheduled_ms))


@routes.health_check
async def retention_check(env) -> CheckResult:
    """Degraded when the last retention run found objects older than allowed, or is overdue."""
    report = await last_retention_report(env)
    if report is None:
        return CheckResult("retention", "retention", True, 0.0, None)
    problems = retention_problems(RetentionReport.from_json(report), now_ms())
    return CheckResult("retention", "retention", not problems, 0.0, "; ".join(problems) or None)
