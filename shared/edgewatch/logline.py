"""One JSON line per event on the console, readable in `wrangler tail` and log shippers."""

from __future__ import annotations

import json
from typing import Any

LEVELS = ("debug", "info", "warn", "error", "fatal")


def level_enabled(level: str, minimum: str) -> bool:
    try:
        return LEVELS.index(level) >= LEVELS.index(minimum)
    except ValueError:
        return True


def format_line(level: str, event: str, *, worker: str, now_ms: int, **fields: Any) -> str:
    """ASCII-only JSON escapes every control character (C0, DEL, C1) and U+2028/U+2029: one event, one line."""
    record: dict[str, Any] = {"ts": now_ms, "level": level, "worker": worker, "event": event}
    record.update(fields)
    return json.dumps(record, separators=(",", ":"), default=str, ensure_ascii=True)
