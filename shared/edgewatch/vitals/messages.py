"""What crosses the RPC boundary between pitchey-monitoring and its VitalsStore shards: rows to
keep (one per metric instance) and the values a query reads back, as ``edgewatch.codec``
dataclasses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VitalRow:
    """One report as a shard keeps it; a newer report of the same (id, name) replaces it."""

    id: str
    name: str
    route: str
    device: str
    value: float
    rating: str
    ts: int
    navigation_type: str | None
    user_id: str | None
    attribution: str | None  # JSON of the kept attribution fields; None when there were none
    trace_id: str | None = None  # the edge trace that served the page (Server-Timing traceparent)


@dataclass(frozen=True, slots=True)
class VitalValue:
    route: str
    device: str
    value: float
    rating: str


@dataclass(frozen=True, slots=True)
class VitalSampleRow:
    """One report as ``GET /monitoring/vitals/samples`` lists it."""

    id: str
    name: str
    route: str
    device: str
    value: float
    rating: str
    ts: int
    trace_id: str | None
    navigation_type: str | None = None
    user_id: str | None = None
