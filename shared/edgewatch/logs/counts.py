"""Log-derived metrics: per service and minute, how many entries of each level were seen and
stored, and the error rate, over a time range of at most 31 days."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from edgewatch.errors import Unprocessable

from ..wire.timestamps import parse_time
from .messages import MinuteCount

MINUTE_MS = 60_000
DEFAULT_RANGE_MS = 3_600_000
MAX_RANGE_MS = 31 * 86_400_000


@dataclass(frozen=True)
class CountRange:
    start_minute: int  # inclusive
    end_minute: int  # exclusive: the minute after the one holding ``to``


def count_range(params: Mapping[str, str], now_ms: int) -> CountRange:
    """``from``/``to`` (default: the last hour) widened to whole minutes."""
    end = parse_time(params["to"], "to") if "to" in params else now_ms
    start = parse_time(params["from"], "from") if "from" in params else end - DEFAULT_RANGE_MS
    if start >= end or end - start > MAX_RANGE_MS:
        raise Unprocessable("from must be before to, at most 31 days apart", details={"from": start, "to": end})
    return CountRange(start - start % MINUTE_MS, end - end % MINUTE_MS + MINUTE_MS)


@dataclass
class _Cell:
    counts: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)


def count_series(rows: list[MinuteCount]) -> list[dict[str, Any]]:
    """The shards' rows summed per (service, minute), in that order."""
    cells: dict[tuple[str, int], _Cell] = defaultdict(_Cell)
    for row in rows:
        cell = cells[(row.service, int(row.minute))]
        cell.counts[row.level] = cell.counts.get(row.level, 0) + int(row.seen)
        cell.kept[row.level] = cell.kept.get(row.level, 0) + int(row.kept)
    series = []
    for (service, minute), cell in sorted(cells.items()):
        total = sum(cell.counts.values())
        errors = cell.counts.get("error", 0) + cell.counts.get("fatal", 0)
        series.append(
            {
                "service": service,
                "minute": minute,
                "total": total,
                "counts": cell.counts,
                "stored": cell.kept,
                "error_rate": errors / total if total else 0.0,
            }
        )
    return series
