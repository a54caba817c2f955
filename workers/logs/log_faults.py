"""The RPC method alerting polls each minute from pitchey-logs: flush failures and retention problems."""

from __future__ import annotations

import asyncio
from typing import Any

from edgewatch.codec import decode, encode
from edgewatch.logs.faults import flush_faults, retention_faults
from edgewatch.logs.messages import ShardStats
from edgewatch.logs.retention import RetentionReport
from log_shards import log_shard, log_shard_count
from retention_job import last_retention_report


async def stack_faults(env: Any, now_ms: int) -> str:
    """An encoded list of edgewatch.faults.StackFault."""
    answers = await asyncio.gather(*(log_shard(env, s).stats() for s in range(log_shard_count(env))))
    stats = [decode(ShardStats, str(a)) for a in answers]
    report = await last_retention_report(env)
    retention = None if report is None else RetentionReport.from_json(report)
    return encode([*flush_faults(stats), *retention_faults(retention, now_ms)])
