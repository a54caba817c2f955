"""The alert center's state and its pipeline, without I/O: Alertmanager's dispatcher, mute stage
(inhibition, silences, uptime maintenance), dedup stage (the notification log, as a typed reason)
and our acknowledgements, over one ``CenterState``.

``receive`` merges incoming alerts into the store (by fingerprint) and their aggregation groups;
``flush`` hands out the notifications of the groups that are due, already recorded in the
notification log (the adapter persists the state and its handoff in one write before anything is
sent, so a repeated flush sends nothing twice); ``acknowledge`` returns the one-off PagerDuty
acknowledge. ``marks`` says for ``GET /alerts`` why an alert is or is not notified.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .acks import Ack, AckBook, AckError, ack_notification, apply_ack
from .amapi import AlertMarks
from .delivery import takes_acknowledgements
from .groups import GroupFlush, GroupTable
from .inhibit import inhibited_by
from .model import Alert, Notification, NotifyReason
from .notifylog import NotifyLog, needs_update
from .receivers import for_receiver
from .rulestate import RuleState
from .setup import AlertingSetup
from .silences import Silence, SilenceState, maintenance_silences, silenced_by
from .sources import FeedState

RESOLVED_KEEP_MS = 15 * 60_000  # a resolved alert stays visible in GET /alerts this long


@dataclass(frozen=True)
class Decision:
    """What one flush of one group came to, for the history: sent (with a reason) or why not."""

    group_id: str
    group_key: str
    receiver: str
    reason: NotifyReason
    firing: int
    resolved: int
    muted: int
    at_ms: int


@dataclass
class CenterState:
    alerts: dict[str, Alert] = field(default_factory=dict)
    groups: GroupTable = field(default_factory=GroupTable)
    nflog: NotifyLog = field(default_factory=NotifyLog)
    acks: AckBook = field(default_factory=AckBook)
    silences: dict[str, Silence] = field(default_factory=dict)
    rules: dict[str, RuleState] = field(default_factory=dict)
    feeds: FeedState = field(default_factory=FeedState)

    PARTS = ("alerts", "groups", "nflog", "acks", "silences", "rules", "feeds")

    def part_json(self, name: str) -> Any:
        if name == "alerts":
            return [a.to_json() for a in self.alerts.values()]
        if name == "silences":
            return [s.to_json() for s in self.silences.values()]
        if name == "rules":
            return [r.to_json() for r in self.rules.values()]
        part: Any = getattr(self, name)
        return part.to_json()

    @classmethod
    def from_parts(cls, parts: Mapping[str, Any]) -> CenterState:
        alerts = (Alert.from_json(a) for a in parts.get("alerts") or [])
        silences = (Silence.from_json(s) for s in parts.get("silences") or [])
        rules = (RuleState.from_json(r) for r in parts.get("rules") or [])
        return cls(
            {a.fingerprint: a for a in alerts},
            GroupTable.from_json(parts.get("groups") or {}),
            NotifyLog.from_json(parts.get("nflog") or {}),
            AckBook.from_json(parts.get("acks") or {}),
            {s.id: s for s in silences},
            {r.rule: r for r in rules},
            FeedState.from_json(parts.get("feeds") or {}),
        )

    def all_silences(self, now_ms: int) -> list[Silence]:
        return [*self.silences.values(), *maintenance_silences(self.feeds.maintenance, now_ms)]


def merge_alert(current: Alert | None, incoming: Alert, now_ms: int) -> Alert:
    """Alertmanager's merge: an update of a still-firing alert keeps its earliest start."""
    if current is None:
        return incoming
    if incoming.updated_at_ms < current.updated_at_ms:
        return current
    if current.resolved(now_ms):
        return incoming
    return replace(incoming, starts_at_ms=min(current.starts_at_ms, incoming.starts_at_ms))


def receive(state: CenterState, alerts: Iterable[Alert], setup: AlertingSetup, now_ms: int) -> list[str]:
    """Store and group the alerts; their fingerprints, in order."""
    fingerprints = []
    for incoming in alerts:
        merged = merge_alert(state.alerts.get(incoming.fingerprint), incoming, now_ms)
        state.alerts[merged.fingerprint] = merged
        state.groups.insert(merged, setup.targets(merged.labels), now_ms)
        fingerprints.append(merged.fingerprint)
    return fingerprints


def forget_old(state: CenterState, now_ms: int) -> int:
    """Drop alerts resolved longer ago than RESOLVED_KEEP_MS and expired notification log entries."""
    old = [
        fp for fp, a in state.alerts.items() if a.ends_at_ms is not None and a.ends_at_ms + RESOLVED_KEEP_MS < now_ms
    ]
    for fp in old:
        del state.alerts[fp]
    return len(old) + state.nflog.gc(now_ms)


def muted(state: CenterState, setup: AlertingSetup, now_ms: int) -> tuple[dict[str, tuple[str, ...]], list[Silence]]:
    return inhibited_by(state.alerts.values(), setup.inhibit_rules, now_ms), state.all_silences(now_ms)


def _decide(
    state: CenterState, setup: AlertingSetup, flush: GroupFlush, inhibited: Mapping[str, Any], silences: list[Silence]
) -> tuple[Decision, Notification | None]:
    now = flush.at_ms

    def loud(alert: Alert) -> bool:
        return alert.fingerprint not in inhibited and not silenced_by(alert, silences, now)

    firing = tuple(a for a in flush.firing if loud(a))
    resolved = tuple(a for a in flush.resolved if loud(a))
    quiet = len(flush.firing) + len(flush.resolved) - len(firing) - len(resolved)
    receiver = setup.receiver(flush.receiver)
    ack = state.acks.get(flush.group_id, now)
    state.acks.on_flush(flush)
    if not firing and not resolved:
        reason = NotifyReason.DO_NOT_NOTIFY  # everything is muted: nothing is said, the log is kept
    else:
        entry = state.nflog.get(flush.group_key, flush.receiver, now)
        fps, rfps = {a.fingerprint for a in firing}, {a.fingerprint for a in resolved}
        send_resolved = receiver.send_resolved if receiver is not None else True
        reason = apply_ack(
            needs_update(entry, fps, rfps, now, flush.repeat_interval_ms, send_resolved=send_resolved), ack, now
        )
    decision = Decision(flush.group_id, flush.group_key, flush.receiver, reason, len(firing), len(resolved), quiet, now)
    if reason is NotifyReason.DO_NOT_NOTIFY:
        return decision, None
    state.nflog.record(
        flush.group_key, flush.receiver, {a.fingerprint for a in firing}, {a.fingerprint for a in resolved}, now
    )
    notification = Notification(
        flush.receiver, flush.group_key, flush.group_labels, firing, resolved, reason, now, setup.external_url
    )
    if receiver is None:  # the null receiver: recorded, never sent
        return decision, None
    return decision, for_receiver(receiver, notification)


def flush(state: CenterState, setup: AlertingSetup, now_ms: int) -> tuple[list[Decision], list[Notification]]:
    """Flush every due group: the decisions, and the notifications to hand to the outbox."""
    flushes = state.groups.flush_due(now_ms)
    if not flushes:
        return [], []
    inhibited, silences = muted(state, setup, now_ms)
    decisions, notifications = [], []
    for one in flushes:
        decision, notification = _decide(state, setup, one, inhibited, silences)
        decisions.append(decision)
        if notification is not None:
            notifications.append(notification)
    return decisions, notifications


class AckRefused(ValueError):
    pass


def acknowledge(
    state: CenterState,
    setup: AlertingSetup,
    *,
    group_id: str,
    by: str,
    now_ms: int,
    expires_at_ms: int | None,
    comment: str,
) -> tuple[Ack, Notification | None]:
    """Record the group's acknowledgement; the acknowledge notification for a PagerDuty receiver."""
    group = state.groups.by_id(group_id)
    if group is None:
        raise AckRefused(f"no active group {group_id}")
    try:
        ack = state.acks.acknowledge(group, by, now_ms, expires_at_ms, comment)
    except AckError as exc:
        raise AckRefused(str(exc)) from None
    receiver = setup.receiver(group.receiver)
    if receiver is None:
        return ack, None
    notification = ack_notification(group, ack, now_ms, receiver_acknowledges=takes_acknowledgements(receiver))
    return ack, None if notification is None else replace(notification, external_url=setup.external_url)


def marks(state: CenterState, setup: AlertingSetup, now_ms: int) -> dict[str, AlertMarks]:
    """Per fingerprint: the receivers of its groups, and the silences and alerts that mute it."""
    inhibited, silences = muted(state, setup, now_ms)
    receivers: dict[str, set[str]] = {}
    for group in state.groups.groups.values():
        for fp in group.alerts:
            receivers.setdefault(fp, set()).add(group.receiver)
    return {
        fp: AlertMarks(
            tuple(sorted(receivers.get(fp, ()))),
            tuple(silenced_by(alert, silences, now_ms)),
            inhibited.get(fp, ()),
        )
        for fp, alert in state.alerts.items()
    }


def active_silences(state: CenterState, now_ms: int) -> list[Silence]:
    return [s for s in state.silences.values() if s.state(now_ms) is not SilenceState.EXPIRED]
