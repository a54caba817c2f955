"""One span as the stack stores it: OTLP's fields in our units (microseconds, which stay exact as
JSON numbers where nanoseconds since 1970 would not), with the service from the resource."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

KINDS = ("unspecified", "internal", "server", "client", "producer", "consumer")
STATUSES = ("unset", "ok", "error")
ENTRY_KINDS = frozenset({"server", "consumer"})


@dataclass(frozen=True, slots=True)
class Span:
    trace_id: str
    span_id: str
    parent_id: str | None
    service: str
    name: str
    kind: str
    start_us: int
    duration_us: int
    status: str = "unset"
    status_message: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    weight: float = 1.0  # how many spans this kept one stands for (1 / the share that kept it)

    @property
    def end_us(self) -> int:
        return self.start_us + self.duration_us

    @property
    def is_error(self) -> bool:
        return self.status == "error"

    @property
    def is_root(self) -> bool:
        return self.parent_id is None

    @property
    def endpoint(self) -> str:
        """What the summary groups by: ``METHOD route`` of a server span when the route is known,
        else the span name."""
        route = self.attributes.get("http.route")
        if type(route) is str and route:
            method = self.attributes.get("http.request.method") or self.attributes.get("http.method")
            return f"{method} {route}" if type(method) is str and method else route
        return self.name

    def with_weight(self, weight: float) -> Span:
        return replace(self, weight=weight)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "parent_id": self.parent_id,
            "service": self.service,
            "name": self.name,
            "kind": self.kind,
            "start_us": self.start_us,
            "duration_us": self.duration_us,
            "status": self.status,
        }
        if self.status_message:
            data["status_message"] = self.status_message
        if self.attributes:
            data["attributes"] = self.attributes
        if self.events:
            data["events"] = self.events
        if self.links:
            data["links"] = self.links
        if self.weight != 1.0:
            data["weight"] = self.weight
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Span:
        return cls(
            data["trace_id"],
            data["span_id"],
            data.get("parent_id"),
            data["service"],
            data["name"],
            data["kind"],
            int(data["start_us"]),
            int(data["duration_us"]),
            data.get("status", "unset"),
            data.get("status_message", ""),
            data.get("attributes") or {},
            data.get("events") or [],
            data.get("links") or [],
            float(data.get("weight", 1.0)),
        )


@dataclass(frozen=True)
class ParsedSpans:
    spans: list[Span]
    errors: list[Any]  # edgewatch.wire.items.LineError, indexed over all spans of the request
    total: int

    @property
    def rejected(self) -> int:
        return len(self.errors)
