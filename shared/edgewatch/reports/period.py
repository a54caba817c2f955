"""The period a report covers: ``from``/``to`` (epoch ms or RFC 3339) or ``period=7d`` ending at
``to`` (default now); and the weekly delivery's slot, one per ISO week.

The weekly report is due on the daily cron whose scheduled time falls on the configured weekday
(UTC); it covers the 7 days before that day's midnight, and its key is the ISO week of that day
(``weekly:2026-W49``), so every delivery of the cron on that day, however often it is repeated,
is the same report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from ..durations import DurationError, parse_duration_ms
from ..errors import Unprocessable
from ..wire.params import time_range

DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
DEFAULT_PERIOD_MS = WEEK_MS
MAX_PERIOD_MS = 90 * DAY_MS  # uptime history is kept 91 days
MIN_PERIOD_MS = 60_000
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def iso(t_ms: int) -> str:
    return datetime.fromtimestamp(t_ms / 1000, tz=UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class ReportPeriod:
    start_ms: int
    end_ms: int  # exclusive

    @property
    def length_ms(self) -> int:
        return self.end_ms - self.start_ms

    @property
    def label(self) -> str:
        """``2026-11-23 to 2026-11-30`` (the last day shown is the one the period ends in)."""
        first = iso(self.start_ms)[:10]
        last = iso(self.end_ms - 1)[:10]
        return first if first == last else f"{first} to {last}"

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.start_ms,
            "to": self.end_ms,
            "from_iso": iso(self.start_ms),
            "to_iso": iso(self.end_ms),
            "days": round(self.length_ms / DAY_MS, 3),
            "label": self.label,
        }


def _period_ms(text: str) -> int:
    try:
        value = parse_duration_ms(text)
    except DurationError as exc:
        raise Unprocessable(f"period: {exc}", details={"period": text[:40]}) from None
    if not MIN_PERIOD_MS <= value <= MAX_PERIOD_MS:
        raise Unprocessable("period must be between 1m and 90d", details={"period": text[:40]})
    return value


def parse_report_period(params: Mapping[str, str], now_ms: int) -> ReportPeriod:
    """``from``/``to``, or ``period`` (a duration) ending at ``to``; the last 7 days by default.
    A 422 names the problem: a reversed range, a bad time or duration, ``period`` with ``from``,
    a range over 90 days."""
    text = params.get("period")
    if text is not None and params.get("from") is not None:
        raise Unprocessable("give either period or from, not both", details={"period": text[:40]})
    default = DEFAULT_PERIOD_MS if text is None else _period_ms(text)
    start, end = time_range(
        params, now_ms, default_ms=default, max_ms=MAX_PERIOD_MS, limit_text="a report covers at most 90 days"
    )
    return ReportPeriod(start, end)


def day_start(t_ms: int) -> int:
    return t_ms - t_ms % DAY_MS


def weekday_of(t_ms: int) -> str:
    return WEEKDAYS[datetime.fromtimestamp(t_ms / 1000, tz=UTC).weekday()]


def iso_week(t_ms: int) -> str:
    year, week, _ = datetime.fromtimestamp(t_ms / 1000, tz=UTC).isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class WeeklySlot:
    key: str  # "weekly:2026-W49": one report per ISO week
    day_ms: int  # the delivery day's midnight (UTC): the period's end and the notification's time
    period: ReportPeriod


class WeeklyDecision(StrEnum):
    DISABLED = "disabled"
    NOT_THE_DAY = "not_the_day"
    ALREADY_DELIVERED = "already_delivered"
    DELIVER = "deliver"


def weekly_slot(scheduled_ms: int, weekday: str) -> WeeklySlot | None:
    """The slot of a daily cron's scheduled time, or None when the day is not ``weekday``."""
    if weekday_of(scheduled_ms) != weekday:
        return None
    day = day_start(scheduled_ms)
    return WeeklySlot(f"weekly:{iso_week(day)}", day, ReportPeriod(day - WEEK_MS, day))


def weekly_decision(enabled: bool, slot: WeeklySlot | None, delivered_before: bool) -> WeeklyDecision:
    if not enabled:
        return WeeklyDecision.DISABLED
    if slot is None:
        return WeeklyDecision.NOT_THE_DAY
    if delivered_before:
        return WeeklyDecision.ALREADY_DELIVERED
    return WeeklyDecision.DELIVER
