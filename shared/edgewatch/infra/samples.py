"""Probe samples: one per Worker or binding per run, keyed by the scheduled minute (a repeated cron
delivery overwrites instead of duplicating)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

SAMPLE_PREFIX = "infra:samples:"
ROLLUP_PREFIX = "infra:rollup:"
SAMPLE_TTL_S = 3 * 86_400
LATEST_PREFIX = "infra:latest:"


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


def encode_samples(samples: list[Sample]) -> str:
    return json.dumps([asdict(s) for s in samples], separators=(",", ":"))


def decode_samples(text: str) -> list[Sample]:
    return [Sample(**item) for item in json.loads(text)]
