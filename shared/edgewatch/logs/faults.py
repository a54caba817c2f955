"""The log pipeline's faults as facts for alerting (``edgewatch.faults``): shards whose flushes to
R2 keep failing (since the first failure after the last good flush), and what the last retention
run found wrong."""

from __future__ import annotations

from collections.abc import Iterable

from edgewatch.faults import FaultKind, StackFault

from .messages import ShardStats
from .retention import RetentionReport, retention_problems


def flush_faults(stats: Iterable[ShardStats]) -> list[StackFault]:
    out = []
    for shard in stats:
        if shard.failing_since_ms is None:
            continue
        error = shard.last_flush_error.error if shard.last_flush_error is not None else ""
        out.append(
            StackFault(
                FaultKind.LOG_FLUSH_FAILING, f"shard {shard.shard}", shard.failing_since_ms, shard.flush_failures, error
            )
        )
    return out


def retention_faults(report: RetentionReport | None, now_ms: int) -> list[StackFault]:
    if report is None:
        return []
    problems = retention_problems(report, now_ms)
    if not problems:
        return []
    return [StackFault(FaultKind.RETENTION_VIOLATION, "logs archive", report.ran_at_ms, 1, "; ".join(problems))]
