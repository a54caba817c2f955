"""The ingest pipeline after parsing: count, sample, scrub, and encode per buffer shard.

``prepare`` is pure: the Worker hands its output to the shards' Durable Objects, and the CPython
benchmark measures exactly this path (plus parsing).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from edgewatch.codec import encode
from edgewatch.errors import BadRequest

from .entry import LEVEL_RANK, ParsedBatch
from .messages import AppendRequest, MinuteCount
from .sampling import Sampler
from .scrub import Scrubber

MINUTE_MS = 60_000
# One shared encoder: json.dumps with non-default arguments builds a new encoder per call.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def shard_of(service: str, shards: int) -> int:
    return zlib.crc32(service.encode("utf-8")) % shards


def batch_shard(services: dict[str, int], shards: int) -> int:
    """The one shard a batch is stored in: that of the service with the most entries (the first
    of those on a tie). A whole batch goes to one shard, so it costs one Durable Object request
    and one batch row whatever its mix of services; reads consult every shard anyway."""
    if not services:
        return 0
    top = max(services.values())
    return shard_of(next(name for name, n in services.items() if n == top), shards)


@dataclass
class ShardPayload:
    """What one shard stores: rows for its buffer table (columns as messages.ENTRY_COLUMNS) and
    per-minute counts."""

    rows: list[list[Any]] = field(default_factory=list)
    # (service, minute, level) -> [seen, kept]
    counts: dict[tuple[str, int, str], list[float]] = field(default_factory=dict)

    def request(self, batch_id: str | None) -> AppendRequest:
        """The shard's part of a batch. Its rows are one JSON document: one C-level encode, no
        per-entry encoding (the shard's SQLite keeps each row's entry object as its JSON text)."""
        counts = [MinuteCount(s, m, lv, seen, kept) for (s, m, lv), (seen, kept) in self.counts.items()]
        return AppendRequest(batch_id, len(self.rows), _ENCODER.encode(self.rows), counts)

    def encode(self, batch_id: str | None) -> str:
        """The AppendRequest as the RPC text sent to the shard."""
        return encode(self.request(batch_id))


MAX_BATCH_ID_CHARS = 128


def batch_id_of(x_batch_id: str | None, idempotency_key: str | None) -> str | None:
    """The client's id of a batch (X-Batch-Id, else Idempotency-Key): a retried batch with the
    same id is stored once. None when the client sent neither (an empty X-Batch-Id counts as not
    sent); a 400 for an id that is empty or over 128 characters."""
    batch_id = x_batch_id or idempotency_key
    if batch_id is not None and not (0 < len(batch_id) <= MAX_BATCH_ID_CHARS):
        raise BadRequest("X-Batch-Id must be 1-128 characters")
    return batch_id


@dataclass
class Prepared:
    shards: dict[int, ShardPayload]
    accepted: int
    kept: int
    sampled_out: int
    dropped: dict[tuple[str, str], int]


def prepare(batch: ParsedBatch, sampler: Sampler, scrubber: Scrubber | None, shards: int) -> Prepared:
    counts: dict[tuple[str, int, str], list[float]] = {}
    services: dict[str, int] = {}
    for entry in batch.entries:
        services[entry.service] = services.get(entry.service, 0) + 1
        key = (entry.service, entry.ts - entry.ts % MINUTE_MS, entry.level)
        cell = counts.get(key)
        if cell is None:
            counts[key] = [1, 0]
        else:
            cell[0] += 1
    kept, dropped = sampler.apply(batch.entries)
    level_rank = LEVEL_RANK
    payload = ShardPayload()
    for entry in kept:
        if scrubber is not None:
            scrubber.scrub_entry(entry)
        counts[(entry.service, entry.ts - entry.ts % MINUTE_MS, entry.level)][1] += 1
        payload.rows.append(
            [
                entry.ts,
                level_rank[entry.level],
                entry.service,
                entry.trace_id,
                entry.request_id,
                entry.user_id,
                entry.to_json(),
            ]
        )
    payload.counts.update(counts)
    out = {batch_shard(services, shards): payload} if batch.entries else {}
    return Prepared(dict(out), len(batch.entries), len(kept), len(batch.entries) - len(kept), dropped)
