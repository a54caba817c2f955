"""Waiting for the stack to get somewhere, without sleeping longer than needed."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def poll(check: Callable[[], Any], timeout_s: float, every_s: float = 0.2) -> Any:
    """The first truthy answer of ``check``, or its last answer when the time is up."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(every_s)


def wait_until(what: str, check: Callable[[], Any], timeout_s: float = 30.0) -> Any:
    """The first truthy answer of ``check``; fails naming ``what`` and the last answer."""
    found = poll(check, timeout_s)
    assert found, f"timed out after {timeout_s:.0f}s waiting for {what}: {found!r}"
    return found
