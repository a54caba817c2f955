"""The adapters' clock: wall-clock now in epoch milliseconds, and the test stack's pinned now."""

from __future__ import annotations

import time
from typing import Any

TEST_CLOCK_HEADER = "x-edgewatch-test-now"


def now_ms() -> int:
    return int(time.time() * 1000)


def request_now_ms(env: Any, header_value: str | None) -> int:
    """Wall-clock now; a test stack may instead pin it with the X-Edgewatch-Test-Now header
    (epoch ms), so that history written by crons at chosen scheduled times can be read back."""
    if header_value is not None and str(getattr(env, "ENVIRONMENT", "")) == "test" and header_value.strip().isdigit():
        return int(header_value.strip())
    return now_ms()
