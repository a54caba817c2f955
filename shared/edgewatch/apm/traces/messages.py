"""What crosses the RPC boundary between the apm Worker and its TraceStore shards (encoded with
edgewatch.codec). ``AppendSpans.rows_json`` is the JSON array SQLite's ``json_each`` inserts
directly: one row per trace of the batch, ``[trace_id, span count, has root (0/1), spans JSON]``."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AppendSpans:
    batch_id: str | None
    spans: int
    rows_json: str


@dataclass(frozen=True)
class AppendAnswer:
    stored: int
    duplicate: bool


@dataclass(frozen=True)
class TraceCandidate:
    key: str
    min_ts: int
    max_ts: int


@dataclass(frozen=True)
class TraceLookup:
    """A shard's answer for one trace id: its buffered spans (JSON objects) and the archived
    objects whose id filter admits the trace."""

    spans_json: str
    candidates: list[str]
    objects: int


@dataclass(frozen=True)
class ShardSpanAnswer:
    matches_json: str  # JSON array of span objects, newest start first
    candidates: list[TraceCandidate]
    objects: int


@dataclass(frozen=True)
class TraceFlushReport:
    ok: bool
    objects: list[str]
    error: str | None
    shard: int
    decided: int = 0
    kept: int = 0
    dropped: int = 0
    waiting: int = 0
    more: bool = False  # traces were left unexamined: the shard flushes again soon


@dataclass(frozen=True)
class TraceShardStats:
    shard: int
    buffered_spans: int
    buffered_traces: int
    buffered_bytes: int
    oldest_buffered_ms: int | None
    next_flush_ms: int | None
    archived_objects: int
    archived_traces: int
    archived_spans: int
    archived_stored_bytes: int
    decisions: dict[str, int] = field(default_factory=dict)
    flush_failures: int = 0
    metrics_pending: int = 0  # flushes whose endpoint metric points have not reached the metrics store
    metrics_export_failures: int = 0
    last_flush_ok: int | None = None
    last_flush_error: str | None = None
    failing_since_ms: int | None = None
