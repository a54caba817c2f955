"""pitchey-monitoring: owns the five cron triggers and fans each out to the jobs registered for it."""

from __future__ import annotations

import asyncio
import json
import time

from workers import WorkerEntrypoint

from check_runner import CheckRunner
from checks_api import routes as uptime_routes
from edgewatch.errors import Unprocessable
from edgewatch.metrics.model import parse_points
from edgewatch.metrics.otlp import otlp_metrics_response, parse_otlp_metrics
from edgewatch.metrics.prometheus import CONTENT_TYPE, render
from edgewatch.vitals import parse_beacons
from edgewatch.wire.body import check_content_type, decode_body
from edgewatch_cf.auth import ingest_scope_for, require_reader
from metrics_api import SHARDS, prometheus_families, query_metrics, store_points, store_stub
from metrics_store import MetricsStore
from vitals_api import RETENTION_MS as VITALS_RETENTION_MS
from vitals_api import SHARDS as VITALS_SHARDS
from vitals_api import cors_headers, preflight_headers, query_vitals, store_samples
from vitals_api import store_stub as vitals_stub
from vitals_store import VitalsStore

__all__ = ["CheckRunner", "Default", "MetricsStore", "VitalsStore"]

from edgewatch.schedule import JOBS, SCHEDULES, cron_slug
from edgewatch_cf.app import BindingSpec, Incoming, Reply, WorkerApp
from edgewatch_cf.bindings import KVPort
from edgewatch_cf.cron import fan_out
from edgewatch_cf.settings import stack_config

PEERS = ("logs", "apm", "infra", "alerts", "security")
app = WorkerApp(
    "monitoring",
    [
        BindingSpec("KV", "kv"),
        BindingSpec("R2_BUCKET", "r2"),
        BindingSpec("METRICS_STORE", "durable_object", "health"),
        BindingSpec("VITALS_STORE", "durable_object", "health"),
        BindingSpec("CHECK_RUNNER", "durable_object", "health"),
    ]
    + [BindingSpec(peer.upper(), "service", peer) for peer in PEERS],
)
app.include(uptime_routes)
JSON_TYPES = ("application/json",)
MAX_METRICS_BODY = 5_000_000
MAX_VITALS_BODY = 64_000


async def _ingest_metrics(req: Incoming, otlp: bool) -> Reply:
    scope = ingest_scope_for(req.env, req.header("authorization"))
    check_content_type(req.header("content-type"), JSON_TYPES)
    body = decode_body(await req.body(MAX_METRICS_BODY), req.header("content-encoding"), MAX_METRICS_BODY)
    now = int(time.time() * 1000)
    points, errors = parse_otlp_metrics(body, now) if otlp else parse_points(body, now)
    if not points and errors:
        raise Unprocessable(
            f"all {len(errors)} metric points were rejected", details={"errors": [e.to_json() for e in errors[:10]]}
        )
    stored = await store_points(req.env, points, None if scope == "*" else scope)
    if otlp:
        return Reply(otlp_metrics_response(errors))
    return Reply({"stored": stored, "rejected": len(errors), "errors": [e.to_json() for e in errors[:10]]}, 202)


@app.route("POST", "/monitoring/metrics")
async def ingest_metrics(req: Incoming) -> Reply:
    return await _ingest_metrics(req, otlp=False)


@app.route("POST", "/v1/metrics")
async def ingest_otlp_metrics(req: Incoming) -> Reply:
    return await _ingest_metrics(req, otlp=True)


@app.route("GET", "/monitoring/metrics")
async def get_metrics(req: Incoming) -> Reply:
    require_reader(req.env, req.header("authorization"))
    return Reply(await query_metrics(req.env, req.query, int(time.time() * 1000)))


@app.route("GET", "/metrics")
async def prometheus(req: Incoming) -> Reply:
    require_reader(req.env, req.header("authorization"))
    text = render(await prometheus_families(req.env, int(time.time() * 1000)))
    return Reply(text, 200, {"content-type": CONTENT_TYPE}, raw=True)


@app.route("POST", "/monitoring/vitals")
async def ingest_vitals(req: Incoming) -> Reply:
    """Beacons from browsers (fetch or navigator.sendBeacon): public, guarded by CORS and limits."""
    headers = cors_headers(req.env, req.header("origin"))
    check_content_type(req.header("content-type"), ("application/json", "text/plain"))
    body = decode_body(await req.body(MAX_VITALS_BODY), req.header("content-encoding"), MAX_VITALS_BODY)
    thresholds = stack_config(req.env).web_vitals
    samples, errors = parse_beacons(body, int(time.time() * 1000), thresholds, req.header("user-agent"))
    if not samples and errors:
        raise Unprocessable(
            f"all {len(errors)} beacons were rejected",
            details={"errors": [e.to_json() for e in errors[:10]]},
            headers=headers,
        )
    stored = await store_samples(req.env, samples)
    body_out = {"stored": stored, "rejected": len(errors), "errors": [e.to_json() for e in errors[:10]]}
    return Reply(body_out, 202, headers)


@app.route("OPTIONS", "/monitoring/vitals")
async def vitals_preflight(req: Incoming) -> Reply:
    return Reply(None, 204, preflight_headers(req.env, req.header("origin")))


@app.route("GET", "/monitoring/vitals")
async def get_vitals(req: Incoming) -> Reply:
    require_reader(req.env, req.header("authorization"))
    return Reply(await query_vitals(req.env, req.query, int(time.time() * 1000)))


@app.job("vitals_retention")
async def vitals_retention(env, scheduled_ms):
    cutoff = int(scheduled_ms) - VITALS_RETENTION_MS
    removed = await asyncio.gather(*(vitals_stub(env, s).forget_before(cutoff) for s in range(VITALS_SHARDS)))
    return {"removed": sum(int(n) for n in removed), "cutoff_ms": cutoff}


@app.job("metrics_rollup")
async def metrics_rollup(env, scheduled_ms):
    config = stack_config(env).monitoring.metrics
    older = int(scheduled_ms) - config.collection.retention_ms
    results = await asyncio.gather(
        *(store_stub(env, s).rollup(config.aggregation.window_ms, older) for s in range(SHARDS))
    )
    decoded = [json.loads(str(r)) for r in results]
    return {"rolled_windows": sum(d["rolled_windows"] for d in decoded), "older_than_ms": older}


@app.route("GET", "/monitoring/cron")
async def cron_status(req: Incoming) -> Reply:
    kv = KVPort(req.env.KV)
    schedules = []
    for cron in SCHEDULES:
        last = await kv.get(f"cron:last:{cron_slug(cron)}")
        schedules.append(
            {
                "cron": cron,
                "jobs": [job.qualified for job in JOBS[cron]],
                "last_run": None if last is None else json.loads(last),
            }
        )
    return Reply({"schedules": schedules})


@app.route("GET", "/monitoring/config")
async def effective_config(req: Incoming) -> Reply:
    """The configuration in force. Secrets appear only as references such as env:SLACK_WEBHOOK_URL."""
    config = stack_config(req.env)
    return Reply(
        {
            "monitoring": config.monitoring.model_dump(mode="json", by_alias=True),
            "security_rules": [rule.model_dump(mode="json", by_alias=True) for rule in config.security_rules],
            "web_vitals": {name: t.model_dump(mode="json") for name, t in config.web_vitals.items()},
        }
    )


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await app.handle(request, self.env, self.ctx)

    async def scheduled(self, controller, env=None, ctx=None):
        await fan_out(app, self.env, str(controller.cron), int(controller.scheduledTime))

    async def ping(self):
        return app.ping()

    async def run_job(self, name, scheduled_ms):
        return await app.run_job(name, self.env, scheduled_ms)
