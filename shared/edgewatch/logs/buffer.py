"""The rules of a LogBuffer shard: entry ids, when to flush, and how buffered entries are cut into
archive objects (one per service and hour, at most max_entries each)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .archive import hour_start


def entry_id(shard: int, seq: int) -> str:
    return f"{shard:03d}:{seq:012d}"


def with_id(line: str, ident: str) -> str:
    """Add the id to a stored JSON object line without re-encoding it."""
    return line[:-1] + ',"id":' + json.dumps(ident) + "}"


@dataclass(frozen=True)
class FlushAlarm:
    at_ms: int
    replace: bool  # True: move an alarm already set; False: set it only when none is


def flush_alarm(
    open_entries: int,
    open_bytes: int,
    first_arrival_ms: int | None,
    now_ms: int,
    *,
    max_entries: int,
    max_bytes: int,
    max_age_ms: int,
) -> FlushAlarm | None:
    """When the shard should flush next: now once it holds max_entries or max_bytes, else when
    its oldest unarchived entry reaches max_age; None when nothing waits."""
    if not open_entries:
        return None
    if open_entries >= max_entries or open_bytes >= max_bytes:
        return FlushAlarm(now_ms, replace=True)
    return FlushAlarm(int(first_arrival_ms or 0) + max_age_ms, replace=False)


@dataclass(frozen=True, slots=True)
class BufferedEntry:
    seq: int
    ts: int
    service: str
    line: str


@dataclass(frozen=True)
class ArchiveChunk:
    service: str
    unique: str  # the unique part of the object key
    lines: list[str]  # with their ids
    seqs: list[int]


def archive_chunks(entries: list[BufferedEntry], shard: int, max_entries: int) -> list[ArchiveChunk]:
    """The objects a flush writes, in order: entries grouped by (service, hour), each group cut
    into chunks of at most max_entries in (ts, seq) order."""
    groups: dict[tuple[str, int], list[BufferedEntry]] = {}
    for entry in sorted(entries, key=lambda e: (e.service, e.ts, e.seq)):
        groups.setdefault((entry.service, hour_start(entry.ts)), []).append(entry)
    chunks = []
    for (service, _hour), group in sorted(groups.items()):
        for start in range(0, len(group), max_entries):
            part = group[start : start + max_entries]
            chunks.append(
                ArchiveChunk(
                    service,
                    f"{part[0].ts}-s{shard}-{part[0].seq}",
                    [with_id(e.line, entry_id(shard, e.seq)) for e in part],
                    [e.seq for e in part],
                )
            )
    return chunks
