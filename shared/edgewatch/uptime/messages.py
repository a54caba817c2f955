"""The CheckRunner Durable Object's RPC payloads and outcomes.

Each crosses the RPC boundary as JSON text through ``edgewatch.codec`` (``encode`` / ``decode``).
Field names are the JSON keys the HTTP API shows, so a view is answered as ``to_plain(view)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..codec import from_plain, to_plain
from .heartbeats import HeartbeatSpec
from .history import UptimeReport
from .maintenance import ScheduledMaintenance
from .probe import ProbeReason, ProbeResult
from .record import LastResult
from .spec import CheckSpec
from .states import Incident, State, TransitionReason


class MonitorKind(StrEnum):
    HTTP = "http"
    HEARTBEAT = "heartbeat"


class Source(StrEnum):
    """Where a definition comes from: the config file (changed only there) or the write API."""

    CONFIG = "config"
    API = "api"


class WriteOutcome(StrEnum):
    CREATED = "created"
    REPLACED = "replaced"
    DELETED = "deleted"
    CONFIG_OWNED = "config_owned"  # defined in the config file; the API may not change it
    CONFLICT = "conflict"  # exists already (POST), or exists as another kind
    MISSING = "missing"


class PingOutcome(StrEnum):
    OK = "ok"
    MISSING = "missing"


@dataclass(frozen=True)
class ConfigMonitors:
    """Every monitor and maintenance window the config file defines, as CheckRunner.sync_config takes them."""

    checks: list[CheckSpec] = field(default_factory=list)
    heartbeats: list[HeartbeatSpec] = field(default_factory=list)
    maintenance: list[ScheduledMaintenance] = field(default_factory=list)


@dataclass(frozen=True)
class MonitorPut:
    """A monitor written through the API: ``spec`` is its spec's JSON (a check or a heartbeat)."""

    kind: MonitorKind
    id: str
    spec: dict[str, Any]
    replace: bool
    now_ms: int


@dataclass(frozen=True)
class ProbeOutcome:
    """One HTTP check's probe in a run: the verdict, and what the response said."""

    id: str
    ok: bool
    degraded: bool
    reason: ProbeReason
    detail: str
    status: int | None = None
    latency_ms: float | None = None

    @classmethod
    def of(cls, check_id: str, result: ProbeResult, status: int | None, latency_ms: float | None) -> ProbeOutcome:
        return cls(check_id, result.ok, result.degraded, result.reason, result.detail, status, latency_ms)

    @property
    def result(self) -> ProbeResult:
        return ProbeResult(self.ok, self.degraded, self.reason, self.detail)


@dataclass(frozen=True)
class RunResults:
    """What CheckRunner.record takes: the run's scheduled time and its probes."""

    now_ms: int
    probes: list[ProbeOutcome]


@dataclass(frozen=True)
class DueChecks:
    checks: list[CheckSpec]
    deferred: int  # due, but over the run's limit: first in line next minute


@dataclass(frozen=True)
class StateChange:
    """A state change of this run, as the run_checks job reports it."""

    id: str
    previous: State
    state: State
    reason: TransitionReason

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "from": self.previous.value, "to": self.state.value, "reason": self.reason.value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StateChange:
        return cls(str(data["id"]), State(data["from"]), State(data["to"]), TransitionReason(data["reason"]))


# --- views: what the read API shows ------------------------------------------------------------


@dataclass(frozen=True)
class UptimeCounts:
    ratio: float | None
    up: int
    down: int
    excluded: int
    pending: int


@dataclass(frozen=True)
class MonitorView:
    id: str
    kind: MonitorKind
    source: Source
    spec: dict[str, Any]  # header values redacted
    state: State
    since_ms: int
    consecutive_failures: int
    last_result: LastResult | None
    last_ping_ms: int | None
    open_incident: Incident | None
    uptime: dict[str, UptimeCounts]


@dataclass(frozen=True)
class RecentProbe:
    ts: int
    ok: bool
    state: State
    reason: ProbeReason
    status: int | None
    latency_ms: float | None
    in_maintenance: bool
    detail: str


@dataclass(frozen=True)
class MonitorDetail:
    """A monitor's view and its latest probes (newest first)."""

    monitor: MonitorView
    recent: list[RecentProbe]

    def to_json(self) -> dict[str, Any]:
        return {**to_plain(self.monitor), "recent": to_plain(self.recent)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MonitorDetail:
        rest = {k: v for k, v in data.items() if k != "recent"}
        return cls(from_plain(MonitorView, rest), from_plain(list[RecentProbe], data["recent"]))


@dataclass(frozen=True)
class IncidentView:
    check_id: str
    start_ms: int
    end_ms: int | None
    duration_ms: int | None
    open: bool
    cause: str
    reason: ProbeReason


@dataclass(frozen=True)
class ChangeView:
    """A stored state change, for alerting (polled in ``seq`` order)."""

    seq: int
    check_id: str
    ts: int
    previous: State
    state: State
    reason: TransitionReason
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "check_id": self.check_id,
            "ts": self.ts,
            "from": self.previous.value,
            "to": self.state.value,
            "reason": self.reason.value,
            "detail": self.detail,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChangeView:
        return cls(
            int(data["seq"]),
            str(data["check_id"]),
            int(data["ts"]),
            State(data["from"]),
            State(data["to"]),
            TransitionReason(data["reason"]),
            str(data["detail"]),
        )


@dataclass(frozen=True)
class MonitorRef:
    id: str
    kind: MonitorKind
    name: str


@dataclass(frozen=True)
class AlertFeed:
    """What alerting polls each minute: the state changes after a sequence number (in order), every
    monitor that exists (so alerts of deleted monitors resolve), the monitors in a maintenance window
    now, and the oldest sequence number still stored (a cursor below it has missed changes)."""

    changes: tuple[ChangeView, ...]
    monitors: tuple[MonitorRef, ...]
    in_maintenance: tuple[str, ...]
    oldest_seq: int | None
    now_ms: int


@dataclass(frozen=True)
class PeriodUptime:
    """One monitor's uptime over a report's period (hour buckets whose hour starts in it), and the
    incidents that overlap the period."""

    monitor: MonitorRef
    uptime: UptimeReport
    incidents: tuple[IncidentView, ...] = ()
