"""``GET /apm/summary`` and ``GET /apm/services`` from the merged rollups of a time range: per
service and endpoint the request rate, error rate, p50/p95/p99 and apdex, the slowest endpoints and
traces; and the service map's edges with calls, error rate and p95."""

from __future__ import annotations

from typing import Any

from .rollup import MINUTE_MS, Rollup, RollupKey

SLOWEST_ENDPOINTS = 10
SLOWEST_TRACES = 10


def merged(rows: list[tuple[RollupKey, Rollup]], kind: str) -> dict[tuple[str, str], Rollup]:
    out: dict[tuple[str, str], Rollup] = {}
    for key, rollup in rows:
        if key.kind != kind:
            continue
        name = (key.service, key.name)
        if name in out:
            out[name].merge(rollup)
        else:
            out[name] = Rollup.from_json(rollup.to_json())  # a copy: the rows stay as they were
    return out


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def stats(rollup: Rollup, minutes: float) -> dict[str, Any]:
    count = rollup.count
    return {
        "requests": round(count, 3),
        "requests_per_minute": round(count / minutes, 3) if minutes else None,
        "errors": round(rollup.errors, 3),
        "error_rate": round(rollup.errors / count, 5) if count else 0.0,
        "p50_ms": _round(rollup.sketch.quantile(0.5)),
        "p95_ms": _round(rollup.sketch.quantile(0.95)),
        "p99_ms": _round(rollup.sketch.quantile(0.99)),
        "apdex": round((rollup.satisfied + rollup.tolerating / 2) / count, 4) if count else None,
    }


def apm_summary(
    rows: list[tuple[RollupKey, Rollup]], start_ms: int, end_ms: int, apdex_ms: int, service: str | None = None
) -> dict[str, Any]:
    minutes = max((end_ms - start_ms) / MINUTE_MS, 1.0)
    endpoints = merged(rows, "endpoint")
    services: dict[str, Rollup] = {}
    listed = []
    slow_traces: list[tuple[float, str, str, str]] = []
    for (svc, endpoint), rollup in sorted(endpoints.items()):
        if service is not None and svc != service:
            continue
        services.setdefault(svc, Rollup()).merge(rollup)
        listed.append({"service": svc, "endpoint": endpoint, **stats(rollup, minutes)})
        slow_traces += [(ms, trace, svc, endpoint) for ms, trace in rollup.slowest]
    by_p95 = sorted(listed, key=lambda e: -(e["p95_ms"] or 0.0))[:SLOWEST_ENDPOINTS]
    slow_traces.sort(reverse=True)
    return {
        "from": start_ms,
        "to": end_ms,
        "apdex_threshold_ms": apdex_ms,
        "services": [{"service": svc, **stats(r, minutes)} for svc, r in sorted(services.items())],
        "endpoints": listed,
        "slowest_endpoints": [
            {"service": e["service"], "endpoint": e["endpoint"], "p95_ms": e["p95_ms"]} for e in by_p95
        ],
        "slowest_traces": [
            {"trace_id": trace, "duration_ms": round(ms, 3), "service": svc, "endpoint": endpoint}
            for ms, trace, svc, endpoint in slow_traces[:SLOWEST_TRACES]
        ],
    }


def service_map(rows: list[tuple[RollupKey, Rollup]], start_ms: int, end_ms: int) -> dict[str, Any]:
    minutes = max((end_ms - start_ms) / MINUTE_MS, 1.0)
    edges = merged(rows, "edge")
    nodes = {svc for svc, _ in merged(rows, "endpoint")} | {s for pair in edges for s in pair}
    return {
        "from": start_ms,
        "to": end_ms,
        "services": sorted(nodes),
        "edges": [
            {
                "from": caller,
                "to": callee,
                "calls": round(r.count, 3),
                "calls_per_minute": round(r.count / minutes, 3),
                "error_rate": round(r.errors / r.count, 5) if r.count else 0.0,
                "p95_ms": _round(r.sketch.quantile(0.95)),
            }
            for (caller, callee), r in sorted(edges.items())
        ],
    }
