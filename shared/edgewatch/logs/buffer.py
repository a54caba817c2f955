"""The rules of a LogBuffer shard: entry ids, when to flush, how buffered entries are cut into
archive objects (one per service and hour, at most max_entries each), and the shard's flush state.

A shard stores one row per accepted batch, not per entry: entry ``seq`` numbers are the batch's
first number plus the entry's place in it. Which entries are archived is one watermark
(``archived_through``: every batch at or below it is in R2) plus, after a flush that failed part
way, the numbers of the entries already archived above it (``archived_ahead``), so that neither
a retry nor a search sees them twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from ..cost import SqlUsage
from .archive import hour_start
from .messages import FlushError


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


def next_seq(last_seq: int | None, last_count: int, floor: int) -> int:
    """The first entry number of a new batch. A batch without entries (counts only) still takes
    one number, so that each batch row has a key of its own; ``floor`` is where numbering stands
    once older rows were deleted, so that no number is ever given twice."""
    after = 1 if last_seq is None else last_seq + max(last_count, 1)
    return max(after, floor, 1)


@dataclass(frozen=True)
class FlushState:
    archived_through: int = 0  # every batch whose first seq is at most this is archived
    archived_ahead: list[int] = field(default_factory=list)  # entries archived above the watermark
    failures: int = 0
    last_ok_ms: int | None = None
    last_error: FlushError | None = None
    failing_since_ms: int | None = None
    usage: SqlUsage = field(default_factory=SqlUsage)  # SQL work up to the last save

    def archived_chunk(self, seqs: list[int]) -> FlushState:
        return replace(self, archived_ahead=sorted({*self.archived_ahead, *seqs}))

    def succeeded(self, through: int, last_entry: int, now_ms: int) -> FlushState:
        """Every batch up to ``through`` is archived (``last_entry`` is the number of the last
        entry of that batch): the numbers kept up to there are no longer needed."""
        ahead = [s for s in self.archived_ahead if s > last_entry]
        return replace(
            self,
            archived_through=max(self.archived_through, through),
            archived_ahead=ahead,
            last_ok_ms=now_ms,
            failing_since_ms=None,
        )

    def failed(self, error: str, now_ms: int) -> FlushState:
        return replace(
            self,
            failures=self.failures + 1,
            last_error=FlushError(now_ms, error),
            failing_since_ms=self.failing_since_ms or now_ms,
        )
