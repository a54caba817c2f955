"""The RPC methods alerting polls each minute from pitchey-monitoring: the uptime change feed (by
sequence number, with the monitors and the ones in maintenance) and the cron jobs' failure streaks."""

from __future__ import annotations

import json
from typing import Any

from checks_api import synced
from edgewatch.codec import encode
from edgewatch.faults import cron_faults, streaks_from_json
from edgewatch.schedule import SCHEDULES, cron_slug
from edgewatch_cf.bindings import KVPort

MAX_FEED = 500


async def uptime_feed(env: Any, since_seq: int, limit: int, now_ms: int) -> str:
    """An encoded edgewatch.uptime.AlertFeed."""
    stub = await synced(env, now_ms)
    return str(await stub.alert_feed(since_seq, max(1, min(limit, MAX_FEED)), now_ms))


async def stack_faults(env: Any) -> str:
    """An encoded list of edgewatch.faults.StackFault: every cron job whose latest runs failed."""
    kv = KVPort(env.KV)
    faults = []
    for cron in SCHEDULES:
        last = await kv.get(f"cron:last:{cron_slug(cron)}")
        if last:
            faults.extend(cron_faults(streaks_from_json(json.loads(last).get("streaks"))))
    return encode(faults)
