from __future__ import annotations

from typing import Any

from edgewatch.logline import format_line, level_enabled

from .clock import now_ms


class Console:
    """Structured JSON lines on stdout, which `wrangler tail` and Workers Logs collect."""

    def __init__(self, worker: str, minimum: str = "info") -> None:
        self.worker = worker
        self.minimum = minimum

    def log(self, level: str, event: str, **fields: Any) -> None:
        if level_enabled(level, self.minimum):
            print(format_line(level, event, worker=self.worker, now_ms=now_ms(), **fields))

    def info(self, event: str, **fields: Any) -> None:
        self.log("info", event, **fields)

    def warn(self, event: str, **fields: Any) -> None:
        self.log("warn", event, **fields)

    def error(self, event: str, **fields: Any) -> None:
        self.log("error", event, **fields)
