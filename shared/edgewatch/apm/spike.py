"""Spike protection: a token bucket per project and data category, answered in Sentry's terms.

Each limited category (``error``, ``transaction``, ``attachment``, ``session``...) of a project has
a bucket of ``burst`` tokens refilled at ``per_minute``; an envelope's items take one token each.
A category without tokens is refused for ``retry_after`` seconds (the time until one token is
back), named in ``X-Sentry-Rate-Limits`` as ``retry_after:cat;cat:project``: SDKs read that header
on any status and stop sending those categories until then. Client reports (``internal``) and
categories without a limit always pass. When nothing of the envelope passes the answer is 429
with ``Retry-After``; when part passes it is 200 with the header for the rest, as Relay answers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

MAX_BUCKETS = 10_000
NEVER_LIMITED = frozenset({"internal"})


@dataclass(frozen=True)
class SpikeLimit:
    per_minute: float
    burst: float

    def __post_init__(self) -> None:
        if self.per_minute <= 0 or self.burst < 1:
            raise ValueError("a spike limit needs per_minute > 0 and burst >= 1")


@dataclass
class Bucket:
    tokens: float
    updated_ms: int


@dataclass(frozen=True)
class SpikeDecision:
    admitted: dict[str, int]  # category -> items let through
    refused: dict[str, int]  # category -> seconds until it may send again
    status: int  # 200, or 429 when nothing was admitted
    rate_limits: str | None  # the X-Sentry-Rate-Limits value
    retry_after: int | None  # the Retry-After value (seconds), with a 429

    def headers(self) -> dict[str, str]:
        out = {}
        if self.rate_limits:
            out["X-Sentry-Rate-Limits"] = self.rate_limits
        if self.retry_after is not None:
            out["Retry-After"] = str(self.retry_after)
        return out


def rate_limits_header(refused: Mapping[str, int], scope: str = "project") -> str | None:
    """{"error": 60, "transaction": 60, "session": 5} -> '60:error;transaction:project, 5:session:project'."""
    by_wait: dict[int, list[str]] = {}
    for category, wait in refused.items():
        by_wait.setdefault(wait, []).append(category)
    parts = [f"{wait}:{';'.join(sorted(cats))}:{scope}" for wait, cats in sorted(by_wait.items(), reverse=True)]
    return ", ".join(parts) or None


@dataclass
class SpikeGuard:
    limits: Mapping[str, SpikeLimit]  # data category -> limit
    buckets: dict[tuple[str, str], Bucket] = field(default_factory=dict)  # (project, category)
    max_buckets: int = MAX_BUCKETS

    def _bucket(self, key: tuple[str, str], limit: SpikeLimit, now_ms: int) -> Bucket:
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= self.max_buckets:
                oldest = min(self.buckets, key=lambda k: self.buckets[k].updated_ms)
                del self.buckets[oldest]  # the idlest bucket was full again long ago anyway
            bucket = self.buckets[key] = Bucket(limit.burst, now_ms)
        elapsed = max(0, now_ms - bucket.updated_ms)
        bucket.tokens = min(limit.burst, bucket.tokens + elapsed * limit.per_minute / 60_000)
        bucket.updated_ms = max(bucket.updated_ms, now_ms)
        return bucket

    def admit(self, project: str, categories: Mapping[str, int], now_ms: int) -> SpikeDecision:
        """Take one token per item of each category; a category takes all its items or none (more
        items than the burst pass only with a full bucket, and empty it)."""
        admitted: dict[str, int] = {}
        refused: dict[str, int] = {}
        for category, count in categories.items():
            limit = self.limits.get(category)
            if count <= 0:
                continue
            if limit is None or category in NEVER_LIMITED:
                admitted[category] = count
                continue
            bucket = self._bucket((project, category), limit, now_ms)
            need = min(count, limit.burst)
            if bucket.tokens >= need:
                bucket.tokens -= need
                admitted[category] = count
            else:  # refused until the bucket holds what it needs again
                refused[category] = max(1, math.ceil((need - bucket.tokens) * 60 / limit.per_minute))
        limited = {c: n for c, n in admitted.items() if c not in NEVER_LIMITED}
        nothing = bool(refused) and not limited
        return SpikeDecision(
            admitted=admitted,
            refused=refused,
            status=429 if nothing else 200,
            rate_limits=rate_limits_header(refused),
            retry_after=max(refused.values()) if nothing else None,
        )
