"""Archived traces in R2: gzip NDJSON, one line per trace (``{"trace_id", "spans": [...]}``), cut
per shard and hour of the traces' start, each object with a summary search and trace lookup use
to skip it: its time range, span count, and two Bloom filters, one of trace ids and one of terms
(services, span names, endpoints, ``status:error``, ``attr:<key>=<value>``).

Key: ``traces/<yyyy>/<mm>/<dd>/<hh>/<unique>.ndjson.gz``.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ...logs import BloomFilter
from .span import Span

PREFIX = "traces/"
HOUR_MS = 3_600_000
MAX_TERM_CHARS = 200


def object_key(ts_ms: int, unique: str) -> str:
    t = datetime.fromtimestamp((ts_ms - ts_ms % HOUR_MS) / 1000, tz=UTC)
    return f"{PREFIX}{t:%Y/%m/%d/%H}/{unique}.ndjson.gz"


def key_hour(key: str) -> int | None:
    parts = key.split("/")
    if len(parts) != 6 or parts[0] + "/" != PREFIX:
        return None
    try:
        t = datetime(int(parts[1]), int(parts[2]), int(parts[3]), int(parts[4]), tzinfo=UTC)
    except ValueError:
        return None
    return int(t.timestamp() * 1000)


def span_terms(span: Span) -> set[str]:
    terms = {f"service:{span.service}", f"name:{span.name}", f"endpoint:{span.endpoint}"}
    if span.is_error:
        terms.add("status:error")
    for key, value in span.attributes.items():
        if value is None or type(value) in (dict, list):
            continue
        term = f"attr:{key}={attr_text(value)}"
        if len(term) <= MAX_TERM_CHARS:
            terms.add(term)
    return terms


def attr_text(value: Any) -> str:
    """How an attribute value is compared with a query's text: JSON for booleans, else str."""
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class TraceObjectSummary:
    key: str
    min_ts: int  # ms, earliest span start
    max_ts: int  # ms, latest span start
    traces: int
    spans: int
    max_duration_us: int
    ids: str  # Bloom filter of trace ids
    terms: str  # Bloom filter of span_terms
    raw_bytes: int
    stored_bytes: int

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TraceObjectSummary:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class BuiltTraceObject:
    data: bytes
    summary: TraceObjectSummary


def trace_line(trace_id: str, spans: list[Span]) -> str:
    return json.dumps(
        {"trace_id": trace_id, "spans": [span.to_json() for span in spans]}, ensure_ascii=False, separators=(",", ":")
    )


def build_trace_object(unique: str, traces: dict[str, list[Span]]) -> BuiltTraceObject:
    if not traces:
        raise ValueError("an archive object needs at least one trace")
    lines = [trace_line(trace_id, spans) for trace_id, spans in traces.items()]
    spans = [span for group in traces.values() for span in group]
    terms: set[str] = set()
    for span in spans:
        terms |= span_terms(span)
    data = gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=6, mtime=0)
    min_ts = min(span.start_us for span in spans) // 1000
    summary = TraceObjectSummary(
        key=object_key(min_ts, unique),
        min_ts=min_ts,
        max_ts=max(span.start_us for span in spans) // 1000,
        traces=len(traces),
        spans=len(spans),
        max_duration_us=max(span.duration_us for span in spans),
        ids=BloomFilter.build(traces).encode(),
        terms=BloomFilter.build(terms).encode(),
        raw_bytes=sum(len(line.encode("utf-8")) + 1 for line in lines),
        stored_bytes=len(data),
    )
    return BuiltTraceObject(data, summary)


def read_traces(data: bytes) -> dict[str, list[Span]]:
    out: dict[str, list[Span]] = {}
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        if line:
            item = json.loads(line)
            out.setdefault(item["trace_id"], []).extend(Span.from_json(s) for s in item["spans"])
    return out


def read_trace(data: bytes, trace_id: str) -> list[Span]:
    """One trace's spans from an object, decoding only its line."""
    needle = f'{{"trace_id":"{trace_id}",'
    spans: list[Span] = []
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        if line.startswith(needle):
            spans.extend(Span.from_json(s) for s in json.loads(line)["spans"])
    return spans
