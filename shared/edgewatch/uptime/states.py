"""The UP/DEGRADED/DOWN state machine with retries, and the incidents its transitions open and close.

``advance`` folds judged probes into a state with retry thresholds, so that one failed probe never
pages anybody; every decision returns a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from .probe import ProbeResult


class Thresholds(Protocol):
    """What ``advance`` needs from a monitor: failures before DOWN and successes before UP again."""

    @property
    def failures_to_go_down(self) -> int: ...

    @property
    def retries_before_up(self) -> int: ...


class State(StrEnum):
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    PENDING = "pending"


class TransitionReason(StrEnum):
    FIRST_RESULT = "first_result"
    STILL_SAME = "still_same"
    FAILURE_BELOW_THRESHOLD = "failure_below_threshold"
    WENT_DOWN = "went_down"
    RECOVERING_BELOW_THRESHOLD = "recovering_below_threshold"
    CAME_UP = "came_up"
    BECAME_DEGRADED = "became_degraded"
    NO_LONGER_DEGRADED = "no_longer_degraded"


@dataclass
class CheckState:
    state: State
    consecutive_failures: int
    consecutive_successes: int
    since_ms: int
    last_change_reason: TransitionReason | None = None

    @classmethod
    def initial(cls, now_ms: int) -> CheckState:
        return cls(State.PENDING, 0, 0, now_ms, None)

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "consecutive_failures": self.consecutive_failures,
            "consecutive_successes": self.consecutive_successes,
            "since_ms": self.since_ms,
            "last_change_reason": None if self.last_change_reason is None else self.last_change_reason.value,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckState:
        reason = data.get("last_change_reason")
        return cls(
            State(data["state"]),
            int(data["consecutive_failures"]),
            int(data["consecutive_successes"]),
            int(data["since_ms"]),
            None if reason is None else TransitionReason(reason),
        )


@dataclass(frozen=True)
class Transition:
    new: CheckState
    changed: bool
    reason: TransitionReason
    previous: State = State.PENDING
    detail: str = ""  # the probe's detail, e.g. the cause of an incident


def advance(prev: CheckState, result: ProbeResult, now_ms: int, spec: Thresholds) -> Transition:
    """Fold one judged probe into the check's state. ``prev`` is not modified."""
    if result.ok:
        failures, successes = 0, prev.consecutive_successes + 1
        passing = State.DEGRADED if result.degraded else State.UP
        if prev.state is State.PENDING:
            state, reason = passing, TransitionReason.FIRST_RESULT
        elif prev.state is State.DOWN:
            if successes >= spec.retries_before_up:
                state, reason = passing, TransitionReason.CAME_UP
            else:
                state, reason = State.DOWN, TransitionReason.RECOVERING_BELOW_THRESHOLD
        elif prev.state is passing:
            state, reason = passing, TransitionReason.STILL_SAME
        elif passing is State.DEGRADED:
            state, reason = passing, TransitionReason.BECAME_DEGRADED
        else:
            state, reason = passing, TransitionReason.NO_LONGER_DEGRADED
    else:
        failures, successes = prev.consecutive_failures + 1, 0
        if prev.state is State.DOWN:
            state, reason = State.DOWN, TransitionReason.STILL_SAME
        elif failures >= spec.failures_to_go_down:
            state, reason = State.DOWN, TransitionReason.WENT_DOWN
        else:
            state, reason = prev.state, TransitionReason.FAILURE_BELOW_THRESHOLD
    changed = state is not prev.state
    new = CheckState(
        state=state,
        consecutive_failures=failures,
        consecutive_successes=successes,
        since_ms=now_ms if changed else prev.since_ms,
        last_change_reason=reason if changed else prev.last_change_reason,
    )
    return Transition(new=new, changed=changed, reason=reason, previous=prev.state, detail=result.detail)


@dataclass
class Incident:
    check_id: str
    start_ms: int
    end_ms: int | None
    cause: str

    @property
    def duration_ms(self) -> int | None:
        """None while the incident is open."""
        return None if self.end_ms is None else self.end_ms - self.start_ms

    def to_json(self) -> dict[str, Any]:
        return {
            "check_id": self.check_id,
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "duration_ms": self.duration_ms,
            "cause": self.cause,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Incident:
        end = data.get("end_ms")
        return cls(str(data["check_id"]), int(data["start_ms"]), None if end is None else int(end), str(data["cause"]))


def incidents_update(
    open_incident: Incident | None, transition: Transition, check_id: str, now_ms: int
) -> tuple[Incident | None, Incident | None]:
    """Return (the incident still open, the incident closed by this transition)."""
    if transition.reason is TransitionReason.WENT_DOWN and open_incident is None:
        return Incident(check_id, now_ms, None, transition.detail), None
    if transition.reason is TransitionReason.CAME_UP and open_incident is not None:
        closed = Incident(open_incident.check_id, open_incident.start_ms, now_ms, open_incident.cause)
        return None, closed
    return open_incident, None
