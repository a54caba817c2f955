"""pitchey-infra: health and latency of the Workers, KV, R2 and Durable Objects, sampled by cron."""

from __future__ import annotations

import asyncio
import time

from workers import WorkerEntrypoint

from edgewatch import infra
from edgewatch.errors import Unprocessable
from edgewatch.health import CheckResult
from edgewatch.schedule import window_end
from edgewatch.services import SERVICES
from edgewatch_cf.app import BindingSpec, Incoming, Reply, WorkerApp
from edgewatch_cf.bindings import KVPort

PEERS = [s for s in SERVICES if s.concern != "infra"]
STORAGE = [
    BindingSpec("KV", "kv"),
    BindingSpec("R2_BUCKET", "r2"),
    BindingSpec("RATE_LIMITER", "durable_object", "infra-probe"),
    BindingSpec("LOG_BUFFER", "durable_object", "infra-probe"),
]
app = WorkerApp("infra", STORAGE + [BindingSpec(s.binding, "service", s.concern) for s in PEERS])


def _samples(results: list[CheckResult], at_ms: int) -> list[infra.Sample]:
    return [infra.Sample(r.name, r.kind, r.ok, r.latency_ms, at_ms, r.error) for r in results]


@app.job("probe_workers")
async def probe_workers(env, scheduled_ms):
    at = window_end("*/1 * * * *", scheduled_ms)
    services = [b for b in app.bindings if b.kind == "service"]
    results = await asyncio.gather(*(app.check_binding(env, spec) for spec in services))
    own = CheckResult("INFRA", "service", True, 0.0)
    key = await infra.record_samples(KVPort(env.KV), "workers", at, _samples([*results, own], at))
    return {"key": key, "down": [r.name for r in results if not r.ok]}


@app.job("probe_storage")
async def probe_storage(env, scheduled_ms):
    at = window_end("*/5 * * * *", scheduled_ms)
    results = await asyncio.gather(*(app.check_binding(env, spec) for spec in STORAGE))
    key = await infra.record_samples(KVPort(env.KV), "storage", at, _samples(list(results), at))
    return {"key": key, "failed": [r.name for r in results if not r.ok]}


def _rollup_job(label: str, cron: str):
    async def job(env, scheduled_ms):
        end = window_end(cron, scheduled_ms)
        kv = KVPort(env.KV)
        result = await (infra.rollup_day(kv, end) if label == "1d" else infra.rollup_samples(kv, label, end))
        return {"key": infra.rollup_key(label, result.start_ms), "sources": result.sources}

    return job


app.job("rollup_15m")(_rollup_job("15m", "*/15 * * * *"))
app.job("rollup_1h")(_rollup_job("1h", "0 * * * *"))
app.job("rollup_1d")(_rollup_job("1d", "0 0 * * *"))


@app.route("GET", "/infra/status")
async def status(req: Incoming) -> Reply:
    kv = KVPort(req.env.KV)
    return Reply(
        {
            "now_ms": int(time.time() * 1000),
            "workers": await infra.latest_samples(kv, "workers"),
            "storage": await infra.latest_samples(kv, "storage"),
        }
    )


@app.route("GET", "/infra/rollups")
async def rollups(req: Incoming) -> Reply:
    label = req.query.get("period", "1h")
    if label not in infra.PERIODS:
        raise Unprocessable(f"period must be one of {', '.join(infra.PERIODS)}", details={"period": label})
    try:
        limit = int(req.query.get("limit", "24"))
    except ValueError:
        raise Unprocessable("limit must be an integer", details={"limit": req.query.get("limit")}) from None
    if not 1 <= limit <= 500:
        raise Unprocessable("limit must be between 1 and 500", details={"limit": limit})
    return Reply({"period": label, "rollups": await infra.latest_rollups(KVPort(req.env.KV), label, limit)})


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await app.handle(request, self.env, self.ctx)

    async def ping(self):
        return app.ping()

    async def run_job(self, name, scheduled_ms):
        return await app.run_job(name, self.env, scheduled_ms)
