"""Infrastructure probes: samples of each Worker's and binding's health, and their rollups.

Samples are written per run under a key derived from the scheduled minute, so a repeated cron
delivery overwrites instead of duplicating. Rollups read the samples of their window and write
one summary per window, also keyed by time: every job here is idempotent.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from .ports import KeyValueStore

SAMPLE_PREFIX = "infra:samples:"
ROLLUP_PREFIX = "infra:rollup:"
SAMPLE_TTL_S = 3 * 86_400

# Upper bounds (ms) of the latency histogram kept in each summary; the last bucket is open.
LATENCY_BUCKETS_MS: tuple[float, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)

PERIODS: dict[str, tuple[int, int]] = {
    # label: (period ms, ttl s)
    "15m": (900_000, 14 * 86_400),
    "1h": (3_600_000, 45 * 86_400),
    "1d": (86_400_000, 400 * 86_400),
}


@dataclass(frozen=True)
class Sample:
    target: str
    kind: str
    ok: bool
    latency_ms: float
    at_ms: int
    error: str | None = None


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def iso(ms: int) -> str:
    return _utc(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


def sample_key(group: str, at_ms: int) -> str:
    """``infra:samples:<group>:<yyyymmddhh>:<mm>``; one hour shares a prefix for cheap listing."""
    t = _utc(at_ms - at_ms % 60_000)
    return f"{SAMPLE_PREFIX}{group}:{t:%Y%m%d%H}:{t:%M}"


def hour_prefixes(group: str, start_ms: int, end_ms: int) -> list[str]:
    out = []
    t = start_ms - start_ms % 3_600_000
    while t < end_ms:
        out.append(f"{SAMPLE_PREFIX}{group}:{_utc(t):%Y%m%d%H}:")
        t += 3_600_000
    return out


def rollup_key(label: str, start_ms: int) -> str:
    return f"{ROLLUP_PREFIX}{label}:{iso(start_ms)}"


@dataclass
class TargetSummary:
    kind: str
    count: int = 0
    failures: int = 0
    latency_sum_ms: float = 0.0
    latency_max_ms: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS_MS) + 1))
    last_error: str | None = None

    def add(self, sample: Sample) -> None:
        self.count += 1
        if not sample.ok:
            self.failures += 1
            self.last_error = sample.error
            return
        self.latency_sum_ms += sample.latency_ms
        self.latency_max_ms = max(self.latency_max_ms, sample.latency_ms)
        self.buckets[bisect.bisect_left(LATENCY_BUCKETS_MS, sample.latency_ms)] += 1

    def merge(self, other: TargetSummary) -> None:
        self.count += other.count
        self.failures += other.failures
        self.latency_sum_ms += other.latency_sum_ms
        self.latency_max_ms = max(self.latency_max_ms, other.latency_max_ms)
        self.buckets = [a + b for a, b in zip(self.buckets, other.buckets, strict=False)]
        self.last_error = other.last_error or self.last_error

    @property
    def availability(self) -> float | None:
        return None if self.count == 0 else (self.count - self.failures) / self.count

    @property
    def latency_avg_ms(self) -> float | None:
        ok = self.count - self.failures
        return None if ok == 0 else self.latency_sum_ms / ok

    def latency_quantile_ms(self, q: float) -> float | None:
        """Upper bound of the bucket holding quantile q (the open bucket reports the max)."""
        ok = self.count - self.failures
        if ok == 0:
            return None
        rank = q * ok
        seen = 0
        for index, n in enumerate(self.buckets):
            seen += n
            if seen >= rank and n:
                return LATENCY_BUCKETS_MS[index] if index < len(LATENCY_BUCKETS_MS) else self.latency_max_ms
        return self.latency_max_ms

    def to_json(self) -> dict[str, object]:
        out = asdict(self)
        out["availability"] = self.availability
        out["latency_avg_ms"] = self.latency_avg_ms
        out["latency_p95_ms"] = self.latency_quantile_ms(0.95)
        return out

    @classmethod
    def from_json(cls, data: dict[str, object]) -> TargetSummary:
        fields = {
            k: data[k]
            for k in ("kind", "count", "failures", "latency_sum_ms", "latency_max_ms", "buckets", "last_error")
        }
        return cls(**fields)  # type: ignore[arg-type]


def summarize(samples: Iterable[Sample]) -> dict[str, TargetSummary]:
    out: dict[str, TargetSummary] = {}
    for sample in samples:
        out.setdefault(sample.target, TargetSummary(kind=sample.kind)).add(sample)
    return out


def encode_samples(samples: list[Sample]) -> str:
    return json.dumps([asdict(s) for s in samples], separators=(",", ":"))


def decode_samples(text: str) -> list[Sample]:
    return [Sample(**item) for item in json.loads(text)]


LATEST_PREFIX = "infra:latest:"


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


@dataclass(frozen=True)
class Rollup:
    label: str
    start_ms: int
    end_ms: int
    targets: dict[str, TargetSummary]
    sources: int

    def to_json(self) -> dict[str, object]:
        return {
            "period": self.label,
            "start": iso(self.start_ms),
            "end": iso(self.end_ms),
            "sources": self.sources,
            "targets": {name: summary.to_json() for name, summary in sorted(self.targets.items())},
        }


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
