"""The log pipeline's faults as alerting reads them: failing flushes and retention problems."""

from __future__ import annotations

from edgewatch.faults import FaultKind, StackFault
from edgewatch.logs.faults import flush_faults, retention_faults
from edgewatch.logs.messages import FlushError, ShardStats
from edgewatch.logs.retention import RetentionReport

T = 1_900_000_000_000


def stats(shard: int, failing_since: int | None, error: str = "") -> ShardStats:
    last_error = FlushError(T, error) if error else None
    return ShardStats(shard, 3, 300, T, None, 0, 0, 0, 0, 4, None, last_error, failing_since)


def test_only_shards_failing_since_their_last_good_flush_are_faults() -> None:
    found = flush_faults([stats(0, None), stats(1, T - 60_000, "R2 put failed")])
    assert found == [StackFault(FaultKind.LOG_FLUSH_FAILING, "shard 1", T - 60_000, 4, "R2 put failed")]


def test_a_healthy_retention_run_is_no_fault_and_a_violation_is_one() -> None:
    assert retention_faults(None, T) == []
    assert retention_faults(RetentionReport(T, T), T) == []
    [fault] = retention_faults(RetentionReport(T, T, violations=3), T)
    assert fault.kind is FaultKind.RETENTION_VIOLATION and fault.detail.startswith("3 archived object(s)")
