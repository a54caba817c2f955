"""pitchey-logs: structured log ingest (native, OTLP/HTTP JSON, Loki push), search, tail, archival."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from workers import WorkerEntrypoint

from edgewatch.errors import BadRequest, NotFound, ServiceUnavailable, Unprocessable
from edgewatch.health import CheckResult
from edgewatch.logs import loki, otlp
from edgewatch.logs.ingest import parse_native
from edgewatch.logs.pipeline import ShardPayload, prepare
from edgewatch.logs.retention import RetentionPolicy
from edgewatch.logs.sampling import Sampler
from edgewatch.logs.scrub import Scrubber, rules_from_config
from edgewatch.tokens import check_service
from edgewatch.wire.body import check_content_type, decode_body
from edgewatch_cf.app import BindingSpec, Incoming, Reply, WorkerApp
from edgewatch_cf.auth import ingest_scope_for, require_reader
from edgewatch_cf.faults import enabled as faults_enabled
from edgewatch_cf.faults import set_fault
from edgewatch_cf.settings import stack_config
from log_buffer import LogBuffer
from retention_job import apply_retention, last_retention_report
from search import run_metrics, run_search, run_tail, shard_stub

__all__ = ["Default", "LogBuffer"]

app = WorkerApp(
    "logs",
    [BindingSpec("KV", "kv"), BindingSpec("R2_BUCKET", "r2"), BindingSpec("LOG_BUFFER", "durable_object", "health")],
)
JSON_TYPES = ("application/json", "application/x-ndjson", "application/jsonl", "text/plain")


async def _ingest(req: Incoming, fmt: str):
    config = stack_config(req.env).monitoring.logging
    scope = ingest_scope_for(req.env, req.header("authorization"))
    check_content_type(req.header("content-type"), ("application/json",) if fmt != "native" else JSON_TYPES)
    raw = await req.body(config.ingest.max_body_bytes)
    body = decode_body(raw, req.header("content-encoding"), config.ingest.max_body_bytes)
    now = int(time.time() * 1000)
    default_service = None if scope == "*" else scope
    if fmt == "otlp":
        batch = otlp.parse_otlp_logs(body, now, config.ingest.max_entries)
    elif fmt == "loki":
        batch = loki.parse_loki_push(body, now, config.ingest.max_entries)
    else:
        batch = parse_native(body, now, default_service, config.ingest.max_entries)
    for entry in batch.entries:
        check_service(scope, entry.service)
    sampler = Sampler(config.sampling)
    # Always a scrubber: with scrubbing disabled its rules still escape control characters.
    salt = str(getattr(req.env, "SCRUB_HASH_SALT", None) or "")
    scrubber = Scrubber(rules_from_config(config.scrubbing, salt))
    prepared = prepare(batch, sampler, scrubber, config.buffer.shards)
    batch_id = req.header("x-batch-id") or req.header("idempotency-key")
    if batch_id is not None and not (0 < len(batch_id) <= 128):
        raise BadRequest("X-Batch-Id must be 1-128 characters")

    async def store(shard: int, payload: ShardPayload) -> dict[str, Any]:
        stub = shard_stub(req.env, shard)
        answer: dict[str, Any] = json.loads(str(await stub.append(shard, payload.encode(batch_id))))
        return answer

    try:
        results = await asyncio.gather(*(store(s, p) for s, p in prepared.shards.items()))
    except Exception as exc:
        app.console.error("ingest_store_failed", error=f"{type(exc).__name__}: {exc}")
        raise ServiceUnavailable(
            "the log buffer is unavailable; nothing from this request was acknowledged, retry it (with X-Batch-Id)",
            headers={"Retry-After": "5"},
        ) from None
    duplicate = bool(results) and all(r["duplicate"] for r in results)
    return batch, prepared, duplicate


@app.route("POST", "/logs/ingest")
async def ingest_native(req: Incoming) -> Reply:
    batch, prepared, duplicate = await _ingest(req, "native")
    if not batch.entries and batch.errors:
        raise Unprocessable(
            f"all {batch.total} entries were rejected",
            details={"rejected": batch.rejected, "errors": [e.to_json() for e in batch.errors[:10]]},
        )
    return Reply(
        {
            "accepted": prepared.accepted,
            "stored": prepared.kept,
            "sampled_out": prepared.sampled_out,
            "rejected": batch.rejected,
            "errors": [e.to_json() for e in batch.errors[:10]],
            "duplicate": duplicate,
        },
        202 if not batch.errors else 207,
    )


@app.route("POST", "/v1/logs")
async def ingest_otlp(req: Incoming) -> Reply:
    batch, _prepared, _duplicate = await _ingest(req, "otlp")
    return Reply(otlp.otlp_response(batch), 200)


@app.route("POST", "/loki/api/v1/push")
async def ingest_loki(req: Incoming) -> Reply:
    batch, _prepared, _duplicate = await _ingest(req, "loki")
    if not batch.entries and batch.errors:
        raise BadRequest(f"all {batch.total} entries were rejected", details=[e.to_json() for e in batch.errors[:10]])
    return Reply(None, 204)


@app.route("GET", "/logs/search")
async def search_logs(req: Incoming) -> Reply:
    require_reader(req.env, req.header("authorization"))
    return Reply(await run_search(req.env, req.query, int(time.time() * 1000)))


@app.route("GET", "/logs/tail")
async def tail_logs(req: Incoming) -> Reply:
    require_reader(req.env, req.header("authorization"))
    return Reply(await run_tail(req.env, req.query))


@app.route("GET", "/logs/metrics")
async def log_metrics(req: Incoming) -> Reply:
    require_reader(req.env, req.header("authorization"))
    return Reply(await run_metrics(req.env, req.query, int(time.time() * 1000)))


@app.route("GET", "/logs/stats")
async def buffer_stats(req: Incoming) -> Reply:
    config = stack_config(req.env).monitoring.logging.buffer
    shards = await asyncio.gather(*(shard_stub(req.env, s).stats() for s in range(config.shards)))
    return Reply({"shards": [json.loads(str(s)) for s in shards], "retention": await last_retention_report(req.env)})


@app.route("PUT", "/logs/_test/faults/{name}")
async def put_fault(req: Incoming) -> Reply:
    if not faults_enabled(req.env):
        raise NotFound("fault injection exists only in the test environment")
    await set_fault(req.env, req.params["name"], int(req.query.get("count", "1")))
    return Reply({"fault": req.params["name"], "count": int(req.query.get("count", "1"))})


@app.job("flush")
async def flush_all(env, scheduled_ms):
    config = stack_config(env).monitoring.logging.buffer
    reports = await asyncio.gather(*(shard_stub(env, s).flush_now("cron") for s in range(config.shards)))
    decoded = [json.loads(str(r)) for r in reports]
    failed = [r for r in decoded if not r["ok"]]
    if failed:
        raise RuntimeError(f"{len(failed)} shard(s) could not flush: {failed[0]['error']}")
    return {"objects": sum(len(r["objects"]) for r in decoded)}


@app.job("retention")
async def retention(env, scheduled_ms):
    logging = stack_config(env).monitoring.logging
    policy = RetentionPolicy.from_config(logging.retention, logging.retention_overrides)
    return await apply_retention(env, policy, int(scheduled_ms))


async def retention_check(env) -> CheckResult:
    """Degraded when the last retention run found objects older than allowed, or is overdue."""
    report = await last_retention_report(env)
    if report is None:
        return CheckResult("retention", "retention", True, 0.0, None)
    overdue = int(time.time() * 1000) - int(report["ran_at_ms"]) > 2 * 86_400_000
    problems = []
    if report["violations"]:
        problems.append(f"{report['violations']} archived object(s) older than their retention")
    if overdue:
        problems.append("the daily retention job has not run for more than two days")
    if report["errors"]:
        problems.append(str(report["errors"][0]))
    return CheckResult("retention", "retention", not problems, 0.0, "; ".join(problems) or None)


app.extra_checks.append(retention_check)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await app.handle(request, self.env, self.ctx)

    async def ping(self):
        return app.ping()

    async def run_job(self, name, scheduled_ms):
        return await app.run_job(name, self.env, scheduled_ms)
