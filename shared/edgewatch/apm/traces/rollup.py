"""Per-minute rollups of what the traces measured, made when a trace is decided (kept or not, so
rates do not depend on sampling): per service and endpoint (the entry spans: server and consumer
spans, and roots), and per edge of the service map (a client or producer span and the service
that served it).

A rollup holds counts, the apdex buckets, a mergeable quantile sketch of durations in ms, and
the few slowest traces; rollups of the same key merge, in a shard and across shards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...metrics import QuantileSketch
from .span import ENTRY_KINDS, Span

MINUTE_MS = 60_000
SLOWEST_KEPT = 5
EXTERNAL = "(external)"


@dataclass(frozen=True, order=True)
class RollupKey:
    kind: str  # "endpoint" or "edge"
    service: str  # the endpoint's service, or the edge's caller
    name: str  # the endpoint, or the edge's callee service
    minute: int  # epoch minute

    def to_json(self) -> list[Any]:
        return [self.kind, self.service, self.name, self.minute]

    @classmethod
    def from_json(cls, data: list[Any]) -> RollupKey:
        return cls(str(data[0]), str(data[1]), str(data[2]), int(data[3]))


@dataclass
class Rollup:
    count: float = 0.0
    errors: float = 0.0
    satisfied: float = 0.0
    tolerating: float = 0.0
    sketch: QuantileSketch = field(default_factory=QuantileSketch)
    slowest: list[tuple[float, str]] = field(default_factory=list)  # (duration ms, trace id), slowest first

    def add(self, duration_ms: float, error: bool, weight: float, trace_id: str, apdex_ms: int) -> None:
        self.count += weight
        if error:
            self.errors += weight
        elif duration_ms <= apdex_ms:
            self.satisfied += weight
        elif duration_ms <= 4 * apdex_ms:
            self.tolerating += weight
        self.sketch.add(max(duration_ms, 0.0), weight)
        self._keep_slowest([(duration_ms, trace_id)])

    def merge(self, other: Rollup) -> None:
        self.count += other.count
        self.errors += other.errors
        self.satisfied += other.satisfied
        self.tolerating += other.tolerating
        self.sketch.merge(other.sketch)
        self._keep_slowest(other.slowest)

    def _keep_slowest(self, more: list[tuple[float, str]]) -> None:
        merged = {trace: ms for ms, trace in self.slowest}
        for ms, trace in more:
            merged[trace] = max(ms, merged.get(trace, ms))
        self.slowest = sorted(((ms, trace) for trace, ms in merged.items()), reverse=True)[:SLOWEST_KEPT]

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "errors": self.errors,
            "satisfied": self.satisfied,
            "tolerating": self.tolerating,
            "sketch": self.sketch.to_json(),
            "slowest": [[ms, trace] for ms, trace in self.slowest],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rollup:
        return cls(
            float(data["count"]),
            float(data["errors"]),
            float(data["satisfied"]),
            float(data["tolerating"]),
            QuantileSketch.from_json(data["sketch"]),
            [(float(ms), str(trace)) for ms, trace in data.get("slowest", [])],
        )


def trace_rollups(spans: list[Span], weight: float, apdex_ms: int) -> dict[RollupKey, Rollup]:
    """The rollups one decided trace adds (``weight``: how many traces it stands for, 1 unless a
    share sampler upstream of us said otherwise)."""
    out: dict[RollupKey, Rollup] = {}
    by_id = {span.span_id: span for span in spans}
    served: dict[str, str] = {}  # client span id -> the service of the span it parents
    for span in spans:
        parent = by_id.get(span.parent_id) if span.parent_id else None
        if parent is not None and parent.kind in ("client", "producer") and span.kind in ENTRY_KINDS:
            served[parent.span_id] = span.service
    for span in spans:
        minute = span.start_us // 1000 // MINUTE_MS
        if span.kind in ENTRY_KINDS or span.is_root:
            key = RollupKey("endpoint", span.service, span.endpoint, minute)
            out.setdefault(key, Rollup()).add(span.duration_us / 1000, span.is_error, weight, span.trace_id, apdex_ms)
        if span.kind in ("client", "producer"):
            callee = served.get(span.span_id) or _peer(span)
            if callee != span.service:
                key = RollupKey("edge", span.service, callee, minute)
                out.setdefault(key, Rollup()).add(
                    span.duration_us / 1000, span.is_error, weight, span.trace_id, apdex_ms
                )
    return out


def _peer(span: Span) -> str:
    for key in ("peer.service", "server.address", "net.peer.name", "db.system"):
        value = span.attributes.get(key)
        if type(value) is str and value:
            return value
    return EXTERNAL


def merge_into(target: dict[RollupKey, Rollup], more: dict[RollupKey, Rollup]) -> None:
    for key, rollup in more.items():
        if key in target:
            target[key].merge(rollup)
        else:
            target[key] = rollup
