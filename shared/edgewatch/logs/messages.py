"""What crosses the RPC boundary between the logs Worker and its LogBuffer shards.

Every payload and answer is a dataclass encoded with ``edgewatch.codec``. One field keeps a
bulk-SQL shape on purpose: ``AppendRequest.rows_json`` is the JSON array the shard hands straight
to SQLite's ``json_each`` (one C-level encode in the Worker, no decode and re-encode in the
object), each row holding the columns of ``ENTRY_COLUMNS`` in that order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..cost import SqlUsage

# The columns of one row of AppendRequest.rows_json, in order; ``entry`` is the entry's JSON object.
ENTRY_COLUMNS = ("ts", "level", "service", "trace_id", "request_id", "user_id", "entry")


@dataclass(frozen=True, slots=True)
class MinuteCount:
    """Entries of one service, minute and level: seen before sampling, kept after it."""

    service: str
    minute: int
    level: str
    seen: float
    kept: float


@dataclass(frozen=True)
class AppendRequest:
    batch_id: str | None
    rows: int  # how many rows rows_json holds
    rows_json: str  # JSON array of rows, columns as ENTRY_COLUMNS (the json_each bulk-insert form)
    counts: list[MinuteCount] = field(default_factory=list)


@dataclass(frozen=True)
class AppendResult:
    stored: int
    duplicate: bool


@dataclass(frozen=True, slots=True)
class Candidate:
    """An archived object a search may have to scan."""

    key: str
    min_ts: int
    max_ts: int


@dataclass(frozen=True)
class ShardSearchAnswer:
    matches: list[str]  # buffered entries' JSON lines, with their id, newest first
    candidates: list[Candidate]  # the shard's indexed objects that may hold a match
    objects: int  # the shard's indexed objects in the time range


@dataclass(frozen=True)
class TailAnswer:
    lines: list[str]  # JSON lines with their id, oldest first
    last_seq: int
    gap: bool


@dataclass(frozen=True)
class FlushReport:
    ok: bool
    objects: list[str]
    error: str | None
    shard: int


@dataclass(frozen=True)
class FlushError:
    at: int
    error: str


@dataclass(frozen=True)
class ShardStats:
    shard: int
    buffered_entries: int
    buffered_bytes: int
    oldest_buffered_ms: int | None
    next_flush_ms: int | None
    archived_objects: int
    archived_entries: int
    archived_raw_bytes: int
    archived_stored_bytes: int
    flush_failures: int
    last_flush_ok: int | None
    last_flush_error: FlushError | None
    failing_since_ms: int | None = None  # the first failed flush since the last good one
    sql: SqlUsage = field(default_factory=SqlUsage)  # the shard's billable SQL work (see edgewatch.cost)
    stored_bytes: int = 0  # the shard's SQLite database size
