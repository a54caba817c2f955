"""Core Web Vitals endpoints of pitchey-monitoring: browser beacons in, p75 and ratings out, and
the retention cron job."""

from __future__ import annotations

import asyncio
from typing import Any

from edgewatch.access import Role
from edgewatch.codec import decode, encode, to_plain
from edgewatch.errors import ServiceUnavailable, Unprocessable
from edgewatch.vitals import (
    VitalSample,
    VitalSampleRow,
    VitalsQuery,
    VitalValue,
    allowed_origins,
    cors_headers,
    page_from_referer,
    parse_beacons,
    parse_vitals_query,
    preflight_headers,
    rated_summary,
    rows_by_shard,
    trace_path,
)
from edgewatch.wire.body import check_content_type, decode_body
from edgewatch.wire.params import int_param
from edgewatch_cf.app import Incoming, Open, Reply, Routes
from edgewatch_cf.bindings import named_stub
from edgewatch_cf.clock import now_ms
from edgewatch_cf.settings import stack_config

SHARDS = 4
RETENTION_MS = 30 * 86_400_000
MAX_VITALS_BODY = 64_000
routes = Routes()


def vitals_shard(env: Any, shard: int) -> Any:
    return named_stub(env.VITALS_STORE, f"vitals-shard-{shard}")


def _origins(env: Any) -> list[str]:
    return allowed_origins(str(getattr(env, "VITALS_ALLOWED_ORIGINS", None) or ""))


async def store_samples(env: Any, samples: list[VitalSample]) -> int:
    parts = rows_by_shard(samples, SHARDS)
    try:
        stored = await asyncio.gather(*(vitals_shard(env, s).put(encode(rows)) for s, rows in parts.items()))
    except Exception as exc:
        raise ServiceUnavailable(
            f"the vitals store is unavailable ({type(exc).__name__}); retry", headers={"Retry-After": "5"}
        ) from None
    return sum(int(n) for n in stored)


@routes.route("POST", "/monitoring/vitals", access=Open("public Web Vitals beacons, CORS"))
async def ingest_vitals(req: Incoming) -> Reply:
    """Beacons from browsers (fetch or navigator.sendBeacon): public, guarded by CORS and limits."""
    headers = cors_headers(_origins(req.env), req.header("origin"))
    check_content_type(req.header("content-type"), ("application/json", "text/plain"))
    body = decode_body(await req.body(MAX_VITALS_BODY), req.header("content-encoding"), MAX_VITALS_BODY)
    thresholds = stack_config(req.env).web_vitals
    page = page_from_referer(req.header("referer"), req.header("origin"))
    samples, errors = parse_beacons(body, now_ms(), thresholds, req.header("user-agent"), page=page)
    if not samples and errors:
        raise Unprocessable(
            f"all {len(errors)} beacons were rejected",
            details={"errors": [e.to_json() for e in errors[:10]]},
            headers=headers,
        )
    stored = await store_samples(req.env, samples)
    body_out = {
        "stored": stored,
        "rejected": len(errors),
        "errors": [e.to_json() for e in errors[:10]],
        # Bare Metrics without a route: filed under the same-origin Referer's page, or under (unknown).
        "route_from_referer": sum(1 for s in samples if s.route_source == "referer"),
        "route_unknown": sum(1 for s in samples if s.route_source == "unknown"),
    }
    return Reply(body_out, 202, headers)


@routes.route("OPTIONS", "/monitoring/vitals", access=Open("public Web Vitals beacons, CORS"))
async def vitals_preflight(req: Incoming) -> Reply:
    return Reply(None, 204, preflight_headers(_origins(req.env), req.header("origin")))


async def vitals_summaries(env: Any, query: VitalsQuery, by_device: bool = True) -> dict[str, list[dict[str, Any]]]:
    """Per metric of the query, the rated summary of every shard's values (edgewatch.vitals)."""
    thresholds = stack_config(env).web_vitals
    out = {}
    for name in query.names:
        answers = await asyncio.gather(
            *(
                vitals_shard(env, s).values(name, query.start_ms, query.end_ms, query.route, query.device)
                for s in range(SHARDS)
            )
        )
        rows = [row for raw in answers for row in decode(list[VitalValue], str(raw))]
        out[name] = rated_summary(name, rows, thresholds, by_device)
    return out


@routes.route("GET", "/monitoring/vitals", access=Role.VIEWER)
async def get_vitals(req: Incoming) -> Reply:
    query = parse_vitals_query(req.query, now_ms())
    out = await vitals_summaries(req.env, query)
    return Reply({"from": query.start_ms, "to": query.end_ms, "metrics": out})


@routes.route("GET", "/monitoring/vitals/samples", access=Role.VIEWER)
async def worst_samples(req: Incoming) -> Reply:
    """The slowest reports of one vital (``name``, default LCP), each with the edge trace that
    served its page when the beacon carried the document's Server-Timing traceparent."""
    query = parse_vitals_query({"name": "LCP", **req.query}, now_ms())
    limit = int_param(req.query, "limit", 20, 1, 200)
    name = query.names[0]
    answers = await asyncio.gather(
        *(vitals_shard(req.env, s).worst(name, query.start_ms, query.end_ms, query.route, limit) for s in range(SHARDS))
    )
    rows = sorted((row for raw in answers for row in decode(list[VitalSampleRow], str(raw))), key=lambda r: -r.value)[
        :limit
    ]
    samples = [{**to_plain(row), "trace": trace_path(row.trace_id)} for row in rows]
    return Reply({"name": name, "from": query.start_ms, "to": query.end_ms, "samples": samples})


@routes.job("vitals_retention")
async def vitals_retention(env, scheduled_ms):
    cutoff = int(scheduled_ms) - RETENTION_MS
    removed = await asyncio.gather(*(vitals_shard(env, s).forget_before(cutoff) for s in range(SHARDS)))
    return {"removed": sum(int(n) for n in removed), "cutoff_ms": cutoff}
