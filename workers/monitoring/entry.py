"""pitchey-monitoring: owns the five cron triggers and fans each out to the jobs registered for it."""

from __future__ import annotations

import json

from workers import WorkerEntrypoint

from edgewatch.schedule import JOBS, SCHEDULES, cron_slug
from edgewatch_cf.app import BindingSpec, Incoming, Reply, WorkerApp
from edgewatch_cf.bindings import KVPort
from edgewatch_cf.cron import fan_out

PEERS = ("logs", "apm", "infra", "alerts", "security")
app = WorkerApp(
    "monitoring",
    [BindingSpec("KV", "kv"), BindingSpec("R2_BUCKET", "r2")]
    + [BindingSpec(peer.upper(), "service", peer) for peer in PEERS],
)


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


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await app.handle(request, self.env, self.ctx)

    async def scheduled(self, controller, env=None, ctx=None):
        await fan_out(app, self.env, str(controller.cron), int(controller.scheduledTime))

    async def ping(self):
        return app.ping()

    async def run_job(self, name, scheduled_ms):
        return await app.run_job(name, self.env, scheduled_ms)
