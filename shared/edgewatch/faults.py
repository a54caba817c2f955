"""The stack's own faults, as each Worker reports them about itself (facts, not verdicts): the
alerting concern decides which of them are alerts (a cron job failing twice in a row, a log flush
failing for 15 minutes, a retention violation).

A fault names its kind, what it is about (a job, a shard, the archive), since when it holds, how
often it was seen in a row and the latest error text. Payload of the ``stack_faults`` RPC methods,
encoded with ``edgewatch.codec``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class FaultKind(StrEnum):
    CRON_JOB_FAILING = "cron_job_failing"
    LOG_FLUSH_FAILING = "log_flush_failing"
    RETENTION_VIOLATION = "retention_violation"


@dataclass(frozen=True)
class StackFault:
    kind: FaultKind
    subject: str  # "alerts.evaluate_rules", "shard 3", "logs archive"
    since_ms: int
    count: int = 1
    detail: str = ""


@dataclass(frozen=True)
class FailureStreak:
    """A job's consecutive failed runs (reset by a run that succeeds)."""

    failures: int
    since_ms: int  # the scheduled time of the streak's first failed run
    last_ms: int  # the scheduled time of its latest failed run
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"failures": self.failures, "since_ms": self.since_ms, "last_ms": self.last_ms, "error": self.error}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FailureStreak:
        since = int(data.get("since_ms") or 0)
        return cls(
            int(data.get("failures") or 0), since, int(data.get("last_ms") or since), str(data.get("error") or "")
        )


def next_streaks(
    previous: Mapping[str, FailureStreak], outcomes: Iterable[tuple[str, bool, str]], run_ms: int
) -> dict[str, FailureStreak]:
    """The failure streaks after one run of a schedule: ``outcomes`` are (job, ok, error). A job that
    failed extends its streak (or starts one at ``run_ms``); a job that succeeded has none; a job the
    run did not include keeps what it had. A cron delivered again for the same scheduled time (crons
    come at least once) is the same run: it does not lengthen the streak."""
    out = dict(previous)
    for job, ok, error in outcomes:
        if ok:
            out.pop(job, None)
            continue
        prior = out.get(job)
        if prior is None:
            out[job] = FailureStreak(1, run_ms, run_ms, error[:500])
        elif run_ms > prior.last_ms:
            out[job] = FailureStreak(prior.failures + 1, prior.since_ms, run_ms, error[:500])
    return out


def streaks_from_json(data: Any) -> dict[str, FailureStreak]:
    if not isinstance(data, Mapping):
        return {}
    return {str(job): FailureStreak.from_json(s) for job, s in data.items() if isinstance(s, Mapping)}


def cron_faults(streaks: Mapping[str, FailureStreak]) -> list[StackFault]:
    return [
        StackFault(FaultKind.CRON_JOB_FAILING, job, s.since_ms, s.failures, s.error)
        for job, s in sorted(streaks.items())
        if s.failures > 0
    ]
