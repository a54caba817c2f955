"""Samples and rollups in a key-value store. Keys derive from time, so every job is idempotent."""

from __future__ import annotations

import json

from ..ports import KeyValueStore
from .samples import (
    LATEST_PREFIX,
    ROLLUP_PREFIX,
    SAMPLE_TTL_S,
    Sample,
    decode_samples,
    encode_samples,
    hour_prefixes,
    rollup_key,
    sample_key,
)
from .summary import PERIODS, Rollup, TargetSummary, summarize


async def record_samples(kv: KeyValueStore, group: str, at_ms: int, samples: list[Sample]) -> str:
    """Store one run's samples; also the group's latest run unless a newer one is already there."""
    key = sample_key(group, at_ms)
    encoded = encode_samples(samples)
    await kv.put(key, encoded, ttl_s=SAMPLE_TTL_S)
    current = await kv.get(LATEST_PREFIX + group)
    if current is None or json.loads(current)["at_ms"] <= at_ms:
        await kv.put(LATEST_PREFIX + group, json.dumps({"at_ms": at_ms, "key": key, "samples": json.loads(encoded)}))
    return key


async def _keys(kv: KeyValueStore, prefix: str) -> list[str]:
    keys: list[str] = []
    cursor: str | None = None
    while True:
        page = await kv.list(prefix, cursor=cursor)
        keys.extend(page.keys)
        if page.cursor is None:
            return keys
        cursor = page.cursor


async def load_samples(kv: KeyValueStore, start_ms: int, end_ms: int) -> list[Sample]:
    """Every sample in [start_ms, end_ms) from both probe groups."""
    out: list[Sample] = []
    for group in ("workers", "storage"):
        for prefix in hour_prefixes(group, start_ms, end_ms):
            for key in await _keys(kv, prefix):
                raw = await kv.get(key)
                if raw is None:
                    continue
                out.extend(s for s in decode_samples(raw) if start_ms <= s.at_ms < end_ms)
    return out


async def rollup_samples(kv: KeyValueStore, label: str, end_ms: int) -> Rollup:
    """Summarise raw samples of the window ending at end_ms (15m and 1h periods)."""
    period, ttl = PERIODS[label]
    start = end_ms - period
    samples = await load_samples(kv, start, end_ms)
    result = Rollup(label, start, end_ms, summarize(samples), len(samples))
    await kv.put(rollup_key(label, start), json.dumps(result.to_json()), ttl_s=ttl)
    return result


async def rollup_day(kv: KeyValueStore, end_ms: int) -> Rollup:
    """Merge the 24 hourly rollups of the day ending at end_ms into a daily summary."""
    period, ttl = PERIODS["1d"]
    start = end_ms - period
    merged: dict[str, TargetSummary] = {}
    hours = 0
    for hour_start in range(start, end_ms, 3_600_000):
        raw = await kv.get(rollup_key("1h", hour_start))
        if raw is None:
            continue
        hours += 1
        for name, data in json.loads(raw)["targets"].items():
            summary = TargetSummary.from_json(data)
            if name in merged:
                merged[name].merge(summary)
            else:
                merged[name] = summary
    result = Rollup("1d", start, end_ms, merged, hours)
    await kv.put(rollup_key("1d", start), json.dumps(result.to_json()), ttl_s=ttl)
    return result


async def latest_rollups(kv: KeyValueStore, label: str, limit: int = 24) -> list[dict[str, object]]:
    keys = await _keys(kv, f"{ROLLUP_PREFIX}{label}:")
    out = []
    for key in sorted(keys)[-limit:]:
        raw = await kv.get(key)
        if raw is not None:
            out.append(json.loads(raw))
    return out


async def latest_samples(kv: KeyValueStore, group: str) -> dict[str, object] | None:
    raw = await kv.get(LATEST_PREFIX + group)
    return None if raw is None else dict(json.loads(raw))
