"""Retention of archived traces (``monitoring.apm.retention``): an object expires when its whole
hour lies before now minus the retention; after deleting, what is left is listed and checked."""

from __future__ import annotations

from dataclasses import dataclass

from ...logs import RetentionReport, verify_retention
from .archive import HOUR_MS, key_hour


@dataclass(frozen=True)
class TraceRetention:
    keep_ms: int

    def expired(self, key: str, now_ms: int) -> bool:
        hour = key_hour(key)
        return hour is not None and hour + HOUR_MS <= now_ms - self.keep_ms

    def verify(self, keys: list[str], now_ms: int, report: RetentionReport) -> RetentionReport:
        return verify_retention(self, keys, now_ms, report, hour_of=key_hour)
