"""Search across the buffer shards and the R2 archive: merging the shards' answers, choosing which
archived objects to scan and when enough matches are found, and the page with its cursor.

Sans-I/O: the adapter asks the shards, builds a ``SearchMerge`` from their answers, then scans
the objects ``next_group`` names (fetching them is its I/O) until it returns nothing, and answers
with ``page()``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .archive import decode_lines
from .entry import LogEntry
from .messages import Candidate, ShardSearchAnswer
from .query import Cursor, Query, sort_key

SCAN_CONCURRENCY = 4


def matching_lines(query: Query, data: bytes) -> list[dict[str, Any]]:
    """The lines of one archived object (gzip NDJSON) that match the query."""
    return [line for line in decode_lines(data) if query.matches(LogEntry.from_json(line), str(line.get("id", "")))]


@dataclass
class SearchMerge:
    query: Query
    matches: list[dict[str, Any]]
    candidates: list[Candidate]  # newest max_ts first
    total_objects: int
    buffered: int
    scanned: int = 0

    @classmethod
    def of(cls, query: Query, answers: list[ShardSearchAnswer]) -> SearchMerge:
        matches = [json.loads(line) for answer in answers for line in answer.matches]
        unique = {c for answer in answers for c in answer.candidates}
        candidates = sorted(unique, key=lambda c: (-c.max_ts, c.key, c.min_ts))
        total = sum(answer.objects for answer in answers)
        return cls(query, matches, candidates, total, len(matches))

    def enough(self, next_max_ts: int) -> bool:
        """True when the page is full of entries all newer than anything the next object holds."""
        limit = self.query.limit
        if len(self.matches) < limit:
            return False
        newest = sorted((int(m["ts"]) for m in self.matches), reverse=True)
        return newest[limit - 1] > next_max_ts

    def next_group(self, concurrency: int = SCAN_CONCURRENCY) -> list[Candidate]:
        """The next objects to scan together; empty when the search is done."""
        if self.scanned >= len(self.candidates) or self.enough(self.candidates[self.scanned].max_ts):
            return []
        return self.candidates[self.scanned : self.scanned + concurrency]

    def add_scanned(self, group: list[Candidate], found: list[list[dict[str, Any]]]) -> None:
        for lines in found:
            self.matches.extend(lines)
        self.scanned += len(group)

    def page(self) -> dict[str, Any]:
        self.matches.sort(key=sort_key, reverse=True)
        page = self.matches[: self.query.limit]
        full = len(page) == self.query.limit
        cursor = Cursor(int(page[-1]["ts"]), str(page[-1]["id"])).encode() if full else None
        return {
            "matches": page,
            "count": len(page),
            "cursor": cursor,
            "buffered_matches": self.buffered,
            "objects": {
                "total": self.total_objects,
                "skipped_by_index": self.total_objects - len(self.candidates),
                "scanned": self.scanned,
                "not_needed": len(self.candidates) - self.scanned,
            },
        }
