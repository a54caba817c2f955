"""One run of a monitor: fold a judged probe into its state, its incident and its hour bucket.

The CheckRunner Durable Object loads a ``MonitorRecord``, calls ``apply`` and writes back what
changed; everything that decides lives here so it is tested without storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .history import HourBucket, hour_of
from .probe import ProbeReason, ProbeResult
from .states import CheckState, Incident, State, Thresholds, Transition, advance, incidents_update


@dataclass(frozen=True)
class LastResult:
    """The monitor's latest probe, as its record keeps it and the API shows it."""

    ts: int
    ok: bool
    degraded: bool
    reason: ProbeReason
    detail: str
    status: int | None
    latency_ms: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "ts": self.ts,
            "ok": self.ok,
            "degraded": self.degraded,
            "reason": self.reason.value,
            "detail": self.detail,
            "status": self.status,
            "latency_ms": self.latency_ms,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LastResult:
        status, latency = data.get("status"), data.get("latency_ms")
        return cls(
            int(data["ts"]),
            bool(data["ok"]),
            bool(data["degraded"]),
            ProbeReason(data["reason"]),
            str(data["detail"]),
            None if status is None else int(status),
            None if latency is None else float(latency),
        )


@dataclass
class MonitorRecord:
    """What the runner keeps per monitor between runs."""

    state: CheckState
    open_incident: Incident | None = None
    open_reason: str = ""
    last_run_ms: int | None = None
    last_ping_ms: int | None = None
    last_result: LastResult | None = None

    @classmethod
    def new(cls, now_ms: int) -> MonitorRecord:
        return cls(CheckState.initial(now_ms))

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state.to_json(),
            "open_incident": None if self.open_incident is None else self.open_incident.to_json(),
            "open_reason": self.open_reason,
            "last_run_ms": self.last_run_ms,
            "last_ping_ms": self.last_ping_ms,
            "last_result": None if self.last_result is None else self.last_result.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MonitorRecord:
        incident, last = data.get("open_incident"), data.get("last_result")
        return cls(
            CheckState.from_json(data["state"]),
            None if incident is None else Incident.from_json(incident),
            str(data.get("open_reason", "")),
            data.get("last_run_ms"),
            data.get("last_ping_ms"),
            None if last is None else LastResult.from_json(last),
        )


@dataclass(frozen=True)
class RunOutcome:
    transition: Transition
    opened: Incident | None  # the incident this run opened
    closed: Incident | None  # the incident this run closed
    state: State  # recorded in the hour bucket


def apply(
    record: MonitorRecord,
    bucket: HourBucket,
    check_id: str,
    result: ProbeResult,
    *,
    thresholds: Thresholds,
    now_ms: int,
    latency_ms: float | None = None,
    status: int | None = None,
    excluded: bool = False,
) -> RunOutcome:
    """Update ``record`` and ``bucket`` in place for one probe at ``now_ms``.

    A probe inside a maintenance window still moves the state (the page shows the truth) but
    counts as excluded in the bucket, so it does not touch the SLA.
    """
    if bucket.hour_ms != hour_of(now_ms):
        raise ValueError(f"probe at {now_ms} does not belong to the bucket of hour {bucket.hour_ms}")
    transition = advance(record.state, result, now_ms, thresholds)
    was_open = record.open_incident
    still_open, closed = incidents_update(was_open, transition, check_id, now_ms)
    opened = still_open if still_open is not None and was_open is None else None
    record.state = transition.new
    record.open_incident = still_open
    if opened is not None:
        record.open_reason = result.reason.value
    elif still_open is None:
        record.open_reason = ""
    record.last_run_ms = now_ms
    rounded = None if latency_ms is None else round(latency_ms, 1)
    record.last_result = LastResult(now_ms, result.ok, result.degraded, result.reason, result.detail, status, rounded)
    # A failed probe below the retry threshold is not yet DOWN: it counts as its state (the
    # point of retries is that one lost probe does not cost uptime).
    bucket.add(transition.new.state, excluded, latency_ms if result.ok else None)
    return RunOutcome(transition, opened, closed, transition.new.state)
