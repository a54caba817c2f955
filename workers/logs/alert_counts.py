"""The RPC method the alerts Worker's rules read: every service's per-minute counts per level
(what ``GET /logs/metrics`` sums), gathered from every buffer shard."""

from __future__ import annotations

import asyncio
from typing import Any

from edgewatch.codec import decode, encode
from edgewatch.logs.counts import MINUTE_MS
from edgewatch.logs.messages import MinuteCount
from log_shards import log_shard, log_shard_count


async def minute_counts(env: Any, from_ms: int, to_ms: int) -> str:
    """An encoded list of MinuteCount for the minutes starting in [from_ms, to_ms)."""
    start = from_ms - from_ms % MINUTE_MS
    shards = range(log_shard_count(env))
    answers = await asyncio.gather(*(log_shard(env, s).counts(start, to_ms, None) for s in shards))
    return encode([row for a in answers for row in decode(list[MinuteCount], str(a))])
