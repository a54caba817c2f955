"""What a TraceStore shard does at a flush, decided here and performed by the shard: which traces
are ready for their tail decision and what it is, the rollups the newly decided traces add, which
buffered rows are dropped, and how the kept traces are cut into archive objects.

A decision is made once per trace and remembered (for late spans: a late span of a kept trace is
archived with it, one of a dropped trace is dropped).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ...config import TraceSamplingConfig
from .rollup import Rollup, RollupKey, merge_into, trace_rollups
from .sampling import TraceDecision, Verdict, decide, ready
from .span import Span


@dataclass(frozen=True, slots=True)
class BufferedTrace:
    """One buffered row: part (or all) of a trace as it arrived in one batch."""

    seq: int
    trace_id: str
    arrived_at: int
    has_root: bool
    spans_json: str


@dataclass(frozen=True)
class ArchiveBatch:
    unique: str
    traces: dict[str, list[Span]]
    seqs: list[int]


@dataclass
class FlushPlan:
    decisions: dict[str, TraceDecision] = field(default_factory=dict)  # made now
    rollups: dict[RollupKey, Rollup] = field(default_factory=dict)
    drop_seqs: list[int] = field(default_factory=list)
    archive: list[ArchiveBatch] = field(default_factory=list)
    waiting: int = 0  # traces not ready yet


def plan_flush(
    rows: list[BufferedTrace],
    known: dict[str, TraceDecision],
    now_ms: int,
    config: TraceSamplingConfig,
    *,
    apdex_ms: int,
    shard: int,
    max_spans: int,
    force: bool = False,
) -> FlushPlan:
    """``known``: decisions made earlier for the traces of ``rows``. ``force`` decides every trace
    now (a shard being drained)."""
    traces: dict[str, list[BufferedTrace]] = {}
    for row in rows:
        traces.setdefault(row.trace_id, []).append(row)
    plan = FlushPlan()
    kept: list[tuple[str, list[Span], list[int]]] = []
    for trace_id, parts in traces.items():
        spans = [Span.from_json(item) for part in parts for item in json.loads(part.spans_json)]
        decision = known.get(trace_id)
        if decision is None:
            first = min(part.arrived_at for part in parts)
            root_at = min((part.arrived_at for part in parts if part.has_root), default=None)
            if not force and not ready(first, root_at, now_ms, config):
                plan.waiting += 1
                continue
            decision = decide(trace_id, spans, config)
            plan.decisions[trace_id] = decision
            merge_into(plan.rollups, trace_rollups(spans, 1.0, apdex_ms))
        seqs = [part.seq for part in parts]
        if decision.verdict is Verdict.DROP:
            plan.drop_seqs.extend(seqs)
        else:
            kept.append((trace_id, [span.with_weight(decision.weight) for span in spans], seqs))
    plan.archive = _batches(kept, shard, max_spans)
    return plan


def _batches(kept: list[tuple[str, list[Span], list[int]]], shard: int, max_spans: int) -> list[ArchiveBatch]:
    """Kept traces in start order, cut into objects of about max_spans spans (a trace is never split)."""
    kept.sort(key=lambda item: (min(span.start_us for span in item[1]), item[0]))
    batches: list[ArchiveBatch] = []
    traces: dict[str, list[Span]] = {}
    seqs: list[int] = []
    count = 0
    for trace_id, spans, trace_seqs in kept:
        if traces and count + len(spans) > max_spans:
            batches.append(_batch(traces, seqs, shard))
            traces, seqs, count = {}, [], 0
        traces[trace_id] = spans
        seqs.extend(trace_seqs)
        count += len(spans)
    if traces:
        batches.append(_batch(traces, seqs, shard))
    return batches


def _batch(traces: dict[str, list[Span]], seqs: list[int], shard: int) -> ArchiveBatch:
    first = min(span.start_us for spans in traces.values() for span in spans) // 1000
    return ArchiveBatch(f"{first}-s{shard}-{min(seqs)}", traces, seqs)
