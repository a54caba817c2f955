"""Scheduled maintenance: probes inside a window still run and show, but are excluded from the SLA.

A ``RecurringWindow`` is the time span alone (once, or every ``every_ms``); a ``ScheduledMaintenance``
gives it an id, the checks it covers and a reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..durations import format_duration_ms
from .fields import duration_field, instant_field, iso_ms
from .spec import check_id_of


@dataclass(frozen=True)
class RecurringWindow:
    """[start_ms, end_ms), repeated every ``every_ms`` if set; like iCalendar's UNTIL, ``until_ms``
    bounds the start of an occurrence (inclusive), and an occurrence that has begun runs to its end."""

    start_ms: int
    end_ms: int
    every_ms: int | None = None
    until_ms: int | None = None

    def __post_init__(self) -> None:
        if self.end_ms <= self.start_ms:
            raise ValueError(f"maintenance window ends ({self.end_ms}) before it starts ({self.start_ms})")
        if self.every_ms is not None and self.every_ms <= 0:
            raise ValueError("maintenance window: every_ms must be positive")
        if self.until_ms is not None and self.every_ms is None:
            raise ValueError("maintenance window: until_ms only applies to a recurring window (every_ms)")

    def covers(self, t_ms: int) -> bool:
        if t_ms < self.start_ms:
            return False
        if self.every_ms is None:
            return t_ms < self.end_ms
        length = self.end_ms - self.start_ms
        # The latest occurrence starting at or before t, then step back while an earlier one still covers t.
        k = (t_ms - self.start_ms) // self.every_ms
        while k >= 0:
            occurrence = self.start_ms + k * self.every_ms
            if t_ms >= occurrence + length:
                return False
            if self.until_ms is None or occurrence <= self.until_ms:
                return True
            k -= 1
        return False


@dataclass(frozen=True)
class ScheduledMaintenance:
    """A maintenance window for some checks (all when ``checks`` is None); probes inside it are
    still run and shown, but excluded from the SLA."""

    id: str
    window: RecurringWindow
    checks: tuple[str, ...] | None = None
    reason: str = ""

    def applies(self, check_id: str, t_ms: int) -> bool:
        return (self.checks is None or check_id in self.checks) and self.window.covers(t_ms)

    def to_json(self) -> dict[str, Any]:
        w = self.window
        return {
            "id": self.id,
            "start": iso_ms(w.start_ms),
            "end": iso_ms(w.end_ms),
            "every": None if w.every_ms is None else format_duration_ms(w.every_ms),
            "until": None if w.until_ms is None else iso_ms(w.until_ms),
            "checks": None if self.checks is None else list(self.checks),
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ScheduledMaintenance:
        return maintenance_from_json(data)


def maintenance_from_json(data: Mapping[str, object]) -> ScheduledMaintenance:
    if not isinstance(data, Mapping):
        raise ValueError(f"maintenance: expected an object, got {type(data).__name__}")
    allowed = {"id", "start", "end", "every", "until", "checks", "reason"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown field; allowed: {', '.join(sorted(allowed))}")
    start, end = instant_field(data, "start"), instant_field(data, "end")
    every = None if data.get("every") is None else duration_field(data, "every", None, 60_000, 366 * 86_400_000)
    until = None if data.get("until") is None else instant_field(data, "until")
    if every is not None and end - start > every:
        raise ValueError("every: a recurring window must not be longer than its period")
    raw_checks = data.get("checks")
    checks = None
    if raw_checks is not None:
        if not isinstance(raw_checks, list) or not raw_checks:
            raise ValueError("checks: expected a non-empty list of check ids (omit it to cover every check)")
        checks = tuple(check_id_of(c) for c in raw_checks)
    reason = data.get("reason", "")
    if not isinstance(reason, str):
        raise ValueError("reason: expected a string")
    try:
        window = RecurringWindow(start, end, every, until)
    except ValueError as exc:
        raise ValueError(f"end: {exc}") from None
    return ScheduledMaintenance(check_id_of(data.get("id")), window, checks, reason[:200])


def in_maintenance(windows: Sequence[ScheduledMaintenance], check_id: str, t_ms: int) -> bool:
    return any(m.applies(check_id, t_ms) for m in windows)
