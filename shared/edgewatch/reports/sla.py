"""SLA per monitor: uptime over the period against its target, the error budget, and downtime.

Uptime is the uptime concern's ``up / (up + down)`` over the period's probes (maintenance and
not-yet-known probes do not count). The target is a percentage (99.9); it is met when
``100 * up / (up + down) >= target``, computed exactly (fractions, not floats, so 99.9% of 1000
probes is met by 999 up). The error budget is the probes the target lets fail,
``(up + down) * (100 - target) / 100``; ``budget_used`` is the failed probes over it (1.0: all of
it spent, above: breached). Downtime is the incidents' time inside the period (an open incident
counts up to the period's end, or now when that is earlier).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any


class SlaStatus(StrEnum):
    MET = "met"
    MISSED = "missed"
    NO_DATA = "no_data"  # no probe counted in the period


@dataclass(frozen=True)
class Sla:
    target_pct: float
    status: SlaStatus
    uptime_pct: float | None
    counted: int
    down: int
    allowed_down: float  # probes the target lets fail
    budget_used: float | None  # down / allowed_down; None when nothing counted or the target allows no failure
    downtime_ms: int
    allowed_downtime_ms: int  # the same budget in time: (100 - target)% of the period

    def to_json(self) -> dict[str, Any]:
        return {
            "target_pct": self.target_pct,
            "status": self.status.value,
            "met": None if self.status is SlaStatus.NO_DATA else self.status is SlaStatus.MET,
            "uptime_pct": self.uptime_pct,
            "counted": self.counted,
            "down": self.down,
            "allowed_down": self.allowed_down,
            "budget_used": self.budget_used,
            "downtime_ms": self.downtime_ms,
            "allowed_downtime_ms": self.allowed_downtime_ms,
        }


def downtime_ms(incidents: Iterable[tuple[int, int | None]], start_ms: int, end_ms: int, now_ms: int) -> int:
    """The union of the incidents' spans inside [start_ms, min(end_ms, now_ms)): overlapping
    incidents of one monitor are not counted twice."""
    stop = min(end_ms, now_ms)
    spans = sorted((max(s, start_ms), min(e if e is not None else stop, stop)) for s, e in incidents)
    total, reach = 0, start_ms
    for begin, end in spans:
        counted_from = max(begin, reach)
        if end > counted_from:
            total += end - counted_from
            reach = end
    return total


def sla(up: int, down: int, target_pct: float, period_ms: int, downtime: int) -> Sla:
    target = Fraction(str(target_pct))
    counted = up + down
    allowed = Fraction(counted) * (100 - target) / 100
    allowed_time = int(Fraction(period_ms) * (100 - target) / 100)
    if counted == 0:
        return Sla(target_pct, SlaStatus.NO_DATA, None, 0, 0, 0.0, None, downtime, allowed_time)
    uptime = Fraction(100 * up, counted)
    status = SlaStatus.MET if uptime >= target else SlaStatus.MISSED
    used = round(float(Fraction(down) / allowed), 4) if allowed else None
    return Sla(
        target_pct,
        status,
        round(float(uptime), 4),
        counted,
        down,
        round(float(allowed), 3),
        used,
        downtime,
        allowed_time,
    )
