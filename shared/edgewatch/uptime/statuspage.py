"""The public status page: components, their state, 90 daily uptime bars and open incidents.

Built only from ids, display names, states, counts and reason codes: never URLs, headers,
keywords or probe details, which may name internal hosts or carry tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .history import HourBucket, daily_bars, uptime_report_windows
from .states import State

PUBLIC_CAUSE = {
    "ok": "operational",
    "slow": "responding slowly",
    "bad_status": "returning errors",
    "keyword_missing": "returning unexpected content",
    "keyword_present": "returning unexpected content",
    "timeout": "not responding in time",
    "network_error": "unreachable",
    "missed": "scheduled job did not report",
}

# Worst first: the page's overall state is the worst of its components.
_OVERALL = (
    (State.DOWN, "major_outage"),
    (State.DEGRADED, "degraded_performance"),
)


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    kind: str  # "http" or "heartbeat"
    state: State
    since_ms: int
    buckets: Sequence[HourBucket]


@dataclass(frozen=True)
class OpenIncident:
    check_id: str
    start_ms: int
    reason: str


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def overall_state(states: Sequence[State]) -> str:
    known = [s for s in states if s is not State.PENDING]
    if not known:
        return "unknown"
    down = sum(s is State.DOWN for s in known)
    if down == len(known):
        return "major_outage"
    if down:
        return "partial_outage"
    for state, label in _OVERALL:
        if state in known:
            return label
    return "operational"


def status_page(components: Sequence[Component], incidents: Sequence[OpenIncident], now_ms: int) -> dict[str, Any]:
    names = {c.id: c.name for c in components}
    out = []
    for c in components:
        windows = uptime_report_windows(c.buckets, now_ms)
        out.append(
            {
                "id": c.id,
                "name": c.name,
                "kind": c.kind,
                "state": c.state.value,
                "since_ms": c.since_ms,
                "uptime": {name: _ratio(r.ratio) for name, r in windows.items()},
                "bars": [
                    {"date": b["date"], "ratio": _ratio(b["ratio"]), "down": b["down"]}
                    for b in daily_bars(c.buckets, now_ms)
                ],
            }
        )
    return {
        "generated_ms": now_ms,
        "overall": overall_state([c.state for c in components]),
        "components": out,
        "incidents": [
            {
                "component": i.check_id,
                "name": names.get(i.check_id, i.check_id),
                "started_ms": i.start_ms,
                "cause": PUBLIC_CAUSE.get(i.reason, "unavailable"),
            }
            for i in sorted(incidents, key=lambda i: -i.start_ms)
            if i.check_id in names
        ],
    }
