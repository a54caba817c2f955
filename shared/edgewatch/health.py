"""Health reports: each binding check's result and the Worker's overall status."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Status(enum.StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"


@dataclass(frozen=True)
class CheckResult:
    name: str
    kind: str  # kv | r2 | durable_object | service | config | retention | flush
    ok: bool
    latency_ms: float
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"kind": self.kind, "ok": self.ok, "latency_ms": round(self.latency_ms, 3)}
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class HealthReport:
    name: str
    version: str
    environment: str
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def status(self) -> Status:
        if not self.checks or all(c.ok for c in self.checks):
            return Status.OK
        # Own storage failing makes the Worker unable to do its job; a peer Worker failing does not.
        if any(not c.ok and c.kind in ("kv", "r2", "durable_object", "config") for c in self.checks):
            return Status.DOWN
        return Status.DEGRADED

    @property
    def http_status(self) -> int:
        return 503 if self.status is Status.DOWN else 200

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "version": self.version,
            "environment": self.environment,
            "status": self.status.value,
            "checks": {c.name: c.to_json() for c in self.checks},
        }


def describe_error(exc: BaseException) -> str:
    """A one-line, bounded description of a failure, safe to return to a caller."""
    text = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
