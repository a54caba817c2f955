"""Breadcrumbs: the last things that happened before an event, in a bounded ring (oldest dropped)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

DEFAULT_MAX_BREADCRUMBS = 100
LEVELS = frozenset({"fatal", "error", "warning", "info", "debug"})
MAX_MESSAGE = 1024


@dataclass(frozen=True)
class Breadcrumb:
    timestamp_ms: int
    message: str | None = None
    category: str | None = None
    level: str = "info"
    type: str = "default"
    data: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"timestamp": self.timestamp_ms / 1000, "type": self.type, "level": self.level}
        if self.message is not None:
            out["message"] = self.message
        if self.category is not None:
            out["category"] = self.category
        if self.data:
            out["data"] = dict(self.data)
        return out


def breadcrumb(
    now_ms: int,
    message: str | None = None,
    *,
    category: str | None = None,
    level: str = "info",
    type: str = "default",
    data: dict[str, Any] | None = None,
) -> Breadcrumb:
    lowered = level.lower()
    return Breadcrumb(
        timestamp_ms=now_ms,
        message=None if message is None else str(message)[:MAX_MESSAGE],
        category=category,
        level=lowered if lowered in LEVELS else "info",
        type=type,
        data=dict(data or {}),
    )


class Breadcrumbs:
    def __init__(self, limit: int = DEFAULT_MAX_BREADCRUMBS) -> None:
        self._ring: deque[Breadcrumb] = deque(maxlen=max(0, limit))

    def add(self, crumb: Breadcrumb) -> None:
        if self._ring.maxlen:
            self._ring.append(crumb)

    def __len__(self) -> int:
        return len(self._ring)

    def values(self) -> list[Breadcrumb]:
        return list(self._ring)

    def payload(self) -> dict[str, Any]:
        return {"values": [c.payload() for c in self._ring]}
