"""What the server told us to stop sending, and whether a category may be sent now (sans-I/O).

Sentry answers with ``X-Sentry-Rate-Limits: <seconds>:<categories>:<scope>[:<reason>[:<namespaces>]]``
(groups separated by commas, categories by semicolons, no categories meaning all of them) on any
status, and with ``Retry-After`` (seconds or an HTTP date) on a 429. The rate-limit header wins;
a 429 with neither stops everything for 60 seconds, as the SDKs do. Client reports (``internal``)
are never held back by a category limit, only by a limit on everything.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from enum import StrEnum

ALL = ""  # the key of a limit on every category
DEFAULT_RETRY_AFTER_MS = 60_000
MAX_WAIT_MS = 86_400_000  # a header asking for more than a day is read as a day


class Verdict(StrEnum):
    SEND = "send"
    LIMITED = "limited"  # a limit on this category is active
    LIMITED_ALL = "limited_all"  # a limit on every category is active


@dataclass(frozen=True)
class SendDecision:
    verdict: Verdict
    until_ms: int | None = None  # when the limit that holds it back ends

    @property
    def send(self) -> bool:
        return self.verdict is Verdict.SEND


def parse_retry_after(value: str, now_ms: int) -> int | None:
    """Milliseconds to wait from ``Retry-After``: a number of seconds or an HTTP date; None if neither."""
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if math.isfinite(seconds):
        return _bounded(math.ceil(max(seconds, 0.0) * 1000))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return _bounded(max(0, round(when.timestamp() * 1000) - now_ms))


def parse_rate_limits(value: str) -> dict[str, int]:
    """``X-Sentry-Rate-Limits`` as {category (ALL for every one): milliseconds}; bad groups are skipped."""
    out: dict[str, int] = {}
    for group in value.split(","):
        parts = group.strip().split(":")
        if len(parts) < 2:
            continue
        try:
            seconds = float(parts[0])
        except ValueError:
            continue
        if not math.isfinite(seconds) or seconds < 0:
            continue
        wait = _bounded(math.ceil(seconds * 1000))
        categories = [c.strip().lower() for c in parts[1].split(";") if c.strip()] or [ALL]
        for category in categories:
            out[category] = max(out.get(category, 0), wait)
    return out


def _bounded(ms: int) -> int:
    return min(ms, MAX_WAIT_MS)


@dataclass
class RateLimits:
    """The end (epoch ms) of each active limit; one per isolate, shared by every request's client."""

    until_ms: dict[str, int] = field(default_factory=dict)

    def update(self, status: int, headers: Mapping[str, str], now_ms: int) -> dict[str, int]:
        """Read one answer; returns the limits it set ({category: until_ms})."""
        lowered = {k.lower(): v for k, v in headers.items()}
        header = lowered.get("x-sentry-rate-limits")
        found: dict[str, int] = {}
        if header:
            found = {c: now_ms + ms for c, ms in parse_rate_limits(header).items()}
        elif status == 429:
            wait = parse_retry_after(lowered.get("retry-after", ""), now_ms)
            found = {ALL: now_ms + (DEFAULT_RETRY_AFTER_MS if wait is None else wait)}
        for category, until in found.items():
            self.until_ms[category] = max(self.until_ms.get(category, 0), until)
        return found

    def decide(self, category: str, now_ms: int) -> SendDecision:
        self._expire(now_ms)
        every = self.until_ms.get(ALL)
        if every is not None:
            return SendDecision(Verdict.LIMITED_ALL, every)
        mine = self.until_ms.get(category) if category != "internal" else None
        if mine is not None:
            return SendDecision(Verdict.LIMITED, mine)
        return SendDecision(Verdict.SEND)

    def _expire(self, now_ms: int) -> None:
        for category in [c for c, until in self.until_ms.items() if until <= now_ms]:
            del self.until_ms[category]
