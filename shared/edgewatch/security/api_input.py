"""The security API's inputs beyond the check: the block-list admin body, the summary's range
rules and the per-shard page of an events query. Each reader raises ValueError naming the problem."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..durations import DurationError, parse_duration_ms
from .events import EventQuery, parse_query

DEFAULT_BLOCK_REASON = "blocked by an operator"
BLOCK_FIELDS = frozenset({"target", "reason", "ttl"})

SUMMARY_FILTERS = ("from", "to", "type", "route", "rule", "identifier")
DEFAULT_SUMMARY_RANGE_MS = 86_400_000  # the last day
DEFAULT_SUMMARY_BUCKET = "1h"
MAX_SUMMARY_BUCKETS = 2000
MAX_SHARD_EVENTS = 1000  # what one shard answers for a query


@dataclass(frozen=True)
class BlockRequest:
    """``POST /security/blocklist``: block ``target`` for ``ttl_ms`` (None: until removed)."""

    target: str
    reason: str
    ttl_ms: int | None


def read_block_request(data: Any) -> BlockRequest:
    """The admin body ``{"target", "reason"?, "ttl"?}``; the target itself is judged by the ledger."""
    if not isinstance(data, Mapping) or not isinstance(data.get("target"), str):
        raise ValueError("target: required, an IP address, a CIDR range or user:<id>")
    unknown = sorted(set(data) - BLOCK_FIELDS)
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown field; allowed: {', '.join(sorted(BLOCK_FIELDS))}")
    ttl = data.get("ttl")
    try:
        ttl_ms = None if ttl is None else parse_duration_ms(ttl)
    except DurationError as exc:
        raise ValueError(f"ttl: {exc}") from None
    reason = data.get("reason") or DEFAULT_BLOCK_REASON
    if not isinstance(reason, str):
        raise ValueError("reason: expected a string")
    return BlockRequest(data["target"], reason, ttl_ms)


@dataclass(frozen=True)
class SummaryPlan:
    """What ``GET /security/summary`` covers: [from_ms, to_ms) in buckets of ``bucket_ms``."""

    filters: dict[str, str]  # the query's event filters (and from/to as given)
    from_ms: int
    to_ms: int
    bucket_ms: int

    @property
    def filtered(self) -> bool:
        """A filter beyond the range: the summary works on the matching events, not the shards' counts."""
        return bool(set(self.filters) - {"from", "to"})

    def shard_params(self) -> dict[str, str]:
        """The events query each shard answers for a filtered summary (at most 1000 per shard)."""
        return {**self.filters, "from": str(self.from_ms), "to": str(self.to_ms), "limit": str(MAX_SHARD_EVENTS)}


def plan_summary(params: Mapping[str, str], now_ms: int) -> SummaryPlan:
    """The range (default: the last day up to now), the bucket (default 1h) and at most 2000 buckets."""
    filters = {k: v for k, v in params.items() if k in SUMMARY_FILTERS}
    query = parse_query(filters)
    start = query.from_ms if query.from_ms is not None else now_ms - DEFAULT_SUMMARY_RANGE_MS
    end = query.to_ms if query.to_ms is not None else now_ms + 1
    bucket = parse_duration_ms(params.get("bucket", DEFAULT_SUMMARY_BUCKET))
    if (end - start) // bucket > MAX_SUMMARY_BUCKETS:
        raise ValueError("bucket: too many buckets for this range; use a larger one")
    return SummaryPlan(filters, start, end, bucket)


def shard_page_params(params: Mapping[str, str], query: EventQuery) -> dict[str, str]:
    """Each shard answers its newest page, one more than asked (so the merge knows if more exist)."""
    return {**params, "limit": str(min(query.limit + 1, MAX_SHARD_EVENTS))}
