"""Retention of archived traces (``monitoring.apm.retention``): an object expires when its whole
hour lies before now minus the retention; after deleting, what is left is listed and checked."""

from __future__ import annotations

from dataclasses import dataclass

from ...logs import RetentionReport
from .archive import HOUR_MS, key_hour


@dataclass(frozen=True)
class TraceRetention:
    keep_ms: int

    def expired(self, key: str, now_ms: int) -> bool:
        hour = key_hour(key)
        return hour is not None and hour + HOUR_MS <= now_ms - self.keep_ms

    def verify(self, keys: list[str], now_ms: int, report: RetentionReport) -> RetentionReport:
        report.remaining = report.violations = 0
        oldest: tuple[int, str] | None = None
        for key in keys:
            hour = key_hour(key)
            if hour is None:
                report.foreign += 1
                continue
            report.remaining += 1
            if oldest is None or hour < oldest[0]:
                oldest = (hour, key)
            if self.expired(key, now_ms):
                report.violations += 1
        if oldest is not None:
            report.oldest_key, report.oldest_age_ms = oldest[1], now_ms - oldest[0]
        return report
