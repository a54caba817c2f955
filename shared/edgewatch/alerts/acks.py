"""Acknowledgement of an aggregation group (what Alertmanager lacks, prometheus/alertmanager#1860).

An acknowledgement (by whom, when, until when or until the group resolves) silences the group's
*repeats*: while it holds, REPEAT_INTERVAL_ELAPSED becomes DO_NOT_NOTIFY. News still goes out: new
alerts in the group and resolutions are sent as usual, and the acknowledgement stays. It is cleared
when the group resolves (a flush with nothing firing) or when it expires. Acknowledging emits one
ACKNOWLEDGED notification for a receiver that can take it (PagerDuty's ``acknowledge`` event).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .groups import AggregationGroup, GroupFlush, notification_order
from .model import Notification, NotifyReason


class AckError(ValueError):
    pass


@dataclass(frozen=True)
class Ack:
    group_id: str
    group_key: str
    by: str
    at_ms: int
    expires_at_ms: int | None = None  # None: until the group resolves
    comment: str = ""

    def holds(self, now_ms: int) -> bool:
        return self.expires_at_ms is None or now_ms < self.expires_at_ms

    def to_json(self) -> dict[str, Any]:
        return {
            "group_id": self.group_id,
            "group_key": self.group_key,
            "by": self.by,
            "at_ms": self.at_ms,
            "expires_at_ms": self.expires_at_ms,
            "comment": self.comment,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Ack:
        expires = data.get("expires_at_ms")
        return cls(
            str(data["group_id"]),
            str(data["group_key"]),
            str(data["by"]),
            int(data["at_ms"]),
            None if expires is None else int(expires),
            str(data.get("comment", "")),
        )


def apply_ack(reason: NotifyReason, ack: Ack | None, now_ms: int) -> NotifyReason:
    """The dedup decision once the group's acknowledgement is taken into account."""
    if reason is NotifyReason.REPEAT_INTERVAL_ELAPSED and ack is not None and ack.holds(now_ms):
        return NotifyReason.DO_NOT_NOTIFY
    return reason


def ack_notification(
    group: AggregationGroup, ack: Ack, now_ms: int, *, receiver_acknowledges: bool
) -> Notification | None:
    """The one-off ACKNOWLEDGED notification of the group, for a receiver that can take one."""
    if not receiver_acknowledges:
        return None
    ordered = sorted(group.alerts.values(), key=notification_order)
    return Notification(
        receiver=group.receiver,
        group_key=group.key,
        group_labels=group.labels,
        firing=tuple(a for a in ordered if not a.resolved(now_ms)),
        resolved=(),
        reason=NotifyReason.ACKNOWLEDGED,
        created_at_ms=now_ms,
        acknowledged_by=ack.by,
    )


@dataclass
class AckBook:
    acks: dict[str, Ack] = field(default_factory=dict)  # by group id

    def acknowledge(
        self, group: AggregationGroup, by: str, now_ms: int, expires_at_ms: int | None = None, comment: str = ""
    ) -> Ack:
        if not by.strip():
            raise AckError("an acknowledgement needs the name of who acknowledges")
        if expires_at_ms is not None and expires_at_ms <= now_ms:
            raise AckError("expires_at must be in the future")
        if not any(not a.resolved(now_ms) for a in group.alerts.values()):
            raise AckError(f"group {group.id} has no firing alerts to acknowledge")
        ack = Ack(group.id, group.key, by.strip(), now_ms, expires_at_ms, comment)
        self.acks[group.id] = ack
        return ack

    def get(self, group_id: str, now_ms: int) -> Ack | None:
        ack = self.acks.get(group_id)
        if ack is not None and not ack.holds(now_ms):
            del self.acks[group_id]
            return None
        return ack

    def on_flush(self, flush: GroupFlush) -> Ack | None:
        """Clear the group's acknowledgement when the flush shows it resolved; the cleared ack, if any."""
        if flush.firing:
            return None
        return self.acks.pop(flush.group_id, None)

    def to_json(self) -> dict[str, Any]:
        return {"acks": [a.to_json() for a in self.acks.values()]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AckBook:
        acks = (Ack.from_json(a) for a in data.get("acks", []))
        return cls({a.group_id: a for a in acks})
