"""Aggregation groups and their timers: Alertmanager's dispatcher as a pure state machine.

An alert goes into one group per matching route, keyed by the route and the alert's values of the
route's ``groupBy`` labels. A new group flushes ``groupWait`` after it was created (at once if the
alert started longer than ``groupWait`` ago and the group has not flushed yet, as Alertmanager),
then every ``groupInterval``. A flush hands out the group's firing and resolved alerts for its
receiver; the resolved ones leave the group with it (the outbox records the flush before anything
is sent, so a flush counts as delivered); a group left empty is removed. The adapter sets its
Durable Object alarm to ``next_wakeup()`` and calls ``flush_due(now)`` when it rings.

Two choices where Alertmanager differs only in bookkeeping: a resolved alert for which no group
exists starts no group (Alertmanager's dedup stage would send nothing for it anyway), and an
update older than the stored alert (by ``updated_at_ms``) is ignored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .model import Alert, LabelSet, label_set
from .routes import RouteOptions


def labels_text(labels: LabelSet) -> str:
    """Prometheus's LabelSet.String(): ``{a="1", b="2"}``."""
    escaped = ((name, value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")) for name, value in labels)
    return "{" + ", ".join(f'{name}="{value}"' for name, value in escaped) + "}"


def group_key(route_key: str, group_labels: LabelSet) -> str:
    """Alertmanager's group key, ``{}/{severity="critical"}:{alertname="X"}``."""
    return f"{route_key}:{labels_text(group_labels)}"


def group_id(key: str, receiver: str) -> str:
    """A short stable id for URLs (``/alerts/groups/{id}/ack``) and PagerDuty's dedup key: the first
    16 hex digits of SHA-256 over the group key and the receiver (sibling routes with the same
    matchers share a group key in Alertmanager; the receiver keeps their ids apart)."""
    return hashlib.sha256(f"{key}\n{receiver}".encode()).hexdigest()[:16]


class _Descending:
    """A label name that sorts the other way round (see ``notification_order``)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and self.name == other.name

    def __lt__(self, other: _Descending) -> bool:
        return self.name > other.name

    def __hash__(self) -> int:
        return hash(self.name)


OrderKey = tuple[tuple[int, str], tuple[int, str], int, tuple[tuple[_Descending, str], ...]]


def _present(labels: LabelSet, name: str) -> tuple[int, str]:
    for key, value in labels:
        if key == name:
            return (0, value)
    return (1, "")


def notification_order(alert: Alert) -> OrderKey:
    """The sort key of Alertmanager's ``AlertSlice.Less``: by the job label, then instance (an
    alert that has the label before one that lacks it), then Prometheus's ``LabelSet.Before``:
    fewer labels first; else, walking the sorted union of both sets' names, the first name one set
    lacks puts that set first, and otherwise the first differing value decides. For two sorted
    label sets of one length, that walk is decided where their pairs first differ: by the value
    (smaller first) when the names agree, else the set with the greater name comes first (the
    other's smaller name is the one it lacks), hence the names compared descending."""
    pairs = alert.labels
    return (
        _present(pairs, "job"),
        _present(pairs, "instance"),
        len(pairs),
        tuple((_Descending(name), value) for name, value in pairs),
    )


@dataclass(frozen=True)
class GroupFlush:
    """What one group hands to its receiver at one flush."""

    group_key: str
    group_id: str
    route_id: str
    receiver: str
    group_labels: LabelSet
    firing: tuple[Alert, ...]
    resolved: tuple[Alert, ...]
    repeat_interval_ms: int
    at_ms: int


@dataclass
class AggregationGroup:
    key: str
    id: str
    route_id: str
    receiver: str
    labels: LabelSet
    group_interval_ms: int
    repeat_interval_ms: int
    created_at_ms: int
    next_flush_ms: int
    has_flushed: bool = False
    alerts: dict[str, Alert] = field(default_factory=dict)

    def insert(self, alert: Alert, group_wait_ms: int, now_ms: int) -> None:
        fingerprint = alert.fingerprint
        current = self.alerts.get(fingerprint)
        if current is not None and alert.updated_at_ms < current.updated_at_ms:
            return
        self.alerts[fingerprint] = alert
        if not self.has_flushed and alert.starts_at_ms + group_wait_ms < now_ms:
            self.next_flush_ms = min(self.next_flush_ms, now_ms)

    def flush(self, now_ms: int) -> GroupFlush:
        ordered = sorted(self.alerts.values(), key=notification_order)
        firing = tuple(replace(a, ends_at_ms=None) for a in ordered if not a.resolved(now_ms))
        resolved = tuple(a for a in ordered if a.resolved(now_ms))
        for alert in resolved:
            del self.alerts[alert.fingerprint]
        self.has_flushed = True
        self.next_flush_ms = now_ms + self.group_interval_ms
        return GroupFlush(
            self.key,
            self.id,
            self.route_id,
            self.receiver,
            self.labels,
            firing,
            resolved,
            self.repeat_interval_ms,
            now_ms,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "id": self.id,
            "route_id": self.route_id,
            "receiver": self.receiver,
            "labels": dict(self.labels),
            "group_interval_ms": self.group_interval_ms,
            "repeat_interval_ms": self.repeat_interval_ms,
            "created_at_ms": self.created_at_ms,
            "next_flush_ms": self.next_flush_ms,
            "has_flushed": self.has_flushed,
            "alerts": [a.to_json() for a in self.alerts.values()],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AggregationGroup:
        alerts = (Alert.from_json(a) for a in data.get("alerts", []))
        return cls(
            str(data["key"]),
            str(data["id"]),
            str(data["route_id"]),
            str(data["receiver"]),
            label_set(data.get("labels") or {}),
            int(data["group_interval_ms"]),
            int(data["repeat_interval_ms"]),
            int(data["created_at_ms"]),
            int(data["next_flush_ms"]),
            bool(data.get("has_flushed", False)),
            {a.fingerprint: a for a in alerts},
        )


@dataclass
class GroupTable:
    """All aggregation groups of one dispatcher, by (route id, group labels)."""

    groups: dict[tuple[str, LabelSet], AggregationGroup] = field(default_factory=dict)

    def insert(self, alert: Alert, routes: Iterable[RouteOptions], now_ms: int) -> list[str]:
        """Put the alert into the group of each matched route; the ids of the groups it is in."""
        ids: list[str] = []
        for route in routes:
            labels = route.group_labels(alert.labels)
            group = self.groups.get((route.route_id, labels))
            if group is None:
                if alert.resolved(now_ms):
                    continue
                key = group_key(route.route_key, labels)
                group = AggregationGroup(
                    key,
                    group_id(key, route.receiver),
                    route.route_id,
                    route.receiver,
                    labels,
                    route.group_interval_ms,
                    route.repeat_interval_ms,
                    now_ms,
                    now_ms + route.group_wait_ms,
                )
                self.groups[(route.route_id, labels)] = group
            group.insert(alert, route.group_wait_ms, now_ms)
            ids.append(group.id)
        return ids

    def flush_due(self, now_ms: int) -> list[GroupFlush]:
        flushes: list[GroupFlush] = []
        for slot, group in sorted(self.groups.items(), key=lambda item: (item[1].next_flush_ms, item[1].key)):
            if group.next_flush_ms > now_ms:
                continue
            flushes.append(group.flush(now_ms))
            if not group.alerts:
                del self.groups[slot]
        return flushes

    def next_wakeup(self, now_ms: int) -> int | None:
        """When the alarm should ring next: the earliest flush, never in the past; None if idle."""
        if not self.groups:
            return None
        return max(now_ms, min(g.next_flush_ms for g in self.groups.values()))

    def by_id(self, group_id_: str) -> AggregationGroup | None:
        return next((g for g in self.groups.values() if g.id == group_id_), None)

    def to_json(self) -> dict[str, Any]:
        return {"groups": [g.to_json() for g in self.groups.values()]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GroupTable:
        groups = (AggregationGroup.from_json(g) for g in data.get("groups", []))
        return cls({(g.route_id, g.labels): g for g in groups})
