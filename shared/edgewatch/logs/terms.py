"""How entries and queries are cut into index terms; both sides must agree or search misses."""

from __future__ import annotations

import re
from typing import Any

from .entry import LogEntry

_TOKEN = re.compile(r"[0-9a-z]+")
ID_FIELDS = ("trace_id", "span_id", "request_id", "user_id")


def tokens(text: str) -> list[str]:
    """Lower-case alphanumeric runs: 'Timeout after 30s (req-42)' -> ['timeout','after','30s','req','42']."""
    return _TOKEN.findall(text.lower())


def _attr_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return None


def entry_text(entry: LogEntry) -> str:
    """The text free-text search looks at: the message and the top-level string-like attribute values."""
    parts = [entry.message]
    for value in entry.attributes.values():
        text = _attr_text(value)
        if text is not None:
            parts.append(text)
    return "\n".join(parts)


def index_terms(entry: LogEntry) -> set[str]:
    """Everything an archived object's Bloom filter records for one entry."""
    out: set[str] = set()
    for name in ID_FIELDS:
        value = getattr(entry, name)
        if value is not None:
            out.add(f"{name}={value}")
    for key, value in entry.attributes.items():
        text = _attr_text(value)
        if text is not None:
            out.add(f"attr.{key}={text}")
    out.update(f"w:{w}" for w in tokens(entry_text(entry)))
    return out


def phrase_matches(phrase_tokens: list[str], entry_tokens: list[str]) -> bool:
    """True when the phrase's tokens appear consecutively among the entry's tokens."""
    if not phrase_tokens:
        return True
    haystack = " " + " ".join(entry_tokens) + " "
    return (" " + " ".join(phrase_tokens) + " ") in haystack
