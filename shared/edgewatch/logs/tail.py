"""Tail: the cursor (each shard's last sequence number), a shard's position after a read, and the
merge of the shards' answers into one page, oldest first."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from edgewatch.errors import Unprocessable

from .messages import TailAnswer
from .query import sort_key


def decode_tail_cursor(text: str | None) -> dict[int, int]:
    """Shard -> last sequence number seen; empty for no cursor (start from the newest entries)."""
    if not text:
        return {}
    try:
        raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return {int(k): int(v) for k, v in raw.items()}
    except (ValueError, TypeError, AttributeError):
        raise Unprocessable("since is not a cursor this service issued", details={"since": text[:100]}) from None


def encode_tail_cursor(positions: dict[int, int]) -> str:
    raw = json.dumps({str(k): v for k, v in sorted(positions.items())}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass(frozen=True)
class TailPosition:
    last_seq: int
    gap: bool  # entries after since_seq were already dropped from the shard


def tail_position(since_seq: int, read_seqs: list[int], first_seq: int | None, last_seq: int | None) -> TailPosition:
    """Where a shard's tail stands after a read: the last sequence number returned (or, when
    nothing was, the larger of the cursor and the shard's newest), and whether entries were lost
    between the cursor and the oldest entry still kept. since_seq < 0 means no cursor."""
    gap = since_seq >= 0 and first_seq is not None and first_seq > since_seq + 1
    last = read_seqs[-1] if read_seqs else max(since_seq, last_seq or 0)
    return TailPosition(last, gap)


def merge_tail(answers: list[TailAnswer]) -> dict[str, Any]:
    """The shards' answers (answers[i] from shard i) as one page and the next cursor."""
    lines: list[dict[str, Any]] = []
    positions: dict[int, int] = {}
    gap = False
    for shard, answer in enumerate(answers):
        lines.extend(json.loads(line) for line in answer.lines)
        positions[shard] = answer.last_seq
        gap = gap or answer.gap
    lines.sort(key=sort_key)
    return {"entries": lines, "cursor": encode_tail_cursor(positions), "gap": gap}
