"""Span search: ``GET /apm/traces`` parameters, matching a span, and skipping archived objects.

Parameters:
  service    one service, or several separated by commas
  name       the span name (exact) or its endpoint (``GET /api/users/:id``)
  status     ``error``, ``ok`` or ``unset``
  kind       server, client, internal, producer, consumer
  min_duration   milliseconds (a span at least this long)
  root       ``true``: only root spans (one result per trace)
  attr.<key>=<value>   the exact value of a span attribute (OTel keys are dotted: attr.http.route=/x)
  from, to   epoch milliseconds or RFC 3339 (span start); default: the last hour
  limit      1..1000 (default 50); cursor  from a previous answer, for the next (older) page
Results are newest span start first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...errors import Unprocessable
from ...logs import BloomFilter, Cursor
from ...wire.params import flag_param, int_param, time_range
from .archive import TraceObjectSummary, attr_text
from .span import KINDS, STATUSES, Span

DEFAULT_RANGE_MS = 3_600_000
MAX_RANGE_MS = 400 * 86_400_000
MAX_LIMIT = 1000
KNOWN = frozenset({"service", "name", "status", "kind", "min_duration", "root", "from", "to", "limit", "cursor"})


@dataclass(frozen=True)
class SpanQuery:
    start_ms: int
    end_ms: int  # exclusive
    limit: int = 50
    services: frozenset[str] = frozenset()
    name: str | None = None
    status: str | None = None
    kind: str | None = None
    min_duration_us: int = 0
    root_only: bool = False
    attrs: dict[str, str] = field(default_factory=dict)
    cursor: Cursor | None = None  # ts: span start in µs, id: span id

    def matches(self, span: Span) -> bool:
        start_ms = span.start_us // 1000
        if not self.start_ms <= start_ms < self.end_ms:
            return False
        if self.cursor is not None and (span.start_us, span.span_id) >= (self.cursor.ts, self.cursor.id):
            return False
        if self.services and span.service not in self.services:
            return False
        if self.name is not None and self.name not in (span.name, span.endpoint):
            return False
        if self.status is not None and span.status != self.status:
            return False
        if self.kind is not None and span.kind != self.kind:
            return False
        if span.duration_us < self.min_duration_us:
            return False
        if self.root_only and not span.is_root:
            return False
        for key, value in self.attrs.items():
            if key not in span.attributes or attr_text(span.attributes[key]) != value:
                return False
        return True

    def may_match_object(self, summary: TraceObjectSummary) -> bool:
        """False only when no span of the object can match (the object is skipped)."""
        if summary.max_ts < self.start_ms or summary.min_ts >= self.end_ms:
            return False
        if self.cursor is not None and summary.min_ts > self.cursor.ts // 1000:
            return False
        if summary.max_duration_us < self.min_duration_us:
            return False
        terms = self.terms()
        if not terms and self.name is None:
            return True
        bloom = BloomFilter.decode(summary.terms)
        if not bloom.might_contain_all(terms):
            return False
        return self.name is None or any(term in bloom for term in self.name_terms())

    def terms(self) -> list[str]:
        out = [f"attr:{key}={value}" for key, value in self.attrs.items()]
        if len(self.services) == 1:
            out.append(f"service:{next(iter(self.services))}")
        if self.status == "error":
            out.append("status:error")
        return out

    def name_terms(self) -> list[str]:
        """Either term admits an object when ``name`` is given (a span name or an endpoint)."""
        return [] if self.name is None else [f"name:{self.name}", f"endpoint:{self.name}"]

    def to_json(self) -> dict[str, Any]:
        return {
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "limit": self.limit,
            "services": sorted(self.services),
            "name": self.name,
            "status": self.status,
            "kind": self.kind,
            "min_duration_us": self.min_duration_us,
            "root_only": self.root_only,
            "attrs": self.attrs,
            "cursor": None if self.cursor is None else [self.cursor.ts, self.cursor.id],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SpanQuery:
        cursor = data.get("cursor")
        return cls(
            data["start_ms"],
            data["end_ms"],
            data["limit"],
            frozenset(data["services"]),
            data["name"],
            data["status"],
            data["kind"],
            data["min_duration_us"],
            data["root_only"],
            dict(data["attrs"]),
            None if cursor is None else Cursor(int(cursor[0]), str(cursor[1])),
        )


def parse_span_query(params: dict[str, str], now_ms: int) -> SpanQuery:
    unknown = sorted(k for k in params if k not in KNOWN and not k.startswith("attr."))
    if unknown:
        raise Unprocessable(f"unknown search parameter(s): {', '.join(unknown)}", details={"unknown": unknown})
    start, end = time_range(
        params,
        now_ms,
        default_ms=DEFAULT_RANGE_MS,
        max_ms=MAX_RANGE_MS,
        limit_text="the time range is limited to 400 days",
    )
    status = params.get("status") or None
    if status is not None and status not in STATUSES:
        raise Unprocessable(f"status must be one of {', '.join(STATUSES)}", details={"status": status[:20]})
    kind = params.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise Unprocessable(f"kind must be one of {', '.join(KINDS)}", details={"kind": kind[:20]})
    services = frozenset(s.strip() for s in params.get("service", "").split(",") if s.strip())
    attrs = {key[5:]: value for key, value in params.items() if key.startswith("attr.") and len(key) > 5}
    cursor = Cursor.decode(params["cursor"]) if params.get("cursor") else None
    return SpanQuery(
        start,
        end,
        int_param(params, "limit", 50, 1, MAX_LIMIT),
        services,
        params.get("name") or None,
        status,
        kind,
        int_param(params, "min_duration", 0, 0, 10**9) * 1000,
        flag_param(params, "root"),
        attrs,
        cursor,
    )
