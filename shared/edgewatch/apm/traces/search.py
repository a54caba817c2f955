"""Span search across the TraceStore shards and the R2 archive (sans-I/O, like the log search):
merge the shards' buffered matches, scan the candidate objects newest first until the page is full
of spans newer than anything the next object holds, and answer with the page and its cursor."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ...logs import Cursor
from .archive import read_traces
from .messages import ShardSpanAnswer, TraceCandidate
from .query import SpanQuery
from .span import Span

SCAN_CONCURRENCY = 4


def matching_spans(query: SpanQuery, data: bytes) -> list[dict[str, Any]]:
    return [span.to_json() for spans in read_traces(data).values() for span in spans if query.matches(span)]


def _key(span: dict[str, Any]) -> tuple[int, str]:
    return int(span["start_us"]), str(span["span_id"])


@dataclass
class SpanSearchMerge:
    query: SpanQuery
    matches: list[dict[str, Any]]
    candidates: list[TraceCandidate]  # newest max_ts first
    total_objects: int
    buffered: int
    scanned: int = 0

    @classmethod
    def of(cls, query: SpanQuery, answers: list[ShardSpanAnswer]) -> SpanSearchMerge:
        matches = [span for answer in answers for span in json.loads(answer.matches_json)]
        unique = {c for answer in answers for c in answer.candidates}
        candidates = sorted(unique, key=lambda c: (-c.max_ts, c.key))
        return cls(query, matches, candidates, sum(a.objects for a in answers), len(matches))

    def enough(self, next_max_ts: int) -> bool:
        limit = self.query.limit
        if len(self.matches) < limit:
            return False
        newest = sorted((int(m["start_us"]) for m in self.matches), reverse=True)
        return newest[limit - 1] // 1000 > next_max_ts

    def next_group(self, concurrency: int = SCAN_CONCURRENCY) -> list[TraceCandidate]:
        if self.scanned >= len(self.candidates) or self.enough(self.candidates[self.scanned].max_ts):
            return []
        return self.candidates[self.scanned : self.scanned + concurrency]

    def add_scanned(self, group: list[TraceCandidate], found: list[list[dict[str, Any]]]) -> None:
        for spans in found:
            self.matches.extend(spans)
        self.scanned += len(group)

    def page(self) -> dict[str, Any]:
        unique = {(m["trace_id"], m["span_id"]): m for m in self.matches}  # a span buffered and archived once
        ordered = sorted(unique.values(), key=_key, reverse=True)
        page = ordered[: self.query.limit]
        full = len(page) == self.query.limit and len(ordered) > 0
        cursor = Cursor(*_key(page[-1])).encode() if full else None
        for span in page:
            span["start_ms"] = int(span["start_us"]) / 1000
            span["duration_ms"] = int(span["duration_us"]) / 1000
        return {
            "spans": page,
            "count": len(page),
            "traces": sorted({span["trace_id"] for span in page}),
            "cursor": cursor,
            "buffered_matches": self.buffered,
            "objects": {
                "total": self.total_objects,
                "skipped_by_index": self.total_objects - len(self.candidates),
                "scanned": self.scanned,
                "not_needed": len(self.candidates) - self.scanned,
            },
        }


def buffered_matches(query: SpanQuery, bodies: list[str]) -> list[dict[str, Any]]:
    """The matching spans of a shard's buffered rows, newest first, at most query.limit."""
    found = [
        span.to_json()
        for body in bodies
        for span in (Span.from_json(item) for item in json.loads(body))
        if query.matches(span)
    ]
    found.sort(key=_key, reverse=True)
    return found[: query.limit]
