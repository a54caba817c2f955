"""Alerts without rules: what the other concerns report becomes alerts, labelled ``origin``.

- **uptime** (``origin="uptime"``): CheckRunner's change feed, consumed strictly by sequence number
  (a change at or below the stored cursor is never applied again; the cursor advances only over
  what was applied, so nothing is skipped). ``MonitorDown`` (``HeartbeatMissed`` for a heartbeat)
  fires while a monitor is DOWN, ``MonitorDegraded`` while it is DEGRADED; each resolves at the
  change that ends it, and when its monitor no longer exists. Monitors in a maintenance window
  mute their alerts (label ``check_id``) until the next poll says otherwise.
- **security** (``origin="security"``): ``SecurityRateSpike`` and ``CredentialStuffing`` per anomaly
  kind and subject, firing from the first anomaly seen until ``ANOMALY_HOLD_MS`` after the latest;
  ``SecurityAutoBlock`` per target while the automatic block is in force.
- **stack** (``origin="stack"``): a cron job failing in two runs in a row, a log flush failing for
  ``FLUSH_FAILING_MS``, a retention violation (each firing while its reporter says so), and
  ``NotificationDeadLettered`` per receiver for an hour after its latest dead letter. A dead-letter
  alert is never routed to the receiver it is about.

Every poll is a full picture of its source, so an alert the source no longer reports is resolved at
once (``reconcile``); a source that could not be asked resolves nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from edgewatch.faults import FaultKind, StackFault
from edgewatch.security import blocklist, events, messages
from edgewatch.uptime import AlertFeed, ChangeView, MonitorKind, MonitorRef, State

from .model import Alert, Severity, label_set

ORIGIN = "origin"
ANOMALY_HOLD_MS = 15 * 60_000
FLUSH_FAILING_MS = 15 * 60_000
CRON_FAILURES = 2
DEAD_LETTER_HOLD_MS = 60 * 60_000
MAINTENANCE_HOLD_MS = 90_000  # a window seen in force mutes until the next poll (each minute) renews it
DEAD_LETTERED = "NotificationDeadLettered"


class Origin(StrEnum):
    UPTIME = "uptime"
    SECURITY = "security"
    STACK = "stack"


Window = tuple[str, int, int]  # (check id, start, end)


@dataclass
class FeedState:
    """What the AlertCenter keeps about its sources: the uptime cursor, the changes it knows it missed
    (the feed had already trimmed them), and the maintenance windows seen in force."""

    uptime_seq: int = 0
    uptime_missed: int = 0
    maintenance: tuple[Window, ...] = ()
    polled_ms: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "uptime_seq": self.uptime_seq,
            "uptime_missed": self.uptime_missed,
            "maintenance": [list(w) for w in self.maintenance],
            "polled_ms": dict(self.polled_ms),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FeedState:
        windows = tuple((str(w[0]), int(w[1]), int(w[2])) for w in data.get("maintenance") or [])
        polled = {str(k): int(v) for k, v in (data.get("polled_ms") or {}).items()}
        return cls(int(data.get("uptime_seq") or 0), int(data.get("uptime_missed") or 0), windows, polled)


def _alert(labels: Mapping[str, str], summary: str, description: str, *, start: int, end: int | None, at: int) -> Alert:
    annotations = tuple(sorted({"summary": summary, "description": description}.items()))
    return Alert(label_set(labels), annotations, start, end, "", at)


# -- uptime ---------------------------------------------------------------------------------------


def _monitor_alert(change: ChangeView, ref: MonitorRef | None, state: State, now_ms: int) -> Alert:
    heartbeat = ref is not None and ref.kind is MonitorKind.HEARTBEAT
    name = ref.name if ref is not None else change.check_id
    if state is State.DOWN:
        alertname, severity = ("HeartbeatMissed" if heartbeat else "MonitorDown"), Severity.CRITICAL
        summary = f"{'heartbeat' if heartbeat else 'check'} {name} is down"
    else:
        alertname, severity = "MonitorDegraded", Severity.WARNING
        summary = f"check {name} is degraded"
    labels = {
        "alertname": alertname,
        "severity": severity.value,
        ORIGIN: Origin.UPTIME.value,
        "check_id": change.check_id,
        "monitor": name,
        "kind": (ref.kind.value if ref is not None else "http"),
    }
    at = min(change.ts, now_ms)  # a change judged at a cron's scheduled time is not in the future
    end = None if change.state is state else at
    return _alert(labels, summary, change.detail or change.reason.value, start=at, end=end, at=change.ts)


@dataclass(frozen=True)
class UptimeStep:
    alerts: tuple[Alert, ...]
    applied: int  # changes applied (those above the cursor)
    cursor: int  # the new cursor: the last applied change's seq
    missed: int  # changes the feed no longer had between the old cursor and its oldest


def uptime_step(feed: AlertFeed, cursor: int) -> UptimeStep:
    """The alerts of the changes above ``cursor``, in sequence order."""
    refs = {m.id: m for m in feed.monitors}
    fresh = sorted((c for c in feed.changes if c.seq > cursor), key=lambda c: c.seq)
    missed = 0
    if fresh and cursor > 0 and fresh[0].seq > cursor + 1 and feed.oldest_seq is not None:
        missed = max(0, min(fresh[0].seq, feed.oldest_seq) - cursor - 1)
    alerts = []
    for change in fresh:
        ref = refs.get(change.check_id)
        for state in (State.DOWN, State.DEGRADED):
            if state in (change.previous, change.state):
                alerts.append(_monitor_alert(change, ref, state, feed.now_ms))
    new_cursor = fresh[-1].seq if fresh else cursor
    return UptimeStep(tuple(alerts), len(fresh), new_cursor, missed)


def maintenance_windows(feed: AlertFeed) -> tuple[Window, ...]:
    return tuple((check_id, feed.now_ms, feed.now_ms + MAINTENANCE_HOLD_MS) for check_id in feed.in_maintenance)


# -- security -------------------------------------------------------------------------------------


def _anomaly_alert(seen: list[events.SecurityEvent]) -> Alert | None:
    latest, first = seen[0], seen[-1]  # newest first
    kind = str(latest.detail.get("kind") or "")
    subject = str(latest.detail.get("subject") or latest.identifier)
    stuffing = kind.startswith("credential_stuffing")
    if not stuffing and not kind.endswith("_spike"):
        return None
    labels = {
        "alertname": "CredentialStuffing" if stuffing else "SecurityRateSpike",
        "severity": (Severity.CRITICAL if stuffing else Severity.WARNING).value,
        ORIGIN: Origin.SECURITY.value,
        "kind": kind,
        "subject": subject,
    }
    observed, threshold = latest.detail.get("observed"), latest.detail.get("threshold")
    summary = f"{kind.replace('_', ' ')} for {subject}"
    description = f"observed {observed} against a threshold of {threshold}; {len(seen)} event(s)"
    return _alert(labels, summary, description, start=first.ts_ms, end=latest.ts_ms + ANOMALY_HOLD_MS, at=latest.ts_ms)


def _block_alert(entry: blocklist.BlockEntry, now_ms: int) -> Alert:
    labels = {
        "alertname": "SecurityAutoBlock",
        "severity": Severity.WARNING.value,
        ORIGIN: Origin.SECURITY.value,
        "target": entry.target,
    }
    summary = f"{entry.target} was blocked automatically"
    return _alert(labels, summary, entry.reason, start=entry.created_ms, end=entry.expires_ms, at=now_ms)


def security_alerts(feed: messages.SecurityFeed) -> list[Alert]:
    by_key: dict[tuple[str, str], list[events.SecurityEvent]] = {}
    for event in sorted(feed.anomalies, key=lambda e: e.sort_key, reverse=True):
        key = (str(event.detail.get("kind") or ""), str(event.detail.get("subject") or event.identifier))
        by_key.setdefault(key, []).append(event)
    alerts = [a for seen in by_key.values() if (a := _anomaly_alert(seen)) is not None]
    return alerts + [_block_alert(entry, feed.now_ms) for entry in feed.auto_blocks]


# -- the stack itself -----------------------------------------------------------------------------


def _fault_alert(fault: StackFault, reporter: str, now_ms: int, as_of_ms: int) -> Alert | None:
    if fault.kind is FaultKind.CRON_JOB_FAILING:
        if fault.count < CRON_FAILURES:
            return None
        names = ("CronJobFailing", "job", f"cron job {fault.subject} failed {fault.count} runs in a row")
    elif fault.kind is FaultKind.LOG_FLUSH_FAILING:
        if as_of_ms - fault.since_ms < FLUSH_FAILING_MS:
            return None
        minutes = (as_of_ms - fault.since_ms) // 60_000
        names = ("LogFlushFailing", "shard", f"log {fault.subject} has failed to flush to R2 for {minutes} min")
    else:
        names = ("RetentionViolation", "subject", f"retention of the {fault.subject} is not being kept")
    alertname, label, summary = names
    labels = {
        "alertname": alertname,
        "severity": Severity.CRITICAL.value,
        ORIGIN: Origin.STACK.value,
        "reporter": reporter,
        label: fault.subject,
    }
    return _alert(labels, summary, fault.detail, start=min(fault.since_ms, now_ms), end=None, at=now_ms)


def fault_alerts(faults: Iterable[StackFault], reporter: str, now_ms: int, as_of_ms: int | None = None) -> list[Alert]:
    """``as_of_ms`` (the cron's scheduled time, when later than ``now_ms``) judges the durations."""
    as_of = now_ms if as_of_ms is None else max(now_ms, as_of_ms)
    return [a for f in faults if (a := _fault_alert(f, reporter, now_ms, as_of)) is not None]


@dataclass(frozen=True)
class DeadLetter:
    """A receiver's dead-lettered notifications in the lookback window."""

    receiver: str
    count: int
    first_ms: int
    last_ms: int
    error: str = ""


def dead_letter_alerts(letters: Iterable[DeadLetter], now_ms: int) -> list[Alert]:
    out = []
    for letter in letters:
        labels = {
            "alertname": DEAD_LETTERED,
            "severity": Severity.CRITICAL.value,
            ORIGIN: Origin.STACK.value,
            "reporter": "alerts",
            "receiver": letter.receiver,
        }
        summary = f"{letter.count} notification(s) to {letter.receiver} could not be delivered"
        end = letter.last_ms + DEAD_LETTER_HOLD_MS
        out.append(_alert(labels, summary, letter.error, start=letter.first_ms, end=end, at=now_ms))
    return out


# -- reconciliation -------------------------------------------------------------------------------


def reconcile(
    stored: Iterable[Alert], selector: Mapping[str, str], reported: Iterable[Alert], now_ms: int
) -> list[Alert]:
    """Resolve (at ``now_ms``) the stored alerts that match every ``selector`` label, still fire and
    were not in this poll's ``reported`` set."""
    keep = {a.fingerprint for a in reported}
    out = []
    for alert in stored:
        labels = dict(alert.labels)
        if alert.resolved(now_ms) or alert.fingerprint in keep:
            continue
        if all(labels.get(k) == v for k, v in selector.items()):
            out.append(replace(alert, ends_at_ms=now_ms, updated_at_ms=max(now_ms, alert.updated_at_ms)))
    return out


def gone_monitors(stored: Iterable[Alert], feed: AlertFeed) -> list[Alert]:
    """Resolve the uptime alerts of monitors that no longer exist."""
    known = {m.id for m in feed.monitors}
    now = feed.now_ms
    return [
        replace(a, ends_at_ms=now, updated_at_ms=max(now, a.updated_at_ms))
        for a in stored
        if a.label(ORIGIN) == Origin.UPTIME.value and not a.resolved(now) and a.label("check_id") not in known
    ]
