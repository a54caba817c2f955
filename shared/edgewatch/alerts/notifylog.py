"""The notification log: what each receiver was last told about each group, and Alertmanager's
dedup decision (``DedupStage.needsUpdate``) over it, as a typed reason.

An entry holds the fingerprints of the firing and resolved alerts of the last notification of one
(group key, receiver) and when it was sent. Entries are kept for ``retention_ms`` after their last
update (Alertmanager keeps them 120 h) and then forgotten.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from typing import Any

from .model import NotifyReason

DEFAULT_RETENTION_MS = 120 * 3_600_000


@dataclass(frozen=True)
class NotifyLogEntry:
    group_key: str
    receiver: str
    firing: frozenset[str]
    resolved: frozenset[str]
    at_ms: int
    expires_at_ms: int

    def to_json(self) -> dict[str, Any]:
        return {
            "group_key": self.group_key,
            "receiver": self.receiver,
            "firing": sorted(self.firing),
            "resolved": sorted(self.resolved),
            "at_ms": self.at_ms,
            "expires_at_ms": self.expires_at_ms,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NotifyLogEntry:
        return cls(
            str(data["group_key"]),
            str(data["receiver"]),
            frozenset(data.get("firing", [])),
            frozenset(data.get("resolved", [])),
            int(data["at_ms"]),
            int(data["expires_at_ms"]),
        )


def needs_update(
    entry: NotifyLogEntry | None,
    firing: Set[str],
    resolved: Set[str],
    now_ms: int,
    repeat_interval_ms: int,
    *,
    send_resolved: bool,
) -> NotifyReason:
    """Whether a group's current alerts (fingerprints) must be sent to a receiver, and why.

    When only resolved alerts remain, RESOLVED is returned whatever ``send_resolved`` says, so the
    firing alerts are cleared from the log; a receiver that does not send resolved notifications
    then records the entry without sending anything (Alertmanager's RetryStage does the same).
    """
    if entry is None:
        return NotifyReason.FIRST_NOTIFICATION if firing else NotifyReason.DO_NOT_NOTIFY
    if not firing <= entry.firing:
        return NotifyReason.NEW_ALERTS_IN_GROUP
    if not firing:
        return NotifyReason.RESOLVED if entry.firing else NotifyReason.DO_NOT_NOTIFY
    if send_resolved and not resolved <= entry.resolved:
        return NotifyReason.RESOLVED
    if entry.at_ms < now_ms - repeat_interval_ms:
        return NotifyReason.REPEAT_INTERVAL_ELAPSED
    return NotifyReason.DO_NOT_NOTIFY


@dataclass
class NotifyLog:
    entries: dict[tuple[str, str], NotifyLogEntry] = field(default_factory=dict)
    retention_ms: int = DEFAULT_RETENTION_MS

    def get(self, group_key: str, receiver: str, now_ms: int) -> NotifyLogEntry | None:
        entry = self.entries.get((group_key, receiver))
        if entry is None or entry.expires_at_ms <= now_ms:
            return None
        return entry

    def record(
        self, group_key: str, receiver: str, firing: Set[str], resolved: Set[str], now_ms: int
    ) -> NotifyLogEntry:
        entry = NotifyLogEntry(
            group_key, receiver, frozenset(firing), frozenset(resolved), now_ms, now_ms + self.retention_ms
        )
        self.entries[(group_key, receiver)] = entry
        return entry

    def gc(self, now_ms: int) -> int:
        """Forget expired entries; how many went."""
        expired = [k for k, e in self.entries.items() if e.expires_at_ms <= now_ms]
        for key in expired:
            del self.entries[key]
        return len(expired)

    def to_json(self) -> dict[str, Any]:
        return {"retention_ms": self.retention_ms, "entries": [e.to_json() for e in self.entries.values()]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NotifyLog:
        entries = (NotifyLogEntry.from_json(e) for e in data.get("entries", []))
        return cls({(e.group_key, e.receiver): e for e in entries}, int(data.get("retention_ms", DEFAULT_RETENTION_MS)))
