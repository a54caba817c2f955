"""Search, tail and log-derived metrics across the buffer shards and the R2 archive."""

from __future__ import annotations

import asyncio
import base64
import json
from collections import defaultdict
from typing import Any

from edgewatch.errors import Unprocessable
from edgewatch.logs.archive import decode_lines
from edgewatch.logs.entry import LogEntry
from edgewatch.logs.query import Cursor, parse_query, sort_key
from edgewatch.wire.params import int_param
from edgewatch.wire.timestamps import parse_time
from edgewatch_cf.bindings import R2Port, named_stub
from edgewatch_cf.settings import stack_config

SCAN_CONCURRENCY = 4
MINUTE_MS = 60_000


def shard_stub(env: Any, shard: int) -> Any:
    return named_stub(env.LOG_BUFFER, f"logs-shard-{shard}")


def _shards(env: Any) -> int:
    return stack_config(env).monitoring.logging.buffer.shards


async def run_search(env: Any, params: dict[str, str], now_ms: int) -> dict[str, Any]:
    q = parse_query(params, now_ms)
    encoded = json.dumps(q.to_json())
    answers = [
        json.loads(str(a))
        for a in await asyncio.gather(*(shard_stub(env, s).search(encoded) for s in range(_shards(env))))
    ]
    matches: list[dict[str, Any]] = [json.loads(line) for a in answers for line in a["matches"]]
    buffered = len(matches)
    candidates = sorted({(c[0], c[1], c[2]) for a in answers for c in a["candidates"]}, key=lambda c: -c[2])
    total_objects = sum(int(a["objects"]) for a in answers)
    bucket = R2Port(env.R2_BUCKET)
    scanned = 0

    def enough(next_max_ts: int) -> bool:
        if len(matches) < q.limit:
            return False
        newest = sorted((int(m["ts"]) for m in matches), reverse=True)
        return newest[q.limit - 1] > next_max_ts

    async def scan(key: str) -> list[dict[str, Any]]:
        data = await bucket.get(key)
        if data is None:
            return []
        found = []
        for line in decode_lines(data):
            if q.matches(LogEntry.from_json(line), str(line.get("id", ""))):
                found.append(line)
        return found

    index = 0
    while index < len(candidates) and not enough(candidates[index][2]):
        group = candidates[index : index + SCAN_CONCURRENCY]
        for found in await asyncio.gather(*(scan(c[0]) for c in group)):
            matches.extend(found)
        scanned += len(group)
        index += len(group)
    matches.sort(key=sort_key, reverse=True)
    page = matches[: q.limit]
    cursor = Cursor(int(page[-1]["ts"]), str(page[-1]["id"])).encode() if len(page) == q.limit else None
    return {
        "matches": page,
        "count": len(page),
        "cursor": cursor,
        "buffered_matches": buffered,
        "objects": {
            "total": total_objects,
            "skipped_by_index": total_objects - len(candidates),
            "scanned": scanned,
            "not_needed": len(candidates) - scanned,
        },
    }


def _decode_tail_cursor(text: str | None) -> dict[int, int]:
    if not text:
        return {}
    try:
        raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return {int(k): int(v) for k, v in raw.items()}
    except (ValueError, TypeError, AttributeError):
        raise Unprocessable("since is not a cursor this service issued", details={"since": text[:100]}) from None


def _encode_tail_cursor(positions: dict[int, int]) -> str:
    raw = json.dumps({str(k): v for k, v in sorted(positions.items())}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def run_tail(env: Any, params: dict[str, str]) -> dict[str, Any]:
    limit = int_param(params, "limit", 100, 1, 1000)
    since = _decode_tail_cursor(params.get("since"))
    shards = _shards(env)
    answers = await asyncio.gather(*(shard_stub(env, s).tail(since.get(s, -1), limit) for s in range(shards)))
    lines: list[dict[str, Any]] = []
    positions: dict[int, int] = {}
    gap = False
    for shard, raw in enumerate(answers):
        answer = json.loads(str(raw))
        lines.extend(json.loads(line) for line in answer["lines"])
        positions[shard] = int(answer["last_seq"])
        gap = gap or bool(answer["gap"])
    lines.sort(key=sort_key)
    return {"entries": lines, "cursor": _encode_tail_cursor(positions), "gap": gap}


async def run_metrics(env: Any, params: dict[str, str], now_ms: int) -> dict[str, Any]:
    end = parse_time(params["to"], "to") if "to" in params else now_ms
    start = parse_time(params["from"], "from") if "from" in params else end - 3_600_000
    if start >= end or end - start > 31 * 86_400_000:
        raise Unprocessable("from must be before to, at most 31 days apart", details={"from": start, "to": end})
    start_minute, end_minute = start - start % MINUTE_MS, end - end % MINUTE_MS + MINUTE_MS
    service = params.get("service") or None
    answers = await asyncio.gather(
        *(shard_stub(env, s).counts(start_minute, end_minute, service) for s in range(_shards(env)))
    )
    cells: dict[tuple[str, int], dict[str, Any]] = defaultdict(lambda: {"counts": {}, "kept": {}})
    for raw in answers:
        for row in json.loads(str(raw)):
            cell = cells[(row["service"], int(row["minute"]))]
            cell["counts"][row["level"]] = cell["counts"].get(row["level"], 0) + int(row["seen"])
            cell["kept"][row["level"]] = cell["kept"].get(row["level"], 0) + int(row["kept"])
    series = []
    for (svc, minute), cell in sorted(cells.items()):
        total = sum(cell["counts"].values())
        errors = cell["counts"].get("error", 0) + cell["counts"].get("fatal", 0)
        series.append(
            {
                "service": svc,
                "minute": minute,
                "total": total,
                "counts": cell["counts"],
                "stored": cell["kept"],
                "error_rate": errors / total if total else 0.0,
            }
        )
    return {"from": start_minute, "to": end_minute, "series": series}
