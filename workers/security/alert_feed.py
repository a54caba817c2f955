"""The RPC method alerting polls each minute from pitchey-security: recent anomalies from every
RateLimiter shard and the automatic blocks in force."""

from __future__ import annotations

from typing import Any

from edgewatch.codec import decode, encode
from edgewatch.security.blocklist import BlockEntry, BlockSource
from edgewatch.security.events import EventType, SecurityEvent
from edgewatch.security.messages import SecurityFeed
from limiter_shard import ask_every_shard, block_ledger

MAX_ANOMALIES = 200  # per shard; each (kind, subject) needs only its latest event


async def alert_feed(env: Any, since_ms: int, now_ms: int) -> str:
    params = {"type": EventType.ANOMALY.value, "from": str(since_ms), "limit": str(MAX_ANOMALIES)}
    pages = await ask_every_shard(env, list[SecurityEvent], lambda stub: stub.events(encode(params)))
    anomalies = sorted((e for page in pages for e in page), key=lambda e: e.sort_key, reverse=True)
    entries = decode(list[BlockEntry], str(await block_ledger(env).entries(now_ms)))
    automatic = tuple(e for e in entries if e.source is BlockSource.AUTOMATIC)
    return encode(SecurityFeed(tuple(anomalies), automatic, now_ms))
