"""Summaries of probe samples per target and period (count, failures, availability, latency
histogram), mergeable so that a day is the merge of its hours."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from ..quantiles import rank
from .samples import Sample, iso

# Upper bounds (ms) of the latency histogram kept in each summary; the last bucket is open.
LATENCY_BUCKETS_MS: tuple[float, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)

PERIODS: dict[str, tuple[int, int]] = {
    # label: (period ms, ttl s)
    "15m": (900_000, 14 * 86_400),
    "1h": (3_600_000, 45 * 86_400),
    "1d": (86_400_000, 400 * 86_400),
}


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
        """The upper bound of the bucket holding the nearest-rank q-quantile (``edgewatch.quantiles``):
        the bucket of the sample at rank ceil(q * n) of the successful ones. The open bucket reports the max.
        """
        ok = self.count - self.failures
        if ok == 0:
            return None
        wanted = rank(q, ok)
        seen = 0
        for index, n in enumerate(self.buckets):
            seen += n
            if seen >= wanted:
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
