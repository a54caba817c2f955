"""Archived log objects in R2: gzip NDJSON partitioned by service and hour, each with a summary.

Key: ``logs/<service>/<yyyy>/<mm>/<dd>/<hh>/<unique>.ndjson.gz``. The summary (time range, level
counts, a Bloom filter of ids, attributes and words) is what search consults to skip an object.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .bloom import BloomFilter
from .entry import LogEntry
from .terms import index_terms

PREFIX = "logs/"
HOUR_MS = 3_600_000


def hour_start(ts_ms: int) -> int:
    return ts_ms - ts_ms % HOUR_MS


def object_key(service: str, ts_ms: int, unique: str) -> str:
    t = datetime.fromtimestamp(hour_start(ts_ms) / 1000, tz=UTC)
    return f"{PREFIX}{service}/{t:%Y/%m/%d/%H}/{unique}.ndjson.gz"


def key_hour(key: str) -> int | None:
    """The hour (epoch ms) encoded in an object key, or None for a key that is not ours."""
    parts = key.split("/")
    if len(parts) != 7 or parts[0] + "/" != PREFIX:
        return None
    try:
        t = datetime(int(parts[2]), int(parts[3]), int(parts[4]), int(parts[5]), tzinfo=UTC)
    except ValueError:
        return None
    return int(t.timestamp() * 1000)


def key_service(key: str) -> str | None:
    parts = key.split("/")
    return parts[1] if len(parts) == 7 and parts[0] + "/" == PREFIX else None


def encode_lines(lines: list[str]) -> bytes:
    return gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=6, mtime=0)


def decode_lines(data: bytes) -> list[dict[str, Any]]:
    text = gzip.decompress(data).decode("utf-8")
    return [json.loads(line) for line in text.splitlines() if line]


@dataclass(frozen=True)
class ObjectSummary:
    key: str
    service: str
    min_ts: int
    max_ts: int
    count: int
    levels: dict[str, int]
    bloom: str
    raw_bytes: int
    stored_bytes: int

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "service": self.service,
            "min_ts": self.min_ts,
            "max_ts": self.max_ts,
            "count": self.count,
            "levels": self.levels,
            "bloom": self.bloom,
            "raw_bytes": self.raw_bytes,
            "stored_bytes": self.stored_bytes,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ObjectSummary:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class BuiltObject:
    key: str
    data: bytes
    summary: ObjectSummary


def build_object(service: str, unique: str, lines: list[str]) -> BuiltObject:
    """Encode stored lines (JSON of LogEntry.to_json plus "id") of one service and hour."""
    entries = [LogEntry.from_json(json.loads(line)) for line in lines]
    if not entries:
        raise ValueError("an archive object needs at least one entry")
    terms: set[str] = set()
    for entry in entries:
        terms |= index_terms(entry)
    data = encode_lines(lines)
    min_ts = min(e.ts for e in entries)
    key = object_key(service, min_ts, unique)
    summary = ObjectSummary(
        key=key,
        service=service,
        min_ts=min_ts,
        max_ts=max(e.ts for e in entries),
        count=len(entries),
        levels=dict(Counter(e.level for e in entries)),
        bloom=BloomFilter.build(terms).encode(),
        raw_bytes=sum(len(line.encode("utf-8")) + 1 for line in lines),
        stored_bytes=len(data),
    )
    return BuiltObject(key, data, summary)
