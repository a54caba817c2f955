"""Search queries: parsed from URL parameters, matched against entries, and used to skip objects.

Parameters of ``GET /logs/search``:
  q          free text: words and "quoted phrases"; each must appear (as whole words, in order for a
             phrase, case-insensitive) in the message or a top-level attribute value
  level      minimum level (debug < info < warn < error < fatal)
  service    one service, or several separated by commas
  trace_id, request_id, user_id   exact values
  attr.<key>=<value>              exact value of an attribute (dotted keys reach nested objects)
  from, to   epoch milliseconds or RFC 3339; default: the last 24 hours
  limit      1..1000 (default 100)
  cursor     from a previous answer, for the next (older) page
Results are newest first.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any

from edgewatch.errors import Unprocessable

from ..wire.params import int_param, time_range
from .archive import ObjectSummary
from .bloom import BloomFilter
from .entry import LEVEL_RANK, LEVELS, LogEntry
from .terms import ID_FIELDS, entry_text, phrase_matches, tokens

DEFAULT_RANGE_MS = 24 * 3_600_000
MAX_RANGE_MS = 400 * 86_400_000
MAX_LIMIT = 1000
_PHRASE = re.compile(r'"([^"]*)"|(\S+)')


@dataclass(frozen=True)
class Cursor:
    """Position after the last returned entry: older entries come next."""

    ts: int
    id: str

    def encode(self) -> str:
        raw = json.dumps([self.ts, self.id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            ts, ident = json.loads(raw)
            if not isinstance(ts, int) or not isinstance(ident, str):
                raise ValueError
        except (ValueError, TypeError):
            raise Unprocessable("cursor is not one this service issued", details={"cursor": text[:100]}) from None
        return cls(ts, ident)


@dataclass(frozen=True)
class Query:
    start_ms: int
    end_ms: int  # exclusive
    limit: int = 100
    min_level: int = 0
    services: frozenset[str] = frozenset()
    ids: dict[str, str] = field(default_factory=dict)
    attrs: dict[str, str] = field(default_factory=dict)
    phrases: tuple[tuple[str, ...], ...] = ()
    cursor: Cursor | None = None

    # -- matching ---------------------------------------------------------------------------
    def matches(self, entry: LogEntry, entry_id: str = "") -> bool:
        if not self.start_ms <= entry.ts < self.end_ms:
            return False
        if self.cursor is not None and (entry.ts, entry_id) >= (self.cursor.ts, self.cursor.id):
            return False
        if LEVEL_RANK.get(entry.level, 0) < self.min_level:
            return False
        if self.services and entry.service not in self.services:
            return False
        for name, value in self.ids.items():
            if getattr(entry, name) != value:
                return False
        for path, value in self.attrs.items():
            if _attr_value(entry.attributes, path) != value:
                return False
        if self.phrases:
            entry_tokens = tokens(entry_text(entry))
            return all(phrase_matches(list(p), entry_tokens) for p in self.phrases)
        return True

    def bloom_terms(self) -> list[str]:
        """Terms every matching entry's object must contain (nested attribute paths cannot prune)."""
        out = [f"{name}={value}" for name, value in self.ids.items()]
        out += [f"attr.{path}={value}" for path, value in self.attrs.items() if "." not in path]
        out += [f"w:{word}" for phrase in self.phrases for word in phrase]
        return out

    def may_match_object(self, summary: ObjectSummary, bloom: BloomFilter | None = None) -> bool:
        """False only when no entry of the object can match (the object is skipped)."""
        if summary.max_ts < self.start_ms or summary.min_ts >= self.end_ms:
            return False
        if self.cursor is not None and summary.min_ts > self.cursor.ts:
            return False
        if self.services and summary.service not in self.services:
            return False
        if self.min_level and not any(LEVEL_RANK.get(lv, 0) >= self.min_level for lv in summary.levels):
            return False
        terms = self.bloom_terms()
        if terms:
            filt = bloom if bloom is not None else BloomFilter.decode(summary.bloom)
            return filt.might_contain_all(terms)
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "limit": self.limit,
            "min_level": self.min_level,
            "services": sorted(self.services),
            "ids": self.ids,
            "attrs": self.attrs,
            "phrases": [list(p) for p in self.phrases],
            "cursor": None if self.cursor is None else [self.cursor.ts, self.cursor.id],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Query:
        return cls(
            start_ms=data["start_ms"],
            end_ms=data["end_ms"],
            limit=data["limit"],
            min_level=data["min_level"],
            services=frozenset(data["services"]),
            ids=dict(data["ids"]),
            attrs=dict(data["attrs"]),
            phrases=tuple(tuple(p) for p in data["phrases"]),
            cursor=None if data["cursor"] is None else Cursor(*data["cursor"]),
        )


def _attr_value(attributes: dict[str, Any], path: str) -> str | None:
    value: Any = attributes
    if path in attributes:
        value = attributes[path]
    else:
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def parse_phrases(text: str) -> tuple[tuple[str, ...], ...]:
    out = []
    for quoted, bare in _PHRASE.findall(text):
        words = tokens(quoted if quoted else bare)
        if words:
            out.append(tuple(words))
    return tuple(out)


def parse_query(params: dict[str, str], now_ms: int) -> Query:
    known = {"q", "level", "service", "from", "to", "limit", "cursor", *ID_FIELDS}
    unknown = sorted(k for k in params if k not in known and not k.startswith("attr."))
    if unknown:
        raise Unprocessable(f"unknown search parameter(s): {', '.join(unknown)}", details={"unknown": unknown})
    start, end = time_range(
        params,
        now_ms,
        default_ms=DEFAULT_RANGE_MS,
        max_ms=MAX_RANGE_MS,
        limit_text="the time range is limited to 400 days",
    )
    limit = int_param(params, "limit", 100, 1, MAX_LIMIT)
    min_level = 0
    if "level" in params:
        level = params["level"].lower()
        if level not in LEVEL_RANK:
            raise Unprocessable(f"level must be one of {', '.join(LEVELS)}", details={"level": params["level"][:20]})
        min_level = LEVEL_RANK[level]
    services = frozenset(s.strip() for s in params.get("service", "").split(",") if s.strip())
    ids = {name: params[name] for name in ID_FIELDS if params.get(name)}
    attrs = {key[5:]: value for key, value in params.items() if key.startswith("attr.") and len(key) > 5}
    cursor = Cursor.decode(params["cursor"]) if params.get("cursor") else None
    return Query(start, end, limit, min_level, services, ids, attrs, parse_phrases(params.get("q", "")), cursor)


def sort_key(line: dict[str, Any]) -> tuple[int, str]:
    return int(line["ts"]), str(line.get("id", ""))
