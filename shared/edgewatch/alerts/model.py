"""The vocabulary of alerting: label sets, alerts, their fingerprints, and notifications.

Semantics follow Prometheus Alertmanager: an alert is identified by its label set (the
fingerprint is Alertmanager's: FNV-1a 64 over the sorted label names and values, each followed by
the 0xFF separator byte, printed as 16 hex digits), and it is resolved once ``ends_at_ms`` is at or
before now. Times are epoch milliseconds; ``now`` is always passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

LabelSet = tuple[tuple[str, str], ...]  # sorted by name; hashable and stable

_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_MASK = (1 << 64) - 1
_SEPARATOR = 0xFF


def label_set(labels: Mapping[str, str]) -> LabelSet:
    """Labels as a sorted tuple; empty values are dropped, as Alertmanager does."""
    return tuple(sorted((str(k), str(v)) for k, v in labels.items() if v != ""))


def fingerprint(labels: LabelSet | Mapping[str, str]) -> str:
    return _fingerprint(label_set(labels) if isinstance(labels, Mapping) else labels)


@lru_cache(maxsize=16_384)  # a storm repeats the same label sets; FNV in pure Python is ~0.1 ms
def _fingerprint(pairs: LabelSet) -> str:
    h = _FNV_OFFSET
    for name, value in pairs:
        for part in (name, value):
            for byte in part.encode("utf-8"):
                h = ((h ^ byte) * _FNV_PRIME) & _MASK
            h = ((h ^ _SEPARATOR) * _FNV_PRIME) & _MASK
    return f"{h:016x}"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True)
class Alert:
    labels: LabelSet
    annotations: tuple[tuple[str, str], ...] = ()
    starts_at_ms: int = 0
    ends_at_ms: int | None = None  # None: firing until it is resolved or times out
    generator_url: str = ""
    updated_at_ms: int = 0

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.labels)

    def label(self, name: str, default: str = "") -> str:
        for key, value in self.labels:
            if key == name:
                return value
        return default

    def annotation(self, name: str, default: str = "") -> str:
        for key, value in self.annotations:
            if key == name:
                return value
        return default

    def resolved(self, now_ms: int) -> bool:
        return self.ends_at_ms is not None and self.ends_at_ms <= now_ms

    def to_json(self) -> dict[str, Any]:
        return {
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
            "starts_at_ms": self.starts_at_ms,
            "ends_at_ms": self.ends_at_ms,
            "generator_url": self.generator_url,
            "updated_at_ms": self.updated_at_ms,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Alert:
        return cls(
            label_set(data.get("labels") or {}),
            tuple(sorted((data.get("annotations") or {}).items())),
            int(data.get("starts_at_ms") or 0),
            None if data.get("ends_at_ms") is None else int(data["ends_at_ms"]),
            str(data.get("generator_url") or ""),
            int(data.get("updated_at_ms") or 0),
        )


class NotifyReason(StrEnum):
    """Why the notification log let a group's notification through (or did not)."""

    FIRST_NOTIFICATION = "first_notification"
    NEW_ALERTS_IN_GROUP = "new_alerts_in_group"
    RESOLVED = "resolved"
    REPEAT_INTERVAL_ELAPSED = "repeat_interval_elapsed"
    ACKNOWLEDGED = "acknowledged"  # an ack is itself sent (PagerDuty acknowledge)
    TEST = "test"  # POST /alerts/receivers/{name}/test
    REPORT = "report"  # a periodic report (edgewatch.reports), not about one group of alerts
    DO_NOT_NOTIFY = "do_not_notify"


@dataclass(frozen=True)
class ReportMessage:
    """A report rendered for the receivers that take one: Slack's message (``text`` and
    ``blocks``) and an email's subject, plain text and HTML. Rendered by its author, who escapes
    every stored string; the receivers' builders send it as it is."""

    title: str
    slack: dict[str, Any]
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Notification:
    """One message for one receiver about one aggregation group."""

    receiver: str
    group_key: str
    group_labels: LabelSet
    firing: tuple[Alert, ...]
    resolved: tuple[Alert, ...]
    reason: NotifyReason
    created_at_ms: int
    external_url: str = ""
    common_labels: LabelSet = field(default=())
    common_annotations: tuple[tuple[str, str], ...] = field(default=())
    acknowledged_by: str | None = None
    report: ReportMessage | None = None  # set: a report (reason REPORT), sent instead of the alerts

    @property
    def status(self) -> str:
        return "firing" if self.firing else "resolved"
