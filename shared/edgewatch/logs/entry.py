"""The normalized log entry every ingest format is turned into."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..wire.items import LineError

LEVELS: tuple[str, ...] = ("debug", "info", "warn", "error", "fatal")
LEVEL_RANK: dict[str, int] = {name: index for index, name in enumerate(LEVELS)}

# Common spellings shippers use, mapped to our five levels.
LEVEL_ALIASES: dict[str, str] = {
    "trace": "debug",
    "debug": "debug",
    "dbg": "debug",
    "info": "info",
    "information": "info",
    "notice": "info",
    "log": "info",
    "warn": "warn",
    "warning": "warn",
    "error": "error",
    "err": "error",
    "fatal": "fatal",
    "critical": "fatal",
    "crit": "fatal",
    "emergency": "fatal",
    "alert": "fatal",
    "panic": "fatal",
}

MAX_MESSAGE_CHARS = 32_768
MAX_ID_CHARS = 128


@dataclass(slots=True)
class LogEntry:
    ts: int  # epoch milliseconds
    level: str  # one of LEVELS
    message: str
    service: str
    trace_id: str | None = None
    span_id: str | None = None
    request_id: str | None = None
    user_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    weight: float = 1.0  # 1 / sampling rate: how many original entries this one stands for

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ts": self.ts, "level": self.level, "service": self.service, "message": self.message}
        if self.trace_id is not None:
            out["trace_id"] = self.trace_id
        if self.span_id is not None:
            out["span_id"] = self.span_id
        if self.request_id is not None:
            out["request_id"] = self.request_id
        if self.user_id is not None:
            out["user_id"] = self.user_id
        if self.attributes:
            out["attributes"] = self.attributes
        if self.weight != 1.0:
            out["weight"] = self.weight
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LogEntry:
        """Read back an entry this module wrote (trusted input: archives and buffers)."""
        return cls(
            ts=data["ts"],
            level=data["level"],
            message=data["message"],
            service=data["service"],
            trace_id=data.get("trace_id"),
            span_id=data.get("span_id"),
            request_id=data.get("request_id"),
            user_id=data.get("user_id"),
            attributes=data.get("attributes") or {},
            weight=data.get("weight", 1.0),
        )


@dataclass(slots=True)
class ParsedBatch:
    entries: list[LogEntry]
    errors: list[LineError]
    total: int

    @property
    def rejected(self) -> int:
        return len(self.errors)
