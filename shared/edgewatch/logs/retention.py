"""Retention of archived log objects: what to delete, and a check that it really happened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from edgewatch.durations import parse_duration_ms

from .archive import HOUR_MS, key_hour, key_service

OVERDUE_MS = 2 * 86_400_000  # the job runs daily: a report older than two days means it stopped


@dataclass(frozen=True)
class RetentionPolicy:
    default_ms: int
    overrides_ms: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_config(cls, retention: str, overrides: dict[str, str]) -> RetentionPolicy:
        return cls(parse_duration_ms(retention), {s: parse_duration_ms(d) for s, d in overrides.items()})

    def keep_ms(self, service: str) -> int:
        return self.overrides_ms.get(service, self.default_ms)

    def expired(self, key: str, now_ms: int) -> bool:
        """An object expires when its whole hour lies before now - retention."""
        hour, service = key_hour(key), key_service(key)
        if hour is None or service is None:
            return False
        return hour + HOUR_MS <= now_ms - self.keep_ms(service)


@dataclass
class RetentionReport:
    ran_at_ms: int  # wall-clock time of the run
    as_of_ms: int  # the time retention was computed for (the cron's scheduled time)
    deleted: int = 0
    remaining: int = 0
    foreign: int = 0  # objects under logs/ whose key is not ours: never deleted, reported
    oldest_key: str | None = None
    oldest_age_ms: int | None = None
    violations: int = 0  # objects still older than their retention after the run
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.violations == 0 and not self.errors

    def to_json(self) -> dict[str, object]:
        return {
            "ran_at_ms": self.ran_at_ms,
            "as_of_ms": self.as_of_ms,
            "ok": self.ok,
            "deleted": self.deleted,
            "remaining": self.remaining,
            "foreign": self.foreign,
            "oldest_key": self.oldest_key,
            "oldest_age_ms": self.oldest_age_ms,
            "violations": self.violations,
            "errors": self.errors[:10],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RetentionReport:
        return cls(
            ran_at_ms=int(data["ran_at_ms"]),
            as_of_ms=int(data["as_of_ms"]),
            deleted=int(data["deleted"]),
            remaining=int(data["remaining"]),
            foreign=int(data["foreign"]),
            oldest_key=data["oldest_key"],
            oldest_age_ms=data["oldest_age_ms"],
            violations=int(data["violations"]),
            errors=[str(e) for e in data["errors"]],
        )


def retention_problems(report: RetentionReport, now_ms: int) -> list[str]:
    """What the last run says is wrong: objects older than allowed, a job that stopped running,
    the first error. Empty when retention is healthy."""
    problems = []
    if report.violations:
        problems.append(f"{report.violations} archived object(s) older than their retention")
    if now_ms - report.ran_at_ms > OVERDUE_MS:
        problems.append("the daily retention job has not run for more than two days")
    if report.errors:
        problems.append(str(report.errors[0]))
    return problems


class Expiry(Protocol):
    def expired(self, key: str, now_ms: int) -> bool: ...


def verify(
    policy: Expiry,
    keys: list[str],
    now_ms: int,
    report: RetentionReport,
    hour_of: Callable[[str], int | None] = key_hour,
) -> RetentionReport:
    """Fill in what remains after deletion: count, oldest object and its age, violations.
    ``hour_of`` reads an object key's hour (None: a foreign key); the traces archive has its own."""
    report.remaining = 0
    report.violations = 0
    oldest: tuple[int, str] | None = None
    for key in keys:
        hour = hour_of(key)
        if hour is None:
            report.foreign += 1
            continue
        report.remaining += 1
        if oldest is None or hour < oldest[0]:
            oldest = (hour, key)
        if policy.expired(key, now_ms):
            report.violations += 1
    if oldest is not None:
        report.oldest_key = oldest[1]
        report.oldest_age_ms = now_ms - oldest[0]
    return report
