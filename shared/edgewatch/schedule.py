"""The five cron schedules and the jobs registered for each.

Cron triggers are declared once, on pitchey-monitoring (the Free plan allows five per account).
Its scheduled handler asks ``plan`` which jobs a schedule runs and calls each job in its Worker
through a service binding. Crons are delivered at least once, so every job must be idempotent:
its writes are keyed by the scheduled time, never appended.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .services import BY_CONCERN

EVERY_MINUTE = "*/1 * * * *"
EVERY_5_MINUTES = "*/5 * * * *"
EVERY_15_MINUTES = "*/15 * * * *"
HOURLY = "0 * * * *"
DAILY = "0 0 * * *"

SCHEDULES: tuple[str, ...] = (EVERY_MINUTE, EVERY_5_MINUTES, EVERY_15_MINUTES, HOURLY, DAILY)

# Period of each schedule, used to align the window a job works on.
PERIOD_MS: dict[str, int] = {
    EVERY_MINUTE: 60_000,
    EVERY_5_MINUTES: 300_000,
    EVERY_15_MINUTES: 900_000,
    HOURLY: 3_600_000,
    DAILY: 86_400_000,
}


@dataclass(frozen=True)
class JobRef:
    concern: str
    name: str
    summary: str

    @property
    def qualified(self) -> str:
        return f"{self.concern}.{self.name}"


JOBS: dict[str, tuple[JobRef, ...]] = {
    EVERY_MINUTE: (
        JobRef("infra", "probe_workers", "call every Worker over its service binding; record up/down and latency"),
        JobRef("monitoring", "run_checks", "probe every due uptime check, judge heartbeats, open and close incidents"),
        JobRef("alerts", "evaluate_rules", "evaluate every alert rule over the last minutes of log counts and metrics"),
        JobRef("alerts", "watch_sources", "turn uptime changes, security anomalies and the stack's faults into alerts"),
    ),
    EVERY_5_MINUTES: (
        JobRef("infra", "probe_storage", "KV, R2 and Durable Object round trips; record success and latency"),
        JobRef("apm", "flush", "make the tail decision for ready traces; archive the kept ones to R2"),
    ),
    EVERY_15_MINUTES: (JobRef("infra", "rollup_15m", "summarise the last 15 minutes of probe samples per target"),),
    HOURLY: (
        JobRef("infra", "rollup_1h", "summarise the last hour of probe samples per target"),
        JobRef("logs", "flush", "archive every buffered log entry to R2 (gzip NDJSON per service and hour)"),
    ),
    DAILY: (
        JobRef("infra", "rollup_1d", "merge the day's hourly summaries into a daily availability report"),
        JobRef("logs", "retention", "delete archived logs older than their retention, then verify what is left"),
        JobRef("monitoring", "metrics_rollup", "roll metric windows older than their retention into hourly windows"),
        JobRef("monitoring", "vitals_retention", "delete Web Vitals reports older than 30 days"),
        JobRef("apm", "trace_retention", "delete archived traces and rollups older than apm.retention, then verify"),
        JobRef("infra", "audit_archive", "archive audit entries older than a day to R2, drop archives past retention"),
        JobRef("monitoring", "weekly_report", "on the reports' weekday: the last 7 days' report to its receivers"),
    ),
}


class UnknownSchedule(ValueError):
    pass


def normalize_cron(cron: str) -> str:
    text = " ".join(cron.split())
    if text == "* * * * *":
        text = EVERY_MINUTE
    if text not in PERIOD_MS:
        raise UnknownSchedule(f"unknown schedule {cron!r}; expected one of: {', '.join(SCHEDULES)}")
    return text


def plan(cron: str) -> tuple[JobRef, ...]:
    return JOBS[normalize_cron(cron)]


def window_end(cron: str, scheduled_ms: int) -> int:
    """The aligned end of the period a run covers (a late delivery still covers its slot)."""
    period = PERIOD_MS[normalize_cron(cron)]
    return scheduled_ms - scheduled_ms % period


class JobStatus(enum.StrEnum):
    OK = "ok"
    FAILED = "failed"
    UNKNOWN_JOB = "unknown_job"


@dataclass(frozen=True)
class JobOutcome:
    job: str
    status: JobStatus
    duration_ms: float
    detail: str = ""
    result: object = None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "job": self.job,
            "status": self.status.value,
            "duration_ms": round(self.duration_ms, 3),
        }
        if self.detail:
            out["detail"] = self.detail
        if self.result is not None:
            out["result"] = self.result
        return out


@dataclass(frozen=True)
class JobAnswer:
    """What ``run_job`` answers over RPC: the job's result, its error, or that it is unknown."""

    result: Any = None
    error: str | None = None
    unknown_job: str | None = None


@dataclass
class DispatchReport:
    cron: str
    scheduled_ms: int
    outcomes: list[JobOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(o.status is JobStatus.OK for o in self.outcomes)

    def to_json(self) -> dict[str, object]:
        return {
            "cron": self.cron,
            "scheduled_ms": self.scheduled_ms,
            "ok": self.ok,
            "jobs": [o.to_json() for o in self.outcomes],
        }


def cron_slug(cron: str) -> str:
    """A key-safe name for a schedule: '*/5 * * * *' -> 'every-5m'."""
    return {
        EVERY_MINUTE: "every-1m",
        EVERY_5_MINUTES: "every-5m",
        EVERY_15_MINUTES: "every-15m",
        HOURLY: "hourly",
        DAILY: "daily",
    }[normalize_cron(cron)]


def validate_registry() -> None:
    for cron, jobs in JOBS.items():
        if cron not in PERIOD_MS:
            raise ValueError(f"job registry names unknown schedule {cron!r}")
        for job in jobs:
            if job.concern not in BY_CONCERN:
                raise ValueError(f"job {job.qualified} names an unknown Worker")


JobRunner = Callable[[JobRef], Awaitable[object]]


async def dispatch(cron: str, scheduled_ms: int, runner: JobRunner, timer: Callable[[], float]) -> DispatchReport:
    """Run every job of a schedule concurrently; a failing job is recorded and never stops the others.

    ``runner`` performs the call (locally or through a service binding); ``timer`` returns
    milliseconds and is injected so the report's durations are testable.
    """
    normalized = normalize_cron(cron)
    jobs = JOBS[normalized]

    async def run_one(job: JobRef) -> JobOutcome:
        start = timer()
        try:
            result = await runner(job)
        except UnknownJob as exc:
            return JobOutcome(job.qualified, JobStatus.UNKNOWN_JOB, timer() - start, str(exc))
        except Exception as exc:
            text = str(exc) if type(exc).__name__ == "JobFailed" else f"{type(exc).__name__}: {exc}"
            detail = text.splitlines()[0][:300] if text else type(exc).__name__
            return JobOutcome(job.qualified, JobStatus.FAILED, timer() - start, detail)
        return JobOutcome(job.qualified, JobStatus.OK, timer() - start, result=result)

    outcomes = await asyncio.gather(*(run_one(job) for job in jobs))
    return DispatchReport(normalized, scheduled_ms, list(outcomes))


class UnknownJob(LookupError):
    pass
