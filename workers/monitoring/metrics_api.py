"""Metrics endpoints of pitchey-monitoring: ingest (ours and OTLP), query, the Prometheus scrape,
and the rollup cron job."""

from __future__ import annotations

import asyncio
from typing import Any

from edgewatch.access import Role
from edgewatch.codec import decode, encode
from edgewatch.errors import ServiceUnavailable, Unprocessable
from edgewatch.metrics.exposition import prometheus_families, scrape_since
from edgewatch.metrics.merge import group_by_shard, point_rows
from edgewatch.metrics.messages import RecentAnswer, RollupResult, WindowRow
from edgewatch.metrics.model import Point, parse_points
from edgewatch.metrics.otlp import otlp_metrics_response, parse_otlp_metrics
from edgewatch.metrics.prometheus import CONTENT_TYPE, render
from edgewatch.metrics.query import parse_metrics_query, query_answer
from edgewatch.wire.body import check_content_type, decode_body
from edgewatch.wire.otlp_body import OtlpEncoding, otlp_answer, otlp_encoding
from edgewatch_cf.app import Incoming, Open, Reply, Routes
from edgewatch_cf.auth import ingest_scope_for
from edgewatch_cf.bindings import named_stub
from edgewatch_cf.clock import now_ms
from edgewatch_cf.otlp_errors import otlp_errors
from edgewatch_cf.settings import stack_config

SHARDS = 4
JSON_TYPES = ("application/json",)
MAX_METRICS_BODY = 5_000_000
routes = Routes()


def metrics_shard(env: Any, shard: int) -> Any:
    return named_stub(env.METRICS_STORE, f"metrics-shard-{shard}")


def window_ms(env: Any) -> int:
    return stack_config(env).monitoring.metrics.aggregation.window_ms


async def store_points(env: Any, points: list[Point], service_label: str | None) -> int:
    size = window_ms(env)
    parts = group_by_shard(point_rows(points, service_label), SHARDS)
    try:
        stored = await asyncio.gather(*(metrics_shard(env, s).append(size, encode(part)) for s, part in parts.items()))
    except Exception as exc:
        raise ServiceUnavailable(
            f"the metrics store is unavailable ({type(exc).__name__}); nothing was stored, retry",
            headers={"Retry-After": "5"},
        ) from None
    return sum(int(n) for n in stored)


async def store_encoded_points(env: Any, payload: str) -> int:
    """Points another Worker of the stack measured (pitchey-apm's endpoint series), already valid."""
    return await store_points(env, decode(list[Point], payload), None)


async def _ingest_metrics(req: Incoming, otlp: bool) -> Reply:
    scope = ingest_scope_for(req.env, req.header("authorization"))
    encoding = OtlpEncoding.JSON
    if otlp:
        encoding = otlp_encoding(req.header("content-type"))
    else:
        check_content_type(req.header("content-type"), JSON_TYPES)
    body = decode_body(await req.body(MAX_METRICS_BODY), req.header("content-encoding"), MAX_METRICS_BODY)
    now = now_ms()
    points, errors = parse_otlp_metrics(body, now, encoding=encoding) if otlp else parse_points(body, now)
    if not points and errors:
        raise Unprocessable(
            f"all {len(errors)} metric points were rejected", details={"errors": [e.to_json() for e in errors[:10]]}
        )
    stored = await store_points(req.env, points, None if scope == "*" else scope)
    if otlp:
        answer = otlp_answer(otlp_metrics_response(errors), encoding)
        return Reply(answer.body, 200, answer.headers, raw=answer.raw)
    return Reply({"stored": stored, "rejected": len(errors), "errors": [e.to_json() for e in errors[:10]]}, 202)


@routes.route("POST", "/monitoring/metrics", access=Open("an ingest token"))
async def ingest_metrics(req: Incoming) -> Reply:
    return await _ingest_metrics(req, otlp=False)


@routes.route("POST", "/v1/metrics", access=Open("an ingest token"))
@otlp_errors
async def ingest_otlp_metrics(req: Incoming) -> Reply:
    return await _ingest_metrics(req, otlp=True)


@routes.route("GET", "/monitoring/metrics", access=Role.VIEWER)
async def get_metrics(req: Incoming) -> Reply:
    query = parse_metrics_query(req.query, now_ms(), window_ms(req.env))
    shards = range(SHARDS)
    answers = await asyncio.gather(
        *(metrics_shard(req.env, s).windows(query.name, query.start_ms, query.end_ms) for s in shards)
    )
    return Reply(query_answer(query, [row for a in answers for row in decode(list[WindowRow], str(a))]))


@routes.route("GET", "/metrics", access=Role.VIEWER)
async def prometheus(req: Incoming) -> Reply:
    since = scrape_since(now_ms(), window_ms(req.env))
    answers = await asyncio.gather(*(metrics_shard(req.env, s).recent(since) for s in range(SHARDS)))
    text = render(prometheus_families([decode(RecentAnswer, str(a)) for a in answers]))
    return Reply(text, 200, {"content-type": CONTENT_TYPE}, raw=True)


@routes.job("metrics_rollup")
async def metrics_rollup(env, scheduled_ms):
    config = stack_config(env).monitoring.metrics
    older = int(scheduled_ms) - config.collection.retention_ms
    size = config.aggregation.window_ms
    results = await asyncio.gather(*(metrics_shard(env, s).rollup(size, older) for s in range(SHARDS)))
    decoded = [decode(RollupResult, str(r)) for r in results]
    return {"rolled_windows": sum(d.rolled_windows for d in decoded), "older_than_ms": older}
