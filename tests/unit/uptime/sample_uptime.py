"""The test oracle: uptime computed from raw (time, state) samples, one by one.

The runner keeps hourly buckets (edgewatch.uptime.history); for hour-aligned windows they must give
exactly the counts this straightforward computation over every probe gives.
"""

from __future__ import annotations

from collections.abc import Sequence

from edgewatch.durations import parse_duration_ms
from edgewatch.uptime.history import STANDARD_WINDOWS, UptimeReport
from edgewatch.uptime.maintenance import RecurringWindow
from edgewatch.uptime.states import State


def sample_uptime(
    samples: Sequence[tuple[int, State]],
    start_ms: int,
    end_ms: int,
    maintenance: Sequence[RecurringWindow],
) -> UptimeReport:
    if end_ms <= start_ms:
        raise ValueError(f"uptime window ends ({end_ms}) before it starts ({start_ms})")
    total = up = down = excluded = pending = 0
    for t_ms, state in samples:
        if not start_ms <= t_ms < end_ms:
            continue
        total += 1
        if any(w.covers(t_ms) for w in maintenance):
            excluded += 1
        elif state is State.DOWN:
            down += 1
        elif state is State.PENDING:
            pending += 1
        else:
            up += 1
    counted = up + down
    ratio = up / counted if counted else None
    return UptimeReport(start_ms, end_ms, total, up, down, excluded, pending, ratio)


def sample_uptime_windows(
    samples: Sequence[tuple[int, State]], now_ms: int, maintenance: Sequence[RecurringWindow]
) -> dict[str, UptimeReport]:
    """Uptime over the last 24h/7d/30d/90d: each window is (now - span, now], so a probe at now counts."""
    return {
        name: sample_uptime(samples, now_ms - parse_duration_ms(name) + 1, now_ms + 1, maintenance)
        for name in STANDARD_WINDOWS
    }
