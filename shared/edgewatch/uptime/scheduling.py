"""Which HTTP checks a run probes, and in which order.

A run probes at most ``limit`` due checks: those waiting longest first, so a check never starves;
the chosen ones start slowest-last-time first, because with a bound on probes in flight, starting
the long ones early shortens the run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .messages import DueChecks
from .probe import ProbeReason
from .record import LastResult
from .spec import CheckSpec

CRON_SLACK_MS = 5_000


def due(interval_ms: int, last_run_ms: int | None, now_ms: int) -> bool:
    """Due when a full interval has passed since the last run; 5 s of slack absorbs cron jitter."""
    return last_run_ms is None or now_ms - last_run_ms >= interval_ms - CRON_SLACK_MS


@dataclass(frozen=True)
class Candidate:
    """An HTTP check and what its record says about its last run."""

    spec: CheckSpec
    last_run_ms: int | None = None
    last_result: LastResult | None = None

    @property
    def expected_ms(self) -> float:
        """How long its probe is expected to take: the last latency; the timeout after a timeout or
        when it never answered."""
        last = self.last_result
        if last is None or last.reason is ProbeReason.TIMEOUT or last.latency_ms is None:
            return self.spec.timeout_ms
        return last.latency_ms


def select_due(candidates: Iterable[Candidate], now_ms: int, limit: int) -> DueChecks:
    """The due checks of ``candidates`` (in id order) to probe now, and how many wait for the next run."""
    found = [c for c in candidates if due(c.spec.interval_ms, c.last_run_ms, now_ms)]
    found.sort(key=lambda c: -1 if c.last_run_ms is None else c.last_run_ms)  # stable: ties keep id order
    chosen = sorted(found[:limit], key=lambda c: -c.expected_ms)
    return DueChecks([c.spec for c in chosen], len(found) - len(chosen))
