"""What alerting did over a period, for reports: the alerts that fired and the notifications sent
to each receiver.

An alert fired in the period when it started in it: its ``(fingerprint, starts_at)`` counts once,
whether the Outbox saw it in a notification or the AlertCenter still holds it (an alert silenced
or inhibited from its first moment was never notified, yet it fired). Notifications are the
Outbox's items created in the period, by receiver and by how their delivery ended.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .model import Alert
from .receivers import alert_severity, alert_title

TOP_ALERTS = 20


@dataclass(frozen=True)
class PeriodItem:
    """One Outbox item created in the period, without its request."""

    receiver: str
    state: str  # pending | sent | dead
    attempts: int
    reason: str
    created_ms: int
    firing: tuple[Alert, ...] = ()


@dataclass(frozen=True)
class PeriodAlerts:
    """What the alerts Worker's RPC hands a report: the period's items and the center's alerts."""

    start_ms: int
    end_ms: int
    items: tuple[PeriodItem, ...] = ()
    current: tuple[Alert, ...] = ()
    truncated: bool = False  # more items than one answer holds; the counts are a lower bound


@dataclass
class ReceiverTally:
    notifications: int = 0
    sent: int = 0
    pending: int = 0
    dead: int = 0
    attempts: int = 0
    reports: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, item: PeriodItem) -> None:
        self.notifications += 1
        self.attempts += item.attempts
        if item.state in ("sent", "pending", "dead"):
            setattr(self, item.state, getattr(self, item.state) + 1)
        self.reports += item.reason == "report"
        self.reasons[item.reason] += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "notifications": self.notifications,
            "sent": self.sent,
            "pending": self.pending,
            "dead": self.dead,
            "attempts": self.attempts,
            "reports": self.reports,
            "reasons": dict(sorted(self.reasons.items())),
        }


def _fired(period: PeriodAlerts) -> dict[tuple[str, int], Alert]:
    found: dict[tuple[str, int], Alert] = {}
    alerts: Iterable[Alert] = [a for item in period.items for a in item.firing] + list(period.current)
    for alert in alerts:
        if period.start_ms <= alert.starts_at_ms < period.end_ms:
            key = (alert.fingerprint, alert.starts_at_ms)
            known = found.get(key)
            if known is None or alert.updated_at_ms >= known.updated_at_ms:
                found[key] = alert
    return found


def _alert_row(alert: Alert) -> dict[str, Any]:
    return {
        "alertname": alert.label("alertname"),
        "severity": alert_severity(alert),
        "summary": alert_title(alert),
        "fingerprint": alert.fingerprint,
        "starts_at_ms": alert.starts_at_ms,
        "ends_at_ms": alert.ends_at_ms,
        "labels": dict(alert.labels),
    }


def alert_activity(period: PeriodAlerts) -> dict[str, Any]:
    fired = sorted(_fired(period).values(), key=lambda a: (-a.starts_at_ms, a.fingerprint))
    by_name = Counter((a.label("alertname"), alert_severity(a)) for a in fired)
    tallies: dict[str, ReceiverTally] = {}
    for item in period.items:
        if period.start_ms <= item.created_ms < period.end_ms:
            tallies.setdefault(item.receiver, ReceiverTally()).add(item)
    return {
        "fired": len(fired),
        "by_severity": dict(sorted(Counter(alert_severity(a) for a in fired).items())),
        "by_alertname": [
            {"alertname": name, "severity": severity, "count": count}
            for (name, severity), count in sorted(by_name.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "alerts": [_alert_row(a) for a in fired[:TOP_ALERTS]],
        "notifications": {name: tally.to_json() for name, tally in sorted(tallies.items())},
        "notifications_total": sum(t.notifications for t in tallies.values()),
        "truncated": period.truncated,
    }
