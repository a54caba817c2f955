"""Counts of events this isolate dropped, by reason and category, until a client report carries them.

The reasons are Sentry's client-report outcomes: ``sample_rate``, ``before_send``,
``ratelimit_backoff``, ``network_error`` and ``send_error``.
"""

from __future__ import annotations

from enum import StrEnum

MAX_KEYS = 64


class Discard(StrEnum):
    SAMPLE_RATE = "sample_rate"
    BEFORE_SEND = "before_send"
    RATELIMIT_BACKOFF = "ratelimit_backoff"
    NETWORK_ERROR = "network_error"
    SEND_ERROR = "send_error"


class Discards:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], int] = {}

    def record(self, reason: Discard, category: str, quantity: int = 1) -> None:
        key = (reason.value, category)
        if key in self._counts or len(self._counts) < MAX_KEYS:
            self._counts[key] = self._counts.get(key, 0) + quantity

    def pending(self) -> dict[tuple[str, str], int]:
        return dict(self._counts)

    def take(self) -> dict[tuple[str, str], int]:
        """Everything counted so far, and forget it (it is about to be reported)."""
        taken, self._counts = self._counts, {}
        return taken

    def give_back(self, counts: dict[tuple[str, str], int]) -> None:
        """Counts whose report could not be sent: they go into the next one."""
        for (reason, category), quantity in counts.items():
            self.record(Discard(reason), category, quantity)
