"""pitchey-infra's jobs and reads: probe samples of the Workers and the storage bindings, rollups."""

from __future__ import annotations

import asyncio

from edgewatch import infra
from edgewatch.access import Role
from edgewatch.errors import Unprocessable
from edgewatch.health import CheckResult
from edgewatch.schedule import window_end
from edgewatch.services import SERVICES
from edgewatch.wire.params import int_param
from edgewatch_cf.app import BindingSpec, Incoming, Reply, Routes, check_binding
from edgewatch_cf.bindings import KVPort
from edgewatch_cf.clock import now_ms

PEERS = [s for s in SERVICES if s.concern != "infra"]
STORAGE = [
    BindingSpec("KV", "kv"),
    BindingSpec("R2_BUCKET", "r2"),
    BindingSpec("RATE_LIMITER", "durable_object", "infra-probe"),
    BindingSpec("LOG_BUFFER", "durable_object", "infra-probe"),
]
WORKERS = [BindingSpec(s.binding, "service", s.concern) for s in PEERS]
routes = Routes()


def _samples(results: list[CheckResult], at_ms: int) -> list[infra.Sample]:
    return [infra.Sample(r.name, r.kind, r.ok, r.latency_ms, at_ms, r.error) for r in results]


@routes.job("probe_workers")
async def probe_workers(env, scheduled_ms):
    at = window_end("*/1 * * * *", scheduled_ms)
    results = await asyncio.gather(*(check_binding(env, spec) for spec in WORKERS))
    own = CheckResult("INFRA", "service", True, 0.0)
    key = await infra.record_samples(KVPort(env.KV), "workers", at, _samples([*results, own], at))
    return {"key": key, "down": [r.name for r in results if not r.ok]}


@routes.job("probe_storage")
async def probe_storage(env, scheduled_ms):
    at = window_end("*/5 * * * *", scheduled_ms)
    results = await asyncio.gather(*(check_binding(env, spec) for spec in STORAGE))
    key = await infra.record_samples(KVPort(env.KV), "storage", at, _samples(list(results), at))
    return {"key": key, "failed": [r.name for r in results if not r.ok]}


async def _rollup(env, label: str, cron: str, scheduled_ms: int):
    end = window_end(cron, scheduled_ms)
    kv = KVPort(env.KV)
    result = await (infra.rollup_day(kv, end) if label == "1d" else infra.rollup_samples(kv, label, end))
    return {"key": infra.rollup_key(label, result.start_ms), "sources": result.sources}


@routes.job("rollup_15m")
async def rollup_15m(env, scheduled_ms):
    return await _rollup(env, "15m", "*/15 * * * *", scheduled_ms)


@routes.job("rollup_1h")
async def rollup_1h(env, scheduled_ms):
    return await _rollup(env, "1h", "0 * * * *", scheduled_ms)


@routes.job("rollup_1d")
async def rollup_1d(env, scheduled_ms):
    return await _rollup(env, "1d", "0 0 * * *", scheduled_ms)


@routes.route("GET", "/infra/status", access=Role.VIEWER)
async def status(req: Incoming) -> Reply:
    kv = KVPort(req.env.KV)
    now = now_ms()
    workers, storage = await infra.latest_samples(kv, "workers"), await infra.latest_samples(kv, "storage")
    return Reply({"now_ms": now, "workers": workers, "storage": storage})


@routes.route("GET", "/infra/rollups", access=Role.VIEWER)
async def rollups(req: Incoming) -> Reply:
    label = req.query.get("period", "1h")
    if label not in infra.PERIODS:
        raise Unprocessable(f"period must be one of {', '.join(infra.PERIODS)}", details={"period": label})
    limit = int_param(req.query, "limit", 24, 1, 500)
    return Reply({"period": label, "rollups": await infra.latest_rollups(KVPort(req.env.KV), label, limit)})
