"""Heartbeat monitors: a job pings every ``every`` (plus ``grace``); each minute the runner judges
the last ping like a probe, so the same state machine, incidents and uptime apply."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..durations import format_duration_ms
from .fields import duration_field
from .probe import ProbeReason, ProbeResult
from .spec import MAX_INTERVAL_MS, MIN_INTERVAL_MS, check_id_of


@dataclass(frozen=True)
class HeartbeatSpec:
    id: str
    every_ms: int
    grace_ms: int = 60_000
    name: str | None = None
    retries_before_up: int = 1

    @property
    def failures_to_go_down(self) -> int:
        return 1  # a missed beat is already late by the grace period: DOWN at once

    @property
    def deadline_ms(self) -> int:
        return self.every_ms + self.grace_ms

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "every": format_duration_ms(self.every_ms),
            "grace": format_duration_ms(self.grace_ms),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> HeartbeatSpec:
        return heartbeat_from_json(data)


def heartbeat_from_json(data: Mapping[str, object]) -> HeartbeatSpec:
    if not isinstance(data, Mapping):
        raise ValueError(f"heartbeat: expected an object, got {type(data).__name__}")
    unknown = sorted(set(data) - {"id", "name", "every", "grace"})
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown field; allowed: every, grace, id, name")
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or not name):
        raise ValueError("name: expected a non-empty string")
    return HeartbeatSpec(
        id=check_id_of(data.get("id")),
        every_ms=duration_field(data, "every", None, MIN_INTERVAL_MS, MAX_INTERVAL_MS * 7),
        grace_ms=duration_field(data, "grace", 60_000, 1_000, MAX_INTERVAL_MS),
        name=None if name is None else name[:120],
    )


def judge_heartbeat(spec: HeartbeatSpec, last_ping_ms: int | None, created_ms: int, now_ms: int) -> ProbeResult | None:
    """The minute's verdict on a heartbeat; None while a new monitor still waits for its first beat."""
    if last_ping_ms is None:
        if now_ms - created_ms <= spec.deadline_ms:
            return None
        return ProbeResult(
            False, False, ProbeReason.MISSED, f"no ping since the monitor was created ({spec.every_ms // 1000}s period)"
        )
    late_by = now_ms - last_ping_ms - spec.deadline_ms
    if late_by > 0:
        return ProbeResult(
            False,
            False,
            ProbeReason.MISSED,
            f"last ping {(now_ms - last_ping_ms) // 1000}s ago; expected every {spec.every_ms // 1000}s",
        )
    return ProbeResult(True, False, ProbeReason.OK, f"last ping {(now_ms - last_ping_ms) // 1000}s ago")
