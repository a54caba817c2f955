"""The daily retention job: delete expired archive objects, then verify by listing what is left."""

from __future__ import annotations

import json
import time
from typing import Any

from edgewatch.logs.archive import PREFIX
from edgewatch.logs.retention import RetentionPolicy, RetentionReport, verify
from edgewatch_cf.bindings import KVPort, R2Port
from edgewatch_cf.settings import stack_config
from search import shard_stub

REPORT_KEY = "logs:retention:last"
DELETE_BATCH = 1000


async def _all_keys(bucket: R2Port) -> list[str]:
    keys: list[str] = []
    cursor = None
    while True:
        page = await bucket.list(PREFIX, cursor=cursor)
        keys.extend(page.keys)
        if page.cursor is None:
            return keys
        cursor = page.cursor


async def apply_retention(env: Any, policy: RetentionPolicy, now_ms: int) -> dict[str, Any]:
    bucket = R2Port(env.R2_BUCKET)
    report = RetentionReport(int(time.time() * 1000), now_ms)
    expired = [key for key in await _all_keys(bucket) if policy.expired(key, now_ms)]
    for start in range(0, len(expired), DELETE_BATCH):
        chunk = expired[start : start + DELETE_BATCH]
        try:
            await env.R2_BUCKET.delete(chunk)
        except Exception as exc:
            report.errors.append(f"delete failed: {type(exc).__name__}: {exc}")
            continue
        report.deleted += len(chunk)
    if report.deleted:
        shards = stack_config(env).monitoring.logging.buffer.shards
        for shard in range(shards):
            await shard_stub(env, shard).forget_objects(json.dumps(expired))
    verify(policy, await _all_keys(bucket), now_ms, report)
    result = report.to_json()
    await KVPort(env.KV).put(REPORT_KEY, json.dumps(result))
    return result


async def last_retention_report(env: Any) -> dict[str, Any] | None:
    raw = await KVPort(env.KV).get(REPORT_KEY)
    return None if raw is None else dict(json.loads(raw))
