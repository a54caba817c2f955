"""What the read API and the health body say about a monitor, built from its definition and record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .heartbeats import HeartbeatSpec
from .history import HourBucket, uptime_report_windows
from .messages import MonitorKind, MonitorView, Source, UptimeCounts
from .record import MonitorRecord
from .spec import CheckSpec


def describe_monitor(
    spec: CheckSpec | HeartbeatSpec, source: Source, record: MonitorRecord, buckets: Sequence[HourBucket], now_ms: int
) -> MonitorView:
    """A monitor as the API lists it; a check's header values are redacted."""
    windows = uptime_report_windows(buckets, now_ms)
    is_check = isinstance(spec, CheckSpec)
    return MonitorView(
        id=spec.id,
        kind=MonitorKind.HTTP if is_check else MonitorKind.HEARTBEAT,
        source=source,
        spec=spec.to_json(redact=True) if isinstance(spec, CheckSpec) else spec.to_json(),
        state=record.state.state,
        since_ms=record.state.since_ms,
        consecutive_failures=record.state.consecutive_failures,
        last_result=record.last_result,
        last_ping_ms=record.last_ping_ms,
        open_incident=record.open_incident,
        uptime={name: UptimeCounts(r.ratio, r.up, r.down, r.excluded, r.pending) for name, r in windows.items()},
    )


def health_summary(monitors: Sequence[MonitorView], waiting_for_base_url: list[str]) -> dict[str, Any]:
    """The ``uptime`` section of the monitoring Worker's health body: counts per state and one line per monitor."""
    counts: dict[str, int] = {}
    for m in monitors:
        counts[m.state.value] = counts.get(m.state.value, 0) + 1
    return {
        "counts": counts,
        "monitors": [
            {
                "id": m.id,
                "kind": m.kind.value,
                "state": m.state.value,
                "since_ms": m.since_ms,
                "uptime_24h": m.uptime["24h"].ratio,
                "last_latency_ms": None if m.last_result is None else m.last_result.latency_ms,
            }
            for m in monitors
        ],
        "waiting_for_base_url": waiting_for_base_url,
    }
